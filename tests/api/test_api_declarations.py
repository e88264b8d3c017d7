"""The regulator queries declarations: declared figures and verification states, filtered and
paged, never the activity data, design or findings behind them."""

from __future__ import annotations

from fastapi.testclient import TestClient
from passport_support import passport_request
from test_api_chain import CAM, DESIGN, WITH_CAM_SUPPLIER, ok, setup_chain

CONFIDENTIAL = {"inputs", "result", "design", "activity_data", "findings", "datasets", "supplier_datasets"}  # fmt: skip


def test_regulator_lists_and_filters_declarations(client: TestClient) -> None:
    p = setup_chain(client)
    cam, cell, verifier, regulator = (p[k]["auth"] for k in ("cam", "cell", "verifier", "regulator"))  # fmt: skip
    dataset = ok(client.post("/datasets", headers=cam, json=CAM), 201)
    ok(client.post(f"/datasets/{dataset['id']}/grants", headers=cam, json={"organization_id": p["cell"]["org"]}), 201)  # fmt: skip
    lfp_design = {**DESIGN, "chemistry": "LFP", "cell": {"capacity_ah": 280, "nominal_voltage_v": 3.2}, "pack": {"cells": 104}, "year": 2024}  # fmt: skip
    declared = {}
    for name, design in (("NCM pack", WITH_CAM_SUPPLIER), ("LFP pack", lfp_design)):
        product = ok(client.post("/products", headers=cell, json={"name": name, "design": design}), 201)  # fmt: skip
        calc = ok(client.post("/calculations", headers=cell, json={"design_version_id": product["designs"][0]["id"]}), 201)  # fmt: skip
        declared[name] = (calc, ok(client.post("/verifications", headers=cell, json={"calculation_id": calc["id"], "verifier_org_id": p["verifier"]["org"]}), 201))  # fmt: skip
    ncm_verification = declared["NCM pack"][1]["id"]
    ok(client.post(f"/verifications/{ncm_verification}/review", headers=verifier))
    ok(client.post(f"/verifications/{ncm_verification}/findings", headers=verifier, json={"severity": "minor", "text": "Supplier CAM electricity 21 kWh/kg."}), 201)  # fmt: skip
    ok(client.post(f"/verifications/{ncm_verification}/decision", headers=verifier, json={"decision": "approve", "note": "Consistent."}))  # fmt: skip

    everything = client.get("/declarations", headers=regulator)
    assert everything.status_code == 200 and everything.headers["x-total-count"] == "2"
    rows = everything.json()
    assert [r["product"] for r in rows] == ["NCM pack", "LFP pack"]
    assert all(CONFIDENTIAL.isdisjoint(r) for r in rows)
    assert "Supplier CAM" not in everything.text and "electricity_kwh_per_kg" not in everything.text

    approved = ok(client.get("/declarations", headers=regulator, params={"state": "approved"}))
    assert [(r["product"], r["manufacturer"], r["verifier"], r["chemistry"], r["region"], r["year"]) for r in approved] == [("NCM pack", "Cell Co", "Verify Co", "NCM811", "HU", 2023)]  # fmt: skip
    ncm_calc = declared["NCM pack"][0]
    # A declared figure is shown where it is public by law: once a passport was issued from it.
    assert [(r["declared_publicly"], r["total_kgco2e_per_kwh"], r["primary_share"]) for r in rows] == [(False, None, None)] * 2  # fmt: skip
    ok(client.post("/passports", headers=cell, json=passport_request(ncm_calc["id"])), 201)
    approved = ok(client.get("/declarations", headers=regulator, params={"state": "approved"}))
    assert approved[0]["declared_publicly"] is True
    assert approved[0]["total_kgco2e_per_kwh"] == ncm_calc["total_kgco2e_per_kwh"]
    assert (
        approved[0]["calculation_digest"] == ncm_calc["digest"] and approved[0]["primary_share"] > 0
    )
    assert [r["product"] for r in ok(client.get("/declarations", headers=regulator, params={"chemistry": "LFP", "state": "submitted"}))] == ["LFP pack"]  # fmt: skip
    assert [r["product"] for r in ok(client.get("/declarations", headers=regulator, params={"year": 2024}))] == ["LFP pack"]  # fmt: skip
    assert ok(client.get("/declarations", headers=regulator, params={"region": "CN"})) == []
    assert len(ok(client.get("/declarations", headers=regulator, params={"manufacturer_org_id": p["cell"]["org"], "limit": 1}))) == 1  # fmt: skip

    for party in (cell, cam, verifier):
        assert client.get("/declarations", headers=party).status_code == 403
