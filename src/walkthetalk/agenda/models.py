"""Data and its invariants for the agenda app."""
