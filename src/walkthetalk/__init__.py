"""Walk the Talk: see a system of care's parallel processes and hold the hard conversations."""

__version__ = "0.1.0"
