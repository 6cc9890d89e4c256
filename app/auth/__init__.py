"""API keys and roles: who may read, who may change the inventory, who may manage keys."""
