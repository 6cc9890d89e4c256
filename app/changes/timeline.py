"""Point-in-time reads: the inventory as it stood at an instant, rebuilt from the change log.

The state of an object at instant T is the ``after`` of its latest change record (in chain
order) recorded at or before T; an object whose latest such record is a deletion, or that has
none, did not exist at T. Collections built from these states are filtered, sorted and
paginated in Python with the same semantics as the SQL of the present-time read path (byte
order for text, the id breaking ties, keyset cursors), so this slower path never touches the
hot one. A cursor is bound to its ``as_of``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from fastapi import Query
from pydantic import BaseModel, Field

from app.core.db import format_timestamp, utcnow
from app.core.errors import InvalidRequest, NotFound
from app.core.http import MAX_ID
from app.core.pagination import Listing, decode_cursor, encode_cursor, parse_sort
from app.core.query import INSTANT
from app.core.reads import ReadDatabase

_RFC3339 = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[Tt](?P<time>\d{2}:\d{2}:\d{2})(?P<fraction>\.\d{1,9})?"
    r"(?P<zone>[Zz]|[+-]\d{2}:\d{2})$",
    re.ASCII,
)


def _instant_error(field: str, why: str) -> InvalidRequest:
    return InvalidRequest(
        f"{field} {why}.", errors=[{"location": "query", "field": field, "message": why, "type": "value_error"}]
    )


def parse_instant(raw: str | None, field: str) -> datetime | None:
    """A query value as an aware UTC instant; 422 naming ``field`` when it is not RFC 3339 with a timezone."""
    if raw is None:
        return None
    match = _RFC3339.match(raw.strip())
    if not match:
        raise _instant_error(
            field,
            "must be an RFC 3339 timestamp with a timezone, e.g. 2021-04-19T12:00:00Z or 2021-04-19T14:00:00+02:00",
        )
    fraction = (match["fraction"] or "")[:7]
    zone = "+00:00" if match["zone"] in ("Z", "z") else match["zone"]
    try:
        moment = datetime.fromisoformat(f"{match['date']}T{match['time']}{fraction}{zone}").astimezone(UTC)
    except ValueError:
        raise _instant_error(field, "is not a valid date and time") from None
    except OverflowError:
        raise _instant_error(field, "is outside the years 0001 to 9999 once converted to UTC") from None
    return moment


def parse_as_of(raw: str | None) -> datetime | None:
    """An ``as_of`` query value as an aware UTC instant; 422 when malformed, without a timezone or in the future."""
    moment = parse_instant(raw, "as_of")
    if moment is not None and moment > utcnow():
        raise _instant_error("as_of", "is in the future; the inventory's past can be queried, not its future")
    return moment


AsOf = Annotated[
    str | None,
    Query(
        max_length=64,
        description="Answer as the inventory stood at this instant (RFC 3339 with a timezone, "
        "e.g. `2021-04-19T12:00:00Z`), rebuilt from the change log. Not in the future.",
        json_schema_extra=INSTANT,
    ),
]
"""The optional ``as_of`` query parameter; a plain query value (no dependency), so plain GETs pay
nothing for it. Parse it with ``parse_as_of`` when it is given."""


class StateReads:
    """Converters for shaping recorded states with the read path's ``shape_*`` functions:
    states already hold values in their API form."""

    dialect = "state"

    def timestamp(self, value: Any) -> str | None:
        return value

    def timestamp_param(self, value: str) -> Any:
        return value

    def boolean(self, value: Any) -> bool | None:
        return None if value is None else bool(value)


STATE_READS = StateReads()


class Snapshot:
    """The states of objects at one instant, loaded per collection on first use."""

    def __init__(self, reads: ReadDatabase, at: datetime) -> None:
        self.reads = reads
        self.at = at
        self._states: dict[str, dict[int, dict[str, Any]]] = {}

    async def states(self, object_type: str) -> dict[int, dict[str, Any]]:
        """Every object of ``object_type`` that existed at the instant, by id, with its state then."""
        if object_type not in self._states:
            rows = await self.reads.fetch(
                "SELECT c.object_id, c.action, c.after FROM change_record c"
                " WHERE c.object_type = :object_type AND c.id = ("
                "SELECT MAX(p.id) FROM change_record p WHERE p.object_type = :object_type"
                " AND p.object_id = c.object_id AND p.recorded_at <= :at)",
                {"object_type": object_type, "at": self.reads.timestamp_param(format_timestamp(self.at))},
            )
            self._states[object_type] = {
                row["object_id"]: orjson.loads(row["after"]) for row in rows if row["action"] != "delete"
            }
        return self._states[object_type]

    async def item(self, object_type: str, object_id: int, label: str) -> dict[str, Any]:
        """One object's state at the instant, or a 404 naming the instant."""
        state = (await self.states(object_type)).get(object_id)
        if state is None:
            raise NotFound(f"No {label} with id {object_id} existed at {format_timestamp(self.at)}.")
        return state


def ref_matches(value: str, item_id: int | None, key: str | None) -> bool:
    """Whether a reference filter (numeric id or human key) names this object, as ``ref_condition`` does in SQL."""
    if value.isascii() and value.isdigit():
        return int(value) <= MAX_ID and item_id == int(value)
    return key == value


def page_of(
    listing: Listing,
    items: Iterable[dict[str, Any]],
    at: datetime,
    *,
    sort: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Sort and keyset-paginate shaped items in memory, with the semantics of ``fetch_page``."""
    order = parse_sort(listing, sort)
    sort_key = ",".join(("-" if descending else "") + name for name, descending in order)
    resource = f"{listing.resource}@{format_timestamp(at)}"
    rows = list(items)
    for name, descending in reversed(order):
        rows.sort(key=lambda item, name=name: item[name], reverse=descending)
    if cursor:
        values = decode_cursor(cursor, resource, sort_key, len(order))
        rows = [item for item in rows if _after(item, order, values)]
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        next_cursor = encode_cursor(resource, sort_key, [last[name] for name, _ in order])
    return page, next_cursor


def _after(item: dict[str, Any], order: list[tuple[str, bool]], values: list[Any]) -> bool:
    for (name, descending), value in zip(order, values, strict=True):
        mine = item[name]
        try:
            if mine == value:
                continue
            return mine < value if descending else mine > value
        except TypeError:
            return False
    return False


def keep(items: Iterable[dict[str, Any]], *predicates: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
    """The items every predicate accepts."""
    return [item for item in items if all(predicate(item) for predicate in predicates)]


class AsOfQuery(BaseModel):
    """The ``as_of`` parameter of a listing's query model."""

    as_of: str | None = Field(
        default=None,
        max_length=64,
        description="Answer as the inventory stood at this instant (RFC 3339 with a timezone, "
        "e.g. `2021-04-19T12:00:00Z`), rebuilt from the change log. Not in the future.",
        json_schema_extra=INSTANT,
    )


async def run_listing(
    reads: ReadDatabase,
    query: AsOfQuery,
    present: Callable[..., Awaitable[tuple[list[dict[str, Any]], str | None]]],
    past: Callable[..., Awaitable[tuple[list[dict[str, Any]], str | None]]],
) -> tuple[list[dict[str, Any]], str | None]:
    """Run a listing on the present (the hot read path) or, with ``as_of``, on the change log."""
    params = query.model_dump(exclude={"as_of"})
    if query.as_of is None:
        return await present(reads, **params)
    return await past(reads, at=parse_as_of(query.as_of), **params)
