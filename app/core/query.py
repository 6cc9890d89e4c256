"""Query-string models: one pydantic validation per request instead of FastAPI's per-parameter work.

A listing declares its parameters as a ``QueryModel``; ``query_dependency(Model)`` parses the
query string with a single ``model_validate`` (FastAPI's own handling re-inspects every parameter's
annotation on every request, which on a list endpoint cost more than the database query), and
``query_parameters(Model)`` documents the same fields as OpenAPI query parameters.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError
from pydantic.config import JsonDict

from app.core.constraints import CURSOR_PATTERN
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Listing
from app.core.params import DigitsOnly

M = TypeVar("M", bound=BaseModel)


class QueryModel(BaseModel):
    """Base of query-string models: unknown parameters are refused."""

    model_config = ConfigDict(extra="forbid")


class PageQuery(QueryModel):
    """Sort and page parameters every listing shares."""

    limit: Annotated[int, DigitsOnly] = Field(
        default=DEFAULT_LIMIT,
        ge=1,
        le=MAX_LIMIT,
        description=f"Page size, 1 to {MAX_LIMIT}. Out of range is a 422, never a silent cap.",
    )
    cursor: str | None = Field(
        default=None, max_length=2048, pattern=CURSOR_PATTERN, description="The `next_cursor` of the previous page."
    )


ENUM_COMPONENT = "x-enum-component"
"""JSON-schema key naming the OpenAPI component a query parameter's enum is published as."""


def sort_query(listing: Listing, *, component: str | None = None) -> Any:
    """The ``sort`` field of a listing's query model: comma-separated fields, ``-`` for descending.

    Validated as text (the listing's ``parse_sort`` names an unknown field in a 422); documented as an
    enum of each allowed field, ascending and descending, published as the ``<Resource>Sort`` component."""
    values = [value for name in sorted(listing.sort_fields) for value in (name, f"-{name}")]
    name = component or "".join(part.capitalize() for part in listing.resource.replace("-", " ").split()) + "Sort"
    return Field(
        default=None,
        min_length=1,  # an empty sort= is not one of the documented orders; leave it out for the default
        max_length=200,
        description=listing.sort_description(),
        json_schema_extra={"enum": list[JsonValue](values), ENUM_COMPONENT: name},
    )


INSTANT: JsonDict = {"format": "date-time"}
"""``json_schema_extra`` of a query field taking an RFC 3339 instant (validated by the endpoint)."""


def query_dependency(model: type[M]) -> Callable[[Request], Coroutine[Any, Any, M]]:
    """A dependency returning the query string parsed into ``model`` (422 problem when invalid)."""

    async def parse(request: Request) -> M:
        try:
            return model.model_validate(dict(request.query_params))
        except ValidationError as error:
            raise RequestValidationError(
                [{**detail, "loc": ("query", *detail["loc"])} for detail in error.errors(include_url=False)]
            ) from None

    parse.__name__ = f"parse_{model.__name__}"
    parse.query_model = model  # type: ignore[attr-defined]  # read by StrictQueryRoute
    return parse


def _inline(schema: Any, definitions: dict[str, Any]) -> Any:
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _inline(copy.deepcopy(definitions[schema["$ref"].rsplit("/", 1)[-1]]), definitions)
        return {key: _inline(value, definitions) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_inline(item, definitions) for item in schema]
    return schema


def query_parameters(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` documenting every field of ``model`` as a query parameter."""
    schema = model.model_json_schema()
    definitions = schema.get("$defs", {})
    required = set(schema.get("required", []))
    parameters = []
    for name, field_schema in schema["properties"].items():
        field_schema = _inline(field_schema, definitions)
        options = field_schema.pop("anyOf", None)
        if options and {"type": "null"} in options and len(options) == 2:
            # An absent parameter is the null; document only the value a client may send.
            if field_schema.get("default", 0) is None:
                del field_schema["default"]
            field_schema = {**next(option for option in options if option != {"type": "null"}), **field_schema}
        elif options:
            field_schema["anyOf"] = options
        description = field_schema.pop("description", None)
        field_schema.pop("title", None)
        parameter = {"name": name, "in": "query", "required": name in required, "schema": field_schema}
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return {"parameters": parameters}
