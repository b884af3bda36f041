"""Data and its invariants for the messenger app."""
