"""The OpenAPI contract: what FastAPI cannot infer from the routes, added once when the document is built.

``complete_contract(schema)`` runs over the generated document and adds, generically so that a new
route complies without extra work:

- ``info`` (version from the installed package, contact, license), ``servers`` and the global tags;
- response headers: ``X-Request-ID`` on every response, ``ETag`` on every response carrying a
  versioned item, ``Location`` on 201, ``Link`` on pages, ``Idempotent-Replayed`` on POST successes,
  ``Retry-After`` on the POST 409 (a retry is invited) and on 429, ``WWW-Authenticate`` on 401;
- ``If-None-Match`` and its 304 on every item GET answering an ``ETag``;
- header parameters typed as the strings they are (no ``null``), query enums by ``$ref``;
- a description on each property a schema leaves undescribed when the glossary below or the
  object's ``XPublic`` schema describes a property of that name (``XCreate``/``XUpdate`` share
  their ``XPublic`` descriptions), and request and response examples built from the schemas.

What remains undescribed makes ``tests/service/test_openapi.py`` fail, so new fields must be described.
The committed ``openapi.json`` is this document; ``make openapi`` regenerates it.
"""

from __future__ import annotations

import copy
import json
import re
from importlib import metadata
from typing import Any

from app.core.constraints import FIELD_VALUE
from app.core.errors import PROBLEM_MEDIA_TYPE, problem_example
from app.core.query import ENUM_COMPONENT

PACKAGE = "customs-scanner-inventory"

TAGS: dict[str, str] = {
    "scanners": "Scanning equipment: where it stands, who made it, whether it is fibre-linked or standalone.",
    "sites": "Places where scanners stand: seaports, airports, postal sorting centres, courier hubs.",
    "vendors": "Manufacturers of scanners and the restrictions, exclusions and investigations concerning them.",
    "networks": "Closed customs networks that fibre-linked scanners are connected to.",
    "procurements": "Tenders and contracts by which scanners were bought.",
    "audits": "Security audits of scanners and sites, and the findings they report.",
    "assessments": "Vendor risk assessments, per-scanner access overrides and mitigation measures.",
    "operators": "Organisations that operate scanners and sites (Customs, other government bodies, sectors), as the source states.",
    "investigations": "Announced and running research into the scanners and their vendors: who, scope, status, expected results.",
    "reports": "Answers to the parliamentary questions: exposure, summary counts and overdue work, as JSON or CSV.",
    "history": "The hash-chained change log: every change, its verification, and history and restore per item.",
    "change-requests": "Four eyes on security-relevant changes: writes the approval policy covers wait here until a "
    "second person approves them.",
    "api-keys": "API keys and their roles (admin only).",
    "webhooks": "Subscriptions that receive each change as a signed HTTP POST, and their delivery logs (admin only).",
    "health": "Liveness and readiness probes for orchestrators; unauthenticated.",
}
"""Every tag an operation may use, with its description (a test fails on an undeclared tag)."""

SERVERS = [
    {
        "url": "{scheme}://{authority}",
        "description": "A deployment of the inventory; the defaults are the local `make run` server.",
        "variables": {
            "scheme": {"default": "http", "enum": ["http", "https"], "description": "`https` in production."},
            "authority": {"default": "127.0.0.1:8000", "description": "Host and port of the deployment."},
        },
    }
]

CONTACT = {"name": "Customs scanner inventory maintainers", "email": "inventory-maintainers@customs.example"}
LICENSE = {"name": "Proprietary, for use by the customs administration", "url": "https://customs.example/license"}

HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {
        "description": "The request's id: the client's `X-Request-ID` when it is a sane token, else a generated one. "
        "Quote it when reporting a problem; changes record it.",
        "schema": {"type": "string", "example": "3f2b9c0e5d4a4e7f8a1b2c3d4e5f6a7b"},
    },
    "ETag": {
        "description": "Strong entity tag of the item's current version: send it as `If-Match` to change or delete "
        "the item, or as `If-None-Match` to revalidate a cached copy.",
        "schema": {"type": "string", "example": '"scanner-1-v3"'},
    },
    "Location": {
        "description": "Path of the created item (201), or of the change request holding the change (202).",
        "schema": {"type": "string", "format": "uri-reference", "example": "/api/v1/scanners/42"},
    },
    "Link": {
        "description": 'RFC 8288 link to the next page (`<url>; rel="next"`); absent on the last page.',
        "schema": {"type": "string", "example": '</api/v1/scanners?cursor=eyJr...&limit=50>; rel="next"'},
    },
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored response to an earlier request with the same "
        "`Idempotency-Key`; nothing was created again. Absent otherwise.",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "Retry-After": {
        "description": "Seconds to wait before retrying.",
        "schema": {"type": "integer", "minimum": 0, "example": 1},
    },
    "WWW-Authenticate": {
        "description": "The authentication scheme to use: a bearer API key.",
        "schema": {"type": "string", "example": 'Bearer realm="inventory"'},
    },
    "Content-Disposition": {
        "description": "Suggested file name of the CSV.",
        "schema": {"type": "string", "example": 'inline; filename="exposure.csv"'},
    },
}

IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "An `ETag` from an earlier GET (or `*`): when it still matches, the answer is a 304 without a "
    "body, so a cached copy can be reused. Any other value (weak tags and lists too) is a plain GET.",
    "schema": {"type": "string", "pattern": FIELD_VALUE},
    "example": '"scanner-1-v3"',
}

NOT_MODIFIED = {
    "description": "Not modified: the `If-None-Match` ETag is still current; reuse the cached copy.",
    "headers": {name: {"$ref": f"#/components/headers/{name}"} for name in ("ETag", "X-Request-ID")},
}

GLOSSARY: dict[str, str] = {
    "id": "Numeric id, unique within the collection.",
    "version": "Version of the record, raised by every change; the `ETag` is derived from it.",
    "created_at": "When the record was created (UTC, RFC 3339).",
    "updated_at": "When the record last changed (UTC, RFC 3339).",
    "notes": "Free-text remarks.",
    "source": "Citation of the public source the facts come from.",
    "items": "The entries, in order.",
    "meta": "What the report covers and the rules it applies.",
    "name": "Display name.",
    "title": "Short title.",
    "description": "Longer description.",
    "code": "Short unique code, lower-case letters, digits and hyphens; usable instead of the id in filters.",
    "slug": "Short unique key, lower-case letters, digits and hyphens; usable instead of the id in filters.",
    "country": "ISO 3166-1 alpha-2 country code, upper case.",
    "locality": "Town or area.",
    "site_id": "Id of the site.",
    "vendor_id": "Id of the vendor.",
    "network_id": "Id of the network.",
    "scanner_id": "Id of the scanner.",
    "audit_id": "Id of the audit.",
    "finding_id": "Id of the finding.",
    "assessment_id": "Id of the vendor assessment.",
    "object_id": "Id of the changed object in its collection.",
    "scanner_ids": "Ids of the scanners concerned.",
    "site_ids": "Ids of the sites concerned.",
    "site": "The site, in brief.",
    "vendor": "The vendor, in brief; null when the source does not disclose it.",
    "network": "The network, in brief; null for a standalone scanner.",
    "site_name": "Name of the site.",
    "vendor_name": "Name of the vendor.",
    "audit_title": "Title of the audit.",
    "asset_tag": "Unique inventory tag of the scanner record.",
    "kind": "Kind of the record; one of the listed values.",
    "status": "Status; one of the listed values.",
    "network_mode": "`fibre_linked` into a closed customs network, or `standalone`.",
    "use": "What the scanner inspects.",
    "model": "Model designation; null when unknown.",
    "count_basis": "`unit`: one identified unit. `at_least_one`: the source gives no count; one or more units.",
    "audit_status": "Derived from the audits covering the scanner: open_findings > audited > audit_in_progress > "
    "audit_commissioned > not_audited.",
    "risk_tier": "Risk tier derived from the four considerations; see `meta.tier_rule`.",
    "role": "`reader` reads; `editor` also changes the inventory; `admin` also manages API keys.",
    "severity": "How serious the finding is.",
    "reason": "Why, in words.",
    "detail": "Explanation in words.",
    "days_overdue": "Days between the deadline and the report date.",
    "as_stated": "The date as the source states it (e.g. `summer 2025`).",
    "precision": "How precisely the source states the date: `day`, `month`, `season` or `year`.",
    "valid_until": "Last day the assessment is valid; null when the source gives none.",
    "assessed_on": "Day of the assessment.",
    "due_on": "Day the finding must be resolved by.",
    "implemented_on": "Day the measure was implemented; null while planned.",
    "decided_on": "Day the decision was taken.",
    "awarded_on": "Day the contract was awarded.",
    "commissioned_on": "Day (or first day of the period) the audit was commissioned.",
    "planned_start_on": "Day (or first day of the period) the audit is planned to start.",
    "started_on": "Day (or first day of the period) the audit started.",
    "expected_report_on": "Day (or first day of the period) the audit is expected to report.",
    "reported_on": "Day (or first day of the period) the audit reported.",
    "auditor": "Who carries out the audit.",
    "authority": "The authority that decided.",
    "legal_basis": "The legal basis of the decision.",
    "reference": "The decision's or contract's reference.",
    "objective": "What the audit or measure is for.",
    "covers_all_scanners": "True when the audit covers every scanner; then `scanner_ids` and `site_ids` are empty.",
    "ownership": "Who ultimately owns the vendor.",
    "ownership_note": "Details of the ownership, with the source.",
    "criterion_1": "Consideration 1: is the vendor from, or controlled from, a country whose law obliges cooperation "
    "with its intelligence or military bodies, or state-owned?",
    "criterion_2": "Consideration 2: is the vendor from a country with an active offensive intelligence programme "
    "aimed at the Netherlands, or with relations so tense that harmful actions are conceivable?",
    "criterion_3a": "Consideration 3a: does the supplier get extensive access to sensitive locations, ICT systems or "
    "vital infrastructure? Derived from the supplier-access facts, or set by an override.",
    "criterion_3b": "Consideration 3b: are control measures possible and feasible that protect sufficiently?",
    "criterion_1_rationale": "Why consideration 1 is answered so.",
    "criterion_2_rationale": "Why consideration 2 is answered so.",
    "criterion_1_source": "Source of the answer to consideration 1.",
    "criterion_2_source": "Source of the answer to consideration 2.",
    "national_security_quickscan": "Whether a national-security quickscan was applied to the procurement.",
    "quickscan_note": "Details of the quickscan, with the source.",
    "exclusion_grounds_tested": "Whether the tender tested exclusion grounds.",
    "exclusion_grounds_note": "Details of the exclusion grounds tested.",
    "restrictions": "Restrictions, exclusions and investigations concerning the vendor.",
    "action": "What the change did: create, update, delete or restore.",
    "recorded_at": "When the change was recorded (UTC, RFC 3339).",
    "hash": "SHA-256 of the record's canonical content.",
    "valid": "True when every record's hash and link hold.",
    "problem": "What is wrong with the record.",
}
"""Descriptions of property names whose meaning is the same on every schema that has them.

Anything specific to one object belongs in ``Field(description=...)`` on its ``XPublic`` schema."""

_PRECISION = re.compile(r"^(?P<base>.+)_precision$")
_AS_STATED = re.compile(r"^(?P<base>.+)_as_stated$")

_OPERATIONS = ("get", "put", "post", "patch", "delete")


def package_version() -> str:
    """The version of the installed package (``pyproject.toml``), which ``info.version`` states."""
    return metadata.version(PACKAGE)


def complete_contract(schema: dict[str, Any], *, api_prefix: str) -> None:
    """Add to a generated OpenAPI document everything this module's docstring lists."""
    # Route declarations may share one dict between operations (a module-level response); edit copies.
    schema["paths"] = copy.deepcopy(schema["paths"])
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {})
    components["headers"] = copy.deepcopy(HEADERS)
    info = schema["info"]
    info["version"] = package_version()
    info["contact"] = CONTACT
    info["license"] = LICENSE
    schema["servers"] = SERVERS
    schema["tags"] = [{"name": name, "description": text} for name, text in TAGS.items()]
    _describe_properties(components["schemas"])
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if method not in _OPERATIONS:
                continue
            if not path.startswith(api_prefix):
                operation.setdefault("security", [])  # explicit: no authentication
            _type_parameters(operation, components["schemas"])
            _declare_headers(method, operation, components["schemas"])
            _add_examples(operation, components["schemas"], components.setdefault("examples", {}))
    used = json.dumps(schema["paths"])
    components["headers"] = {
        name: header for name, header in components["headers"].items() if f"#/components/headers/{name}" in used
    }


# --- response headers and conditional GET ------------------------------------------------------


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


def _component(schema: dict[str, Any] | None, schemas: dict[str, Any]) -> dict[str, Any]:
    if schema and "$ref" in schema:
        component: dict[str, Any] = schemas[schema["$ref"].rsplit("/", 1)[-1]]
        return component
    return schema or {}


def _is_versioned_item(response: dict[str, Any], schemas: dict[str, Any]) -> bool:
    body = response.get("content", {}).get("application/json", {}).get("schema") or {}
    # A create that also takes many answers one item (with its ETag) or an array of them.
    options = body.get("anyOf", [body])
    return any("version" in _component(option, schemas).get("properties", {}) for option in options)


def _is_page(response: dict[str, Any], schemas: dict[str, Any]) -> bool:
    body = response.get("content", {}).get("application/json", {}).get("schema")
    return {"items", "next_cursor"} <= set(_component(body, schemas).get("properties", {}))


def _declare_headers(method: str, operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    responses = operation["responses"]
    item_get = method == "get" and any(
        status.startswith("2") and _is_versioned_item(response, schemas) for status, response in responses.items()
    )
    if item_get:
        parameters = operation.setdefault("parameters", [])
        if not any(parameter["name"] == "If-None-Match" for parameter in parameters):
            parameters.append(copy.deepcopy(IF_NONE_MATCH))
        responses["304"] = copy.deepcopy(NOT_MODIFIED)
        operation["responses"] = dict(sorted(responses.items()))
        responses = operation["responses"]
    for status, response in responses.items():
        headers = response.setdefault("headers", {})
        headers["X-Request-ID"] = _ref("X-Request-ID")
        if status.startswith("2"):
            if _is_versioned_item(response, schemas):
                headers["ETag"] = _ref("ETag")
            if _is_page(response, schemas):
                headers["Link"] = _ref("Link")
            if status == "201" and method == "post" or status == "202":
                headers["Location"] = _ref("Location")
            if method == "post":
                headers["Idempotent-Replayed"] = _ref("Idempotent-Replayed")
            if "text/csv" in response.get("content", {}):
                headers["Content-Disposition"] = _ref("Content-Disposition")
        elif status == "401":
            headers["WWW-Authenticate"] = _ref("WWW-Authenticate")
        elif status == "409" and method == "post":
            headers["Retry-After"] = _ref("Retry-After")
        elif status == "429":
            headers["Retry-After"] = _ref("Retry-After")
        response["headers"] = dict(sorted(headers.items()))


# --- parameters ---------------------------------------------------------------------------------


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    options = schema.get("anyOf")
    if options and len(options) == 2 and {"type": "null"} in options:
        rest = {key: value for key, value in schema.items() if key != "anyOf"}
        return {**next(option for option in options if option != {"type": "null"}), **rest}
    return schema


def _enum_component(schema: dict[str, Any], schemas: dict[str, Any]) -> str | None:
    for name, component in schemas.items():
        if component.get("enum") == schema.get("enum") and component.get("type") == schema.get("type"):
            return name
    return None


def _type_parameters(operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    """An absent parameter is the null: document only the value a client may send; enums by reference."""
    for parameter in operation.get("parameters", []):
        schema = _without_null(parameter["schema"])
        component = schema.pop(ENUM_COMPONENT, None)
        if component is not None:
            schemas.setdefault(
                component,
                {
                    "type": "string",
                    "enum": schema["enum"],
                    "title": component,
                    "description": "A field to sort by, `-` first for descending. Several may be given "
                    "comma-separated (`a,-b`); later fields break ties.",
                },
            )
        if "enum" in schema:
            name = component or _enum_component(schema, schemas)
            if name is not None:
                extra = {key: value for key, value in schema.items() if key in ("default",)}
                schema = {"$ref": f"#/components/schemas/{name}", **extra}
        if "description" in schema and "description" not in parameter:
            parameter["description"] = schema["description"]
        schema.pop("description", None)
        schema.pop("title", None)
        parameter["schema"] = schema


# --- descriptions ---------------------------------------------------------------------------------


def _glossary(name: str) -> str | None:
    if name in GLOSSARY:
        return GLOSSARY[name]
    for pattern, text in (
        (_PRECISION, "How precisely the source states `{base}_on`: `day`, `month`, `season` or `year`."),
        (_AS_STATED, "`{base}_on` as the source states it (e.g. `summer 2025`)."),
    ):
        match = pattern.match(name)
        if match:
            return text.format(base=match["base"])
    return None


def _public_of(schema_name: str, schemas: dict[str, Any]) -> dict[str, Any]:
    for suffix in ("BulkUpdate", "Create", "Update", "Created"):
        if schema_name.endswith(suffix):
            public: dict[str, Any] = schemas.get(schema_name[: -len(suffix)] + "Public", {})
            return public
    return {}


def _describe_properties(schemas: dict[str, Any]) -> None:
    for schema_name, schema in schemas.items():
        public = _public_of(schema_name, schemas).get("properties", {})
        for name, prop in schema.get("properties", {}).items():
            if "description" in prop:
                continue
            text = public.get(name, {}).get("description") or _glossary(name)
            if text:
                prop["description"] = text


# --- examples -------------------------------------------------------------------------------------

_OBJECT_EXAMPLES: dict[str, dict[str, Any]] = {
    "Site": {"code": "maasvlakte", "name": "Port of Rotterdam (customs office Maasvlakte)", "locality": "Rotterdam"},
    "Vendor": {"slug": "nuctech", "name": "Nuctech", "country": "CN"},
    "VendorRestriction": {
        "country": "US",
        "description": "Placed on the entity list by the US Department of Commerce.",
    },
    "Network": {"code": "maasvlakte-fibre", "name": "Closed fibre network to customs office Maasvlakte"},
    "Audit": {"title": "External audit of the scan and detection systems and related IT"},
    "Finding": {"title": "Remote maintenance access not logged"},
    "MitigationMeasure": {"title": "Remote maintenance access disabled"},
    "Procurement": {"title": "Purchase of container scanners for the Port of Rotterdam"},
    "ApiKey": {"name": "reporting dashboard"},
    "Webhook": {"name": "risk dashboard: scanner changes", "position": 1207},
    "Exposure": {
        "site": "maasvlakte",
        "site_name": "Port of Rotterdam (customs office Maasvlakte)",
        "vendor": "nuctech",
    },
    "Summary": {
        "site": "maasvlakte",
        "site_name": "Port of Rotterdam (customs office Maasvlakte)",
        "vendor": "nuctech",
    },
}
"""Realistic values for examples, by the object a schema describes (its name's longest matching prefix)."""

_STRING_EXAMPLES: dict[str, Any] = {
    "asset_tag": "RTM-CS-01",
    "code": "maasvlakte",
    "slug": "nuctech",
    "country": "NL",
    "name": "Port of Rotterdam (customs office Maasvlakte)",
    "title": "External audit of the scan and detection systems and related IT",
    "source": "Aanhangsel Handelingen II 2020-2021, nr. 1778, Antwoord 2",
    "request_id": "3f2b9c0e5d4a4e7f8a1b2c3d4e5f6a7b",
    "next_cursor": None,
    "token": "csi_4n3x4mpl3t0k3nv4lu3",
    "token_prefix": "csi_4n3x4mpl",
    "hash": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "previous_hash": "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
    "object_type": "scanners",
    "model": None,
    "notes": "Seen on site on 1 March 2026.",
    "ownership_note": None,
}


def _object_values(component: str) -> dict[str, Any]:
    prefixes = [prefix for prefix in _OBJECT_EXAMPLES if component.startswith(prefix)]
    return _OBJECT_EXAMPLES[max(prefixes, key=len)] if prefixes else {}


def example_of(schema: dict[str, Any], schemas: dict[str, Any], name: str = "", depth: int = 0, owner: str = "") -> Any:
    """A value valid against ``schema``: the schema's own example when it has one, else one built from it
    (``name`` is the property it is the value of, ``owner`` the schema holding that property)."""
    if "$ref" in schema:
        component = schema["$ref"].rsplit("/", 1)[-1]
        if schema["$ref"].startswith("#/components/schemas/") and "properties" in schemas.get(component, {}):
            return example_of(schemas[component], schemas, name, depth, owner=component)
        return example_of(_component(schema, schemas), schemas, name, depth, owner)
    if "example" in schema:
        return schema["example"]
    if schema.get("examples"):
        return schema["examples"][0]
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [option for option in schema[key] if option.get("type") != "null"]
            if name in _STRING_EXAMPLES and _STRING_EXAMPLES[name] is None:
                return None
            return example_of(options[0], schemas, name, depth, owner) if options else None
    if "allOf" in schema:
        return example_of(schema["allOf"][0], schemas, name, depth, owner)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 4:
            return {}
        return {
            key: example_of(value, schemas, key, depth + 1, owner)
            for key, value in schema.get("properties", {}).items()
            if key in schema.get("required", []) or depth == 0 or "$ref" not in value
        }
    if kind == "array":
        return [example_of(schema.get("items", {}), schemas, name, depth + 1, owner)]
    if kind == "integer":
        return int(max(schema.get("minimum", 1), 1))
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date-time":
            return "2026-03-01T09:30:00.000000Z"
        if fmt == "date":
            return "2026-03-01"
        if fmt in ("uri", "uri-reference"):
            return "/api/v1/scanners/1"
        specific = _object_values(owner).get(name)
        if specific is not None:
            return specific
        if name in _STRING_EXAMPLES and _STRING_EXAMPLES[name] is not None:
            return _STRING_EXAMPLES[name]
        return "text"
    return None


def _add_examples(operation: dict[str, Any], schemas: dict[str, Any], examples: dict[str, Any]) -> None:
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None and "example" not in body and "examples" not in body:
        body["example"] = example_of(body["schema"], schemas)
    for status, response in operation["responses"].items():
        for media_type, content in response.get("content", {}).items():
            if "example" in content or "examples" in content:
                continue
            if media_type == PROBLEM_MEDIA_TYPE:
                name = f"problem{status}"
                examples.setdefault(name, {"summary": f"A {status} problem", "value": problem_example(int(status))})
                content["examples"] = {name: {"$ref": f"#/components/examples/{name}"}}
            elif "schema" in content:
                content["example"] = example_of(content["schema"], schemas)
