"""Data and its invariants for the pulse app."""
