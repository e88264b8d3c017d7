"""Data requests, complaints, the regulator's view and statistics over HTTP."""

from __future__ import annotations

from fastapi.testclient import TestClient
from test_api_chain import CAM, ok, setup_chain


def test_request_complaint_and_regulator_view(client: TestClient) -> None:
    p = setup_chain(client)
    cam, cell, regulator = (p[k]["auth"] for k in ("cam", "cell", "regulator"))
    asked = ok(client.post("/data-requests", headers=cell, json={"supplier_org_id": p["cam"]["org"], "flow": "cam_ncm811", "year": 2023}), 201)  # fmt: skip
    assert ok(client.get("/data-requests", headers=cam, params={"direction": "incoming", "status": "open"}))[0]["id"] == asked["id"]  # fmt: skip
    assert client.get(f"/data-requests/{asked['id']}", headers=regulator).status_code == 404
    dataset = ok(client.post("/datasets", headers=cam, json=CAM), 201)
    done = ok(client.post(f"/data-requests/{asked['id']}/fulfil", headers=cam, json={"dataset_id": dataset["id"]}))  # fmt: skip
    assert done["status"] == "fulfilled"
    assert ok(client.get(f"/datasets/{dataset['id']}", headers=cell))["value"] == CAM["value"]
    bad = ok(client.post("/data-requests", headers=cell, json={"supplier_org_id": p["cam"]["org"], "flow": "CAM NCM"}), 422)  # fmt: skip
    assert bad["errors"][0]["field"] == "flow"

    complaint = ok(client.post("/complaints", headers=cell, json={"subject_type": "dataset", "subject_id": dataset["id"], "text": "Electricity looks too low."}), 201)  # fmt: skip
    assert ok(client.get(f"/complaints/{complaint['id']}", headers=cam))["complainant_org_id"] is None  # fmt: skip
    view = ok(client.get("/oversight", headers=regulator))
    assert [c["id"] for c in view["open_complaints"]] == [complaint["id"]]
    assert client.get("/oversight", headers=cam).status_code == 403
    resolved = ok(client.post(f"/complaints/{complaint['id']}/resolution", headers=regulator, json={"outcome": "dismissed", "note": "Evidence checked."}))  # fmt: skip
    assert resolved["status"] == "dismissed"
    stats = ok(client.get("/statistics/footprints", headers=regulator))
    assert (stats["groups"], stats["suppressed_groups"], stats["min_organizations"]) == ([], 0, 5)
    assert "Statistical Disclosure Control" in stats["method"]
    assert client.get("/statistics/footprints", headers=cell).status_code == 403
