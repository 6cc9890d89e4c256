"""All configuration, read once from environment variables prefixed ``INVENTORY_``."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
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
    public_base_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$",
        description="The service's public URL (e.g. https://inventory.example.org). When set, Location and Link "
        "headers are absolute under it; when unset they are relative references. Never taken from the Host header.",
    )
    rate_limit: str = Field(
        default="600/minute",
        description="Requests per API key (limits syntax: 600/minute, 10/second;600/minute), or off.",
    )
    auth_failure_limit: str = Field(
        default="20/minute", description="Failed authentications per client address (limits syntax), or off."
    )
    redis_url: str | None = Field(
        default=None,
        pattern=r"^rediss?://",
        description="Redis for state shared by workers and replicas (rate-limit counters), e.g. "
        "redis://127.0.0.1:6379/0. Unset: kept in each process's memory.",
    )
    redis_key_prefix: str = Field(
        default="inventory", min_length=1, max_length=100, description="Prefix of every key the service sets in Redis."
    )

    @field_validator("rate_limit", "auth_failure_limit")
    @classmethod
    def _valid_limit(cls, value: str) -> str:
        from app.core.ratelimit import parse_limit

        parse_limit(value)
        return value

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
    from app.core.files import read_or_create_secret

    return read_or_create_secret(settings.var_dir / "secret_key").encode()
