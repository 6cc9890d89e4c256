"""The OpenAPI contract other services integrate through."""

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

pytestmark = pytest.mark.asyncio


async def test_every_operation_has_an_id_a_description_and_problem_responses(client):
    spec = (await client.get("/openapi.json")).json()
    operation_ids = []
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            operation_ids.append(operation["operationId"])
            assert operation.get("description"), f"{method} {path} has no description"
            assert "500" in operation["responses"], f"{method} {path} documents no 500"
            for status, response in operation["responses"].items():
                if (path, status) == ("/health/ready", "503"):
                    continue  # not an error but the readiness report, the same shape as its 200
                if status.startswith(("4", "5")):
                    assert "application/problem+json" in response["content"], (path, status)
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
                assert "security" not in operation, where
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
            if method in ("patch", "delete"):
                assert headers["If-Match"]["required"] is True, where
                assert "Idempotency-Key" not in headers, where
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
