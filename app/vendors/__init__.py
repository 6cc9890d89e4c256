"""Vendors: the manufacturers of scanners, and foreign governments' decisions about them."""
