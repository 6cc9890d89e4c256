"""Scanners: the individual scanning units, where they stand and how they are linked."""
