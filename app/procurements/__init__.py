"""Procurements: the purchases through which scanners were bought, and the checks made before buying."""
