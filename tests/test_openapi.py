"""The OpenAPI contract other services integrate through."""

import pytest

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
