"""Authorization of every route, the one 401, and tokens that are never stored."""

import base64
import hashlib
import itertools
import re
from datetime import date, timedelta

import httpx
import pytest
import sqlalchemy as sa
from fastapi.routing import APIRoute, iter_route_contexts
from typer.testing import CliRunner

from app.api import API_PREFIX
from app.approvals.policy import RESTORE_RULES
from app.cli import app as cli
from app.core.choices import Role
from app.core.db import get_engine, utcnow
from tests.conftest import bearer, mint_token
from tests.helpers import assert_problem

pytestmark = pytest.mark.asyncio

_counter = itertools.count(1)


class _SpareScanners(dict):
    """Scanners made for the matrix; each access-override and supplier-access-fact body takes one not used before."""

    def __missing__(self, n: int) -> int:
        return self.popitem()[1]


def create_body(collection: str, ids: dict[str, int]) -> dict:
    """A valid, unique POST body for each collection; a new collection must add one here."""
    n = next(_counter)
    bodies = {
        "/api/v1/sites": {"code": f"matrix-site-{n}", "name": "Matrix site", "kind": "other"},
        "/api/v1/vendors": {"slug": f"matrix-vendor-{n}", "name": "Matrix vendor"},
        "/api/v1/vendor-restrictions": {
            "vendor_id": ids["nuctech"],
            "country": "DE",
            "kind": "finding",
            "description": f"matrix {n}",
        },
        "/api/v1/networks": {"code": f"matrix-net-{n}", "name": "Matrix network", "kind": "other"},
        "/api/v1/scanners": {
            "asset_tag": f"MATRIX-{n}",
            "site_id": ids["schiphol"],
            "network_mode": "standalone",
            "use": "baggage",
        },
        "/api/v1/api-keys": {"name": f"matrix key {n}", "owner": "key owner", "role": "reader"},
        "/api/v1/webhooks": {"name": f"matrix webhook {n}", "url": f"https://hooks.example.org/matrix/{n}"},
        "/api/v1/procurements": {"vendor_id": ids["nuctech"], "title": f"Matrix procurement {n}"},
        "/api/v1/audits": {"title": f"Matrix audit {n}", "scanner_ids": [ids["scanner"]]},
        "/api/v1/findings": {"audit_id": ids["audit"], "severity": "low", "title": f"Matrix finding {n}"},
        "/api/v1/vendor-assessments": {
            "vendor_id": ids["nuctech"],
            "criterion_1": "unknown",
            "criterion_1_rationale": f"matrix {n}",
            "criterion_2": "unknown",
            "criterion_2_rationale": f"matrix {n}",
            "assessed_on": (date(2022, 1, 1) + timedelta(days=n)).isoformat(),
            "assessor": "Matrix assessor",
        },
        # One override per scanner: each body takes a scanner made for the matrix.
        "/api/v1/access-overrides": {
            "scanner_id": ids["spare_scanners"][n] if collection.endswith("access-overrides") else None,
            "criterion_3a": "no",
            "reason": f"matrix {n}",
        },
        "/api/v1/mitigation-measures": {"scanner_id": ids["scanner"], "title": f"Matrix measure {n}"},
        "/api/v1/operators": {"code": f"matrix-operator-{n}", "name": "Matrix operator", "kind": "sector"},
        "/api/v1/investigations": {"title": f"Matrix investigation {n}", "vendor_ids": [ids["nuctech"]]},
        # One fact per scanner and aspect: each body takes a scanner made for the matrix.
        "/api/v1/supplier-access-facts": {
            "scanner_id": ids["spare_scanners"][n] if collection.endswith("supplier-access-facts") else None,
            "aspect": "remote_maintenance",
            "answer": "unknown",
            "source": f"matrix {n}",
        },
    }
    assert collection in bodies, f"add a create body for {collection} to the role matrix"
    return bodies[collection]


PATCH_BODIES = {
    "/api/v1/sites": {"name": "Changed"},
    "/api/v1/vendors": {"name": "Changed"},
    "/api/v1/vendor-restrictions": {"description": "Changed"},
    "/api/v1/networks": {"name": "Changed"},
    "/api/v1/scanners": {"notes": "Changed"},
    "/api/v1/api-keys": {"name": "Changed"},
    "/api/v1/webhooks": {"name": "Changed"},
    "/api/v1/procurements": {"notes": "Changed"},
    "/api/v1/audits": {"objective": "Changed"},
    "/api/v1/findings": {"description": "Changed"},
    "/api/v1/vendor-assessments": {"notes": "Changed"},
    "/api/v1/access-overrides": {"reason": "Changed"},
    "/api/v1/mitigation-measures": {"description": "Changed"},
    "/api/v1/supplier-access-facts": {"basis": "Changed"},
    "/api/v1/operators": {"notes": "Changed"},
    "/api/v1/investigations": {"scope": "Changed"},
}


def required_role(path: str, method: str) -> Role:
    """What the service promises: reading needs reader, changing the inventory editor, deciding on change
    requests approver, anything on keys and webhooks admin."""
    if (
        path.startswith((f"{API_PREFIX}/api-keys", f"{API_PREFIX}/webhooks"))
        or path == f"{API_PREFIX}/changes/verify/full"
    ):
        return Role.ADMIN
    if path.endswith(("/approve", "/reject")):
        return Role.APPROVER
    if path.endswith("/restore") and path.split("/")[3] in RESTORE_RULES:
        return Role.ADMIN  # recreating what the approval policy covers: an admin's emergency change
    return Role.READER if method == "GET" else Role.EDITOR


def api_operations(app) -> list[tuple[str, str]]:
    """Every operation the app serves under /api/v1, from its own route table (included routers flattened)."""
    operations = [
        (route.path, method)
        for route in iter_route_contexts(app.routes)
        if isinstance(route.original_route, APIRoute) and route.path.startswith(API_PREFIX)
        for method in sorted(route.methods)
    ]
    assert len(operations) >= 30
    return operations


async def snapshot(admin: httpx.AsyncClient, collection: str) -> list[dict]:
    items = (await admin.get(collection, params={"limit": 500})).json()["items"]
    # Bookkeeping of use, not a change to a key.
    return [{name: value for name, value in item.items() if name != "last_used_at"} for item in items]


async def test_every_route_admits_exactly_the_roles_it_should(app, anonymous, tokens):
    admin = bearer(tokens["admin"])
    ids = {
        "nuctech": (await anonymous.get("/api/v1/vendors", params={"slug": "nuctech"}, headers=admin)).json()["items"][
            0
        ]["id"],
        "schiphol": (await anonymous.get("/api/v1/sites", params={"code": "schiphol"}, headers=admin)).json()["items"][
            0
        ]["id"],
        "audit": (await anonymous.get("/api/v1/audits", headers=admin)).json()["items"][0]["id"],
        "scanner": (await anonymous.get("/api/v1/scanners", params={"limit": 1}, headers=admin)).json()["items"][0][
            "id"
        ],
    }
    # The admin's writes the approval policy covers are emergency changes, which need a reason.
    admin_client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://testserver",
        headers={**admin, "X-Change-Reason": "role matrix"},
    )
    spare = {}
    for n in range(80):
        body = {"asset_tag": f"SPARE-{n}", "site_id": ids["schiphol"], "network_mode": "standalone", "use": "baggage"}
        spare[-n - 1] = (await admin_client.post("/api/v1/scanners", json=body)).json()["id"]
    ids["spare_scanners"] = _SpareScanners(spare)
    checked = 0
    for path, method in api_operations(app):
        shape = re.match(
            r"^(?P<collection>.*?)(?:/\{\w+\}(?P<suffix>/history|/restore|/deliveries|/approve|/reject|/withdraw)?)?$",
            path,
        )
        collection, suffix = shape["collection"], shape["suffix"]
        needed = required_role(path, method)
        for role in (None, Role.READER, Role.EDITOR, Role.APPROVER, Role.ADMIN):
            url = path
            if path.startswith(f"{API_PREFIX}/changes/{{"):
                url = re.sub(r"\{\w+\}", "1", path)  # the seed's first change record
            elif path.startswith(f"{API_PREFIX}/change-requests/{{"):
                # A change request made by an editor's covered write (withdrawn by its own author).
                author = role.value if suffix == "/withdraw" and role in (Role.EDITOR, Role.APPROVER) else "editor"
                held = await anonymous.post(
                    "/api/v1/mitigation-measures",
                    json={"scanner_id": ids["scanner"], "title": "Matrix measure"},
                    headers=bearer(tokens[author]),
                )
                assert held.status_code == 202, held.text
                url = re.sub(r"\{\w+\}", str(held.json()["id"]), path)
            elif "{" in path:
                victim = await admin_client.post(collection, json=create_body(collection, ids))
                assert victim.status_code == 201, victim.text
                url = re.sub(r"\{\w+\}", str(victim.json()["id"]), path)
                if suffix == "/restore":  # only a deleted object can be restored
                    item_url = f"{collection}/{victim.json()['id']}"
                    etag = (await admin_client.get(item_url)).headers["etag"]
                    deleted = await admin_client.delete(item_url, headers={"If-Match": etag})
                    assert deleted.status_code == 204, deleted.text
            headers = {} if role is None else bearer(tokens[role.value])
            body = None
            if method == "POST" and suffix is None:
                body = create_body(collection, ids)
            elif suffix in ("/approve", "/reject", "/withdraw"):
                body = {"reason": "matrix"} if suffix == "/reject" else None
                headers["If-Match"] = (await admin_client.get(url.removesuffix(suffix))).headers["etag"]
            if method != "GET":
                headers["X-Change-Reason"] = "role matrix"
            if method in ("PATCH", "DELETE") and "{" not in path:
                # A bulk write on the collection: each item names its id and version in the body.
                victim = await admin_client.post(collection, json=create_body(collection, ids))
                assert victim.status_code == 201, victim.text
                item = {"id": victim.json()["id"], "version": victim.json()["version"]}
                body = [{**item, **PATCH_BODIES[collection]} if method == "PATCH" else item]
            elif method in ("PATCH", "DELETE"):
                if method == "PATCH":
                    body = PATCH_BODIES[collection]
                headers["If-Match"] = (await admin_client.get(url)).headers["etag"]
            before = await snapshot(admin_client, collection) if method != "GET" else None
            response = await anonymous.request(method, url, json=body, headers=headers)
            where = f"{method} {url} as {role}"
            if role is None:
                assert_problem(response, 401)
            elif role.rank < needed.rank:
                # The route's own role check comes first: a reader restoring is told it needs an editor.
                first_check = (
                    Role.EDITOR
                    if needed == Role.ADMIN and path.endswith("/restore") and role.rank < Role.EDITOR.rank
                    else needed
                )
                assert_problem(response, 403, first_check.value)
            else:
                assert response.status_code not in (401, 403)
                assert response.status_code < 500, (where, response.text)
                assert response.status_code < 300, (where, response.text)
            if before is not None and response.status_code in (401, 403):
                assert await snapshot(admin_client, collection) == before, where
            checked += 1
    await admin_client.aclose()
    assert checked == 5 * len(api_operations(app))


async def test_health_stays_open(anonymous):
    assert (await anonymous.get("/health/live")).status_code == 200


async def test_every_bad_token_gets_the_same_401(anonymous, tokens, db):
    expired = mint_token(db, "editor", name="expired", expires_at=utcnow() - timedelta(seconds=1))
    revoked = mint_token(db, "editor", name="revoked")
    admin = bearer(tokens["admin"])
    assert (await anonymous.get("/api/v1/sites", headers=bearer(revoked))).status_code == 200  # cached now
    key = (await anonymous.get("/api/v1/api-keys", params={"sort": "-id", "limit": 1}, headers=admin)).json()["items"][
        0
    ]
    etag = (await anonymous.get(f"/api/v1/api-keys/{key['id']}", headers=admin)).headers["etag"]
    revoke = await anonymous.delete(f"/api/v1/api-keys/{key['id']}", headers={**admin, "If-Match": etag})
    assert revoke.status_code == 204
    cases = {
        "missing": {},
        "empty bearer": {"Authorization": "Bearer "},
        "other scheme": {"Authorization": "Basic dXNlcjpwYXNz"},
        "malformed": {"Authorization": "Bearer not-a-token"},
        "no scheme": {"Authorization": tokens["editor"]},
        "unknown": bearer("csi_" + "A" * 43),
        "altered": bearer(tokens["editor"][:-1] + ("A" if tokens["editor"][-1] != "A" else "B")),
        "expired": bearer(expired),
        "revoked": bearer(revoked),
    }
    for path, method in (("/api/v1/sites", "GET"), ("/api/v1/sites", "POST"), ("/api/v1/api-keys", "GET")):
        answers = {}
        for case, headers in cases.items():
            response = await anonymous.request(method, path, headers=headers, json={} if method == "POST" else None)
            assert_problem(response, 401)
            answers[case] = (response.content, response.headers["www-authenticate"])
        assert len(set(answers.values())) == 1, answers
        body, challenge = answers["missing"]
        assert challenge.startswith("Bearer")


def token_forms(token: str) -> list[str]:
    """The token and its obvious encodings, and every 16-character piece of its secret part."""
    secret = token[4:]
    raw = token.encode()
    forms = [
        token,
        secret,
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
        raw.hex(),
        hashlib.sha256(raw).hexdigest(),
        hashlib.sha256(secret.encode()).hexdigest(),
        hashlib.md5(raw).hexdigest(),
        token[::-1],
    ]
    forms += [secret[i : i + 16] for i in range(len(secret) - 15)]
    return forms


async def test_the_database_holds_no_token_in_any_recoverable_form(app, tokens, db):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        created = await http.post(
            "/api/v1/api-keys",
            json={"name": "via API", "owner": "key owner", "role": "editor"},
            headers={**bearer(tokens["admin"]), "Idempotency-Key": "mint-once"},
        )
        assert created.status_code == 201
        api_token = created.json()["token"]
        # Use it, so last-use bookkeeping and idempotency records exist too.
        replay = await http.post(
            "/api/v1/api-keys",
            json={"name": "via API", "owner": "key owner", "role": "editor"},
            headers={**bearer(tokens["admin"]), "Idempotency-Key": "mint-once"},
        )
        assert replay.status_code == 201
        assert replay.json()["token"] is None
        assert (await http.get("/api/v1/sites", headers=bearer(api_token))).status_code == 200
    result = CliRunner().invoke(cli, ["create-key", "--name", "via CLI", "--owner", "via CLI", "--role", "reader"])
    assert result.exit_code == 0, result.output
    cli_token = result.stdout.strip()  # the token alone on stdout; logs go to stderr
    assert cli_token.startswith("csi_")
    assert "\n" not in cli_token
    all_tokens = [*tokens.values(), api_token, cli_token]

    engine = get_engine(db)
    values: list[str] = []
    with engine.connect() as connection:
        tables = sa.inspect(connection).get_table_names()
        assert {"api_key", "idempotency_record", "site", "scanner"} <= set(tables)
        for table in tables:
            for row in connection.execute(sa.text(f'SELECT * FROM "{table}"')):
                for value in row:
                    if isinstance(value, bytes | bytearray | memoryview):
                        value = bytes(value).decode("latin-1") + " " + bytes(value).hex()
                    if value is not None:
                        values.append(str(value))
    assert len(values) > 100
    text = "\n".join(values)
    for token in all_tokens:
        for form in token_forms(token):
            assert form not in text, f"a form of a token is stored: {form[:8]}..."
        # What is stored is the recognisable prefix (csi_ and 8 characters) and a keyed hash.
        assert token[:12] in text
