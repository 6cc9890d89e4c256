"""Sites: the places where scanners stand."""
