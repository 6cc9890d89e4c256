"""Authenticating API keys and minting new ones."""

from __future__ import annotations

import hmac
import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, select

from app.auth.models import ApiKey
from app.auth.tokens import PREFIX_LENGTH, hash_token, looks_like_token, new_token
from app.core.choices import Role
from app.core.db import format_timestamp, utcnow
from app.core.errors import Unauthorized
from app.core.reads import ReadDatabase

logger = logging.getLogger("app.auth")

CACHE_SECONDS = 5.0
"""How long a process trusts what it read about a key. A revocation made through another
process (or replica) takes effect within this time; one made through this process at once."""

TOUCH_SECONDS = 60.0
"""``last_used_at`` is written at most this often per key, so reads stay reads."""

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

    def get(self, token_hash: str) -> Principal | None:
        entry = self._entries.get(token_hash)
        if entry is None or time.monotonic() - entry[0] > CACHE_SECONDS:
            return None
        return entry[1]

    def put(self, token_hash: str, principal: Principal) -> None:
        self._entries[token_hash] = (time.monotonic(), principal)

    def forget(self, key_id: int) -> None:
        """Drop a key at once (revoked or changed through this process)."""
        for token_hash, (_, principal) in list(self._entries.items()):
            if principal.key_id == key_id:
                del self._entries[token_hash]

    def touch_due(self, key_id: int) -> bool:
        now = time.monotonic()
        if now - self._touched.get(key_id, float("-inf")) < TOUCH_SECONDS:
            return False
        self._touched[key_id] = now
        return True


async def authenticate(reads: ReadDatabase, cache: KeyCache, token: str | None) -> Principal:
    """The principal of a bearer token, or the one 401 problem."""
    if not token or not looks_like_token(token):
        raise unauthorized()
    token_hash = hash_token(token)
    principal = cache.get(token_hash)
    if principal is None:
        rows = await reads.fetch(
            "SELECT id, name, role, token_hash, expires_at, revoked_at FROM api_key WHERE token_hash = :token_hash",
            {"token_hash": token_hash},
        )
        if not rows or not hmac.compare_digest(rows[0]["token_hash"], token_hash) or rows[0]["revoked_at"] is not None:
            raise unauthorized()
        row = rows[0]
        principal = Principal(row["id"], row["name"], Role(row["role"]), reads.timestamp(row["expires_at"]))
        cache.put(token_hash, principal)
    if principal.expires_at is not None and principal.expires_at <= format_timestamp(utcnow()):
        raise unauthorized()
    return principal


def touch(session: Session, key_id: int, when: datetime) -> None:
    """Record that a key was used (not a change of the key: its version stays)."""
    key = session.get(ApiKey, key_id)
    if key is not None:
        key.last_used_at = when
        session.add(key)


def mint_key(session: Session, *, name: str, role: Role, expires_at: datetime | None) -> tuple[ApiKey, str]:
    """Create a key; return it with its token, which is shown this once and never stored."""
    token = new_token()
    now = utcnow()
    key = ApiKey(
        name=name,
        role=role,
        token_prefix=token[:PREFIX_LENGTH],
        token_hash=hash_token(token),
        expires_at=expires_at,
        created_at=now,
        updated_at=now,
    )
    session.add(key)
    session.flush()
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
    _, token = mint_key(session, name="local admin (minted by inventory serve)", role=Role.ADMIN, expires_at=None)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(token + "\n")
    return True
