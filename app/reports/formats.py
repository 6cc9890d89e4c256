"""Report representations, chosen by the Accept header: JSON pages, or a whole export as CSV or JSON Lines (by Accept, or CSV
alone on a report's `.csv` path).

- JSON (default): ``{"meta": {...}, "items": [...], "next_cursor": ...}``; list-like reports are
  keyset-paginated (``limit``, ``cursor``; ``Link: rel="next"``), the summary is one table.
- CSV (``text/csv``): every row matching the filters, under a header of the item fields, with null
  as an empty cell, booleans as ``true``/``false`` and lists joined with ``" | "``. Text that starts
  with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading single quote (OWASP's
  defence against CSV formula injection), so a spreadsheet shows it as text instead of running it;
  numbers are left as they are.
- JSON Lines (``application/x-ndjson``): every row matching the filters, one JSON object a line.

Exports are streamed batch by batch as the rows are read, so memory stays flat whatever their
size. An Accept header naming none of these (nor a wildcard) is a 406 problem.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Sequence
from typing import Any, Literal

import orjson
from fastapi import Request
from starlette.responses import Response, StreamingResponse

from app.core.errors import NotAcceptable
from app.core.pagination import json_response
from app.core.urls import with_query_params

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
        return escape_formula(" | ".join(str(part) for part in value))
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


async def _one_batch(items: list[dict[str, Any]]) -> AsyncIterator[list[dict[str, Any]]]:
    yield items


def report_response(
    accept: str | None,
    name: str,
    columns: Sequence[str],
    meta: dict[str, Any],
    items: list[dict[str, Any]],
    *,
    request: Request | None = None,
    next_cursor: str | None = None,
    paged: bool = False,
) -> Response:
    """The report in the representation the client accepts; ``paged`` JSON carries ``next_cursor``."""
    form = negotiate(accept)
    if form != "json":
        return export_response(form, name, columns, _one_batch(items))
    body: dict[str, Any] = {"meta": meta, "items": items}
    headers = {"Vary": "Accept"}
    if paged:
        body["next_cursor"] = next_cursor
        if next_cursor and request is not None:
            headers["Link"] = f'<{with_query_params(request, cursor=next_cursor)}>; rel="next"'
    return json_response(body, headers=headers)


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
