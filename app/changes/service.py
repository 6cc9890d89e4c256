"""Reading the change log, verifying its chain, and restoring deleted objects from it."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlmodel import Session, col

from app.changes.models import ChangeRecord
from app.changes.recording import lock_chain, state_values
from app.changes.resources import Resource, columns_listing, label_of_table, load, read_one
from app.changes.writes import restore_row
from app.core.choices import ChangeAction
from app.core.db import format_timestamp
from app.core.errors import Conflict, InvalidRequest, NotFound
from app.core.pagination import Filters, Listing, fetch_page
from app.core.reads import ReadDatabase, Row

CHANGE_COLUMNS = (
    "change_record.id, change_record.recorded_at, change_record.api_key_id, change_record.request_id,"
    " change_record.action, change_record.object_type, change_record.object_id, change_record.before,"
    " change_record.after, change_record.reason, change_record.previous_hash, change_record.hash,"
    " change_record.change_request_id, change_record.approved_by, change_record.emergency"
)


def shape_change(reads: ReadDatabase, row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "recorded_at": reads.timestamp(row["recorded_at"]),
        "api_key_id": row["api_key_id"],
        "request_id": row["request_id"],
        "action": row["action"],
        "object_type": row["object_type"],
        "object_id": row["object_id"],
        "before": None if row["before"] is None else orjson.loads(row["before"]),
        "after": None if row["after"] is None else orjson.loads(row["after"]),
        "reason": row["reason"],
        "change_request_id": row["change_request_id"],
        "approved_by": row["approved_by"],
        "emergency": bool(row["emergency"]),
        "previous_hash": row["previous_hash"],
        "hash": row["hash"],
    }


ADMIN_ONLY_OBJECT_TYPES = ("api-keys", "webhooks", "api-key-change-requests")
"""Object types whose change records only admin keys may read (names, roles, prefixes of credentials,
webhook targets)."""

_HIDDEN_FROM_NON_ADMINS = "change_record.object_type NOT IN ({})".format(
    ", ".join(f"'{name}'" for name in ADMIN_ONLY_OBJECT_TYPES)
)


def visibility_filter(admin: bool) -> str | None:
    """The SQL condition that hides admin-only change records from a non-admin key (None for admins)."""
    return None if admin else _HIDDEN_FROM_NON_ADMINS


CHANGES = columns_listing("changes", "change_record", CHANGE_COLUMNS, shape_change, id="int", recorded_at="timestamp")


HISTORY = replace(CHANGES, resource="history")
"""One object's history: its change records (cursors are bound to the collection, see ``history_of``)."""


def history_of(resource: Resource) -> Listing:
    """The listing of one collection's object histories."""
    return replace(HISTORY, resource=f"{resource.name}-history")


def _change_filters(
    reads: ReadDatabase,
    *,
    object_type: str | None,
    object_id: int | None,
    action: ChangeAction | None,
    api_key_id: int | None,
    request_id: str | None,
    since: datetime | None,
    until: datetime | None,
    admin: bool,
) -> Filters:
    filters = Filters()
    hidden = visibility_filter(admin)
    if hidden:
        filters.add(hidden)
    filters.equal(
        "change_record",
        object_type=object_type,
        object_id=object_id,
        action=action,
        api_key_id=api_key_id,
        request_id=request_id,
    )
    if since:
        filters.add("change_record.recorded_at >= :since", since=reads.timestamp_param(format_timestamp(since)))
    if until:
        filters.add("change_record.recorded_at < :until", until=reads.timestamp_param(format_timestamp(until)))
    return filters


async def list_changes(
    reads: ReadDatabase,
    *,
    sort: str | None,
    limit: int,
    cursor: str | None,
    **criteria: Any,
) -> tuple[list[dict[str, Any]], str | None]:
    """Change records matching every given filter; ``since`` is inclusive, ``until`` exclusive.

    Records of admin-only object types (API keys) are left out unless ``admin``: from the items,
    so also from the page sizes and cursors."""
    filters = _change_filters(reads, **criteria)
    return await fetch_page(reads, CHANGES, filters, sort=sort, limit=limit, cursor=cursor)


MAX_WAIT_SECONDS = 25
"""The longest a feed request may wait for a change (``wait=``): under the 30 s that clients, proxies and
load balancers commonly allow a request."""
FEED_POLL_SECONDS = 0.2
"""How often a waiting feed request looks for a new record: one indexed query on the head of the log,
so any process or replica sees a change committed by any other within this time."""


async def head_id(reads: ReadDatabase) -> int:
    """The id of the newest change record (0 when the log is empty)."""
    rows = await reads.fetch("SELECT max(id) AS head FROM change_record", {})
    return rows[0]["head"] or 0


def feed_usage(field: str, message: str) -> InvalidRequest:
    return InvalidRequest(
        f"{field} {message}",
        errors=[{"location": "query", "field": field, "message": message, "type": "value_error"}],
    )


async def follow_changes(
    reads: ReadDatabase,
    *,
    after: int,
    wait: int,
    sort: str | None,
    limit: int,
    cursor: str | None,
    **criteria: Any,
) -> tuple[list[dict[str, Any]], int]:
    """The records after ``after`` (strictly, in commit order) that match the filters, and the position
    to resume from: the last record returned when there may be more, else the head of the log as read
    before the query (so nothing committed meanwhile is skipped, and records the filters leave out are
    not read again). With ``wait``, an empty answer waits up to that many seconds for a record. A ``cursor``
    (of the listing in id order) narrows it further, as on the listing."""
    if sort not in (None, "", "id"):
        raise feed_usage("sort", "must be id (or absent) with after: the feed is in commit order")
    deadline = time.monotonic() + wait
    position = after
    while True:
        head = await head_id(reads)
        filters = _change_filters(reads, **criteria)
        filters.add("change_record.id > :after", after=position)
        filters.add("change_record.id <= :head", head=head)
        items, more = await fetch_page(reads, CHANGES, filters, sort="id", limit=limit, cursor=cursor)
        if items:
            return items, items[-1]["id"] if more else head
        position = max(position, head)
        if time.monotonic() >= deadline:
            return [], position
        await asyncio.sleep(min(FEED_POLL_SECONDS, max(0.0, deadline - time.monotonic())))


async def read_changes(
    reads: ReadDatabase, *, after: int | None, wait: int, **params: Any
) -> tuple[list[dict[str, Any]], str | None, int | None]:
    """The change log as a listing (items and next cursor) or, with ``after``, as the feed (items and position)."""
    if after is None:
        if wait:
            raise feed_usage("wait", "needs after: only the change feed waits for new records")
        items, next_cursor = await list_changes(reads, **params)
        return items, next_cursor, None
    items, position = await follow_changes(reads, after=after, wait=wait, **params)
    return items, None, position


async def get_change(reads: ReadDatabase, change_id: int, *, admin: bool) -> dict[str, Any]:
    """One change record by id, or NotFound (also for an admin-only record asked for by a non-admin key)."""
    missing = f"No change record with id {change_id}."
    return await read_one(reads, CHANGES, change_id, missing, condition=visibility_filter(admin))


async def object_history(
    reads: ReadDatabase, resource: Resource, item_id: int, *, sort: str | None, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """The change records of one object, deleted or not; NotFound when it has none."""
    filters = Filters().equal("change_record", object_type=resource.name, object_id=item_id)
    items, next_cursor = await fetch_page(reads, history_of(resource), filters, sort=sort, limit=limit, cursor=cursor)
    if not items and not cursor:
        raise NotFound(f"No {resource.label} with id {item_id} has ever been recorded.")
    return items, next_cursor


# Restoring a deleted object.


def restore(session: Session, collection: Resource, item_id: int) -> dict[str, Any]:
    """Recreate a deleted object from its last recorded state, with the same id and the next version.

    404 when no deletion of it is recorded; 409 when it exists, or when its unique keys are now
    taken or the objects it refers to are gone."""
    lock_chain(session)
    model = collection.model
    table = model.__table__
    if session.get(model, item_id) is not None:
        raise Conflict(f"{collection.label.capitalize()} {item_id} exists; only a deleted one can be restored.")
    last = session.execute(
        sa.select(ChangeRecord)
        .where(col(ChangeRecord.object_type) == collection.name, col(ChangeRecord.object_id) == item_id)
        .order_by(col(ChangeRecord.id).desc())
        .limit(1)
    ).scalar_one_or_none()
    if last is None or last.action != ChangeAction.DELETE or last.before is None:
        raise NotFound(f"No deleted {collection.label} with id {item_id} is recorded.")
    state = orjson.loads(last.before)
    _check_restorable(session, collection, table, item_id, state)
    version = int(state["version"]) + 1
    restore_row(session, model, item_id, state, version)
    return load(session, collection, item_id)


def _unique_column_sets(table: sa.Table) -> list[tuple[str, ...]]:
    sets: set[tuple[str, ...]] = {(column.name,) for column in table.columns if column.unique}
    sets |= {
        tuple(column.name for column in constraint.columns)
        for constraint in table.constraints
        if isinstance(constraint, sa.UniqueConstraint)
    }
    return sorted(sets)


def _check_restorable(
    session: Session, collection: Resource, table: sa.Table, item_id: int, state: dict[str, Any]
) -> None:
    what = f"Cannot restore {collection.label} {item_id}"
    typed = state_values(table, state)  # dates and enumerations as the columns hold them, for the comparisons
    for columns in _unique_column_sets(table):
        values = {name: typed.get(name) for name in columns}
        if any(value is None for value in values.values()):
            continue
        taken = session.execute(
            sa.select(table.c.id).where(*(table.c[name] == value for name, value in values.items())).limit(1)
        ).scalar_one_or_none()
        if taken is not None:
            shown = ", ".join(f"{name} '{value}'" for name, value in values.items())
            raise Conflict(f"{what}: its {shown} is now used by {collection.label} {taken}.")
    for foreign_key in table.foreign_keys:
        value = state.get(foreign_key.parent.name)
        if value is None:
            continue
        target = foreign_key.column.table
        found = session.execute(sa.select(target.c.id).where(foreign_key.column == value)).first()
        if found is None:
            label = label_of_table(target.name)
            raise Conflict(f"{what}: the {label} {value} it refers to ({foreign_key.parent.name}) no longer exists.")
