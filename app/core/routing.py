"""Route class shared by every router: unknown query parameters are an error, not silently ignored,
and every POST accepts an ``Idempotency-Key``.

A misspelt filter (``?vendr=nuctech``) that returned the whole inventory would mislead
whoever asked; naming the parameter in a 422 is what a careful client needs. Because the
route class, not each endpoint, adds the idempotency guard, no POST can be added without it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, _effective_route_context_var
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from app.core import idempotency
from app.core.context import accept_change_reason
from app.core.errors import InvalidRequest, UnsupportedMediaType
from app.core.schemas import CONTROL_CHARACTERS


def _field_names(field: Any) -> set[str]:
    annotation = getattr(field.field_info, "annotation", None)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        # A query-parameter model: each of its fields is a parameter.
        return {info.alias or name for name, info in annotation.model_fields.items()}
    return {field.alias}


def _query_names(dependant: Dependant) -> set[str]:
    names = set().union(*(_field_names(field) for field in dependant.query_params))
    model = getattr(dependant.call, "query_model", None)
    if model is not None:
        names |= {info.alias or name for name, info in model.model_fields.items()}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _carries_body(request: Request) -> bool:
    length = request.headers.get("content-length")
    return "transfer-encoding" in request.headers or (length is not None and length.strip() not in ("", "0"))


def _require_json(request: Request, *, csv: bool = False) -> None:
    """A body must be declared JSON (``application/json`` or ``application/*+json``), or ``text/csv`` where the
    route imports CSV: a 415 otherwise."""
    declared = request.headers.get("content-type")
    media_type = (declared or "").split(";", 1)[0].strip().lower()
    if media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json")):
        return
    if csv and media_type == "text/csv":
        return
    what = f"Content-Type {declared!r}" if declared else "no Content-Type"
    also = " (or as CSV with Content-Type: text/csv)" if csv else ""
    raise UnsupportedMediaType(
        f"The request body was sent with {what}; send it as JSON with Content-Type: application/json{also}."
    )


def _has_foreign_numerals(value: str) -> bool:
    # Never an id, a count or part of a code here; int() takes some of them, str.isdigit() more.
    return not value.isascii() and any(character.isnumeric() for character in value)


_VALUE_RULES = (
    ("contain control characters", "control characters are not allowed", lambda k, v: CONTROL_CHARACTERS.search(k + v)),
    (
        "hold digits other than 0-9",
        "numbers must be written with the digits 0-9",
        lambda k, v: _has_foreign_numerals(v),
    ),
)


def _check_query_values(request: Request) -> None:
    """422 naming the parameters whose text breaks a rule, or that are given more than once."""
    items = request.query_params.multi_items()
    for why, message, breaks in _VALUE_RULES:
        names = sorted({key for key, value in items if breaks(key, value)})
        if names:
            raise _query_problem(names, f"Query parameter(s) {', '.join(map(repr, names))} {why}.", message)
    repeated = sorted(key for key, count in Counter(key for key, _ in items).items() if count > 1)
    if repeated:
        detail = f"Query parameter(s) {', '.join(map(repr, repeated))} given more than once; each takes one value."
        raise _query_problem(repeated, detail, "given more than once")


def _query_problem(names: list[str], detail: str, message: str) -> InvalidRequest:
    return InvalidRequest(
        detail,
        errors=[{"location": "query", "field": name, "message": message, "type": "value_error"} for name in names],
    )


def _checks_before_input(dependant: Dependant) -> list[Callable[[Request], Coroutine[Any, Any, Any]]]:
    """The route's dependencies marked ``runs_before_input`` (authentication and role checks), in order."""
    checks: list[Callable[[Request], Coroutine[Any, Any, Any]]] = []
    for sub in dependant.dependencies:
        call = sub.call
        if call is not None and getattr(call, "runs_before_input", False) and call not in checks:
            checks.append(call)
        checks.extend(check for check in _checks_before_input(sub) if check not in checks)
    return checks


def _only_a_check(sub: Dependant, checks: list[Callable[[Request], Coroutine[Any, Any, Any]]]) -> bool:
    """Whether a route's dependency is one of its checks and nothing else: declared in ``dependencies`` (its
    value goes to no parameter) and asking for nothing but the request."""
    return (
        sub.name is None
        and sub.call in checks
        and not (sub.dependencies or sub.path_params or sub.query_params or sub.header_params)
        and not (sub.cookie_params or sub.body_params)
    )


def _as_included(route: APIRoute) -> Any:
    """The route as an including router sees it (its ``dependencies`` added): FastAPI builds an
    included route's handler inside that context (a private hook of the pinned FastAPI)."""
    context = _effective_route_context_var.get()
    return context if context is not None and context.original_route is route else route


class StrictQueryRoute(APIRoute):
    """An ``APIRoute`` that answers 422 when the query string holds a parameter it does not declare;
    on POST it also claims, replays and records ``Idempotency-Key`` (see ``app.core.idempotency``).

    Dependencies marked ``runs_before_input`` (the auth checks) run first, before the query string,
    ``X-Change-Reason`` or the body is looked at: FastAPI itself reads and parses the body before it
    resolves any dependency, so an unauthenticated request would otherwise have its input parsed and
    echoed in a 422 before its 401. FastAPI calls them again as dependencies; they cache their answer.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = {method.upper() for method in kwargs.get("methods") or ()}
        if "POST" in methods:
            dependencies = list(kwargs.get("dependencies") or [])
            # Last among the route's dependencies: after authentication and role checks, and
            # before the endpoint's own (the session), so the claim is released after a rollback.
            if not any(dependency.dependency is idempotency.idempotency_guard for dependency in dependencies):
                dependencies.append(idempotency.IdempotencyDep)
            kwargs["dependencies"] = dependencies
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        route = _as_included(self)
        allowed = frozenset(_query_names(route.dependant))
        checks = _checks_before_input(route.dependant)
        # The handler FastAPI builds solves the route's dependant on every request; the checks above
        # run first (below), so the dependant it is given leaves out those that are only checks (a
        # route's ``dependencies``: no name, nothing passed on), instead of resolving them a second time.
        dependant = route.dependant
        route.dependant = replace(
            dependant, dependencies=[sub for sub in dependant.dependencies if not _only_a_check(sub, checks)]
        )
        try:
            handler = super().get_route_handler()
        finally:
            route.dependant = dependant
        if "POST" in (self.methods or ()):  # APIRoute always sets methods (GET when none are given)
            handler = idempotency.wrap_handler(handler)
        has_body = route.body_field is not None
        takes_csv = getattr(self.endpoint, "accepts_csv", False)

        async def strict_handler(request: Request) -> Response:
            for check in checks:
                await check(request)
            accept_change_reason(request.method)
            if has_body and _carries_body(request):
                _require_json(request, csv=takes_csv)
            if not request.scope["query_string"]:  # most item reads: nothing to check
                return await handler(request)
            _check_query_values(request)
            unknown = sorted({key for key in request.query_params.keys() if key not in allowed})
            if unknown:
                accepted = ", ".join(sorted(allowed)) or "none"
                raise InvalidRequest(
                    f"Unknown query parameter(s): {', '.join(unknown)}. Accepted here: {accepted}.",
                    errors=[
                        {"location": "query", "field": name, "message": "unknown parameter", "type": "extra_forbidden"}
                        for name in unknown
                    ],
                )
            return await handler(request)

        return strict_handler
