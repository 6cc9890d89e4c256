"""Listing toolkit: sorting, signed keyset cursors, filters and the page envelope.

Pages are keyset-paginated: the cursor carries the last row's sort key, so page 1,000 costs
the same as page 1. Cursors are HMAC-signed and bound to their collection and sort order;
anything else presented as a cursor is a 400 problem, never a 500.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from typing import Any, Generic, Literal, Protocol, TypeVar

import orjson
from fastapi import Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from app.core.config import get_secret_key
from app.core.db import format_timestamp
from app.core.errors import InvalidCursor, InvalidRequest
from app.core.reads import ReadDatabase, Row
from app.core.urls import with_query_params

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

T = TypeVar("T")

SortKind = Literal["text", "int", "timestamp"]


class Page(BaseModel, Generic[T]):
    """One page of a collection; follow ``next_cursor`` (or the ``Link: rel="next"`` header) for more."""

    items: list[T]
    next_cursor: str | None = Field(description="Opaque cursor for the next page; null on the last page.")


@dataclass(frozen=True)
class SortField:
    """A field a collection may be sorted by: its SQL expression and how its values compare."""

    column: str
    kind: SortKind = "text"


@dataclass(frozen=True)
class Listing:
    """How one collection is listed: its query, id column, sortable fields and row shape."""

    resource: str
    select: str
    id_column: str
    sort_fields: Mapping[str, SortField]
    shape: Callable[[ReadDatabase, Row], dict[str, Any]]
    default_sort: str = "id"
    raw_keys: bool = False
    """Cursor values come from the row as read (sort fields that are not in the shaped item)."""

    def sort_description(self) -> str:
        fields = ", ".join(sorted(self.sort_fields))
        return (
            f"Comma-separated fields, `-` prefix for descending (e.g. `-{next(iter(self.sort_fields))}`). "
            f"Allowed: {fields}. Default: `{self.default_sort}`."
        )


@dataclass
class Filters:
    """SQL conditions and their parameters, built up by a collection's service."""

    conditions: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def add(self, condition: str, **params: Any) -> None:
        self.conditions.append(condition)
        # Drivers bind plain strings; enumeration members are passed as their JSON values.
        self.params.update({key: value.value if isinstance(value, Enum) else value for key, value in params.items()})

    def equal(self, table: str, **values: Any) -> Filters:
        """Add ``table.column = :column`` for every given value (None and "" mean no filter); returns itself."""
        for column, value in values.items():
            if value is not None and value != "":
                self.add(f"{table}.{column} = :{column}", **{column: value})
        return self


def parse_sort(listing: Listing, raw: str | None) -> list[tuple[str, bool]]:
    """``"a,-b"`` as ``[("a", False), ("b", True)]``; unknown or repeated fields are a 422 naming them."""
    text = raw if raw not in (None, "") else listing.default_sort
    parsed: list[tuple[str, bool]] = []
    for part in text.split(","):
        part = part.strip()
        descending = part.startswith("-")
        name = part[1:] if descending else part
        if name not in listing.sort_fields:
            allowed = ", ".join(sorted(listing.sort_fields))
            raise InvalidRequest(
                f"Cannot sort {listing.resource} by '{name or part}'. Allowed sort fields: {allowed}.",
                errors=[
                    {"location": "query", "field": "sort", "message": f"unknown sort field '{name}'", "type": "enum"}
                ],
            )
        if any(existing == name for existing, _ in parsed):
            raise InvalidRequest(
                f"Sort field '{name}' is given twice.",
                errors=[
                    {
                        "location": "query",
                        "field": "sort",
                        "message": f"repeated sort field '{name}'",
                        "type": "value_error",
                    }
                ],
            )
        parsed.append((name, descending))
    if parsed[-1][0] != "id":
        # The id breaks ties, in the direction of the last field, so every order is total.
        parsed.append(("id", parsed[-1][1]))
    return parsed


class PastReading(Protocol):
    """How to run a present-time query over the tables as they stood at an instant
    (``app.changes.versions.PointInTime``); core knows only this shape, not the versions behind it."""

    @property
    def at(self) -> datetime: ...

    def query(self, reads: ReadDatabase, sql: str, params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]: ...


def past_resource(resource: str, at: datetime) -> str:
    """What a cursor of ``resource`` read as of ``at`` is bound to: the collection and the instant."""
    return f"{resource}@{format_timestamp(at)}"


def _signature(payload: bytes) -> bytes:
    return hmac.new(get_secret_key(), payload, hashlib.sha256).digest()[:18]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_cursor(resource: str, sort_key: str, values: Sequence[Any]) -> str:
    payload = orjson.dumps([resource, sort_key, list(values)])
    return f"{_b64(payload)}.{_b64(_signature(payload))}"


def decode_cursor(token: str, resource: str, sort_key: str, width: int) -> list[Any]:
    """The sort key a cursor carries, after checking it was issued by this service for this listing."""
    try:
        payload_text, signature_text = token.split(".")
        payload = _unb64(payload_text)
        signature = _unb64(signature_text)
    except ValueError:
        raise InvalidCursor("The cursor is malformed; pass the next_cursor of a previous page unchanged.") from None
    if not hmac.compare_digest(signature, _signature(payload)):
        raise InvalidCursor("The cursor was not issued by this service or has been altered.")
    try:
        cursor_resource, cursor_sort, values = orjson.loads(payload)
        if not isinstance(values, list):
            raise TypeError
    except (ValueError, TypeError):
        raise InvalidCursor("The cursor is malformed; pass the next_cursor of a previous page unchanged.") from None
    if cursor_resource != resource:
        raise InvalidCursor(f"The cursor belongs to the {cursor_resource} collection, not {resource}.")
    if cursor_sort != sort_key or len(values) != width:
        raise InvalidCursor(
            f"The cursor was issued for sort={cursor_sort}; repeat that sort order or start again without a cursor."
        )
    return values


def _sort_column(listing: Listing, name: str, reads: ReadDatabase) -> str:
    field = listing.sort_fields[name]
    if field.kind == "text" and reads.dialect == "postgresql":
        # Byte order, as SQLite compares: one order on every backend, whatever the server's locale.
        return f'{field.column} COLLATE "C"'
    return field.column


_CURSOR_TIMESTAMP = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$")


def _check_cursor_value(kind: SortKind, value: Any) -> None:
    """A cursor's value must have its sort field's type: a signed cursor is only as good as the code
    that made it, and a wrong type would reach the database (PostgreSQL refuses it, with an error)."""
    if kind == "int":
        valid = isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63
    elif kind == "timestamp":
        valid = isinstance(value, str) and bool(_CURSOR_TIMESTAMP.match(value))
        if valid:
            try:
                datetime.fromisoformat(value)
            except ValueError:
                valid = False
    else:
        valid = isinstance(value, str) and "\x00" not in value
    if not valid:
        raise InvalidCursor("The cursor carries a value of the wrong type for its sort field.")


def _keyset_condition(
    listing: Listing, order: list[tuple[str, bool]], values: list[Any], reads: ReadDatabase, params: dict[str, Any]
) -> str:
    columns = [_sort_column(listing, name, reads) for name, _ in order]
    for index, ((name, _), value) in enumerate(zip(order, values, strict=True)):
        kind = listing.sort_fields[name].kind
        _check_cursor_value(kind, value)
        params[f"k{index}"] = reads.timestamp_param(value) if kind == "timestamp" else value
    directions = {descending for _, descending in order}
    if len(directions) == 1:
        operator = "<" if directions.pop() else ">"
        left = ", ".join(columns)
        right = ", ".join(f":k{i}" for i in range(len(columns)))
        return f"({left}) {operator} ({right})"
    alternatives = []
    for index, (_, descending) in enumerate(order):
        equal = [f"{columns[i]} = :k{i}" for i in range(index)]
        equal.append(f"{columns[index]} {'<' if descending else '>'} :k{index}")
        alternatives.append("(" + " AND ".join(equal) + ")")
    return "(" + " OR ".join(alternatives) + ")"


def page_query(
    reads: ReadDatabase,
    listing: Listing,
    filters: Filters,
    *,
    sort: str | None,
    cursor: str | None,
    limit: int | None,
) -> tuple[str, dict[str, Any], list[tuple[str, bool]], str]:
    """The SQL and parameters of a listing's page (or, with ``limit`` None, of everything after the
    cursor), its parsed order and the sort key cursors are bound to."""
    order = parse_sort(listing, sort)
    sort_key = ",".join(("-" if descending else "") + name for name, descending in order)
    conditions = list(filters.conditions)
    params = dict(filters.params)
    if cursor:
        values = decode_cursor(cursor, listing.resource, sort_key, len(order))
        conditions.append(_keyset_condition(listing, order, values, reads, params))
    sql = listing.select
    if conditions:
        sql += " WHERE " + " AND ".join(conditions)
    sql += " ORDER BY " + ", ".join(
        f"{_sort_column(listing, name, reads)} {'DESC' if descending else 'ASC'}" for name, descending in order
    )
    if limit is not None:
        sql += " LIMIT :page_limit"
        params["page_limit"] = limit + 1
    return sql, params, order, sort_key


async def fetch_page(
    reads: ReadDatabase,
    listing: Listing,
    filters: Filters,
    *,
    sort: str | None,
    limit: int,
    cursor: str | None,
    heavy: bool = False,
    past: PastReading | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Run a listing with filters, sort and keyset cursor; return the shaped items and the next cursor.

    ``heavy`` runs the query where it cannot hold the event loop (see ``ReadDatabase.fetch_heavy``).
    A listing with ``raw_keys`` takes the cursor's values from the row as read, else from the shaped item.
    ``past`` runs the same query over the tables as they stood at its instant (``app/changes/versions.py``);
    its cursors are bound to the instant.
    """
    if past is not None:
        listing = replace(listing, resource=past_resource(listing.resource, past.at))
    sql, params, order, sort_key = page_query(reads, listing, filters, sort=sort, cursor=cursor, limit=limit)
    if past is not None:
        sql, params = past.query(reads, sql, params)
    rows = await (reads.fetch_heavy if heavy else reads.fetch)(sql, params)
    items = [listing.shape(reads, row) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1] if listing.raw_keys else items[-1]
        next_cursor = encode_cursor(listing.resource, sort_key, [last[name] for name, _ in order])
    return items, next_cursor


def stream_listing(
    reads: ReadDatabase,
    listing: Listing,
    filters: Filters,
    *,
    sort: str | None,
    cursor: str | None = None,
    past: PastReading | None = None,
) -> AsyncIterator[list[dict[str, Any]]]:
    """Every item of a listing (after the cursor, if any) in the listing's order, shaped, in batches read
    from a server-side cursor: what a page would show, in constant memory; with ``past``, the same over
    the tables as they stood at its instant (a cursor bound to that instant).

    The query, and so the cursor and its values, is checked here, before a response starts: a bad
    cursor is a 400, never a stream that breaks after its status line."""
    if past is not None:
        listing = replace(listing, resource=past_resource(listing.resource, past.at))
    sql, params, _, _ = page_query(reads, listing, filters, sort=sort, cursor=cursor, limit=None)
    if past is not None:
        sql, params = past.query(reads, sql, params)

    async def batches() -> AsyncIterator[list[dict[str, Any]]]:
        async for rows in reads.stream(sql, params):
            yield [listing.shape(reads, row) for row in rows]

    return batches()


def page_response(request: Request, items: list[dict[str, Any]], next_cursor: str | None) -> Response:
    """The page envelope as JSON, with an RFC 8288 ``Link: rel="next"`` header when there is more."""
    headers = {}
    if next_cursor:
        headers["Link"] = f'<{with_query_params(request, cursor=next_cursor)}>; rel="next"'
    return json_response({"items": items, "next_cursor": next_cursor}, headers=headers)


def json_response(body: Any, *, status_code: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """Serialize with orjson straight to bytes (the schema is declared on the route for OpenAPI)."""
    return Response(orjson.dumps(body), status_code=status_code, media_type="application/json", headers=headers)
