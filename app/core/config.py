"""All configuration, read once from environment variables prefixed ``INVENTORY_``."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime settings; every field maps to ``INVENTORY_<FIELD_NAME>``."""

    model_config = SettingsConfigDict(env_prefix="INVENTORY_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./var/inventory.db",
        description="SQLAlchemy-style URL. sqlite:///path or postgresql://user@host:port/db.",
    )
    host: str = Field(default="127.0.0.1", description="Interface the API listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port the API listens on.")
    secret_key: str | None = Field(
        default=None,
        description="Server-side secret for signing cursors and hashing API keys. "
        "When unset, one is generated on first start and kept in var/secret_key.",
    )
    var_dir: Path = Field(default=Path("var"), description="Folder for the local state of the service.")
    read_pool_size: int = Field(default=10, ge=1, le=100, description="PostgreSQL read-pool size.")
    log_level: str = Field(default="info", description="uvicorn log level.")
    # Database fault bounds: with them a fault is a 503 within seconds, never a hang (app/core/faults.py).
    db_connect_timeout: int = Field(
        default=2, ge=2, le=60, description="Seconds to establish a PostgreSQL connection (libpq's minimum is 2)."
    )
    db_statement_timeout: float = Field(
        default=2.0, gt=0, le=600, description="Seconds one PostgreSQL statement may take, server- and client-side."
    )
    db_acquire_timeout: float = Field(
        default=2.0, gt=0, le=60, description="Seconds to wait for a free pooled connection when all are busy."
    )
    db_startup_timeout: float = Field(
        default=30.0, ge=0, le=3600, description="Seconds to keep retrying an unreachable database at startup before exiting."
    )
    sqlite_busy_timeout: float = Field(
        default=10.0, gt=0, le=600, description="Seconds a SQLite writer waits for the write lock before a 503."
    )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (cached; tests clear the cache to change them)."""
    return Settings()


@lru_cache
def get_secret_key() -> bytes:
    """The server-side secret: ``INVENTORY_SECRET_KEY``, else one generated once into ``var/secret_key``.

    Replicas behind a load balancer must share one secret, so set the variable there.
    """
    settings = get_settings()
    if settings.secret_key:
        return settings.secret_key.encode()
    path = settings.var_dir / "secret_key"
    if not path.exists():
        import os
        import secrets

        settings.var_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()
