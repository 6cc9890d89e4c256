"""The options of the routes every collection declares: response model, problem responses, the list's
query parameters and exports, a create's CSV import.

A router keeps one explicit function per endpoint, with its path, ``operation_id`` (so grep finds it),
auth dependency and docstring in the decorator and function; only the repeated contract options come
from here: ``@router.patch("/{site_id}", operation_id="updateSite", dependencies=EDITOR, **update_route(SitePublic))``.
"""

from typing import Any

from pydantic import BaseModel, Field

from app.core.bulk import csv_request_body
from app.core.constraints import COUNTRY_PATTERN, REF_PATTERN
from app.core.errors import READ_PROBLEMS, WRITE_PROBLEMS, problem_responses
from app.core.exports import EXPORT_RESPONSE
from app.core.http import MAX_ID
from app.core.pagination import Page
from app.core.query import query_parameters

Responses = dict[int | str, dict[str, Any]]


def list_route(item: type[BaseModel], query: type[BaseModel]) -> dict[str, Any]:
    """A collection's list: a page of ``item``, the query model's parameters, CSV and JSON Lines export."""
    return {
        "response_model": Page[item],  # type: ignore[valid-type]  # a page of the collection's item model
        "responses": {**problem_responses(*READ_PROBLEMS["list"]), **EXPORT_RESPONSE},
        "openapi_extra": query_parameters(query),
    }


def get_route(item: type[BaseModel]) -> dict[str, Any]:
    """One item by id."""
    return {"response_model": item, "responses": problem_responses(*READ_PROBLEMS["get"])}


def create_route(item: type[BaseModel], also: Responses | None = None) -> dict[str, Any]:
    """A create answered 201 with the new item; ``also``: further responses (a held change's 202)."""
    responses = problem_responses(*WRITE_PROBLEMS["create"])
    return {"status_code": 201, "response_model": item, "responses": {**responses, **also} if also else responses}


def bulk_create_route(item: type[BaseModel], body: type[BaseModel], example_csv: str) -> dict[str, Any]:
    """A create of one item or, from a JSON array or a CSV file, many: all or none."""
    return {
        "status_code": 201,
        "response_model": item | list[item],  # type: ignore[valid-type]  # one or a list of the item model
        "responses": problem_responses(*WRITE_PROBLEMS["create"]),
        "openapi_extra": csv_request_body(body, example_csv),
    }


def update_route(item: type[BaseModel], also: Responses | None = None) -> dict[str, Any]:
    """A PATCH answered with the changed item; ``also``: further responses (a held change's 202)."""
    responses = problem_responses(*WRITE_PROBLEMS["update"])
    return {"response_model": item, "responses": {**responses, **also} if also else responses}


def bulk_update_route(item: type[BaseModel]) -> dict[str, Any]:
    """A PATCH of many items, answered with all of them."""
    return {"response_model": list[item], "responses": problem_responses(*WRITE_PROBLEMS["update"])}  # type: ignore[valid-type]


def delete_route(also: Responses | None = None) -> dict[str, Any]:
    """A DELETE answered 204; ``also``: further responses (a held change's 202)."""
    responses = problem_responses(*WRITE_PROBLEMS["delete"])
    return {"status_code": 204, "responses": {**responses, **also} if also else responses}


# The filters list query models share, each a field of the model with its description.


def ref_field(description: str) -> Any:
    """An optional filter naming an object by its id or its human key (code, slug)."""
    return Field(default=None, max_length=64, pattern=REF_PATTERN, description=description)


def id_field(description: str) -> Any:
    """An optional filter naming an object by its numeric id."""
    return Field(default=None, ge=1, le=MAX_ID, description=description)


def country_field(description: str) -> Any:
    """An optional filter naming a country by its ISO 3166-1 alpha-2 code."""
    return Field(default=None, min_length=2, max_length=2, pattern=COUNTRY_PATTERN, description=description)
