"""Many-to-many links (a procurement's scanners, an audit's scope): read in one batched query per
page, and written row by row through the shared write helpers so every change is versioned."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from app.changes.writes import SessionReads, delete_row, insert_row
from app.core.errors import InvalidRequest
from app.core.models import TrackedColumns
from app.core.pagination import PastReading
from app.core.reads import ReadDatabase


def _query(table: str, owner: str, target: str, owner_ids: list[int]) -> tuple[str, dict[str, Any]]:
    placeholders = ", ".join(f":o{index}" for index in range(len(owner_ids)))
    sql = (
        f"SELECT {owner} AS owner_id, {target} AS target_id FROM {table}"
        f" WHERE {owner} IN ({placeholders}) ORDER BY {target}"
    )
    return sql, {f"o{index}": owner_id for index, owner_id in enumerate(owner_ids)}


def _fill(items: list[dict[str, Any]], rows: Iterable[Any], field: str) -> None:
    by_owner: dict[int, list[int]] = {item["id"]: [] for item in items}
    for row in rows:
        by_owner[row["owner_id"]].append(row["target_id"])
    for item in items:
        item[field] = by_owner[item["id"]]


async def attach_links(
    reads: ReadDatabase,
    items: list[dict[str, Any]],
    *,
    table: str,
    owner: str,
    target: str,
    field: str,
    past: PastReading | None = None,
) -> None:
    """Set ``item[field]`` to the sorted ids linked to each item, with one query for all items; with
    ``past``, the links as they stood at its instant (the same query over the link table's versions)."""
    if not items:
        return
    sql, params = _query(table, owner, target, [item["id"] for item in items])
    if past is not None:
        sql, params = past.query(reads, sql, params)
    _fill(items, await reads.fetch(sql, params), field)


def attach_links_in_session(
    session: Session, items: list[dict[str, Any]], *, table: str, owner: str, target: str, field: str
) -> None:
    """``attach_links`` inside the write transaction."""
    if not items:
        return
    sql, params = _query(table, owner, target, [item["id"] for item in items])
    _fill(items, SessionReads(session).fetch(sql, params), field)


def check_ids_exist(session: Session, model: type[TrackedColumns], ids: Iterable[int], field: str, kind: str) -> None:
    """A 422 naming the first id in ``ids`` that names no row of ``model``."""
    wanted = sorted(set(ids))
    if not wanted:
        return
    table = model.__table__
    found = set(session.execute(sa.select(table.c.id).where(table.c.id.in_(wanted))).scalars())
    missing = [value for value in wanted if value not in found]
    if missing:
        raise InvalidRequest(
            f"{field} names no {kind} with id {', '.join(map(str, missing))}.",
            errors=[{"location": "body", "field": field, "message": f"no such {kind}", "type": "reference"}],
        )


def replace_links(
    session: Session, model: type[TrackedColumns], *, owner: str, owner_id: int, target: str, target_ids: Iterable[int]
) -> bool:
    """Make the links of ``owner_id`` exactly ``target_ids``; returns whether anything changed."""
    wanted = set(target_ids)
    table = model.__table__
    existing = session.execute(
        sa.select(table.c.id, table.c[target], table.c.version).where(table.c[owner] == owner_id)
    ).all()
    have = {row[1] for row in existing}
    changed = False
    for row_id, target_id, version in existing:
        if target_id not in wanted:
            delete_row(session, model, row_id, version)
            changed = True
    for target_id in sorted(wanted - have):
        link: dict[str, Any] = {owner: owner_id, target: target_id}  # a link model's own columns, by name
        insert_row(session, model(**link))
        changed = True
    return changed


def delete_links(session: Session, model: type[TrackedColumns], *, owner: str, owner_id: int) -> None:
    """Remove every link of ``owner_id`` (before the owner itself is deleted)."""
    table = model.__table__
    for row_id, version in session.execute(
        sa.select(table.c.id, table.c.version).where(table.c[owner] == owner_id)
    ).all():
        delete_row(session, model, row_id, version)
