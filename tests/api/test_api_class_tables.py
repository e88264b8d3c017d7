"""Performance-class tables over HTTP (SQLite and PostgreSQL): the administrator uploads a file
(multipart ``file``) and activates it; anyone signed in lists; others get 403; a malformed file
is answered 422 naming the field, and nothing is stored; a passport issued before activation
reports "not yet defined", one issued after the FIXTURE table's class.

The table is the FIXTURE of tests/compliance/fixture-classes.toml (invented boundaries, status
"fixture"): no EU table exists yet and none is invented.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from class_table_support import FIXTURE_FILE, fixture_table
from fastapi.testclient import TestClient
from passport_support import passport_request
from test_api_chain import ok, setup_chain
from test_api_shared_and_uncertainty import a_calculation

from batterycarbon.compliance.classes import NOT_YET_DEFINED, classify, load_class_table

ISSUED = "2025-06-02"  # after the fixture's classes_apply_from (2024-06-01)


def _upload(client: TestClient, auth: dict[str, str], content: bytes, name: str = "fixture-classes.toml") -> Any:  # fmt: skip
    return client.post("/performance-classes", headers=auth, files={"file": (name, content, "application/toml")})  # fmt: skip


def _passport_cf(client: TestClient, cell: dict[str, str], calc: dict[str, Any], unit: str) -> dict[str, Any]:  # fmt: skip
    issued = ok(client.post("/passports", headers=cell, json=passport_request(calc["id"], unit=unit, issued=ISSUED)), 201)  # fmt: skip
    return issued["document"]["CarbonFootprintForBatteries"]  # type: ignore[no-any-return]


def test_admin_loads_and_activates_then_passports_report_the_fixture_class(client: TestClient) -> None:  # fmt: skip
    p = setup_chain(client)
    admin, cell = p["admin"]["auth"], p["cell"]["auth"]
    calc = a_calculation(client, cell)
    assert (
        _passport_cf(client, cell, calc, "SN-1")["carbonFootprintPerformanceClass"]
        == NOT_YET_DEFINED
    )

    loaded = ok(_upload(client, admin, fixture_table()), 201)
    assert (loaded["label"], loaded["is_active"], loaded["loaded_by"]) == ("test-fixture@1", False, "user:root")  # fmt: skip
    assert loaded["table"]["legal_basis"] == "none: test fixture"
    assert loaded["table"]["classes"] == load_class_table(FIXTURE_FILE).model_dump(mode="json")["classes"]  # fmt: skip
    listed = client.get("/performance-classes", headers=cell)
    assert [t["id"] for t in ok(listed)] == [loaded["id"]] and listed.headers[
        "X-Total-Count"
    ] == "1"

    activation = f"/performance-classes/{loaded['id']}/activation"
    refused = client.post(activation, headers=admin)  # a fixture needs the confirmation
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "confirm_fixture"
    assert client.post(activation, headers=cell, json={"confirm_fixture": True}).status_code == 403
    assert ok(client.post(activation, headers=admin, json={"confirm_fixture": True}))["is_active"]
    assert [t["label"] for t in ok(client.get("/performance-classes", headers=cell, params={"active": True}))] == ["test-fixture@1"]  # fmt: skip

    cf = _passport_cf(client, cell, calc, "SN-2")
    expected = classify(cf["batteryCarbonFootprint"], load_class_table(FIXTURE_FILE), "ev", dt.date.fromisoformat(ISSUED))  # fmt: skip
    assert expected.performance_class != NOT_YET_DEFINED
    assert cf["carbonFootprintPerformanceClass"] == expected.performance_class


def test_non_admin_gets_403_and_nothing_is_stored(client: TestClient) -> None:
    p = setup_chain(client)
    for role in ("cam", "cell", "verifier", "regulator"):
        assert _upload(client, p[role]["auth"], fixture_table()).status_code == 403, role
    assert _upload(client, {}, fixture_table()).status_code == 401
    assert ok(client.get("/performance-classes", headers=p["admin"]["auth"])) == []


def test_a_malformed_file_is_422_naming_the_field_and_nothing_is_stored(client: TestClient) -> None:  # fmt: skip
    p = setup_chain(client)
    admin = p["admin"]["auth"]
    bad_bound = fixture_table().replace(b"max_kgco2e_per_fu = 0.2 }", b"max_kgco2e_per_fu = -0.2 }")
    response = _upload(client, admin, bad_bound)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["classes.1.max_kgco2e_per_fu"]
    unordered = fixture_table().replace(b"max_kgco2e_per_fu = 0.3 }", b"max_kgco2e_per_fu = 0.15 }")
    assert [e["field"] for e in _upload(client, admin, unordered).json()["errors"]] == ["classes"]
    not_toml = _upload(client, admin, b"classes = [[", "classes.toml")
    assert not_toml.status_code == 422 and not_toml.json()["errors"][0]["field"] == "file"
    wrong_kind = _upload(client, admin, fixture_table(), "classes.pdf")
    assert wrong_kind.status_code == 422 and wrong_kind.json()["errors"][0]["field"] == "file"
    no_file = client.post("/performance-classes", headers=admin)
    assert no_file.status_code == 422 and no_file.json()["errors"][0]["field"] == "file"
    assert ok(client.get("/performance-classes", headers=admin)) == []
    events = ok(client.get("/audit/events", headers=admin, params={"limit": 500}))
    assert not [e for e in events if e["action"].startswith("class_table.")]
    # The same version twice: 409, the first stays.
    ok(_upload(client, admin, fixture_table()), 201)
    again = _upload(client, admin, fixture_table())
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "version"
    assert len(ok(client.get("/performance-classes", headers=admin))) == 1
    missing = client.post("/performance-classes/00000000-0000-4000-8000-000000000000/activation", headers=admin)  # fmt: skip
    assert missing.status_code == 404
