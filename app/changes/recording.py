"""Appending change records: canonical states, the hash chain, and keeping it linear.

Used by the write helpers in ``app/changes/writes.py`` and by the seed loader, always inside the
transaction that makes the change, so a change and its record commit or roll back together.

- The state of an object is its row's own columns (what its GET returns without embedded
  briefs or counts), as JSON: timestamps in the API's RFC 3339 form, dates ``YYYY-MM-DD``,
  enumerations as their values. Columns holding secrets (``token_hash``) are left out.
- Canonical JSON: keys sorted, no whitespace, UTF-8 (orjson ``OPT_SORT_KEYS``).
- ``hash`` = SHA-256 (hex) of the canonical JSON of the record's content: its id, time, API
  key, request id, reason, action, object type and id, the before and after texts as stored,
  and ``previous_hash``. Ids run 1, 2, 3, ... without gaps.
- The chain stays linear under concurrent writers, and short: a change is noted in the session
  as it is made (``append_change``) and the records are sealed into the chain when the
  transaction commits (``seal_chain``, on SQLAlchemy's ``before_commit``): only then is the
  transaction-scoped advisory lock taken (PostgreSQL), the head read, the ids and hashes linked,
  and the records inserted, with the object versions they open and close
  (``app/changes/versions.py``); the lock ends with the commit. So writers run side by side and queue
  only for that last step, and the chain's order is the order in which the changes committed.
  Writes to one row still serialise on the row itself (the conditional UPDATE's lock). SQLite
  serialises writers already (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col

from app.changes.models import ChangeRecord
from app.changes.versions import record_versions
from app.core.choices import ChangeAction
from app.core.context import current_context
from app.core.db import UTCDateTime, format_timestamp, statement, utcnow

CHAIN_LOCK = 0x696E76656E746F72  # the advisory lock key on PostgreSQL ("inventor")

SECRET_COLUMNS = frozenset({"token_hash", "secret"})
"""Columns never copied into a change record."""

_IRREGULAR_COLLECTIONS: dict[str, str] = {}


def collection_of(table_name: str) -> str:
    """The collection (object type) a table's rows are served as: ``vendor_restriction`` -> ``vendor-restrictions``."""
    return _IRREGULAR_COLLECTIONS.get(table_name) or table_name.replace("_", "-") + "s"


def canonical(value: Any) -> str:
    """Canonical JSON: sorted keys, no whitespace."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def jsonable(value: Any) -> Any:
    """A column value as the API shows it in JSON."""
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def row_state(session: Session, table: sa.Table, object_id: int) -> dict[str, Any] | None:
    """The state of one row (its own columns as JSON values), or None when there is no such row."""
    row = session.execute(sa.select(table).where(table.c.id == object_id)).first()
    return None if row is None else state_of(table, row)


def state_of(table: sa.Table, row: sa.Row[Any]) -> dict[str, Any]:
    """The state of a row read with all of ``table``'s columns (a SELECT, or a write's RETURNING)."""
    return {
        column.name: jsonable(row._mapping[column]) for column in table.columns if column.name not in SECRET_COLUMNS
    }


def state_values(table: sa.Table, state: dict[str, Any]) -> dict[str, Any]:
    """A recorded state as column values to insert again (the inverse of ``row_state``)."""
    values: dict[str, Any] = {}
    for name, value in state.items():
        if name not in table.c:
            continue
        column_type = table.c[name].type
        if value is not None:
            enum_class = getattr(column_type, "enum_class", None)
            if enum_class is not None:
                value = enum_class(value)
            elif isinstance(column_type, UTCDateTime | sa.DateTime):
                value = datetime.fromisoformat(value)
            elif isinstance(column_type, sa.Date):
                value = date.fromisoformat(value)
        values[name] = value
    return values


def lock_chain(session: OrmSession) -> None:
    """Serialise writers so change records append in one line (PostgreSQL; SQLite already does)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(statement("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})


def assign_id(session: Session, row: Any) -> None:
    """On SQLite, give a new row an id never used before in its table, even by a deleted row.

    SQLite would otherwise reuse the id of the newest row once it is deleted, and two objects
    would share one history. PostgreSQL sequences never hand out an id twice.
    """
    if row.id is not None or session.get_bind().dialect.name != "sqlite":
        return
    table = row.__table__
    collection = collection_of(table.name)
    used = session.execute(sa.select(sa.func.max(table.c.id))).scalar_one() or 0
    recorded = (
        session.execute(
            sa.select(sa.func.max(ChangeRecord.object_id)).where(col(ChangeRecord.object_type) == collection)
        ).scalar_one()
        or 0
    )
    pending = [change["object_id"] for change in _pending(session) if change["object_type"] == collection]
    row.id = max(used, recorded, *pending) + 1


def record_content(
    *,
    id: int,
    recorded_at: str,
    api_key_id: int | None,
    request_id: str,
    action: str,
    object_type: str,
    object_id: int,
    before: str | None,
    after: str | None,
    reason: str | None,
    previous_hash: str | None,
    change_request_id: int | None = None,
    approved_by: int | None = None,
    emergency: bool | None = None,
) -> dict[str, Any]:
    """What a record's hash covers. The approval fields join the content only when set, so records made
    before they existed (and every direct change) hash exactly as they always did."""
    approval = {
        name: value
        for name, value in (
            ("change_request_id", change_request_id),
            ("approved_by", approved_by),
            ("emergency", emergency),
        )
        if value is not None
    }
    return {
        **approval,
        "id": id,
        "recorded_at": recorded_at,
        "api_key_id": api_key_id,
        "request_id": request_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "before": before,
        "after": after,
        "reason": reason,
        "previous_hash": previous_hash,
    }


def record_hash(content: dict[str, Any]) -> str:
    """SHA-256 (hex) of a record's canonical content."""
    return hashlib.sha256(canonical(content).encode()).hexdigest()


_PENDING = "pending_changes"

Maintenance = Callable[[OrmSession, list[dict[str, Any]]], None]
Rebuild = Callable[[OrmSession | sa.Connection], None]
_MAINTENANCE: list[Maintenance] = []
_REBUILDS: list[Rebuild] = []


def maintain_on_write(rebuild: Rebuild) -> Callable[[Maintenance], Maintenance]:
    """Register ``maintenance(session, changes)`` (the decorated function): run in every writing transaction,
    after its change records are sealed and under the chain lock, to bring values derived from the changed
    objects up to date (each change a dict with ``object_type``, ``object_id``, ``action``, ``before`` and
    ``after``), in the order registered, so a value may rest on one registered before it. ``rebuild(connection)``
    recomputes every value from scratch (``rebuild_maintained``)."""

    def register(maintenance: Maintenance) -> Maintenance:
        _MAINTENANCE.append(maintenance)
        _REBUILDS.append(rebuild)
        return maintenance

    return register


def fields_changed(change: dict[str, Any]) -> frozenset[str] | None:
    """The fields a noted change gave a new value, for upkeep that rests on a few of them; None when the
    change made or removed the object (every field counts)."""
    if not change.get("before") or not change.get("after"):
        return None
    before, after = orjson.loads(change["before"]), orjson.loads(change["after"])
    return frozenset(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


def maintained_upkeep() -> list[str]:
    """The registered upkeep, by qualified name, in the order it runs."""
    return [f"{upkeep.__module__}.{upkeep.__qualname__}" for upkeep in _MAINTENANCE]


def rebuild_maintained(connection: OrmSession | sa.Connection) -> None:
    """Recompute every value maintained on write, in order: after data was written around the application
    (a bulk load, a restored backup, the log's versions rebuilt)."""
    for rebuild in _REBUILDS:
        rebuild(connection)


def _pending(session: OrmSession) -> list[dict[str, Any]]:
    pending: list[dict[str, Any]] = session.info.setdefault(_PENDING, [])
    return pending


def append_change(
    session: Session,
    action: ChangeAction,
    table: sa.Table,
    object_id: int,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    at: datetime | None = None,
) -> None:
    """Note one change in the session's transaction; it joins the chain when the transaction commits."""
    context = current_context()
    acting = context.acting or {}
    _pending(session).append(
        {
            "recorded_at": at or utcnow(),
            "api_key_id": acting.get("api_key_id", context.api_key_id),
            "request_id": context.request_id,
            "action": action,
            "object_type": acting.get("object_type") or collection_of(table.name),
            "object_id": object_id,
            "before": None if before is None else canonical(before),
            "after": None if after is None else canonical(after),
            "reason": acting.get("reason", context.reason),
            "change_request_id": acting.get("change_request_id"),
            "approved_by": acting.get("approved_by"),
            "emergency": acting.get("emergency"),
        }
    )


_INSERT_RECORDS = sa.insert(ChangeRecord.__table__)  # type: ignore[attr-defined]  # SQLModel declares __table__ on table models


@event.listens_for(OrmSession, "before_commit")
def seal_chain(session: OrmSession) -> None:
    """Link the session's noted changes to the head of the chain and insert them, under the chain
    lock, as the last step before the commit (which releases the lock)."""
    changes = session.info.pop(_PENDING, None)
    if not changes:
        return
    lock_chain(session)
    head = session.execute(
        sa.select(col(ChangeRecord.id), col(ChangeRecord.hash)).order_by(col(ChangeRecord.id).desc()).limit(1)
    ).first()
    next_id, previous_hash = (head.id + 1, head.hash) if head else (1, None)
    records, versions = [], []
    for change in changes:
        content = record_content(
            **{**change, "recorded_at": format_timestamp(change["recorded_at"]), "action": change["action"].value},
            id=next_id,
            previous_hash=previous_hash,
        )
        previous_hash = record_hash(content)
        # Every column named in every row (the approval fields are in the content only when set).
        records.append(
            {
                **change,
                **content,
                "recorded_at": change["recorded_at"],
                "action": change["action"],
                "hash": previous_hash,
            }
        )
        versions.append({**content, "recorded_at": change["recorded_at"]})
        next_id += 1
    session.flush()  # whatever the write left pending goes first
    session.execute(_INSERT_RECORDS, records)  # one statement, without building an ORM object per record
    record_versions(session, versions)
    for maintenance in _MAINTENANCE:
        maintenance(session, changes)


@event.listens_for(OrmSession, "after_rollback")
def _forget_changes(session: OrmSession) -> None:
    session.info.pop(_PENDING, None)
