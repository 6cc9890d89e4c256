"""Every JSON body the API returns matches the schema its OpenAPI contract declares for it, exactly.

Routes serialise shaped dicts straight to a ``Response``, so FastAPI never checks them against their
``response_model``. This test does, for every GET operation of the contract: each list (its first
page of up to 500 items, which holds every seeded item) and each item, history and sub-collection
of the first item listed. Objects must carry every property the schema requires and no property it
does not declare (``additionalProperties: false`` is added to each object schema for the check), so a
field added to a ``shape_*`` function but not to the schema, or the reverse, fails.
"""

import copy
import re
from typing import Any

import jsonschema_rs
import pytest

from tests.factories import add_what_the_seed_lacks

pytestmark = pytest.mark.asyncio

SKIPPED = {
    "verifyChangesFull": "a stream of JSON lines (one object per line), checked in tests/changes/test_verification.py",
}
"""Operations whose 200 is not one JSON document."""


def strict(schema: Any) -> Any:
    """The schema with every object closed: no property it does not declare. What it requires stays as
    declared (a response model's fields without a default, i.e. nearly all, are required)."""
    if isinstance(schema, dict):
        result = {key: strict(value) for key, value in schema.items()}
        if isinstance(result.get("properties"), dict):
            result.setdefault("additionalProperties", False)
        return result
    if isinstance(schema, list):
        return [strict(value) for value in schema]
    return schema


def json_operations(spec: dict) -> list[tuple[str, dict]]:
    """(path, operation) of every GET whose 200 answer is a JSON document."""
    found = []
    for path, operations in spec["paths"].items():
        operation = operations.get("get")
        if operation is None or operation["operationId"] in SKIPPED:
            continue
        content = operation["responses"].get("200", {}).get("content", {})
        if "application/json" in content:
            found.append((path, operation))
    return found


async def first_id(client, path: str) -> int:
    """The id of the first item listed under the collection that ``path`` (``/x/{x_id}/...``) belongs to."""
    collection = path.split("/{")[0]
    response = await client.get(collection, params={"limit": 1})
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert items, f"{collection} lists nothing to check {path} with"
    return items[0]["id"]


async def test_every_json_answer_matches_its_declared_schema_exactly(admin, monkeypatch):
    await add_what_the_seed_lacks(admin, monkeypatch)
    spec = (await admin.get("/openapi.json")).json()
    components = strict(spec["components"])
    operations = json_operations(spec)
    assert len(operations) >= 55
    checked = []
    for path, operation in operations:
        url = path
        if "{" in path:
            url = re.sub(r"\{[a-z_]+\}", str(await first_id(admin, path)), path)
        takes_limit = any(parameter["name"] == "limit" for parameter in operation.get("parameters", []))
        response = await admin.get(url, params={"limit": 500} if takes_limit else None)
        assert response.status_code == 200, f"{operation['operationId']}: {response.status_code} {response.text}"
        declared = operation["responses"]["200"]["content"]["application/json"]["schema"]
        schema = {**strict(copy.deepcopy(declared)), "components": components}
        errors = [
            f"{error.instance_path}: {error.message}"
            for error in jsonschema_rs.validator_for(schema).iter_errors(response.json())
        ]
        assert errors == [], f"{operation['operationId']} ({url}) differs from its schema: {errors[:5]}"
        checked.append(operation["operationId"])
    assert {"listScanners", "getScanner", "getExposureReport", "getSummaryReport", "getChange"} <= set(checked)


async def test_the_check_finds_a_field_the_schema_does_not_declare(admin):
    """The strict schema refuses an extra property and a missing one, so the test above can fail."""
    spec = (await admin.get("/openapi.json")).json()
    components = strict(spec["components"])
    schema = {"$ref": "#/components/schemas/SitePublic", "components": components}
    site = (await admin.get("/api/v1/sites", params={"limit": 1})).json()["items"][0]
    assert jsonschema_rs.is_valid(schema, site)
    assert not jsonschema_rs.is_valid(schema, {**site, "undeclared": 1})
    assert not jsonschema_rs.is_valid(schema, {key: value for key, value in site.items() if key != "name"})
