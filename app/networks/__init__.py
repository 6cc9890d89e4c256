"""Networks: closed networks that scanners are linked into."""
