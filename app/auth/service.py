"""Authenticating API keys and minting new ones."""

from __future__ import annotations

import hmac
import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from app.approvals.policy import Target, approval_target
from app.auth.models import ApiKey
from app.auth.schemas import ApiKeyCreate, ApiKeyUpdate
from app.auth.tokens import PREFIX_LENGTH, hash_token, looks_like_token, new_token
from app.changes.resources import columns_listing, read_one, row_shape
from app.changes.writes import changed_fields, expected_version, get_or_404, insert_row, load_item, update_row
from app.core.choices import Role
from app.core.db import format_timestamp, utcnow
from app.core.errors import Conflict, Unauthorized, invalid_field
from app.core.files import private_dir
from app.core.pagination import Filters, fetch_page
from app.core.reads import ReadDatabase

logger = logging.getLogger("app.auth")

CACHE_SECONDS = 5.0
"""How long a process trusts what it read about a key. A revocation made through another
process (or replica) takes effect within this time; one made through this process at once."""

TOUCH_SECONDS = 60.0
"""``last_used_at`` is written at most this often per key, so reads stay reads."""

LOCAL_ADMIN_OWNER = "local administrator"
"""The owner of the admin key ``inventory serve`` keeps in ``var/admin.token``."""

UNAUTHORIZED_DETAIL = "A valid API key is required: send 'Authorization: Bearer <token>'."


@dataclass(frozen=True)
class Principal:
    """The API key a request was made with."""

    key_id: int
    name: str
    role: Role
    expires_at: str | None

    def allows(self, role: Role) -> bool:
        return self.role.rank >= role.rank


def unauthorized() -> Unauthorized:
    # One answer for missing, malformed, unknown, expired and revoked tokens: nothing to probe.
    return Unauthorized(UNAUTHORIZED_DETAIL, headers={"WWW-Authenticate": 'Bearer realm="inventory"'})


class KeyCache:
    """Per-process memory of recently seen keys, by token hash."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, Principal]] = {}
        self._touched: dict[int, float] = {}
        self._forgotten: dict[int, float] = {}

    def get(self, token_hash: str) -> Principal | None:
        entry = self._entries.get(token_hash)
        if entry is None or time.monotonic() - entry[0] > CACHE_SECONDS:
            return None
        return entry[1]

    def put(self, token_hash: str, principal: Principal, *, read_at: float) -> None:
        """Remember what was read at ``read_at`` (unless the key was changed since: that read may be stale)."""
        if self._forgotten.get(principal.key_id, float("-inf")) >= read_at:
            return
        self._entries[token_hash] = (time.monotonic(), principal)

    def forget(self, key_id: int) -> None:
        """Drop a key at once (revoked or changed through this process)."""
        self._forgotten[key_id] = time.monotonic()
        for token_hash, (_, principal) in list(self._entries.items()):
            if principal.key_id == key_id:
                del self._entries[token_hash]

    def touch_due(self, key_id: int) -> bool:
        now = time.monotonic()
        if now - self._touched.get(key_id, float("-inf")) < TOUCH_SECONDS:
            return False
        self._touched[key_id] = now
        return True


def recently_verified(cache: KeyCache, token: str | None) -> bool:
    """Whether this process verified ``token`` moments ago (it is in the key cache)."""
    return bool(token and looks_like_token(token) and cache.get(hash_token(token)) is not None)


async def authenticate(reads: ReadDatabase, cache: KeyCache, token: str | None) -> Principal:
    """The principal of a bearer token, or the one 401 problem."""
    if not token or not looks_like_token(token):
        raise unauthorized()
    token_hash = hash_token(token)
    principal = cache.get(token_hash)
    if principal is None:
        read_at = time.monotonic()
        rows = await reads.fetch(
            "SELECT id, name, role, token_hash, expires_at, revoked_at FROM api_key WHERE token_hash = :token_hash",
            {"token_hash": token_hash},
        )
        if not rows or not hmac.compare_digest(rows[0]["token_hash"], token_hash) or rows[0]["revoked_at"] is not None:
            raise unauthorized()
        row = rows[0]
        principal = Principal(row["id"], row["name"], Role(row["role"]), reads.timestamp(row["expires_at"]))
        cache.put(token_hash, principal, read_at=read_at)
    if principal.expires_at is not None and principal.expires_at <= format_timestamp(utcnow()):
        raise unauthorized()
    return principal


def touch(session: Session, key_id: int, when: datetime) -> None:
    """Record that a key was used (not a change of the key: its version stays)."""
    key = session.get(ApiKey, key_id)
    if key is not None:
        key.last_used_at = when
        session.add(key)


def mint_key(
    session: Session,
    *,
    name: str,
    owner: str,
    role: Role,
    expires_at: datetime | None,
    source: str | None = None,
) -> tuple[ApiKey, str]:
    """Create a key and record its creation in the change log (never its token or hash); return it
    with its token, which is shown this once and never stored."""
    token = new_token()
    key = ApiKey(
        name=name,
        owner=owner,
        role=role,
        token_prefix=token[:PREFIX_LENGTH],
        token_hash=hash_token(token),
        expires_at=expires_at,
        source=source,
    )
    key_id = insert_row(session, key)
    logger.info("api key minted", extra={"api_key_id": key_id, "role": role.value, "key_name": name})
    return key, token


def ensure_local_admin_key(session: Session, path: Path) -> bool:
    """Make sure ``path`` holds a working admin token for this database; mint one if not.

    Returns whether a new key was minted. The file is created owner-only (0600).
    """
    if path.exists():
        token = path.read_text().strip()
        key = session.exec(select(ApiKey).where(ApiKey.token_hash == hash_token(token))).first()
        if key is not None and key.revoked_at is None and key.role == Role.ADMIN:
            return False
    _, token = mint_key(
        session,
        name="local admin (minted by inventory serve)",
        owner=LOCAL_ADMIN_OWNER,
        role=Role.ADMIN,
        expires_at=None,
    )
    private_dir(path.parent)
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(token + "\n")
    return True


# The admin API over keys. Reads on the raw read path; never select the token hash.

_API_KEY_FIELDS = (
    "id",
    "name",
    "owner",
    "role",
    "token_prefix",
    "created_at",
    "updated_at",
    "expires_at",
    "revoked_at",
    "last_used_at",
    "source",
    "version",
)
_API_KEY_COLUMNS = ", ".join(f"api_key.{name}" for name in _API_KEY_FIELDS)
shape_api_key = row_shape(
    *_API_KEY_FIELDS, timestamps=("expires_at", "revoked_at", "last_used_at"), bookkeeping_last=False
)


API_KEYS = columns_listing(
    "api-keys",
    "api_key",
    _API_KEY_COLUMNS,
    shape_api_key,
    id="int",
    name="text",
    role="text",
    created_at="timestamp",
    updated_at="timestamp",
)


async def list_api_keys(
    reads: ReadDatabase, *, role: Role | None, revoked: bool | None, sort: str | None, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """API keys matching the filters, revoked ones included unless ``revoked`` is false."""
    filters = Filters().equal("api_key", role=role)
    if revoked is not None:
        filters.add("api_key.revoked_at IS NOT NULL" if revoked else "api_key.revoked_at IS NULL")
    return await fetch_page(reads, API_KEYS, filters, sort=sort, limit=limit, cursor=cursor)


async def get_api_key(reads: ReadDatabase, key_id: int) -> dict[str, Any]:
    """One API key by id, or NotFound."""
    return await read_one(reads, API_KEYS, key_id, f"No API key with id {key_id}.")


def _future_expiry(expires_at: datetime | None) -> None:
    if expires_at is not None and expires_at <= utcnow():
        detail = "expires_at must be in the future; to end a key now, revoke it (DELETE)."
        raise invalid_field("expires_at", "must be in the future", detail)


def create_api_key(session: Session, data: ApiKeyCreate) -> dict[str, Any]:
    """Mint a key; the result carries the token, which is shown once and never stored."""
    _future_expiry(data.expires_at)
    key, token = mint_key(
        session, name=data.name, owner=data.owner, role=data.role, expires_at=data.expires_at, source=data.source
    )
    assert key.id is not None  # set by the insert
    return {**load_item(session, API_KEYS, key.id), "token": token}


def _is_active(key: ApiKey, now: datetime) -> bool:
    return key.revoked_at is None and (key.expires_at is None or key.expires_at > now)


def _keep_an_admin(session: Session, key: ApiKey, action: str) -> None:
    """409 if ``key`` is the last active admin key (the admin rows are locked, so two requests cannot both pass)."""
    now = utcnow()
    if key.role != Role.ADMIN or not _is_active(key, now):
        return
    table = ApiKey.__table__
    admins = (
        session.execute(
            sa.select(table.c.id)
            .where(
                table.c.role == Role.ADMIN.value,
                table.c.revoked_at.is_(None),
                sa.or_(table.c.expires_at.is_(None), table.c.expires_at > now),
            )
            .order_by(table.c.id)
            .with_for_update()
        )
        .scalars()
        .all()
    )
    if set(admins) <= {key.id}:
        raise Conflict(
            f"API key {key.id} is the last active admin key; {action} it would leave no one able to manage keys. "
            "Create another admin key first."
        )


def _refuse_revoked(key: ApiKey) -> None:
    if key.revoked_at is not None:
        raise Conflict(f"API key {key.id} was revoked at {format_timestamp(key.revoked_at)}; it cannot be changed.")


def update_api_key(session: Session, key_id: int, patch: ApiKeyUpdate, if_match: str | None) -> dict[str, Any]:
    """Rename, re-role or re-date a key, if ``if_match`` names its current version."""
    key = get_or_404(session, ApiKey, key_id, "API key")
    version = expected_version(if_match, "api-key", key_id, key.version)
    _refuse_revoked(key)
    changes = changed_fields(key, patch)
    if "expires_at" in changes:
        _future_expiry(changes["expires_at"])
    if "role" in changes and changes["role"] != Role.ADMIN:
        _keep_an_admin(session, key, "demoting")
    if changes:
        update_row(session, ApiKey, key_id, version, changes)
    return load_item(session, API_KEYS, key_id)


# Raising a key's role to admin is covered by the approval policy (app/approvals/policy.py).
approval_target("api-keys", Target(ApiKey, "api-key", update=update_api_key, update_schema=ApiKeyUpdate))


def revoke_api_key(session: Session, key_id: int, if_match: str | None) -> None:
    """Revoke a key for good; the record stays, with ``revoked_at`` set."""
    key = get_or_404(session, ApiKey, key_id, "API key")
    version = expected_version(if_match, "api-key", key_id, key.version)
    _refuse_revoked(key)
    _keep_an_admin(session, key, "revoking")
    update_row(session, ApiKey, key_id, version, {"revoked_at": utcnow()})
