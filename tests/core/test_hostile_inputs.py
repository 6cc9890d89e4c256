"""Inputs a client can send that once gave 500s, thrown at every read operation of the API.

Every query parameter of every GET, every path id and every signed cursor with a wrong-typed value
must get a 4xx problem naming what was wrong, never a 500.
"""

import base64
import json

import orjson
import pytest
from typer.testing import CliRunner

from app.cli import app as cli
from app.core.pagination import _b64, _signature
from tests.conftest import bearer
from tests.helpers import ITEMS, LISTS, assert_problem, concrete

NON_ASCII_NUMERALS = ["\u0661\u0662", "\uff11\uff12", "\u00b2", "\u0967", "1\u0662"]
"""Arabic-Indic and fullwidth digits, a superscript (str.isdigit() takes it, int() does not), Devanagari."""

OUT_OF_RANGE_INSTANTS = ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59.999999-00:01"]
"""Valid RFC 3339 text whose instant in UTC falls outside the years 1 to 9999."""

ODD_VALUES = ["+12", "1.0", " 1", "1_0", "0x1", "-1", "99999999999999999999", "1e309", "NaN", "true", "\u202e", ""]

BAD_PATH_IDS = [*NON_ASCII_NUMERALS, "+1", "1.0", "1_0", "0x1", "-1", "0", "99999999999999999999", "1e3"]


def test_every_kind_of_read_operation_is_covered():
    assert len(LISTS) >= 14
    assert len(ITEMS) >= 14
    assert any("as_of" in names for _, names in LISTS)


def names_field(problem: dict, name: str) -> bool:
    return any(error["field"] == name for error in problem.get("errors", [])) or name in problem["detail"]


async def test_no_query_value_gives_a_500(admin):
    for path, names in LISTS:
        for name in names:
            for value in NON_ASCII_NUMERALS:
                response = await admin.get(path, params={name: value})
                assert response.status_code == 422, (path, name, value)
                assert names_field(assert_problem(response, 422), name), (path, name, value)
            for value in ODD_VALUES + OUT_OF_RANGE_INSTANTS:
                response = await admin.get(path, params={name: value})
                assert response.status_code in (200, 400, 422), (path, name, value, response.text)
                if response.status_code != 200:
                    assert_problem(response, response.status_code)


async def test_instants_outside_the_calendar_in_utc_are_a_422(admin):
    tried = 0
    for path, names in LISTS:
        for name in {"as_of", "since", "until"} & set(names):
            for value in OUT_OF_RANGE_INSTANTS:
                problem = assert_problem(await admin.get(path, params={name: value}), 422, field=name)
                assert names_field(problem, name)
                tried += 1
    assert tried >= 18


async def test_path_ids_are_ascii_digits_only(admin):
    for path in ITEMS:
        for value in BAD_PATH_IDS:
            response = await admin.get(concrete(path, value))
            assert response.status_code == 422, (path, value, response.text)
            assert_problem(response, 422)


async def test_an_id_filter_in_other_digits_is_not_taken_as_an_id(admin):
    assert (await admin.get("/api/v1/scanners", params={"site": "1"})).json()["items"]
    for value in NON_ASCII_NUMERALS:
        assert_problem(await admin.get("/api/v1/scanners", params={"site": value}), 422, field="site")
        at = {"site": value, "as_of": "2021-04-20T00:00:00Z"}
        assert_problem(await admin.get("/api/v1/scanners", params=at), 422, field="site")


def _payload(cursor: str) -> list:
    text = cursor.split(".")[0]
    return orjson.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def signed(payload: object) -> str:
    """A cursor with ``payload``, signed as the service signs its own (any JSON, big integers too)."""
    data = json.dumps(payload).encode()
    return f"{_b64(data)}.{_b64(_signature(data))}"


WRONG_TYPES = [None, True, [], {}, "x", 12345, 1.5, 2**70, "2021-13-45T99:00:00.000000Z", "a\x00b"]


async def test_a_signed_cursor_with_wrong_typed_values_is_a_400(admin):
    tried = 0
    for path, names in LISTS:
        if "cursor" not in names:
            continue
        for params in ({"limit": 1}, {"limit": 1, "sort": "-updated_at"}):
            if "sort" in params and "sort" not in names:
                continue
            # A `.csv` export takes the cursor of its JSON page ("start after") and must refuse the same forgeries.
            first = await admin.get(path.removesuffix(".csv"), params=params)
            if first.status_code != 200 or not first.json()["next_cursor"]:
                continue
            resource, sort_key, values = _payload(first.json()["next_cursor"])
            for index in range(len(values)):
                for wrong in WRONG_TYPES:
                    if type(wrong) is type(values[index]) and wrong != "a\x00b":
                        continue
                    forged = signed([resource, sort_key, [*values[:index], wrong, *values[index + 1 :]]])
                    response = await admin.get(path, params={**params, "cursor": forged})
                    assert_problem(response, 400, "cursor")
                    tried += 1
            for malformed in ([resource, sort_key], [resource, sort_key, "x"], "text", 5):
                forged = signed(malformed)
                assert_problem(await admin.get(path, params={**params, "cursor": forged}), 400, "cursor")
    assert tried >= 40


async def test_a_timestamp_body_field_outside_the_calendar_in_utc_is_a_422(anonymous, tokens):
    for value in OUT_OF_RANGE_INSTANTS[:2]:
        body = {"name": "far", "owner": "key owner", "role": "reader", "expires_at": value}
        response = await anonymous.post("/api/v1/api-keys", json=body, headers=bearer(tokens["admin"]))
        assert_problem(response, 422, field="expires_at")


@pytest.mark.parametrize("expires", ["\u00b2d", "\u0661\u0662d", "+5d", "9999-12-31T23:59:59-23:59"])
def test_the_cli_refuses_expiries_it_cannot_read(db, expires):
    result = CliRunner().invoke(
        cli, ["create-key", "--name", "odd", "--owner", "odd", "--role", "reader", "--expires", expires]
    )
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert "--expires" in result.output or "expiry" in result.output or "timestamp" in result.output
