"""The change log over HTTP: the log and its feed, verification, and every collection's history and restore endpoints."""
