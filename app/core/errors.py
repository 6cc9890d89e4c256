"""The one error mechanism: domain errors carry an RFC 9457 problem; one set of handlers renders them.

Services raise ``ProblemError`` subclasses (never ``HTTPException``). Every error the API
returns, validation and routing errors included, is ``application/problem+json`` with
``type``, ``title``, ``status``, ``detail`` and ``instance``; no traceback or SQL text leaves
the process.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from app.core.methods import allowed_methods

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "/problems/"
MAX_REPORTED_ERRORS = 20
"""A validation problem lists at most this many errors (and counts them all): a body with 100,000
unknown keys gets a small answer, quickly."""

logger = logging.getLogger("app.errors")


class ProblemError(Exception):
    """Base of every error a client can cause; subclasses fix status, type and title."""

    status: int = 400
    slug: str = "bad-request"
    title: str = "Bad request"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}
        self.extensions = extensions


class BadRequest(ProblemError):
    status, slug, title = 400, "bad-request", "Bad request"


class InvalidCursor(ProblemError):
    status, slug, title = 400, "invalid-cursor", "Invalid pagination cursor"


class Unauthorized(ProblemError):
    status, slug, title = 401, "unauthorized", "Authentication required"


class Forbidden(ProblemError):
    status, slug, title = 403, "forbidden", "Not allowed for this API key's role"


class NotFound(ProblemError):
    status, slug, title = 404, "not-found", "Resource not found"


class NotAcceptable(ProblemError):
    status, slug, title = 406, "not-acceptable", "No acceptable representation"


class Conflict(ProblemError):
    status, slug, title = 409, "conflict", "Conflict with the current state"


class PreconditionFailed(ProblemError):
    status, slug, title = 412, "precondition-failed", "The resource has changed"


class InvalidRequest(ProblemError):
    status, slug, title = 422, "validation-error", "The request is not valid"


def invalid_field(field: str, message: str, detail: str, *, kind: str = "value_error") -> InvalidRequest:
    """A 422 saying ``detail`` whose one error names the body field ``field``: ``message``, of type ``kind``."""
    return InvalidRequest(detail, errors=[{"location": "body", "field": field, "message": message, "type": kind}])


class UnsupportedMediaType(ProblemError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class PreconditionRequired(ProblemError):
    status, slug, title = 428, "precondition-required", "A precondition header is required"


class SecondPersonRequired(Forbidden):
    status, slug, title = 403, "second-person-required", "A second person must decide"


class ApprovalRequired(Conflict):
    status, slug, title = 409, "approval-required", "The change needs approval"


class ChangeRequestClosed(Conflict):
    status, slug, title = 409, "change-request-closed", "The change request is no longer pending"


class FieldError(BaseModel):
    """One offending parameter, header or body field of a request that is not valid."""

    location: str = Field(description="Where the field is: `query`, `path`, `header` or `body`.", examples=["query"])
    field: str = Field(
        description="The field's name, dotted for nested body fields (empty when the whole body is at fault).",
        examples=["limit"],
    )
    message: str = Field(description="What is wrong, in words.", examples=["Input should be less than or equal to 500"])
    type: str = Field(
        description="Machine-readable kind of error, e.g. `missing`, `enum`.", examples=["less_than_equal"]
    )
    row: int | None = Field(
        default=None,
        description="For bulk writes: the row at fault, as its 0-based index in the JSON array or its line "
        "number in the CSV (the header is line 1). Absent otherwise.",
        examples=[3],
    )


class ProblemDetail(BaseModel):
    """An RFC 9457 problem document."""

    type: str = Field(
        description="URI reference identifying the kind of problem; stable, so clients can branch on it.",
        examples=["/problems/not-found"],
    )
    title: str = Field(description="Short summary of the kind of problem.", examples=["Resource not found"])
    status: int = Field(description="The HTTP status code.", examples=[404])
    detail: str = Field(
        description="What went wrong in this occurrence, in words.", examples=["No scanner with id 42."]
    )
    instance: str = Field(description="Path of the request that failed.", examples=["/api/v1/scanners/42"])
    errors: list[FieldError] | None = Field(
        default=None,
        description=f"For validation errors: one entry per offending field, at most {MAX_REPORTED_ERRORS}.",
    )
    error_count: int | None = Field(
        default=None, description="For validation errors: how many there are in all (also those not listed)."
    )


_STATUS_DESCRIPTIONS = {
    400: "Malformed request (for example a tampered pagination cursor).",
    401: "Missing, malformed, unknown, expired or revoked API key.",
    403: "The API key's role does not allow this operation.",
    404: "No such resource.",
    405: "Method not allowed on this path.",
    406: "The Accept header names no media type this operation can produce.",
    409: "Conflicts with the current state (duplicate key, reference still in use, invalid status transition, last admin key), or a request "
    "with the same Idempotency-Key is still being processed.",
    412: "A precondition failed: If-Match does not match the current ETag (or the item changed meanwhile); "
    "nothing was changed.",
    422: "The request's parameters, headers or body are not valid (or its Idempotency-Key was used for a "
    "different request); `errors` names each offending field.",
    413: "The request body is larger than the server accepts (INVENTORY_MAX_BODY_BYTES, default 1 MiB).",
    415: "A request body needs `Content-Type: application/json`.",
    428: "A precondition header is required: changing or deleting an item needs If-Match.",
    503: "A dependency (the database) is unavailable.",
    500: "Unexpected server error; the response carries no internal detail.",
}


READ_PROBLEMS = {
    "list": (400, 401, 403, 422),
    "get": (401, 403, 404, 422),
}
"""The problems reads can answer with, for their OpenAPI ``responses``."""

_WRITE = (401, 403, 404, 409, 412, 413, 415, 422, 428)
WRITE_PROBLEMS = {"create": _WRITE, "update": _WRITE, "delete": _WRITE}
"""The problems writes declare in their OpenAPI ``responses``: one full set on every write route, so clients
handle one contract for all writes (today a create never answers 404, 412 or 428)."""


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries documenting the given problem statuses."""
    return {
        status: {
            "model": ProblemDetail,
            "description": _STATUS_DESCRIPTIONS[status],
            "content": {PROBLEM_MEDIA_TYPE: {}},
        }
        for status in sorted({*statuses, 500})
    }


def _problem_classes(cls: type[ProblemError] = ProblemError) -> list[type[ProblemError]]:
    return [cls, *(found for sub in cls.__subclasses__() for found in _problem_classes(sub))]


def problem_example(status: int) -> dict[str, Any]:
    """An example problem document of ``status`` for the OpenAPI contract."""
    kind = next((cls for cls in _problem_classes() if cls.status == status), None)
    if kind is not None:
        slug, title = kind.slug, kind.title
    elif status in _HTTP_TITLES:
        slug, title = _HTTP_TITLES[status]
    elif status == 500:
        slug, title = "internal-error", "Internal server error"
    else:
        slug, title = "http-error", HTTPStatus(status).phrase
    example: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": _STATUS_DESCRIPTIONS.get(status, title),
        "instance": "/api/v1/scanners/42",
    }
    if status == 422:
        example["errors"] = [
            {
                "location": "query",
                "field": "limit",
                "message": "Input should be less than or equal to 500",
                "type": "less_than_equal",
            }
        ]
    return example


def problem_response(
    request: Request,
    *,
    status: int,
    slug: str,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> Response:
    body = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extensions,
    }
    if isinstance(extensions.get("errors"), list):
        body["error_count"] = extensions.get("error_count", len(extensions["errors"]))
        body["errors"] = extensions["errors"][:MAX_REPORTED_ERRORS]
    return Response(orjson.dumps(body), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def problem_error_response(request: Request, exc: ProblemError) -> Response:
    """The problem response that answers ``exc``."""
    return problem_response(
        request,
        status=exc.status,
        slug=exc.slug,
        title=exc.title,
        detail=exc.detail,
        headers=exc.headers,
        **exc.extensions,
    )


async def _problem_error(request: Request, exc: ProblemError) -> Response:
    return problem_error_response(request, exc)


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for error in exc.errors()[:MAX_REPORTED_ERRORS]:
        location = [str(part) for part in error.get("loc", ())]
        errors.append(
            {
                "location": location[0] if location else "",
                "field": ".".join(location[1:]),
                "message": error.get("msg", "invalid value"),
                "type": error.get("type", "value_error"),
            }
        )
    return errors


async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    errors = _field_errors(exc)
    named = ", ".join(
        f"{e['location']} '{e['field']}': {e['message']}" if e["field"] else f"{e['location']}: {e['message']}"
        for e in errors
    )
    total = len(exc.errors())
    if total > len(errors):
        named += f" (and {total - len(errors)} more)"
    return problem_response(
        request,
        status=422,
        slug=InvalidRequest.slug,
        title=InvalidRequest.title,
        detail=named or "The request is not valid.",
        errors=errors,
        error_count=total,
    )


_HTTP_TITLES = {404: ("not-found", "Resource not found"), 405: ("method-not-allowed", "Method not allowed")}


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    slug, title = _HTTP_TITLES.get(exc.status_code, ("http-error", "HTTP error"))
    detail = exc.detail if isinstance(exc.detail, str) else title
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"No resource at {request.url.path}."
    if exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}."
        exc.headers = {**(getattr(exc, "headers", None) or {}), "Allow": ", ".join(allowed_methods(request))}
    return problem_response(
        request, status=exc.status_code, slug=slug, title=title, detail=detail, headers=getattr(exc, "headers", None)
    )


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        request,
        status=500,
        slug="internal-error",
        title="Internal server error",
        detail="The server could not complete the request. The error has been logged.",
    )


def document_problems(schema: dict[str, Any]) -> None:
    """In an OpenAPI document: every 4xx/5xx body is ``application/problem+json`` (FastAPI says
    application/json), and If-Match is the required header it is."""
    for methods in schema.get("paths", {}).values():
        for operation in methods.values():
            for parameter in operation.get("parameters", []):
                # Optional to FastAPI so that a missing header is a 428, not a 422; required to clients.
                if parameter["in"] == "header" and parameter["name"].lower() == "if-match":
                    parameter["required"] = True
                    parameter["schema"] = {"type": "string"}
                    parameter["example"] = '"scanner-42-v3"'
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status[0] not in "45":
                    continue
                for media_type in list(content):
                    # FastAPI files the problem model under the route's own media type (JSON, CSV).
                    body = content[media_type].get("schema", {})
                    if media_type != PROBLEM_MEDIA_TYPE and body.get("$ref", "").endswith("/ProblemDetail"):
                        content.setdefault(PROBLEM_MEDIA_TYPE, {})["schema"] = content.pop(media_type)["schema"]


def install_error_handlers(app: FastAPI) -> None:
    """Route every exception type to its problem+json rendering."""
    # Starlette types a handler as taking any Exception, so one for a subclass does not match (starlette#2417).
    app.add_exception_handler(ProblemError, _problem_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_error)
