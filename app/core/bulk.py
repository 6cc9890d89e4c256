"""Bulk writes on a collection's path, as NetBox offers them: a JSON array (or a CSV file) of items
created, changed or deleted in one request and one transaction.

- ``POST`` with a JSON array (or ``Content-Type: text/csv`` with a header line) creates every row;
  a JSON object is the single create it always was.
- ``PATCH`` with a JSON array of ``{id, version, fields...}`` changes every row;
  ``DELETE`` with a JSON array of ``{id, version}`` deletes every row (``version`` is the number or the ETag).

Rows are validated first, all of them; then each is written through the domain's own single-item
service function (so every object gets its one change record and its usual checks), in order, in the
request's transaction (``SessionDep``). The first row a service refuses ends the request with that
problem's status (409, 412, 404, ...), its ``errors`` naming the row; the transaction rolls back and
nothing is stored. A request holds at most ``INVENTORY_BULK_MAX_ROWS`` rows (default 1,000).
"""

from __future__ import annotations

import copy
import csv
import io
from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import Body, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, PlainValidator, ValidationError, create_model
from starlette.responses import Response

from app.core.config import get_settings
from app.core.errors import InvalidRequest, ProblemError
from app.core.http import created_response, etag_for
from app.core.pagination import json_response
from app.core.schemas import RefId, StrictBody, WholeNumber

CSV_MEDIA_TYPE = "text/csv"
_DETAIL_ROWS = 5


def _as_sent(value: Any) -> Any:
    return value


def create_body(model: type[BaseModel]) -> Any:
    """The body of a create that also takes many: one object, an array of them, or CSV text.

    FastAPI only parses the JSON here; ``create_response`` validates it, so a single object's errors
    read exactly as they did when the body was declared as ``model`` alone.
    """
    return Annotated[
        Any,
        PlainValidator(_as_sent, json_schema_input_type=model | Annotated[list[model], Field(min_length=1)]),  # type: ignore[valid-type]
        Body(
            description=f"One {model.__name__} object creates one item; a JSON array of them (at most "
            "INVENTORY_BULK_MAX_ROWS, default 1,000) creates them all or none."
        ),
    ]


def bulk_body(model: type[BaseModel], what: str) -> Any:
    """The body of a bulk PATCH or DELETE: a JSON array of ``model``, validated by ``update_rows``/``delete_rows``
    so that each error names its row."""
    return Annotated[
        Any,
        PlainValidator(_as_sent, json_schema_input_type=Annotated[list[model], Field(min_length=1)]),  # type: ignore[valid-type]
        Body(description=f"A JSON array of items to {what} (at most INVENTORY_BULK_MAX_ROWS, default 1,000)."),
    ]


def accepts_csv(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a create endpoint as taking ``text/csv`` too (the route class refuses other non-JSON bodies)."""
    endpoint.accepts_csv = True  # type: ignore[attr-defined]
    return endpoint


def csv_request_body(model: type[BaseModel], example: str) -> dict[str, Any]:
    """The ``openapi_extra`` documenting a create's CSV import in its request body's description.

    Not as a ``text/csv`` request body: openapi-python-client generates no client for an operation
    whose body has a media type it does not know, and would drop the JSON create with it.
    """
    columns = ", ".join(f"`{name}`" for name in model.model_fields)
    return {
        "requestBody": {
            "description": "One object creates one item; a JSON array of them creates them all or none "
            "(at most INVENTORY_BULK_MAX_ROWS rows, default 1,000). The same rows can be sent as CSV with "
            f"`Content-Type: text/csv` (RFC 4180, UTF-8): a header line naming columns among {columns}, "
            "then one line per item, an empty cell being a field not given; errors name the line (the header "
            f"is line 1). For example:\n\n```\n{example}```"
        }
    }


ETAG_PATTERN = r'^(?:W/)?"[\x21\x23-\x2b\x2d-\x7e]*"$'
"""An entity tag as GET's ``ETag`` gives it (one tag, so no commas)."""

Version = Annotated[
    Annotated[int, Field(ge=1, le=2**31 - 1), WholeNumber]
    | Annotated[str, Field(pattern=ETAG_PATTERN, max_length=200)],
    Field(
        description="The item's current version: its `version` number, or its `ETag` (as GET returns them). "
        "A stale one is a 412 and nothing is stored.",
        examples=[3],
    ),
]


class ItemVersion(StrictBody):
    """An item to delete in a bulk DELETE: its id and the version (or ETag) the client last saw."""

    id: RefId = Field(description="Numeric id of the item.")
    version: Version


def bulk_update_model(update: type[BaseModel]) -> type[BaseModel]:
    """``<X>BulkUpdate``: an item of a bulk PATCH, the fields of ``update`` plus its id and version (or ETag)."""
    name = update.__name__.removesuffix("Update") + "BulkUpdate"
    model = create_model(
        name,
        __base__=update,
        __module__=update.__module__,
        id=(RefId, Field(description="Numeric id of the item to change.")),
        version=(Version, ...),
    )
    model.__doc__ = (
        f"One item of a bulk PATCH: its id, its current version or ETag, and the fields to change as in "
        f"{update.__name__}."
    )
    return model


_ITEM_KEYS = {"id", "version"}


# --- validation ---------------------------------------------------------------------------------


def _problem(detail: str, errors: list[dict[str, Any]]) -> InvalidRequest:
    return InvalidRequest(detail, errors=errors, error_count=len(errors))


def _check_size(request: Request, count: int) -> None:
    limit = getattr(request.app.state, "bulk_max_rows", None) or get_settings().bulk_max_rows
    if count > limit:
        message = f"at most {limit} rows per request (INVENTORY_BULK_MAX_ROWS)"
        raise _problem(
            f"The request holds {count} rows; {message}. Split it into several requests.",
            [{"location": "body", "field": "", "message": message, "type": "too_long"}],
        )
    if count == 0:
        raise _problem(
            "The request holds no rows; send at least one.",
            [{"location": "body", "field": "", "message": "at least one row is required", "type": "too_short"}],
        )


def _row_error(row: int, field: str, message: str, kind: str) -> dict[str, Any]:
    return {"location": "body", "field": field, "message": message, "type": kind, "row": row}


def _describe(errors: list[dict[str, Any]], row_word: str) -> str:
    parts = [
        f"{row_word} {error['row']}"
        + (f", field '{error['field']}'" if error["field"] else "")
        + f": {error['message']}"
        for error in errors[:_DETAIL_ROWS]
    ]
    more = f" (and {len(errors) - _DETAIL_ROWS} more)" if len(errors) > _DETAIL_ROWS else ""
    return "; ".join(parts) + more + ". Nothing was stored."


def validate_rows(
    rows: Sequence[tuple[int, Any]], model: type[BaseModel], *, strict: bool | None = None, row_word: str = "Row"
) -> list[BaseModel]:
    """Every row validated against ``model``; a 422 naming each bad row and field when any fails."""
    items: list[BaseModel] = []
    errors: list[dict[str, Any]] = []
    for row, value in rows:
        try:
            items.append(model.model_validate(value, strict=strict))
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                loc = error.get("loc", ())
                # ``version`` is a number or an ETag; pydantic adds the union member to its location.
                field = "version" if loc[:1] == ("version",) else ".".join(str(part) for part in loc)
                errors.append(
                    _row_error(row, field, error.get("msg", "invalid value"), error.get("type", "value_error"))
                )
    if errors:
        raise _problem(_describe(errors, row_word), errors)
    return items


def _array_rows(request: Request, body: Any) -> list[tuple[int, Any]]:
    if not isinstance(body, list):
        raise _problem(
            "Send a JSON array of items.",
            [{"location": "body", "field": "", "message": "must be a JSON array", "type": "list_type"}],
        )
    _check_size(request, len(body))
    return list(enumerate(body))


def _csv_rows(request: Request, body: bytes, model: type[BaseModel]) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV import keyed by column, each with its line number (the header is line 1)."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _problem(
            "The CSV is not UTF-8 text.",
            [{"location": "body", "field": "", "message": "must be UTF-8 text", "type": "csv_encoding"}],
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        lines = list(reader)
    except csv.Error as exc:
        raise _problem(
            f"The CSV is malformed at line {reader.line_num}: {exc}.",
            [_row_error(reader.line_num, "", f"malformed CSV: {exc}", "csv_syntax")],
        ) from None
    if not lines:
        raise _problem(
            "The CSV is empty; send a header line and at least one row.",
            [{"location": "body", "field": "", "message": "a header line is required", "type": "missing"}],
        )
    header = [name.strip() for name in lines[0]]
    known = set(model.model_fields)
    unknown = [name for name in header if name not in known]
    repeated = sorted({name for name in header if header.count(name) > 1})
    if unknown or repeated:
        header_errors = [_row_error(1, name, "unknown column", "extra_forbidden") for name in unknown]
        header_errors += [_row_error(1, name, "column given more than once", "value_error") for name in repeated]
        raise _problem(
            f"The CSV header names unknown or repeated columns; the columns are {', '.join(sorted(known))}.",
            header_errors,
        )
    rows: list[tuple[int, dict[str, str]]] = []
    errors: list[dict[str, Any]] = []
    for number, cells in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue  # a blank line
        if len(cells) != len(header):
            errors.append(_row_error(number, "", f"has {len(cells)} cells, the header {len(header)}", "csv_row_length"))
            continue
        rows.append((number, {name: cell for name, cell in zip(header, cells, strict=True) if cell != ""}))
    if errors:
        raise _problem(_describe(errors, "Line"), errors)
    _check_size(request, len(rows))
    return rows


# --- writing --------------------------------------------------------------------------------------


def _field_of(error: ProblemError, item: BaseModel) -> str:
    status = error.status
    if status in (412, 428):
        return "version"
    if status == 404:
        return "id" if "id" in type(item).model_fields else ""
    sent = [name for name in item.model_fields_set if name not in _ITEM_KEYS]
    named = [name for name in sent if f" {name} " in f" {error.detail} " or f"{name}'" in error.detail]
    return named[0] if named else ""


def _row_problem(error: ProblemError, row: int, item: BaseModel, row_word: str) -> ProblemError:
    listed = error.extensions.get("errors")
    if isinstance(listed, list) and listed:
        errors = [{**entry, "row": row} for entry in listed]
    else:
        errors = [_row_error(row, _field_of(error, item), error.detail, error.slug)]
    problem = copy.copy(error)
    problem.detail = f"{row_word} {row}: {error.detail} Nothing was stored."
    problem.args = (problem.detail,)
    problem.extensions = {**error.extensions, "errors": errors, "error_count": len(errors)}
    return problem


def write_rows(
    rows: Sequence[int], items: Sequence[BaseModel], write: Callable[[Any], Any], *, row_word: str = "Row"
) -> list[Any]:
    """``write`` applied to each item in order; the first refusal is re-raised naming its row."""
    results = []
    for row, item in zip(rows, items, strict=True):
        try:
            results.append(write(item))
        except ProblemError as error:
            raise _row_problem(error, row, item, row_word) from None
    return results


def create_response(
    request: Request, body: Any, model: type[BaseModel], resource: str, create: Callable[[Any], dict[str, Any]]
) -> Response:
    """The answer to a create: one item (201 with its Location), or every row of an array or CSV (201, in order)."""
    if isinstance(body, bytes | bytearray):
        rows = _csv_rows(request, bytes(body), model)
        items = validate_rows(rows, model, strict=False, row_word="Line")
        created = write_rows([row for row, _ in rows], items, create, row_word="Line")
        return json_response(created, status_code=201)
    if isinstance(body, list):
        rows = _array_rows(request, body)
        items = validate_rows(rows, model)
        return json_response(write_rows([row for row, _ in rows], items, create), status_code=201)
    try:
        item = model.model_validate(body, from_attributes=True)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in exc.errors(include_url=False)], body=body
        ) from None
    return created_response(request, resource, create(item))


def _if_match(resource: str, item: Any) -> str:
    version = item.version
    return version if isinstance(version, str) else etag_for(resource, item.id, version)


def update_rows(
    request: Request,
    body: Any,
    model: type[BaseModel],
    update_model: type[BaseModel],
    resource: str,
    update: Callable[[int, Any, str], dict[str, Any]],
) -> Response:
    """200 with every item of a bulk PATCH changed (``update(id, patch, if_match)`` per row), in order."""
    rows = _array_rows(request, body)
    items = validate_rows(rows, model)
    numbers = [row for row, _ in rows]
    matches = [_if_match(resource, item) for item in items]

    def one(pair: tuple[BaseModel, str]) -> dict[str, Any]:
        item, if_match = pair
        sent = item.model_fields_set - _ITEM_KEYS
        patch = update_model.model_construct(_fields_set=sent, **{name: getattr(item, name) for name in sent})
        return update(item.id, patch, if_match)  # type: ignore[attr-defined]

    pairs = list(zip(items, matches, strict=True))
    results = []
    for row, pair in zip(numbers, pairs, strict=True):
        try:
            results.append(one(pair))
        except ProblemError as error:
            raise _row_problem(error, row, pair[0], "Row") from None
    return json_response(results)


def delete_rows(request: Request, body: Any, resource: str, delete: Callable[[int, str], None]) -> Response:
    """204 when every item of a bulk DELETE is deleted (``delete(id, if_match)`` per row)."""
    rows = _array_rows(request, body)
    items = validate_rows(rows, ItemVersion)
    numbers = [row for row, _ in rows]
    matches = [_if_match(resource, item) for item in items]
    for row, item, if_match in zip(numbers, items, matches, strict=True):
        try:
            delete(item.id, if_match)  # type: ignore[attr-defined]
        except ProblemError as error:
            raise _row_problem(error, row, item, "Row") from None
    return Response(status_code=204)
