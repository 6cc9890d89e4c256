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

from collections.abc import AsyncIterator, Sequence
from typing import Any

from fastapi import Request
from starlette.responses import Response

from app.core.exports import (
    CSV_MEDIA_TYPE,
    EXPORT_RESPONSE,
    NDJSON_MEDIA_TYPE,
    CsvResponse,
    Format,
    escape_formula,
    export_response,
    negotiate,
    to_csv,
)
from app.core.pagination import json_response
from app.core.urls import with_query_params

__all__ = [
    "CSV_MEDIA_TYPE",
    "EXPORT_RESPONSE",
    "NDJSON_MEDIA_TYPE",
    "CsvResponse",
    "Format",
    "escape_formula",
    "export_response",
    "negotiate",
    "report_response",
    "to_csv",
]


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
