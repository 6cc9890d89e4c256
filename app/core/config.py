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
    max_body_bytes: int = Field(
        default=1024 * 1024, ge=1, description="Largest request body accepted; larger is a 413 (default 1 MiB)."
    )
    max_header_bytes: int = Field(
        default=16 * 1024,
        ge=1024,
        description="Largest request head (target plus header names and values) accepted; larger is a 431.",
    )
    max_header_count: int = Field(default=100, ge=10, description="Most header fields a request may carry.")

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
