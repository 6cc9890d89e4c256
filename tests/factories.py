"""Small factories: items the seed does not hold, made through the API."""

from typing import Any

import pytest

from app.core import config

REASON = {"X-Change-Reason": "test factory"}


async def first_of(client, collection: str) -> dict[str, Any]:
    """The first item a collection lists."""
    response = await client.get(f"/api/v1/{collection}", params={"limit": 1})
    assert response.status_code == 200, response.text
    return response.json()["items"][0]


async def add_what_the_seed_lacks(client, monkeypatch: pytest.MonkeyPatch, *, each: int = 1) -> None:
    """``each`` items in every collection the seed leaves empty (findings, supplier-access facts, access
    overrides, mitigation measures, webhooks), so every list and item shape can be looked at."""
    scanners = (await client.get("/api/v1/scanners", params={"limit": each})).json()["items"]
    assert len(scanners) == each, "the seed holds fewer scanners than asked for"
    audit = await first_of(client, "audits")
    monkeypatch.setenv("INVENTORY_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.1/32")
    config.get_settings.cache_clear()
    try:
        for n, scanner in enumerate(scanners):
            bodies = {
                "findings": {
                    "audit_id": audit["id"],
                    "severity": "low",
                    "title": f"Logging incomplete {n}",
                    "scanner_ids": [scanner["id"]],
                },
                "supplier-access-facts": {
                    "scanner_id": scanner["id"],
                    "aspect": "remote_maintenance",
                    "answer": "unknown",
                    "source": "test factory",
                },
                "access-overrides": {"scanner_id": scanner["id"], "criterion_3a": "unknown", "reason": "test factory"},
                "mitigation-measures": {"scanner_id": scanner["id"], "title": f"Remote access disabled {n}"},
                "webhooks": {"name": f"test factory {n}", "url": f"http://127.0.0.1:9/hook{n}"},
            }
            for collection, body in bodies.items():
                # Covered writes (the approval policy) made by an admin at once, as an emergency change.
                response = await client.post(f"/api/v1/{collection}", json=body, headers=REASON)
                assert response.status_code == 201, f"{collection}: {response.text}"
            held = await client.post(  # and one held for a second person's approval
                "/api/v1/mitigation-measures",
                json={"scanner_id": scanner["id"], "title": f"Held measure {n}"},
                headers={**REASON, "Prefer": "respond-async"},
            )
            assert held.status_code == 202, held.text
    finally:
        monkeypatch.delenv("INVENTORY_WEBHOOK_ALLOWED_NETWORKS")
        config.get_settings.cache_clear()
