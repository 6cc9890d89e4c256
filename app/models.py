"""Every table on the metadata, so Alembic and the reads of the past see the whole schema.

Each folder's ``models.py`` is imported, so a new collection's tables are found without editing this
file; tables defined elsewhere are imported by name below.
"""

import importlib
import importlib.util
import pkgutil

import app
import app.core.idempotency  # noqa: F401  (the idempotency records' table)

TABLE_MODULES = sorted(
    f"app.{package.name}.models"
    for package in pkgutil.iter_modules(app.__path__)
    if package.ispkg and importlib.util.find_spec(f"app.{package.name}.models") is not None
)
"""Every ``app/<folder>/models.py``."""

for _module in TABLE_MODULES:
    importlib.import_module(_module)
