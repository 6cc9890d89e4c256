"""Health endpoints for load balancers and orchestrators."""
