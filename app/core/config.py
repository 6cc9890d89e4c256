"""All configuration, read once from environment variables prefixed ``INVENTORY_``."""

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_docs_assets_dir() -> Path:
    """``$XDG_CACHE_HOME`` (or ``~/.cache``) ``/customs-scanner-inventory/docs-assets``."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "customs-scanner-inventory" / "docs-assets"


def _seconds(default: float, at_most: float, description: str, *, zero_allowed: bool = False) -> Any:
    """A setting that is a number of seconds: more than zero (or, ``zero_allowed``, at least zero), at most
    ``at_most``."""
    if zero_allowed:
        return Field(default=default, ge=0, le=at_most, description=description)
    return Field(default=default, gt=0, le=at_most, description=description)


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
    docs_assets_dir: Path = Field(
        default_factory=lambda: default_docs_assets_dir(),
        description="Where `inventory install-docs-assets` puts the Swagger UI and ReDoc files /docs and /redoc "
        "serve (third-party builds, kept out of the source tree); default: the user's cache folder.",
    )
    read_pool_size: int = Field(default=10, ge=1, le=100, description="PostgreSQL read-pool size.")
    log_level: str = Field(default="info", description="Log level: debug, info, warning, error.")
    log_format: Literal["json", "text"] = Field(
        default="json", description="json: one JSON object per line; text: aligned, coloured lines for a terminal."
    )
    mode: Literal["development", "production"] = Field(
        default="development",
        description="production: `serve` neither migrates, seeds nor mints keys (run `inventory migrate` first).",
    )
    workers: int = Field(default=1, ge=1, le=64, description="uvicorn worker processes of `serve`.")
    metrics_token: str | None = Field(
        default=None,
        min_length=32,
        description="Bearer token that may read /metrics (besides admin API keys), for the metrics scraper.",
    )
    drain_seconds: float = _seconds(
        5.0,
        300,
        "After SIGTERM: seconds /health/ready answers 503 while requests are still served, "
        "before the server stops accepting connections.",
        zero_allowed=True,
    )
    max_body_bytes: int = Field(
        default=1024 * 1024, ge=1, description="Largest request body accepted; larger is a 413 (default 1 MiB)."
    )
    bulk_max_rows: int = Field(
        default=1000,
        ge=1,
        le=100_000,
        description="Most rows one bulk request (a JSON array or a CSV import) may hold; more is a 422 naming the limit.",
    )
    change_request_ttl_days: float = Field(
        default=14, gt=0, le=3650, description="Days a change request stays pending before it expires unapproved."
    )
    approval_rules: str = Field(
        default="all",
        description="Which rules of the approval policy (`app/approvals/policy.py`) are enforced: `all`, `none`, or a "
        "comma-separated list of rule ids such as `scanner-network,api-key-admin`.",
    )
    max_header_bytes: int = Field(
        default=16 * 1024,
        ge=1024,
        description="Largest request head (target plus header names and values) accepted; larger is a 431.",
    )
    max_header_count: int = Field(default=100, ge=10, description="Most header fields a request may carry.")
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

    # Database fault bounds: with them a fault is a 503 within seconds, never a hang (app/core/faults.py).
    db_connect_timeout: int = Field(
        default=2, ge=2, le=60, description="Seconds to establish a PostgreSQL connection (libpq's minimum is 2)."
    )
    db_statement_timeout: float = _seconds(
        2.0, 600, "Seconds one PostgreSQL statement may take, server- and client-side."
    )
    db_acquire_timeout: float = _seconds(2.0, 60, "Seconds to wait for a free pooled connection when all are busy.")
    db_startup_timeout: float = _seconds(
        30.0, 3600, "Seconds to keep retrying an unreachable database at startup before exiting.", zero_allowed=True
    )
    sqlite_busy_timeout: float = _seconds(10.0, 600, "Seconds a SQLite writer waits for the write lock before a 503.")

    # Webhooks (app/webhooks/).
    webhook_allowed_networks: str = Field(
        default="",
        description="Comma-separated hostnames or CIDR networks webhooks may be sent to. Empty: any public address. "
        "Loopback, link-local, private and metadata addresses are refused unless listed.",
    )
    webhook_worker: bool = Field(
        default=True,
        description="Run the webhook delivery worker inside `inventory serve` (else run `inventory deliver`).",
    )
    webhook_max_failures: int = Field(
        default=10, ge=1, le=1000, description="Failed attempts in a row after which a subscription is disabled."
    )
    webhook_retry_base_seconds: float = _seconds(
        1.0, 3600, "Delay before the first retry; it doubles with each failure (with jitter)."
    )
    webhook_retry_max_seconds: float = _seconds(300.0, 86400, "Longest delay between two attempts.")
    webhook_connect_timeout: float = _seconds(3.0, 60, "Seconds to connect to a receiver.")
    webhook_read_timeout: float = _seconds(10.0, 300, "Seconds to wait for a receiver's answer.")

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


class UnsafeConfiguration(RuntimeError):
    """A configuration the service refuses to start with."""


def check_settings(settings: Settings) -> None:
    """Refuse to serve PostgreSQL without ``INVENTORY_SECRET_KEY``.

    A generated ``var/secret_key`` belongs to one machine: replicas over one PostgreSQL would each
    make their own, so every API key and cursor would work on one replica only, and a rebuilt
    container would invalidate them all.
    """
    if not settings.is_sqlite and not settings.secret_key:
        raise UnsafeConfiguration(
            "INVENTORY_SECRET_KEY is not set: on PostgreSQL every replica must share one configured secret "
            "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
