"""Reports: exposure, counts and overdue work across the inventory, as JSON or CSV."""
