"""The write path every domain shares: conditional updates and deletes, and database-error mapping.

All inventory writes go through ``insert_row``, ``update_row``, ``delete_row`` and
``restore_row``, so the optimistic-lock rule (If-Match must name the current version, checked in
the same UPDATE that writes), the mapping of constraint violations to problems, and the change
log (one hash-chained change record per change, see ``app/changes/recording.py``) hold
everywhere. They run inside the request's transaction (see ``SessionDep``); they flush, never
commit, so a change and its record are stored together or not at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.changes.recording import append_change, assign_id, row_state, state_of, state_values
from app.changes.versions import computed
from app.core.choices import ChangeAction
from app.core.db import statement, utcnow
from app.core.errors import Conflict, InvalidRequest, NotFound, PreconditionFailed, PreconditionRequired, ProblemError
from app.core.http import etag_for
from app.core.models import TrackedColumns
from app.core.pagination import Listing
from app.core.reads import InstantsAsText, ReadDatabase, Row

_ENTITY_TAG = re.compile(r'^(?:W/)?"[\x21\x23-\x7e\x80-\xff]*"$')
"""RFC 9110 entity-tag syntax: an optionally weak opaque quoted string."""
_ETAG = re.compile(r'^"(?P<resource>[a-z-]+)-(?P<id>[0-9]+)-v(?P<version>[0-9]+)"$')
"""A strong ETag as ``etag_for`` writes it. If-Match compares strongly (RFC 9110 13.1.1): a weak
``W/"..."`` never matches."""


def expected_version(if_match: str | None, resource: str, item_id: int, current_version: int) -> int:
    """The version an ``If-Match`` header allows to change; 428 when missing, 412 when stale."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired(
            f"Send If-Match with the {resource}'s current ETag (from GET); changes without it could "
            "overwrite someone else's."
        )
    current = etag_for(resource, item_id, current_version)
    candidates = [part.strip() for part in if_match.split(",")]
    if not all(candidate == "*" or _ENTITY_TAG.match(candidate) for candidate in candidates):
        raise InvalidRequest(
            f"If-Match must be * or a list of quoted ETags, such as {current}; got {if_match.strip()[:100]!r}.",
            errors=[{"location": "header", "field": "If-Match", "message": "not an entity tag", "type": "value_error"}],
        )
    for candidate in candidates:
        if candidate == "*":
            return current_version
        match = _ETAG.match(candidate)
        if (
            match
            and match["resource"] == resource
            and int(match["id"]) == item_id
            and int(match["version"]) == current_version
        ):
            return current_version
    raise PreconditionFailed(
        f"If-Match {if_match.strip()} does not match the current ETag {current}; "
        "the resource has changed. GET it again and reapply your change.",
        headers={"ETag": current},
    )


def _constraint_of(error: IntegrityError) -> str:
    diag = getattr(error.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:
        return str(name)
    message = str(error.orig)
    unique = re.search(r"UNIQUE constraint failed: (\w+)\.(\w+)", message)
    if unique:
        return f"uq_{unique.group(1)}_{unique.group(2)}"
    unique_index = re.search(r"UNIQUE constraint failed: index '(\w+)'", message)
    if unique_index:
        return unique_index.group(1)
    check = re.search(r"CHECK constraint failed: (\w+)", message)
    if check:
        return check.group(1)
    if "FOREIGN KEY" in message:
        return "foreign_key"
    return "unknown"


def map_integrity_error(error: IntegrityError, messages: Mapping[str, ProblemError]) -> ProblemError:
    """The problem for a constraint violation: a domain message when one is known, else a safe generic one."""
    # A unique index ignoring case (uq_<table>_<column>_lower) guards the same key as the plain one.
    constraint = _constraint_of(error).removesuffix("_lower")
    if constraint in messages:
        return messages[constraint]
    if constraint.startswith("uq_"):
        return Conflict("A record with the same unique key already exists.")
    if constraint.startswith("fk_") or constraint == "foreign_key" or "foreign key" in str(error.orig).lower():
        return Conflict("The change would leave a reference to a record that does not exist, or orphan one.")
    if constraint.startswith("ck_"):
        return InvalidRequest("The change breaks a rule of the inventory's schema.")
    return Conflict("The change conflicts with the current state of the inventory.")


def flush(session: Session, messages: Mapping[str, ProblemError]) -> None:
    """Flush pending changes, turning constraint violations into problems (the transaction is rolled back)."""
    try:
        session.flush()
    except IntegrityError as error:
        raise map_integrity_error(error, messages) from None


def insert_row(session: Session, row: TrackedColumns, messages: Mapping[str, ProblemError] = {}) -> int:
    """Insert a new row and record its creation; return its id (also set on ``row``)."""
    now = utcnow()
    row.created_at = now
    row.updated_at = now
    row.version = 1
    assign_id(session, row)
    session.add(row)
    flush(session, messages)
    assert row.id is not None  # set by the flush
    table = row.__table__
    append_change(session, ChangeAction.CREATE, table, row.id, None, row_state(session, table, row.id), at=now)
    return row.id


def update_row(
    session: Session,
    model: type[TrackedColumns],
    item_id: int,
    version: int,
    changes: Mapping[str, Any],
    messages: Mapping[str, ProblemError] = {},
) -> None:
    """Apply ``changes`` if the row is still at ``version``: one conditional UPDATE, so of concurrent
    writers holding the same ETag exactly one succeeds and the others get 412. Records the change."""
    table = model.__table__
    before = row_state(session, table, item_id)
    now = utcnow()
    statement = (
        sa.update(table)
        .where(table.c.id == item_id, table.c.version == version)
        .values(**changes, version=table.c.version + 1, updated_at=now)
        .returning(*table.columns)  # the state it leaves, without reading the row again
    )
    try:
        after = session.execute(statement).first()
    except IntegrityError as error:
        raise map_integrity_error(error, messages) from None
    if after is None or before is None:
        raise PreconditionFailed("The resource changed while this request was being processed; GET it again.")
    session.expire_all()
    append_change(session, ChangeAction.UPDATE, table, item_id, before, state_of(table, after), at=now)


def delete_row(
    session: Session, model: type[TrackedColumns], item_id: int, version: int, messages: Mapping[str, ProblemError] = {}
) -> None:
    """Delete the row if it is still at ``version`` (412 otherwise), recording its last state."""
    table = model.__table__
    try:
        # RETURNING: the state deleted, read by the statement that deletes it.
        statement = sa.delete(table).where(table.c.id == item_id, table.c.version == version).returning(*table.columns)
        deleted = session.execute(statement).first()
    except IntegrityError as error:
        raise map_integrity_error(error, messages) from None
    if deleted is None:
        raise PreconditionFailed("The resource changed while this request was being processed; GET it again.")
    append_change(session, ChangeAction.DELETE, table, item_id, state_of(table, deleted), None)


def restore_row(
    session: Session,
    model: type[TrackedColumns],
    item_id: int,
    state: Mapping[str, Any],
    version: int,
    messages: Mapping[str, ProblemError] = {},
) -> None:
    """Insert a deleted row again, with its id and recorded ``state``, at ``version``; records the restore.

    On PostgreSQL the id sequence is moved past the id if needed, so later inserts cannot collide."""
    table = model.__table__
    now = utcnow()
    values = {**state_values(table, dict(state)), "id": item_id, "version": version, "updated_at": now}
    try:
        session.execute(sa.insert(table).values(**values))
    except IntegrityError as error:
        raise map_integrity_error(error, messages) from None
    if session.get_bind().dialect.name == "postgresql":
        _advance_sequence(session, table, item_id)
    session.expire_all()
    append_change(session, ChangeAction.RESTORE, table, item_id, None, row_state(session, table, item_id), at=now)


def _advance_sequence(session: Session, table: sa.Table, item_id: int) -> None:
    sequence = session.execute(sa.text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table.name}).scalar()
    if sequence is None:
        return
    last = session.execute(sa.text(f"SELECT last_value FROM {sequence}")).scalar_one()
    if item_id > last:
        session.execute(sa.text("SELECT setval(:sequence, :id)"), {"sequence": sequence, "id": item_id})


class SessionReads(InstantsAsText):
    """The read-path converters for rows fetched through the write session, so a write's response
    has exactly the shape (and values) a later GET returns."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name

    def fetch(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        return [cast(Row, row._mapping) for row in self.session.execute(statement(sql), params or {})]

    def boolean(self, value: Any) -> bool | None:
        return None if value is None else bool(value)


def load_item(session: Session, listing: Listing, item_id: int) -> dict[str, Any]:
    """One item as the read path shapes it, read inside the write transaction."""
    reads = SessionReads(session)
    # Values maintained on write are brought up to date as the transaction commits: computed here.
    rows = reads.fetch(computed(f"{listing.select} WHERE {listing.id_column} = :id"), {"id": item_id})
    # Shape functions use only the converters (timestamp, boolean), which SessionReads has.
    return listing.shape(cast(ReadDatabase, reads), rows[0])


def get_or_404(session: Session, model: type[TrackedColumns], item_id: int, label: str) -> Any:
    """The row with ``item_id``, or a 404 problem naming the ``label`` of the thing."""
    row = session.get(model, item_id)
    if row is None:
        raise NotFound(f"No {label} with id {item_id}.")
    return row


def changed_fields(row: TrackedColumns, patch: Any) -> dict[str, Any]:
    """The fields a PATCH body sends whose values differ from the row's."""
    sent = patch.model_dump(exclude_unset=True)
    return {name: value for name, value in sent.items() if getattr(row, name) != value}


def same_key_ignoring_case(
    session: Session,
    model: type[TrackedColumns],
    column: str,
    value: str,
    *,
    exclude_id: int | None = None,
    ascii_only: bool = False,
) -> str | None:
    """The stored value of a unique text key that equals ``value`` ignoring case, if another row holds one.

    Compared with Unicode case folding in Python, because SQLite's ``lower()`` folds ASCII only; for a
    key whose schema allows only ASCII (``ascii_only``: codes, slugs, asset tags) SQL ``lower()`` is
    exact and narrows the rows down first. The database's ``lower()`` unique index backs this up."""
    table = model.__table__
    key_column = table.c[column]
    statement = sa.select(table.c.id, key_column)
    if ascii_only:
        statement = statement.where(sa.func.lower(key_column) == value.lower())
    wanted = value.casefold()
    for row_id, stored in session.execute(statement):
        if row_id != exclude_id and stored.casefold() == wanted:
            return str(stored)
    return None


def count_references(session: Session, model: type[TrackedColumns], column: str, item_id: int) -> int:
    """How many rows of ``model`` refer to ``item_id`` through ``column``."""
    table = model.__table__
    count: int = session.execute(
        sa.select(sa.func.count()).select_from(table).where(table.c[column] == item_id)
    ).scalar_one()
    return count


def exists(session: Session, model: type[TrackedColumns], **where: Any) -> bool:
    """Whether a row of ``model`` matches every ``column=value`` given."""
    table = model.__table__
    statement = sa.select(table.c.id).where(*(table.c[name] == value for name, value in where.items())).limit(1)
    return session.execute(statement).first() is not None
