"""What the API checks, written into its OpenAPI document, so the contract says what a client may send.

FastAPI documents a parameter's type, not the rules the service then applies to it: that text may
hold no control characters, what an ``If-Match`` or ``Idempotency-Key`` looks like, that time
parameters are RFC 3339 instants. A request that fits the document must not be rejected for
its form, so the document carries those rules (found by property-based fuzzing, tests/service/test_fuzz.py).
"""

from __future__ import annotations

from typing import Any

NO_CONTROL_CHARACTERS = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
"""Text as every body field and query parameter accepts it (see ``app.core.schemas.CONTROL_CHARACTERS``)."""

HEADER_TEXT = r"^[^\x00-\x1f\x7f]*$"

FIELD_VALUE = r"^[^\x00-\x08\x0a-\x1f\x7f]*$"
"""Any HTTP field value (RFC 9110: visible characters, spaces and tabs), for headers read leniently."""

REF_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
"""A filter naming an object by numeric id or by its key (code, slug, asset tag): ASCII letters, the
digits 0-9, and ``. _ -``; keys are matched ignoring case."""

COUNTRY_PATTERN = r"^[A-Za-z]{2}$"
"""An ISO 3166-1 alpha-2 country code (either case)."""

CURSOR_PATTERN = r"^[A-Za-z0-9_.=-]*$"
"""A page cursor is base64url text as the service issued it; any other character is refused as a 422,
and text in this alphabet that the service did not issue is a 400."""

COLLECTION_PATTERN = r"^[a-z][a-z-]*$"
"""A collection's name as the change log records it, e.g. ``scanners``, ``vendor-restrictions``."""

HEADER_SCHEMAS: dict[str, dict[str, Any]] = {
    # One or more strong entity tags, or *: what app.changes.writes.expected_version parses.
    "if-match": {"type": "string", "pattern": r'^(\*|"[a-z-]+-[0-9]+-v[0-9]+"(, ?"[a-z-]+-[0-9]+-v[0-9]+")*)$'},
    # An RFC 8941 string, or leniently bare printable ASCII (app.core.idempotency.parse_key).
    "idempotency-key": {
        "type": "string",
        "minLength": 1,
        "maxLength": 255,
        "pattern": r'^(?:"(?:[ !#-\[\]-~]|\\["\\])+"|[!#-~][ -~]*)$',
    },
    "x-change-reason": {"type": "string", "maxLength": 500, "pattern": HEADER_TEXT},
}

TIME_PARAMETERS = {"as_of", "since", "until"}

UNPARSABLE_BODY = {
    "description": "The body is not parsable as JSON (for example not UTF-8); nothing was changed.",
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetail"}}},
}


def _strings(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The string alternatives of a (possibly nullable) schema."""
    options = schema.get("anyOf") or schema.get("oneOf") or [schema]
    return [option for option in options if option.get("type") == "string"]


def _free_text(option: dict[str, Any]) -> bool:
    return not any(key in option for key in ("pattern", "enum", "const", "format"))


def _references(schema: Any) -> set[str]:
    """The component schemas a body schema names, at any depth (an array of items, one of several forms)."""
    if isinstance(schema, dict):
        found = {schema["$ref"].rsplit("/", 1)[-1]} if isinstance(schema.get("$ref"), str) else set()
        return found.union(*(_references(value) for value in schema.values()))
    if isinstance(schema, list):
        return set().union(*(_references(value) for value in schema))
    return set()


def constrain_parameters(schema: dict[str, Any]) -> None:
    """Add the service's rules to the document's parameters and request bodies."""
    bodies: set[str] = set()
    for methods in schema.get("paths", {}).values():
        for operation in methods.values():
            for parameter in operation.get("parameters", []):
                name = parameter["name"].lower()
                if parameter["in"] == "header" and name in HEADER_SCHEMAS:
                    required = parameter.get("required", False)
                    parameter["schema"] = dict(HEADER_SCHEMAS[name])
                    parameter["required"] = required
                    continue
                for option in _strings(parameter.get("schema", {})):
                    if parameter["in"] == "query" and name in TIME_PARAMETERS:
                        option["format"] = "date-time"
                    elif _free_text(option):
                        option["pattern"] = NO_CONTROL_CHARACTERS
            if "requestBody" in operation:
                operation["responses"].setdefault("400", UNPARSABLE_BODY)
            for content in operation.get("requestBody", {}).get("content", {}).values():
                bodies.update(_references(content.get("schema", {})))
    components = schema.get("components", {}).get("schemas", {})
    for name in bodies & components.keys():
        for property_schema in components[name].get("properties", {}).values():
            for option in _strings(property_schema):
                if _free_text(option):
                    option["pattern"] = NO_CONTROL_CHARACTERS
