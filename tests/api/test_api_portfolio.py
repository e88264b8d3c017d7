"""Flagged-dataset decision, revision, release activation and portfolio recompute over HTTP."""

from __future__ import annotations

from fastapi.testclient import TestClient
from test_api_chain import CAM, DESIGN, ok, setup_chain


def test_flagged_revised_release_activated_and_portfolio_recomputed(client: TestClient) -> None:
    p = setup_chain(client)
    cam, cell, verifier, admin = (p[k]["auth"] for k in ("cam", "cell", "verifier", "admin"))
    flagged = ok(client.post("/datasets", headers=cam, json={**CAM, "value": 400}), 201)
    assert flagged["status"] == "flagged"
    alert_id = flagged["alerts"][0]["id"]
    ok(client.post(f"/alerts/{alert_id}/assignment", headers=cam, json={"verifier_org_id": p["verifier"]["org"]}))  # fmt: skip
    rejected = ok(client.post(f"/datasets/{flagged['id']}/decision", headers=verifier, json={"decision": "reject", "note": "Unit slip: g, not kg."}))  # fmt: skip
    assert rejected["status"] == "rejected" and rejected["alerts"][0]["resolution"] == "confirmed"
    revised = ok(client.post(f"/datasets/{flagged['id']}/revisions", headers=cam, json=CAM), 201)
    assert revised["status"] == "approved" and revised["supersedes_id"] == flagged["id"]
    ok(client.post(f"/datasets/{revised['id']}/grants", headers=cam, json={"organization_id": p["cell"]["org"]}), 201)  # fmt: skip

    product = ok(client.post("/products", headers=cell, json={"name": "EV pack", "design": DESIGN}), 201)  # fmt: skip
    calc = ok(client.post("/calculations", headers=cell, json={"design_version_id": product["designs"][0]["id"]}), 201)  # fmt: skip
    assert calc["result"]["supplier_datasets"][0]["dataset_id"] == revised["id"]
    assert client.post("/factor-releases/whitepaper-2023/activation", headers=cell).status_code == 403  # fmt: skip
    assert ok(client.post("/factor-releases/whitepaper-2023/activation", headers=admin))["is_active"]  # fmt: skip
    report = ok(client.post("/portfolio/recalculations", headers=cell, json={}))
    (change,) = report["changes"]
    assert change["status"] == "recomputed" and change["old_total_kgco2e_per_kwh"] == calc["total_kgco2e_per_kwh"]  # fmt: skip
    assert change["new_release"] == "whitepaper-2023"
    assert ok(client.get(f"/calculations/{change['new_calculation_id']}", headers=cell))["factor_release"] == "whitepaper-2023"  # fmt: skip
