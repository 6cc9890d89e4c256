"""Object versions: every recorded object's states with their validity periods, and point-in-time SQL.

The change log says what changed; ``object_version`` (``app/changes/models.py``) holds, for each
change that left a state, that state and the period it was valid: from the record's time to the
earliest time of a later change of the same object (null while it is current). Versions are written
in the transaction that makes the change, from the place change records are sealed
(``record_versions``, called by ``seal_chain``), and can be rebuilt from the log at any time
(``rebuild_versions``: the migration, the benchmark generator).

Point-in-time reads are the present reads' own SQL with every table swapped for its rows at the
instant (``point_in_time``): ``FROM scanner`` becomes ``FROM (SELECT <scanner's columns extracted
from the state> FROM object_version WHERE object_type = 'scanners' AND valid_from <= :as_of AND
(valid_to IS NULL OR valid_to > :as_of)) AS scanner``. The columns are typed as the table declares
them (``CAST(state ->> 'x' AS ...)`` on PostgreSQL, ``json_extract`` on SQLite, where stored values
already have their column's form), so filters, sorts, joins and keyset cursors written once for the
present apply to the past unchanged.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session as OrmSession

from app.core.db import UTCDateTime, format_timestamp
from app.core.errors import NotFound

NOT_VERSIONED = frozenset(
    {
        "change_record",
        "chain_checkpoint",
        "object_version",
        "idempotency_record",
        "webhook_delivery",
        "scanner_audit_status",
    }
)
"""Tables whose rows are not objects of the change log (no records, so no versions): the log itself, its
bookkeeping, and values derived from recorded objects and maintained on write."""

AS_OF_PARAM = "as_of"

# Writing versions -------------------------------------------------------------------------------


def _state_param(dialect: str) -> str:
    return "CAST(:state AS JSONB)" if dialect == "postgresql" else ":state"


@functools.cache
def _open_statement(dialect: str) -> sa.TextClause:
    return sa.text(
        "INSERT INTO object_version (object_type, object_id, valid_from, valid_from_change, state)"
        f" VALUES (:object_type, :object_id, :valid_from, :valid_from_change, {_state_param(dialect)})"
    ).bindparams(sa.bindparam("valid_from", type_=UTCDateTime()))


_CLOSE = sa.text(
    "UPDATE object_version SET valid_to = :valid_to, valid_to_change = COALESCE(valid_to_change, :change)"
    " WHERE object_type = :object_type AND object_id = :object_id AND (valid_to IS NULL OR valid_to > :valid_to)"
).bindparams(sa.bindparam("valid_to", type_=UTCDateTime()))


def record_versions(session: OrmSession, records: Iterable[Mapping[str, Any]]) -> None:
    """Write the versions a batch of sealed change records make, in chain order: an update, delete or
    restore ends the object's versions still valid at its time (usually the one open version), and a
    create, update or restore opens a new one. Each record: ``id``, ``recorded_at`` (datetime),
    ``action`` (text), ``object_type``, ``object_id``, ``after`` (canonical JSON or None)."""
    dialect = session.get_bind().dialect.name
    opening: list[dict[str, Any]] = []
    for record in records:
        if record["action"] != "create":  # a create is an id's first record: nothing to close
            if opening:
                session.execute(_open_statement(dialect), opening)
                opening = []
            session.execute(
                _CLOSE,
                {
                    "valid_to": record["recorded_at"],
                    "change": record["id"],
                    "object_type": record["object_type"],
                    "object_id": record["object_id"],
                },
            )
        if record["after"] is not None:
            opening.append(
                {
                    "object_type": record["object_type"],
                    "object_id": record["object_id"],
                    "valid_from": record["recorded_at"],
                    "valid_from_change": record["id"],
                    "state": record["after"],
                }
            )
    if opening:
        session.execute(_open_statement(dialect), opening)


def backfill_sql(dialect: str) -> str:
    """Versions of one collection's objects with ids in [:low, :high), from their change records: one
    pass over ``ix_change_record_object`` per batch, the validity periods by window functions."""
    state = "CAST(w.after AS JSONB)" if dialect == "postgresql" else "w.after"
    return (
        "INSERT INTO object_version"
        " (object_type, object_id, valid_from, valid_from_change, valid_to, valid_to_change, state)"
        f" SELECT w.object_type, w.object_id, w.recorded_at, w.id, w.valid_to, w.valid_to_change, {state}"
        " FROM (SELECT c.id, c.object_type, c.object_id, c.recorded_at, c.action, c.after,"
        " MIN(c.recorded_at) OVER (PARTITION BY c.object_type, c.object_id ORDER BY c.id"
        " ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS valid_to,"
        " LEAD(c.id) OVER (PARTITION BY c.object_type, c.object_id ORDER BY c.id) AS valid_to_change"
        " FROM change_record c"
        " WHERE c.object_type = :object_type AND c.object_id >= :low AND c.object_id < :high) w"
        " WHERE w.action <> 'delete'"
    )


def rebuild_versions(connection: sa.Connection, *, batch: int = 2_000, log: Any = None) -> int:
    """Replace every version with those the change log implies, in batches of ``batch`` object ids per
    collection (each batch one INSERT ... SELECT: nothing is held in memory). Returns the count."""
    connection.execute(sa.text("DELETE FROM object_version"))
    sql = sa.text(backfill_sql(connection.dialect.name))
    ranges = connection.execute(
        sa.text("SELECT object_type, MIN(object_id), MAX(object_id) FROM change_record GROUP BY object_type")
    ).all()
    for object_type, low, high in ranges:
        for start in range(low, high + 1, batch):
            connection.execute(sql, {"object_type": object_type, "low": start, "high": start + batch})
        if log:
            log(f"  versions of {object_type} built")
    count: int = connection.execute(sa.text("SELECT COUNT(*) FROM object_version")).scalar_one()
    return count


# Reading the past -------------------------------------------------------------------------------


def _column_sql(column: sa.Column[Any], dialect: str) -> str:
    """The column's value from a version's state, typed as the table declares it. A column with a database
    default was added after some states were recorded: a state without its key reads as that default (the
    fact was not recorded then), as a restore of such a state would insert it."""
    sql = _extracted(column, dialect)
    default = column.server_default
    if isinstance(default, sa.DefaultClause) and isinstance(default.arg, str):
        literal = default.arg.replace("'", "''")
        return f"COALESCE({sql}, '{literal}') AS {column.name}"
    return f"{sql} AS {column.name}"


def _extracted(column: sa.Column[Any], dialect: str) -> str:
    name = column.name
    if dialect != "postgresql":
        return f"json_extract(ov.state, '$.\"{name}\"')"
    column_type = column.type
    if isinstance(column_type, sa.JSON):
        return f"ov.state -> '{name}'"
    text = f"ov.state ->> '{name}'"
    if isinstance(column_type, UTCDateTime | sa.DateTime):
        return f"CAST({text} AS TIMESTAMPTZ)"
    if isinstance(column_type, sa.Boolean):
        return f"CAST({text} AS BOOLEAN)"
    if isinstance(column_type, sa.Date):
        return f"CAST({text} AS DATE)"
    if isinstance(column_type, sa.BigInteger):
        return f"CAST({text} AS BIGINT)"
    if isinstance(column_type, sa.Integer):
        return f"CAST({text} AS INTEGER)"
    if isinstance(column_type, sa.Float | sa.Numeric):
        return f"CAST({text} AS NUMERIC)"
    return f"{text}"


def _versioned_table(table_name: str) -> sa.Table | None:
    """The table of that name on the metadata (its model is imported by whichever service queries it)."""
    from sqlmodel import SQLModel

    return None if table_name in NOT_VERSIONED else SQLModel.metadata.tables.get(table_name)


@functools.cache
def table_at(table_name: str, dialect: str, joined: bool = False) -> str:
    """A subquery giving the rows ``table_name`` held at ``:as_of``, with its columns and their types.

    ``joined``: the table is the right side of a JOIN. On PostgreSQL its id is then ``object_id + 0``:
    the planner estimates a join on ``object_id`` from that column's distinct values over every
    collection (hundreds of thousands), so a join with a small collection (sites) looked as if it kept
    almost no rows and a page sorted all of them rather than stop after the page; on an expression it
    uses its default estimate, and lists read the driving table in index order and stop at the page.
    The driving table keeps ``object_id`` (its index serves item reads and the id order)."""
    from app.changes.recording import collection_of

    table = _versioned_table(table_name)
    if table is None:
        raise ValueError(f"table {table_name!r} has no recorded versions")
    key = "ov.object_id + 0" if joined and dialect == "postgresql" else "ov.object_id"
    columns = ", ".join(
        f"{key} AS id" if column.name == "id" else _column_sql(column, dialect) for column in table.columns
    )
    return (
        f"(SELECT {columns} FROM object_version ov WHERE ov.object_type = '{collection_of(table_name)}'"
        f" AND ov.valid_from <= :{AS_OF_PARAM} AND (ov.valid_to IS NULL OR ov.valid_to > :{AS_OF_PARAM}))"
    )


_PAST_EQUIVALENTS: dict[str, str] = {}
"""SQL reading a value maintained on write, and the definition that computes it: what a read of the past
runs instead (the maintained tables hold the present only)."""


def maintained(present: str, definition: str) -> str:
    """``present``, SQL that reads a value maintained on write (a column of a derived table kept up to date
    in each writing transaction), registered with its ``definition``, the SQL it stands for: reading the
    past, ``point_in_time`` puts the definition in its place, computed over the versions. A definition may read
    values registered before it: they are put by their definitions too. Returns ``present``."""
    _PAST_EQUIVALENTS[present] = computed(definition)
    return present


def computed(sql: str) -> str:
    """``sql`` with every maintained value read by its definition instead: for reads inside a writing
    transaction, whose maintenance runs only as it commits (``maintain_on_write``)."""
    # Latest registered first: a later value's SQL may read an earlier one (never the reverse), and its
    # definition already has the earlier ones put by theirs.
    for present, definition in reversed(_PAST_EQUIVALENTS.items()):
        sql = sql.replace(present, definition)
    return sql


_TABLE_REFERENCE = re.compile(r"\b(FROM|JOIN)\s+([a-z_]+)\b(?:\s+(?!AS\b)([a-z_][a-z0-9_]*)\b)?")


@functools.lru_cache(maxsize=2048)  # queries vary with filters, sorts and page sizes: bounded, not unbounded
def point_in_time(sql: str, dialect: str) -> str:
    """The same query over the tables' rows at ``:as_of`` (every ``FROM``/``JOIN`` of a table swapped
    for ``table_at``, keeping its name or alias). Table names and aliases are lower case, keywords upper."""

    def swap(match: re.Match[str]) -> str:
        keyword, table, alias = match.groups()
        return f"{keyword} {table_at(table, dialect, keyword == 'JOIN')} AS {alias or table}"

    return _TABLE_REFERENCE.sub(swap, computed(sql))


def as_of_params(reads: Any, params: Mapping[str, Any], at: datetime) -> dict[str, Any]:
    """The query's parameters with the instant added."""
    return {**params, AS_OF_PARAM: reads.timestamp_param(format_timestamp(at))}


@dataclass(frozen=True)
class PointInTime:
    """A read of the past: present-time queries run over the rows the tables held at ``at``
    (what ``app.core.pagination.fetch_page`` takes as ``past``)."""

    at: datetime

    def query(self, reads: Any, sql: str, params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        return point_in_time(sql, reads.dialect), as_of_params(reads, params, self.at)


def past(at: datetime | None) -> PointInTime | None:
    """The point-in-time reading for ``at``; None (the present) without an instant."""
    return None if at is None else PointInTime(at)


def at_instant(reads: Any, sql: str, params: Mapping[str, Any], at: datetime | None) -> tuple[str, dict[str, Any]]:
    """A present-time query and its parameters, or (with ``at``) the same over the tables at that instant."""
    if at is None:
        return sql, dict(params)
    return point_in_time(sql, reads.dialect), as_of_params(reads, params, at)


def no_such(label: str, object_id: int, at: datetime | None) -> NotFound:
    """The 404 of an item read, naming the instant when there is one."""
    if at is None:
        return NotFound(f"No {label} with id {object_id}.")
    return NotFound(f"No {label} with id {object_id} existed at {format_timestamp(at)}.")
