"""Data and its invariants for the conversations app."""
