"""Webhook subscriptions and the delivery of change records to them."""
