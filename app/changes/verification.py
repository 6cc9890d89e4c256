"""Checking the change log's hash chain: routinely from the newest signed checkpoint, in full on request.

- A **checkpoint** (``chain_checkpoint``) is a record id and its hash up to which the chain was found
  intact, signed with HMAC-SHA256 under the server secret. The routine check starts there: it
  confirms the checkpoint's signature, that the record still has the hash it signed, re-hashes
  that record, then walks only the records after it, and stores a new checkpoint at the head when
  all of it holds. Its cost is what was appended since the last check.
- The **full walk** re-hashes every record from the first; it is the only check that finds a
  record altered *below* the newest checkpoint, so it stays available to admins as an explicit,
  streamed operation.
- A checkpoint written or edited without the secret fails its signature; records altered or
  removed at or past the checkpoint fail the routine check.

Records are read in keyset batches and hashed on a worker thread, so neither kind of check holds
the event loop while other requests wait.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from app.changes.recording import record_content, record_hash
from app.changes.service import ADMIN_ONLY_OBJECT_TYPES, CHANGE_COLUMNS
from app.core.config import get_secret_key
from app.core.db import format_timestamp, utcnow
from app.core.reads import ReadDatabase, Row

BATCH = 2000
PROGRESS_EVERY = 50_000


def checkpoint_signature(record_id: int, record_hash_hex: str) -> str:
    """HMAC-SHA256 (hex) of a checkpoint's position and hash under the server secret."""
    message = f"chain-checkpoint:{record_id}:{record_hash_hex}".encode()
    return hmac.new(get_secret_key(), message, hashlib.sha256).hexdigest()


@dataclass
class Walk:
    """The state of a walk along the chain: how far it got and the first break it found.

    Every record is checked (a link cannot be verified without the record before it), but for a
    non-admin key ``checked`` and ``head`` count and name only the records that key may read
    (records of API keys are admin-only), so the report discloses nothing about them beyond the
    id in ``first_broken``.
    """

    admin: bool = True
    previous: tuple[int, str | None] | None = None
    visible_head: tuple[int, str | None] | None = None
    checked: int = 0
    broken: dict[str, Any] | None = None

    def check(self, reads: ReadDatabase, rows: list[Row]) -> None:
        for row in rows:
            if self.broken is None:
                self.broken = check_record(reads, row, self.previous)
            self.previous = (row["id"], row["hash"])
            if self.admin or row["object_type"] not in ADMIN_ONLY_OBJECT_TYPES:
                self.checked += 1
                self.visible_head = self.previous

    @property
    def head(self) -> dict[str, Any] | None:
        head = self.visible_head
        return None if head is None else {"id": head[0], "hash": head[1]}


async def _batches(reads: ReadDatabase, after_id: int) -> AsyncIterator[list[Row]]:
    while True:
        rows = list(
            await reads.fetch_heavy(
                f"SELECT {CHANGE_COLUMNS} FROM change_record WHERE change_record.id > :after"
                " ORDER BY change_record.id LIMIT :batch",
                {"after": after_id, "batch": BATCH},
            )
        )
        if not rows:
            return
        yield rows
        if len(rows) < BATCH:
            return
        after_id = rows[-1]["id"]


async def _latest_checkpoint(reads: ReadDatabase) -> Row | None:
    rows = await reads.fetch(
        "SELECT record_id, hash, signature, created_at FROM chain_checkpoint ORDER BY record_id DESC LIMIT 1"
    )
    return rows[0] if rows else None


async def _store_checkpoint(reads: ReadDatabase, walk: Walk, since: int) -> None:
    if walk.broken is not None or walk.previous is None or walk.previous[0] <= since:
        return
    record_id, hash_hex = walk.previous
    assert hash_hex is not None  # past ``since``, so the hash of a record the walk read (NOT NULL)
    await reads.execute(
        "INSERT INTO chain_checkpoint (record_id, hash, signature, created_at)"
        " VALUES (:record_id, :hash, :signature, :created_at) ON CONFLICT (record_id) DO NOTHING",
        {
            "record_id": record_id,
            "hash": hash_hex,
            "signature": checkpoint_signature(record_id, hash_hex),
            "created_at": reads.timestamp_param(format_timestamp(utcnow())),
        },
    )


def _result(mode: str, walk: Walk, checkpoint: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "valid": walk.broken is None,
        "mode": mode,
        "checked": walk.checked,
        "checkpoint": checkpoint,
        "head": walk.head,
        "first_broken": walk.broken,
    }


async def verify_routine(reads: ReadDatabase, *, admin: bool) -> dict[str, Any]:
    """Check the records since the newest checkpoint (all of them when there is none) and advance it."""
    walk = Walk(admin=admin)
    saved = await _latest_checkpoint(reads)
    checkpoint = None
    since = 0
    if saved is not None:
        record_id, hash_hex = saved["record_id"], saved["hash"]
        checkpoint = {"id": record_id, "hash": hash_hex, "created_at": reads.timestamp(saved["created_at"])}
        if not hmac.compare_digest(saved["signature"], checkpoint_signature(record_id, hash_hex)):
            walk.broken = {
                "id": record_id,
                "problem": "checkpoint_signature_invalid",
                "detail": f"The newest checkpoint (record {record_id}) does not carry a valid signature: it was written"
                " or altered without the server secret. Run the full check to find where the chain breaks.",
            }
            return _result("incremental", walk, checkpoint)
        rows = await reads.fetch(
            f"SELECT {CHANGE_COLUMNS} FROM change_record WHERE change_record.id = :id", {"id": record_id}
        )
        if not rows or rows[0]["hash"] != hash_hex:
            what = "is missing" if not rows else "no longer has the hash the checkpoint signed"
            walk.broken = {
                "id": record_id,
                "problem": "checkpoint_mismatch",
                "detail": f"Record {record_id} {what}: it was altered or removed after it was checked"
                f" at {checkpoint['created_at']}.",
            }
            return _result("incremental", walk, checkpoint)
        # Start at the checkpoint's own record: re-hash it, linking from the previous hash it stores.
        walk.previous = (record_id - 1, rows[0]["previous_hash"]) if record_id > 1 else None
        since = record_id - 1
    async for rows in _batches(reads, since):
        await asyncio.to_thread(walk.check, reads, rows)
    await _store_checkpoint(reads, walk, checkpoint["id"] if checkpoint else 0)
    return _result("incremental", walk, checkpoint)


async def verify_full(reads: ReadDatabase) -> AsyncIterator[dict[str, Any]]:
    """Re-hash the whole chain from its first record: progress lines, then the result."""
    walk = Walk()
    reported = 0
    async for rows in _batches(reads, 0):
        await asyncio.to_thread(walk.check, reads, rows)
        if walk.checked - reported >= PROGRESS_EVERY:
            reported = walk.checked
            yield {"progress": {"checked": walk.checked, "last_id": rows[-1]["id"]}}
    await _store_checkpoint(reads, walk, 0)
    yield {"result": _result("full", walk, None)}


def check_record(reads: ReadDatabase, row: Row, previous: tuple[int, str | None] | None) -> dict[str, Any] | None:
    """The problem with one record given the one before it, or None when it holds."""
    expected_id = previous[0] + 1 if previous else 1
    if row["id"] != expected_id:
        missing = (
            f"record {expected_id}" if row["id"] == expected_id + 1 else f"records {expected_id} to {row['id'] - 1}"
        )
        return {
            "id": expected_id,
            "problem": "gap",
            "detail": f"{missing.capitalize()} {'is' if row['id'] == expected_id + 1 else 'are'} missing: "
            f"the chain goes from {previous[0] if previous else 'its start'} to record {row['id']}.",
        }
    expected_link = previous[1] if previous else None
    if row["previous_hash"] != expected_link:
        return {
            "id": row["id"],
            "problem": "broken_link",
            "detail": f"Record {row['id']}'s previous_hash does not match the hash of record {expected_id - 1}: "
            "one of the two was altered or replaced.",
        }
    recorded_at = reads.timestamp(row["recorded_at"])
    assert recorded_at is not None  # a NOT NULL column
    content = record_content(
        id=row["id"],
        recorded_at=recorded_at,
        api_key_id=row["api_key_id"],
        request_id=row["request_id"],
        action=row["action"],
        object_type=row["object_type"],
        object_id=row["object_id"],
        before=row["before"],
        after=row["after"],
        reason=row["reason"],
        previous_hash=row["previous_hash"],
        change_request_id=row["change_request_id"],
        approved_by=row["approved_by"],
        emergency=None if row["emergency"] is None else bool(row["emergency"]),
    )
    if record_hash(content) != row["hash"]:
        return {
            "id": row["id"],
            "problem": "content_hash_mismatch",
            "detail": f"Record {row['id']}'s content does not match its hash: it was altered after it was written.",
        }
    return None
