"""Cross-cutting pieces shared by every domain: settings, database access, errors, pagination."""
