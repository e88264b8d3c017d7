"""Integer parameters are bounded: a huge ``after_seq``, ``version`` or ``offset`` is a 422 naming
the parameter (PACT routes: 400 BadRequest), not a 500 from an overflow in the database driver
(SQLite binds 64-bit integers, PostgreSQL's INTEGER columns hold 32 bits)."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from api_support import ADMIN_PASSWORD
from fastapi.testclient import TestClient
from test_api_chain import login, ok

from batterycarbon.services.paging import MAX_SERIAL

HUGE = 2**63  # one more than SQLite's largest integer
#: Integer parameters left without a maximum, and why that is safe.
UNBOUNDED = {
    # PACT's page size: a client may ask for any number; the server answers at most MAX_PAGE
    # (min() before any query), so the number never reaches the database.
    ("/3/footprints", "limit"),
}


def _integer_parameters(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path, item in ok(client.get("/openapi.json"))["paths"].items():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                types = [schema] + schema.get("anyOf", [])
                if any(t.get("type") == "integer" for t in types):
                    bounded = next((t for t in types if t.get("type") == "integer"), schema)
                    found.append((path, parameter["name"], bounded))
    return found


def test_every_integer_parameter_has_a_maximum(client: TestClient) -> None:
    parameters = _integer_parameters(client)
    assert len(parameters) >= 20, parameters  # limit/offset of every list, and more
    unbounded = {(path, name) for path, name, schema in parameters if "maximum" not in schema}
    assert unbounded == UNBOUNDED
    for path, name, schema in parameters:
        if "maximum" in schema:
            assert schema["maximum"] <= 2**63 - 1, (path, name)


def _field_refused(response: Any, field: str) -> None:
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_huge_integers_are_named(client: TestClient) -> None:
    admin = login(client, "root", ADMIN_PASSWORD)
    for value in (MAX_SERIAL + 1, HUGE, 10**30):
        cases = [
            ("/audit/events", "after_seq"),
            ("/datasets", "offset"),
            ("/datasets", "limit"),
            (f"/passports/{uuid.uuid4()}", "version"),
            (f"/p/{uuid.uuid4()}", "version"),
        ]
        for path, name in cases:
            _field_refused(client.get(path, headers=admin, params={name: value}), name)
    # The largest cursor is answered (empty), on PostgreSQL too, where it fills the column.
    assert ok(client.get("/audit/events", headers=admin, params={"after_seq": MAX_SERIAL})) == []
    newest = client.get(f"/passports/{uuid.uuid4()}", params={"version": MAX_SERIAL})
    assert newest.status_code == 404


def test_pact_offset_is_bounded(client: TestClient) -> None:
    admin = login(client, "root", ADMIN_PASSWORD)
    maker = {"name": "Cell Co", "roles": ["manufacturer"]}
    org = ok(client.post("/organizations", headers=admin, json=maker), 201)
    portal = {"organization_id": org["id"], "name": "OEM portal"}
    created = ok(client.post("/api-clients", headers=admin, json=portal), 201)
    basic = base64.b64encode(f"{created['client_id']}:{created['client_secret']}".encode()).decode()
    grant = {"grant_type": "client_credentials"}
    token = ok(client.post("/auth/token", data=grant, headers={"Authorization": f"Basic {basic}"}))
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    response = client.get("/3/footprints", headers=auth, params={"offset": HUGE})
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "BadRequest"
    assert response.json()["message"].startswith("offset: ")
    assert ok(client.get("/3/footprints", headers=auth, params={"limit": 10**30})) == {"data": []}
