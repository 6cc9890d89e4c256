"""Organisations that operate scanners and sites."""
