"""Uploads that used to end in a 500 or exhaust memory (issue 12 §1 and §2) are a 422 naming the
bound, on SQLite and PostgreSQL, and store nothing: an Excel zip bomb, a CSV field over the csv
module's size limit."""

from __future__ import annotations

from typing import Any

from api_support import ADMIN_PASSWORD
from bomb_support import csv_with_field, xlsx_bomb
from fastapi.testclient import TestClient
from test_api_chain import PASSWORD, login, ok
from test_api_pact import CLOUD, client_token, pact_error
from test_api_pact import setup as pact_setup

from batterycarbon.services.dataset_excel import MAX_XLSX_PART_BYTES, XLSX_MEDIA_TYPE
from batterycarbon.services.dataset_input import MAX_CSV_FIELD_CHARS


def supplier(client: TestClient) -> dict[str, str]:
    admin = login(client, "root", ADMIN_PASSWORD)
    org = ok(
        client.post(
            "/organizations", headers=admin, json={"name": "Cathode Co", "roles": ["supplier"]}
        ),
        201,
    )
    ok(
        client.post(
            "/users",
            headers=admin,
            json={"organization_id": org["id"], "username": "cam", "password": PASSWORD},
        ),
        201,
    )
    return login(client, "cam")


def errors(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 422, response.text
    assert len(response.content) < 2_000
    return list(response.json()["errors"])


def test_a_csv_field_over_the_csv_modules_limit_is_a_422_naming_row_and_column(
    client: TestClient,
) -> None:
    cam = {**supplier(client), "Content-Type": "text/csv"}
    for chars in (MAX_CSV_FIELD_CHARS + 1, 200_000):  # ours, then over the csv module's 131 072
        (error,) = errors(client.post("/datasets/csv", headers=cam, content=csv_with_field(chars)))
        assert error == {
            "field": "row 2, evidence",
            "message": f"row 2, evidence: a field longer than {MAX_CSV_FIELD_CHARS} characters; shorten it",
        }
    assert ok(client.get("/datasets", headers=cam))["own"] == []
    stored = client.post("/datasets/csv", headers=cam, content=csv_with_field(MAX_CSV_FIELD_CHARS))
    assert "evidence: each evidence reference must be 1 to 500 characters" in stored.text


def test_an_xlsx_zip_bomb_is_a_422_naming_the_bound(client: TestClient) -> None:
    cam = {**supplier(client), "Content-Type": XLSX_MEDIA_TYPE}
    bomb = xlsx_bomb(3 * MAX_XLSX_PART_BYTES)
    (error,) = errors(client.post("/datasets/xlsx", headers=cam, content=bomb))
    assert error["field"] == "(document)"
    assert error["message"].startswith("(document): part 'xl/worksheets/sheet1.xml' unpacks to 48")
    assert f"more than the {MAX_XLSX_PART_BYTES} a part may" in error["message"]
    assert ok(client.get("/datasets", headers=cam))["own"] == []


def test_json_nested_too_deeply_is_bad_input_not_a_bare_400_or_a_500(client: TestClient) -> None:
    # Python's JSON parser recurses once a level and gives up at about 1 000 levels.
    admin = {**login(client, "root", ADMIN_PASSWORD), "Content-Type": "application/json"}
    nested = "[" * 100_000 + "]" * 100_000
    body = '{"name": "Deep Co", "roles": ' + nested + "}"
    (error,) = errors(client.post("/organizations", headers=admin, content=body))
    assert error == {"field": "(body)", "message": "(body): JSON nested too deeply to read"}

    world = pact_setup(client)
    auth = {**client_token(client, world["basic"]), **CLOUD}
    answer = client.post("/3/events", headers=auth, content=nested)
    assert "(body): JSON nested too deeply to read" in pact_error(answer, 400, "BadRequest")
