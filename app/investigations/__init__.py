"""Announced and running research into the scanners and their vendors."""
