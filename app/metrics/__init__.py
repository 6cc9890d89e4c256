"""Prometheus metrics of the running service (``/metrics``)."""
