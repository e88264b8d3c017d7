"""Flagged-dataset decision, revision, release activation and portfolio recompute (a background
job: 202, then GET /jobs/{id}) over HTTP."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from test_api_chain import CAM, WITH_CAM_SUPPLIER, ok, setup_chain


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

    product = ok(client.post("/products", headers=cell, json={"name": "EV pack", "design": WITH_CAM_SUPPLIER}), 201)  # fmt: skip
    calc = ok(client.post("/calculations", headers=cell, json={"design_version_id": product["designs"][0]["id"]}), 201)  # fmt: skip
    assert calc["result"]["supplier_datasets"][0]["dataset_id"] == revised["id"]
    assert client.post("/factor-releases/whitepaper-2023/activation", headers=cell).status_code == 403  # fmt: skip
    assert ok(client.post("/factor-releases/whitepaper-2023/activation", headers=admin))["is_active"]  # fmt: skip
    response = client.post("/portfolio/recalculations", headers=cell, json={})
    job = ok(response, 202)
    assert job["kind"] == "portfolio.recompute" and job["state"] in ("queued", "running", "succeeded")  # fmt: skip
    assert response.headers["location"] == f"/jobs/{job['id']}"
    client.app.state.jobs.wait(uuid.UUID(job["id"]), 300)  # type: ignore[attr-defined]
    done = ok(client.get(f"/jobs/{job['id']}", headers=cell))
    assert done["state"] == "succeeded" and (done["done"], done["total"], done["progress"]) == (1, 1, 1.0)  # fmt: skip
    assert [j["id"] for j in ok(client.get("/jobs", headers=cell))] == [job["id"]]
    # Another organization's job does not exist for the verifier (nor its report).
    assert client.get(f"/jobs/{job['id']}", headers=verifier).status_code == 404
    assert ok(client.get("/jobs", headers=verifier)) == []
    report = done["result"]
    (change,) = report["changes"]
    assert change["status"] == "recomputed" and change["old_total_kgco2e_per_kwh"] == calc["total_kgco2e_per_kwh"]  # fmt: skip
    assert change["new_release"] == "whitepaper-2023"
    assert ok(client.get(f"/calculations/{change['new_calculation_id']}", headers=cell))["factor_release"] == "whitepaper-2023"  # fmt: skip
    # A refused recomputation stores no job and says why at once.
    assert client.post("/portfolio/recalculations", headers=cam, json={}).status_code == 403
    missing = client.post(
        "/portfolio/recalculations", headers=cell, json={"factor_release": "nope"}
    )
    assert missing.status_code == 404 and "factor_release" in missing.text
    assert len(ok(client.get("/jobs", headers=cell))) == 1
