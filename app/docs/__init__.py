"""Offline API documentation (Swagger UI, ReDoc) and the pages problem ``type`` URIs point to."""
