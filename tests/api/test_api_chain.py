"""The chain over HTTP: supplier data -> shared -> calculation -> verification -> regulator,
with the confidentiality, audit and error-handling promises checked on the way."""

from __future__ import annotations

from typing import Any

from api_support import ADMIN_PASSWORD
from fastapi.testclient import TestClient
from sqlalchemy import text

from batterycarbon.services.audit import verify_audit_chain
from batterycarbon.store import session_factory

PASSWORD = "a long test passphrase"  # test-only credential
DESIGN = {
    "chemistry": "NCM811", "format": "prismatic", "pack": {"cells": 162},
    "cell": {"capacity_ah": 100, "nominal_voltage_v": 3.7}, "year": 2023,
    "plants": {"precursor": "CN", "cathode": "KR", "anode": "CN", "cell": "HU", "pack": "DE"},
}  # fmt: skip
#: The design buying its cathode material from "Cathode Co" (its dataset is then used).
WITH_CAM_SUPPLIER = {**DESIGN, "supply": {"cathode_active_material": {"supplier": "Cathode Co"}}}
CAM = {
    "flow": "cam_ncm811", "value": 27.9, "unit": "kg CO2e / kg", "region": "KR", "year": 2023,
    "dqr": 1.5, "evidence": ["cam-pcf-2023.pdf", "cam-plant-meter-readings-2023.csv"],
    "activity_data": {"electricity_kwh_per_kg": 21.0, "lithium_hydroxide_kg_per_kg": 0.43},
}  # fmt: skip


def login(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/auth/token", data={"grant_type": "password", "username": username, "password": password})  # fmt: skip
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def setup_chain(client: TestClient) -> dict[str, dict[str, Any]]:
    admin = login(client, "root", ADMIN_PASSWORD)
    parties: dict[str, dict[str, Any]] = {}
    for key, name, role in [
        ("cam", "Cathode Co", "supplier"), ("cell", "Cell Co", "manufacturer"),
        ("verifier", "Verify Co", "verifier"), ("regulator", "Battery Authority", "regulator"),
    ]:  # fmt: skip
        org = ok(client.post("/organizations", headers=admin, json={"name": name, "roles": [role]}), 201)  # fmt: skip
        ok(client.post("/users", headers=admin, json={"organization_id": org["id"], "username": key, "password": PASSWORD}), 201)  # fmt: skip
        parties[key] = {"org": org["id"], "auth": login(client, key)}
    parties["admin"] = {"auth": admin}
    return parties


def test_health_needs_no_token_and_data_endpoints_do(client: TestClient) -> None:
    assert ok(client.get("/health"))["status"] == "ok"
    response = client.get("/datasets")
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    assert client.get("/datasets", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    assert client.post("/auth/token", data={"grant_type": "password", "username": "root", "password": "wrong"}).status_code == 401  # fmt: skip
    assert "/auth/token" in ok(client.get("/openapi.json"))["paths"]


def test_supplier_to_regulator_end_to_end(client: TestClient) -> None:
    p = setup_chain(client)
    cam, cell, verifier, regulator = (p[k]["auth"] for k in ("cam", "cell", "verifier", "regulator"))  # fmt: skip

    dataset = ok(client.post("/datasets", headers=cam, json=CAM), 201)
    assert dataset["status"] == "approved"
    ok(client.post(f"/datasets/{dataset['id']}/grants", headers=cam, json={"organization_id": p["cell"]["org"]}), 201)  # fmt: skip
    shared = ok(client.get(f"/datasets/{dataset['id']}", headers=cell))
    assert shared["value"] == 27.9 and "activity_data" not in shared and "evidence" not in shared

    product = ok(
        client.post(
            "/products", headers=cell, json={"name": "EV pack", "design": WITH_CAM_SUPPLIER}
        ),
        201,
    )
    version_id = product["designs"][0]["id"]
    calc = ok(client.post("/calculations", headers=cell, json={"design_version_id": version_id}), 201)  # fmt: skip
    assert calc["primary_share"] > 0
    assert calc["result"]["supplier_datasets"][0]["dataset_id"] == dataset["id"]

    verification = ok(client.post("/verifications", headers=cell, json={"calculation_id": calc["id"], "verifier_org_id": p["verifier"]["org"]}), 201)  # fmt: skip
    vid = verification["id"]
    assert verification["state"] == "submitted"
    # The assigned verifier sees the activity data behind the figure during the review.
    assert ok(client.get(f"/datasets/{dataset['id']}", headers=verifier))["activity_data"] == CAM["activity_data"]  # fmt: skip
    assert ok(client.get(f"/calculations/{calc['id']}", headers=verifier))["digest"] == calc["digest"]  # fmt: skip
    ok(client.post(f"/verifications/{vid}/review", headers=verifier))
    ok(client.post(f"/verifications/{vid}/findings", headers=verifier, json={"severity": "minor", "text": "Grid year 2022 used for 2023."}), 201)  # fmt: skip
    approved = ok(client.post(f"/verifications/{vid}/decision", headers=verifier, json={"decision": "approve", "note": "Consistent."}))  # fmt: skip
    assert approved["state"] == "approved"

    seen = ok(client.get(f"/verifications/{vid}", headers=regulator))
    # The state, not the figure: no passport has made it public yet (nor the findings).
    assert seen["state"] == "approved" and seen["total_kgco2e_per_kwh"] is None
    assert seen["findings"] is None
    assert [v["id"] for v in ok(client.get("/verifications", headers=regulator))] == [vid]
    assert client.get(f"/datasets/{dataset['id']}", headers=regulator).status_code == 404
    assert client.get(f"/calculations/{calc['id']}", headers=regulator).status_code == 404
    assert ok(client.get("/datasets", headers=regulator)) == {"own": [], "shared_with_me": []}

    # The log holds the whole story and verifies; editing one row is caught, naming it.
    assert ok(client.get("/audit/verify", headers=regulator))["ok"] is True
    history = ok(client.get("/audit/events", headers=cam, params={"entity_id": dataset["id"]}))
    assert [e["action"] for e in history] == ["dataset.submitted", "dataset.shared"]
    target = history[1]
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        else:
            connection.execute(text("DROP TRIGGER audit_events_no_update"))
        connection.execute(
            text("UPDATE audit_events SET content = replace(content, :old, :new) WHERE seq = :seq"),
            {"old": p["cell"]["org"], "new": p["regulator"]["org"], "seq": target["seq"]},
        )
    report = ok(client.get("/audit/verify", headers=regulator))
    assert report["ok"] is False and report["first_bad_id"] == target["id"]
    with session_factory(engine)() as session:
        assert verify_audit_chain(session).first_bad_seq == target["seq"]


def test_bad_csv_stores_nothing_and_names_rows(client: TestClient) -> None:
    p = setup_chain(client)
    cam = p["cam"]["auth"]
    csv = "flow,value,unit,region,year,dqr\ncam_ncm811,27,kg CO2e / kg,KR,2023,3.5\ncam_ncm811,abc,kg CO2e / kg,KR,2023,3.5\n"  # fmt: skip
    response = client.post(
        "/datasets/csv", headers={**cam, "Content-Type": "text/csv"}, content=csv
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "row 3, value"
    assert ok(client.get("/datasets", headers=cam))["own"] == []
    stored = ok(client.post("/datasets/csv", headers={**cam, "Content-Type": "text/csv"}, content=csv.replace("abc", "26")), 201)  # fmt: skip
    assert len(stored) == 2


def test_bad_input_is_a_4xx_naming_the_field(client: TestClient) -> None:
    p = setup_chain(client)
    cam, cell = p["cam"]["auth"], p["cell"]["auth"]
    body = ok(client.post("/datasets", headers=cam, json={**CAM, "dqr": 7}), 422)
    assert body["errors"][0]["field"] == "dqr"
    body = ok(client.post("/datasets", headers=cam, content=b"{not json", ), 422)  # fmt: skip
    assert body["errors"]
    body = ok(client.post("/products", headers=cell, json={"name": "x1", "design": {**DESIGN, "chemistry": "NCM999"}}), 422)  # fmt: skip
    assert body["errors"][0]["field"] == "chemistry"
    assert client.get("/datasets/not-a-uuid", headers=cam).status_code == 422
    assert client.post("/datasets", headers=cell, json=CAM).status_code == 403
    assert client.post("/calculations", headers=cell, json={"design_version_id": "00000000-0000-0000-0000-000000000000"}).status_code == 404  # fmt: skip


def test_client_credentials_grant(client: TestClient) -> None:
    p = setup_chain(client)
    created = ok(client.post("/api-clients", headers=p["admin"]["auth"], json={"organization_id": p["cam"]["org"], "name": "ERP"}), 201)  # fmt: skip
    token = ok(client.post("/auth/token", data={"grant_type": "client_credentials", "client_id": created["client_id"], "client_secret": created["client_secret"]}))  # fmt: skip
    machine = {"Authorization": f"Bearer {token['access_token']}"}
    assert ok(client.post("/datasets", headers=machine, json=CAM), 201)["status"] == "approved"
    basic = client.post("/auth/token", data={"grant_type": "client_credentials"}, auth=(created["client_id"], "wrong"))  # fmt: skip
    assert basic.status_code == 401
    # No client authentication at all: RFC 6749 5.2 invalid_client, 401 with the Basic challenge.
    missing = client.post("/auth/token", data={"grant_type": "client_credentials"})
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Basic")
    assert missing.json()["error"] == "invalid_client"
    assert "client_id" in missing.json()["error_description"] and "client_secret" in missing.json()["error_description"]  # fmt: skip
