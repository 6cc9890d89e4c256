"""The OpenAPI contract other services integrate through."""

import json

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from app.core.openapi import TAGS, package_version
from app.main import create_app
from tests.contract_tools import NODE_BIN, REGENERATE, SPEC_FILE, committed_spec, run, tool


async def test_every_operation_has_an_id_a_description_and_problem_responses(client):
    spec = (await client.get("/openapi.json")).json()
    operation_ids = []
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            operation_ids.append(operation["operationId"])
            assert operation.get("description"), f"{method} {path} has no description"
            assert "500" in operation["responses"], f"{method} {path} documents no 500"
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")) and (path, status) != ("/health/ready", "503"):
                    assert list(response["content"]) == ["application/problem+json"], (path, status)
                    schema = response["content"]["application/problem+json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ProblemDetail"}, (path, status)
            if operation.get("parameters"):
                assert "422" in operation["responses"], f"{method} {path} documents no 422"
    assert len(operation_ids) == len(set(operation_ids))
    assert {"listScanners", "getScanner", "listSites", "getSite", "listVendors", "getVendor", "listNetworks"} <= set(
        operation_ids
    )


async def test_list_operations_document_the_page_envelope(client):
    spec = (await client.get("/openapi.json")).json()
    schema = spec["paths"]["/api/v1/scanners"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    name = schema["$ref"].rsplit("/", 1)[-1]
    assert set(spec["components"]["schemas"][name]["properties"]) == {"items", "next_cursor"}


WRITE_PROBLEM_STATUSES = {"401", "403", "404", "409", "412", "422", "428"}


async def test_every_write_route_declares_security_headers_and_problems(app, client):
    spec = (await client.get("/openapi.json")).json()
    assert spec["components"]["securitySchemes"]["ApiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["ApiKey"]["description"],
    }
    writes = 0
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            where = f"{method.upper()} {path}"
            if not path.startswith("/api/v1/"):
                assert operation["security"] == [], where
                continue
            assert operation.get("security") == [{"ApiKey": []}], where
            if method == "get":
                assert {"401", "403"} <= set(operation["responses"]), where
                continue
            writes += 1
            headers = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "header"}
            missing = WRITE_PROBLEM_STATUSES - set(operation["responses"])
            assert not missing, (where, missing)
            for status in WRITE_PROBLEM_STATUSES:
                assert "application/problem+json" in operation["responses"][status]["content"], (where, status)
            if method in ("patch", "delete") and "{" not in path:
                # A bulk write on a collection: each item carries its own version or ETag, not one If-Match.
                assert "If-Match" not in headers
                assert "Idempotency-Key" not in headers, where
                body = operation["requestBody"]["content"]["application/json"]["schema"]
                item = spec["components"]["schemas"][body["items"]["$ref"].rsplit("/", 1)[-1]]
                assert {"id", "version"} <= set(item["required"]), where
            elif method in ("patch", "delete"):
                assert headers["If-Match"]["required"] is True, where
                assert "Idempotency-Key" not in headers, where
            elif method == "post" and path.startswith("/api/v1/change-requests/{"):
                # A decision on a change request is conditional on the version the decider saw.
                assert headers["Idempotency-Key"]["required"] is False, where
                assert headers["If-Match"]["required"] is True, where
            elif method == "post":
                assert headers["Idempotency-Key"]["required"] is False, where
                assert "If-Match" not in headers, where
            else:
                raise AssertionError(f"unexpected write method: {where}")
    served_writes = {
        (route.path, method)
        for route in iter_route_contexts(app.routes)
        if isinstance(route.original_route, APIRoute) and route.path.startswith("/api/v1/")
        for method in route.methods
        if method in ("POST", "PATCH", "DELETE")
    }
    assert writes == len(served_writes) >= 18


# --- the committed contract ---------------------------------------------------------------------


OPERATIONS = ("get", "put", "post", "patch", "delete")


def operations(spec):
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            if method in OPERATIONS:
                yield f"{method.upper()} {path}", method, operation


def test_the_committed_spec_is_the_apps_spec():
    served = create_app().openapi()
    committed = committed_spec()
    if served != committed:
        changed = sorted(
            {*served["paths"], *committed["paths"]}
            - {p for p in served["paths"] if served["paths"].get(p) == committed["paths"].get(p)}
        )
        pytest.fail(
            f"{SPEC_FILE.name} differs from the app's OpenAPI document (paths differing: {changed[:10] or 'none; see components/info'}). "
            f"Regenerate it with `{REGENERATE}` and commit it."
        )


def test_spectral_finds_nothing():
    result = run(
        tool(NODE_BIN / "spectral"),
        "lint",
        "--ruleset",
        ".spectral.yaml",
        "--fail-severity",
        "hint",
        "--format",
        "text",
        SPEC_FILE,
    )
    assert "No results" in result.stdout, result.stdout


def test_redocly_finds_nothing():
    result = run(tool(NODE_BIN / "redocly"), "lint", "--config", "redocly.yaml", "--format", "json", SPEC_FILE)
    report = json.loads(result.stdout)
    findings = [
        f"{p['severity']} {p['ruleId']}: {p['message']} at {p['location'][0]['pointer']}" for p in report["problems"]
    ]
    assert report["totals"] == {"errors": 0, "warnings": 0, "ignored": 0}, findings


def test_info_servers_and_tags_are_declared():
    spec = create_app().openapi()
    assert spec["info"]["version"] == package_version()
    assert spec["info"]["contact"]["email"]
    assert spec["info"]["license"]["name"]
    assert spec["servers"]
    assert all(server["url"] for server in spec["servers"])
    declared = {tag["name"]: tag.get("description") for tag in spec["tags"]}
    assert all(declared.values()), declared
    used = {tag for _, _, operation in operations(spec) for tag in operation.get("tags", [])}
    assert used <= set(declared), f"tags used but not declared in app/core/openapi.py TAGS: {used - set(declared)}"
    assert set(TAGS) == set(declared)


def test_every_property_and_parameter_has_a_description():
    spec = create_app().openapi()
    undescribed = [
        f"{name}.{prop}"
        for name, schema in spec["components"]["schemas"].items()
        for prop, prop_schema in schema.get("properties", {}).items()
        if not prop_schema.get("description")
    ]
    assert not undescribed, (
        "Describe these with Field(description=...) on the XPublic schema (Create/Update share it) or, for a "
        f"name meaning the same everywhere, in app/core/openapi.py GLOSSARY: {undescribed}"
    )
    for where, _, operation in operations(spec):
        for parameter in operation.get("parameters", []):
            assert parameter.get("description"), f"{where}: parameter {parameter['name']} has no description"


def test_every_operation_has_request_and_response_examples():
    spec = create_app().openapi()
    for where, _, operation in operations(spec):
        body = operation.get("requestBody")
        if body:
            for media_type, content in body["content"].items():
                assert "example" in content or "examples" in content, f"{where}: request {media_type} has no example"
        for status, response in operation["responses"].items():
            for media_type, content in response.get("content", {}).items():
                assert "example" in content or "examples" in content, f"{where} {status} {media_type} has no example"


def test_parameters_are_typed_precisely():
    spec = create_app().openapi()
    schemas = spec["components"]["schemas"]
    for where, _method, operation in operations(spec):
        for parameter in operation.get("parameters", []):
            schema = parameter["schema"]
            name = parameter["name"]
            assert "anyOf" not in schema, f"{where}: {name} is typed nullable; an absent parameter is the null"
            assert "enum" not in schema or parameter["in"] == "header", f"{where}: {name} inlines an enum; $ref it"
            if name in ("as_of", "since", "until"):
                assert schema.get("format") == "date-time", (where, name)
            if name == "sort":
                assert "$ref" in schema, (where, "sort is not an enum of its fields")
                values = schemas[schema["$ref"].rsplit("/", 1)[-1]]["enum"]
                assert {value.lstrip("-") for value in values} == {
                    value for value in values if not value.startswith("-")
                }
            if name == "If-Match":
                # A required, non-null string (its pattern states the entity-tag syntax the server checks).
                assert parameter["required"] is True, where
                assert schema["type"] == "string"
                assert "anyOf" not in schema
                assert "nullable" not in schema, where


def test_every_response_declares_its_headers():
    spec = create_app().openapi()
    headers = spec["components"]["headers"]
    for where, method, operation in operations(spec):
        for status, response in operation["responses"].items():
            declared = set(response.get("headers", {}))
            assert "X-Request-ID" in declared, (where, status)
            for name in declared:
                header = response["headers"][name]
                if "$ref" in header:
                    assert header["$ref"].rsplit("/", 1)[-1] in headers, (where, status, name)
                else:
                    assert header.get("description")
                    assert header.get("schema"), (where, status, name)
            if status == "201":
                assert {"Location", "ETag", "Idempotent-Replayed"} <= declared, (where, status)
            if status == "401":
                assert "WWW-Authenticate" in declared, (where, status)
        if method == "get" and "ETag" in operation["responses"]["200"].get("headers", {}):
            assert "304" in operation["responses"], f"{where} answers an ETag but documents no 304"
            assert any(p["name"] == "If-None-Match" for p in operation["parameters"]), where


async def test_every_item_get_documenting_a_304_answers_its_etag_and_the_304(client, tokens):
    """The documented conditional GET holds for every item GET that declares it, on live data."""
    spec = (await client.get("/openapi.json")).json()
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    checked = []
    for path, methods in spec["paths"].items():
        get = methods.get("get")
        if not get or "304" not in get["responses"]:
            continue
        collection = path.rsplit("/", 1)[0]
        items = (await client.get(collection, params={"limit": 1}, headers=admin)).json()["items"]
        if not items and collection.endswith("/change-requests"):  # an editor's covered write opens one
            held = await client.post("/api/v1/mitigation-measures", json={"scanner_id": 1, "title": "Seal the port"})
            assert held.status_code == 202, held.text
            items = [held.json()]
        elif not items:  # not in the seed data: create one from the operation's documented request example
            example = spec["paths"][collection]["post"]["requestBody"]["content"]["application/json"]["example"]
            # An admin's write the approval policy covers is an emergency change, which needs its reason.
            headers = {**admin, "X-Change-Reason": "contract test"}
            created = await client.post(collection, json=example, headers=headers)
            assert created.status_code == 201, (collection, example, created.text)
            items = [created.json()]
        url = f"{collection}/{items[0]['id']}"
        first = await client.get(url, headers=admin)
        etag = first.headers["ETag"]
        assert first.status_code == 200
        assert etag, url
        cached = await client.get(url, headers={**admin, "If-None-Match": etag})
        assert (cached.status_code, cached.content, cached.headers["ETag"]) == (304, b"", etag), url
        assert cached.headers["X-Request-ID"]
        stale = await client.get(url, headers={**admin, "If-None-Match": '"stale"'})
        assert stale.status_code == 200, url
        checked.append(collection)
    assert len(checked) >= 12, checked
