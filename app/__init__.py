"""The customs scanner inventory: a REST API over where customs scanners stand and what is known of them."""
