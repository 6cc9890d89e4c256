"""Point-in-time reads: the ``as_of`` parameter, its parsing, and running a listing at an instant.

The state of an object at instant T is the ``after`` of its latest change record (in chain
order) recorded at or before T; an object whose latest such record is a deletion, or that has
none, did not exist at T. Those states are the object versions valid at T
(``app/changes/versions.py``); a listing at T is the present listing's own SQL over them, so
filters, sort and keyset cursors are written once. A cursor is bound to its ``as_of``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from app.core.db import utcnow
from app.core.errors import InvalidRequest
from app.core.query import INSTANT
from app.core.reads import ReadDatabase, off_loop

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


class AsOfQuery(BaseModel):
    """The ``as_of`` parameter of a listing's query model."""

    as_of: str | None = Field(
        default=None,
        max_length=64,
        description="Answer as the inventory stood at this instant (RFC 3339 with a timezone, "
        "e.g. `2021-04-19T12:00:00Z`), rebuilt from the change log. Not in the future.",
        json_schema_extra=INSTANT,
    )


Q = TypeVar("Q", bound=AsOfQuery)
ListFunction = Callable[[ReadDatabase, Q, datetime | None], Awaitable[tuple[list[dict[str, Any]], str | None]]]
"""A collection's list function: ``list_x(reads, query, at)``, its filters, sort and page read from the query."""


async def run_listing(
    reads: ReadDatabase, query: Q, listing: ListFunction[Q]
) -> tuple[list[dict[str, Any]], str | None]:
    """Run a listing on the present (the hot read path) or, with ``as_of``, on the versions valid at that
    instant: the same service function and SQL, run off the event loop (``off_loop``)."""
    if query.as_of is None:
        return await listing(reads, query, None)
    return await off_loop(listing)(reads, query, parse_as_of(query.as_of))
