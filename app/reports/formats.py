"""Report representations: JSON by default, CSV for spreadsheets, chosen by the path (`.csv`) or the
Accept header.

A report is ``{"meta": {...}, "items": [...]}`` in JSON; in CSV it is the same rows under a
header of the item fields, with null as an empty cell, booleans as ``true``/``false`` and lists
joined with ``" | "``. Text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
gets a leading single quote (OWASP's defence against CSV formula injection), so a spreadsheet shows
it as text instead of running it; numbers are left as they are. An Accept header naming neither
(nor a wildcard) is a 406 problem.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import Response

from app.core.errors import NotAcceptable
from app.core.pagination import json_response

CSV_MEDIA_TYPE = "text/csv"
Format = Literal["json", "csv"]
_CHOICES: dict[str, Format] = {
    "application/json": "json",
    "application/*": "json",
    "*/*": "json",
    "text/csv": "csv",
    "text/*": "csv",
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
        f"Cannot produce any of: {accept.strip()}. Reports are available as application/json (default) and text/csv."
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


def to_csv(columns: Sequence[str], items: Sequence[dict[str, Any]]) -> str:
    """The rows as CSV text with a header line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for item in items:
        writer.writerow([_cell(item[column]) for column in columns])
    return buffer.getvalue()


class CsvResponse(Response):
    """A CSV document; as a route's ``response_class`` it makes ``text/csv`` the documented representation."""

    media_type = CSV_MEDIA_TYPE


def report_response(
    request: Request, name: str, columns: Sequence[str], meta: dict[str, Any], items: list[dict[str, Any]]
) -> Response:
    """The report as CSV on its `.csv` path, else in the representation the Accept header prefers."""
    wanted = "csv" if request.url.path.endswith(".csv") else negotiate(request.headers.get("accept"))
    if wanted == "csv":
        return Response(
            to_csv(columns, items).encode("utf-8"),
            media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
            headers={"Content-Disposition": f'inline; filename="{name}.csv"', "Vary": "Accept"},
        )
    return json_response({"meta": meta, "items": items}, headers={"Vary": "Accept"})
