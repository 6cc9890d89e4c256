"""Whole-collection exports, chosen by the Accept header: CSV or JSON Lines, streamed.

- CSV (``text/csv``): every row matching the filters, under a header of the item fields (a nested
  object's fields as ``site.code``), with null as an empty cell, booleans as ``true``/``false`` and
  lists joined with ``" | "``. Text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return gets a leading single quote (OWASP's defence against CSV formula injection), so a
  spreadsheet shows it as text instead of running it; numbers are left as they are.
- JSON Lines (``application/x-ndjson``): every row matching the filters, one JSON object a line.

Exports are streamed batch by batch as the rows are read, so memory stays flat whatever their size.
Used by the reports (``app/reports/formats.py``) and by every collection's list operation.
"""

from __future__ import annotations

import csv
import io
import types
import typing
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, Literal

import orjson
from fastapi import Request
from pydantic import BaseModel, RootModel
from starlette.responses import Response, StreamingResponse

from app.core.errors import NotAcceptable
from app.core.pagination import page_response
from app.core.query import PageQuery

CSV_MEDIA_TYPE = "text/csv"
NDJSON_MEDIA_TYPE = "application/x-ndjson"
Format = Literal["json", "csv", "jsonl"]
_CHOICES: dict[str, Format] = {
    "application/json": "json",
    "application/*": "json",
    "*/*": "json",
    "text/csv": "csv",
    "text/*": "csv",
    NDJSON_MEDIA_TYPE: "jsonl",
    "application/jsonl": "jsonl",
}


def negotiate(accept: str | None) -> Format:
    """The representation the Accept header prefers (highest q, then first listed)."""
    if accept is None or not accept.strip():
        return "json"
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept.split(",")):
        media, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, media.lower()))
    for _, _, media in sorted(ranked):
        if media in _CHOICES:
            return _CHOICES[media]
    raise NotAcceptable(
        f"Cannot produce any of: {accept.strip()}. Reports are available as application/json (default),"
        f" text/csv and {NDJSON_MEDIA_TYPE}."
    )


FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection)."""


def escape_formula(text: str) -> str:
    """Text a spreadsheet shows as text: a cell starting with a formula trigger gets a leading single quote."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)  # a number is never a formula; -3 stays a number
    if isinstance(value, list):
        parts = (orjson.dumps(part).decode() if isinstance(part, dict | list) else str(part) for part in value)
        return escape_formula(" | ".join(parts))
    if isinstance(value, dict):
        return escape_formula(orjson.dumps(value).decode())
    return escape_formula(str(value))


def _csv_rows(columns: Sequence[str], items: Sequence[dict[str, Any]], *, header: bool) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header:
        writer.writerow(columns)
    writer.writerows([_cell(item[column]) for column in columns] for item in items)
    return buffer.getvalue().encode("utf-8")


def to_csv(columns: Sequence[str], items: Sequence[dict[str, Any]]) -> str:
    """The rows as CSV text with a header line."""
    return _csv_rows(columns, items, header=True).decode("utf-8")


def _export_headers(name: str, extension: str) -> dict[str, str]:
    return {"Content-Disposition": f'inline; filename="{name}.{extension}"', "Vary": "Accept"}


def export_response(
    form: Format, name: str, columns: Sequence[str], batches: AsyncIterator[list[dict[str, Any]]]
) -> StreamingResponse:
    """Stream every row as CSV or JSON Lines, one batch at a time."""

    async def csv_body() -> AsyncIterator[bytes]:
        yield _csv_rows(columns, [], header=True)
        async for batch in batches:
            yield _csv_rows(columns, batch, header=False)

    async def jsonl_body() -> AsyncIterator[bytes]:
        async for batch in batches:
            yield b"".join(orjson.dumps(item) + b"\n" for item in batch)

    if form == "csv":
        return StreamingResponse(
            csv_body(), media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8", headers=_export_headers(name, "csv")
        )
    return StreamingResponse(jsonl_body(), media_type=NDJSON_MEDIA_TYPE, headers=_export_headers(name, "jsonl"))


class CsvResponse(Response):
    """A CSV document; as a route's ``response_class`` it makes ``text/csv`` the documented representation."""

    media_type = CSV_MEDIA_TYPE


EXPORT_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "JSON by default; for `Accept: text/csv` or `application/x-ndjson` every row matching the"
        " filters, streamed (CSV lists joined with ` | `).",
        "content": {
            CSV_MEDIA_TYPE: {"schema": {"type": "string"}},
            NDJSON_MEDIA_TYPE: {"schema": {"type": "string"}},
        },
    }
}


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model a (possibly optional) field holds, if it holds one."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        models = [arg for arg in typing.get_args(annotation) if isinstance(arg, type) and issubclass(arg, BaseModel)]
        return models[0] if len(models) == 1 else None
    return None


def flat_columns(model: type[BaseModel]) -> list[str]:
    """CSV columns of an item model: its fields, a nested object's fields as ``<field>.<subfield>`` (an object of
    free-form keys, a ``RootModel`` such as a change record's state, is one column of JSON)."""
    columns = []
    for name, field in model.model_fields.items():
        nested = _model_of(field.annotation)
        if nested is not None and issubclass(nested, RootModel):
            nested = None
        columns += [f"{name}.{sub}" for sub in nested.model_fields] if nested else [name]
    return columns


def flatten(item: dict[str, Any], columns: Sequence[str]) -> dict[str, Any]:
    """``item`` with a value for every dotted column (None where a nested object is null)."""
    row = {}
    for column in columns:
        name, _, sub = column.partition(".")
        value = item.get(name)
        row[column] = (value or {}).get(sub) if sub else value
    return row


EXPORT_BATCH = 1000
"""Rows read per keyset page while a collection is exported."""

Q = typing.TypeVar("Q", bound=PageQuery)
PageFetch = Callable[[Q], Awaitable[tuple[list[dict[str, Any]], str | None]]]


def export_format(accept: str | None) -> Format | None:
    """The export the Accept header prefers (CSV or JSON Lines), or None for a JSON page.

    A list answers JSON to anything else it is sent (a browser's ``text/html, */*`` included): only a
    header that prefers one of the export types asks for an export."""
    try:
        form = negotiate(accept)
    except NotAcceptable:
        return None
    return None if form == "json" else form


async def list_response(
    request: Request, query: Q, fetch: PageFetch[Q], *, name: str, item_model: type[BaseModel]
) -> Response:
    """A collection's list: a JSON page, or, when Accept prefers ``text/csv`` or ``application/x-ndjson``,
    every item matching the filters after ``cursor`` (``limit`` aside), streamed.

    The export reads the same query page by page (``EXPORT_BATCH`` rows, by keyset), so memory stays
    flat; the first page is read before the response starts, so a bad filter or cursor is still a
    problem response."""
    form = export_format(request.headers.get("accept"))
    if form is None:
        items, next_cursor = await fetch(query)
        return page_response(request, items, next_cursor)
    first = await fetch(query.model_copy(update={"limit": EXPORT_BATCH}))
    columns = flat_columns(item_model)

    async def batches() -> AsyncIterator[list[dict[str, Any]]]:
        items, cursor = first
        while True:
            if items:
                yield [flatten(item, columns) for item in items] if form == "csv" else items
            if not cursor:
                return
            items, cursor = await fetch(query.model_copy(update={"limit": EXPORT_BATCH, "cursor": cursor}))

    return export_response(form, name, columns, batches())
