"""Issue 13 §5 over HTTP: two suppliers of the same material with different figures; the design
names which one is used; switching to the other or to the library changes the result; a
fulfilled request with a newer dataset flags the calculation, and recalculating uses it."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from test_api_chain import CAM, DESIGN, login, ok, setup_chain

PASSWORD = "a long test passphrase"  # test-only credential, as in test_api_chain


def named(supplier: str | None) -> dict[str, Any]:
    return {
        **DESIGN,
        "year": 2024,
        "supply": {"cathode_active_material": {"supplier": supplier} if supplier else "library"},
    }


def test_the_design_chooses_the_supplier_and_newer_data_is_flagged(client: TestClient) -> None:
    p = setup_chain(client)
    cam, cell, admin = p["cam"]["auth"], p["cell"]["auth"], p["admin"]["auth"]
    org = ok(
        client.post(
            "/organizations",
            headers=admin,
            json={"name": "Second Cathode Co", "roles": ["supplier"]},
        ),
        201,
    )
    ok(
        client.post(
            "/users",
            headers=admin,
            json={"organization_id": org["id"], "username": "cam2", "password": PASSWORD},
        ),
        201,
    )
    cam2 = login(client, "cam2")
    ids = {}
    for auth, key, value in ((cam, "first", 27.9), (cam2, "second", 24.0)):
        dataset = ok(client.post("/datasets", headers=auth, json={**CAM, "value": value}), 201)
        ok(
            client.post(
                f"/datasets/{dataset['id']}/grants",
                headers=auth,
                json={"organization_id": p["cell"]["org"]},
            ),
            201,
        )
        ids[key] = dataset["id"]

    product = ok(
        client.post(
            "/products", headers=cell, json={"name": "EV pack", "design": named("Cathode Co")}
        ),
        201,
    )
    first = ok(
        client.post(
            "/calculations", headers=cell, json={"design_version_id": product["designs"][0]["id"]}
        ),
        201,
    )
    assert [d["dataset_id"] for d in first["result"]["supplier_datasets"]] == [ids["first"]]
    assert first["already_stored"] is False and first["primary_share"] > 0

    totals = {"Cathode Co": first["total_kgco2e_per_kwh"]}
    for supplier in ("Second Cathode Co", None):
        version = ok(
            client.post(
                f"/products/{product['id']}/designs", headers=cell, json={"design": named(supplier)}
            ),
            201,
        )
        calc = ok(
            client.post("/calculations", headers=cell, json={"design_version_id": version["id"]}),
            201,
        )
        used = [d["dataset_id"] for d in calc["result"]["supplier_datasets"]]
        assert used == ([ids["second"]] if supplier else [])
        totals[supplier or "library"] = calc["total_kgco2e_per_kwh"]
    assert totals["Second Cathode Co"] < totals["Cathode Co"]
    assert len(set(totals.values())) == 3

    # Back on the first supplier's design: a 2024 dataset answers a data request.
    v1 = product["designs"][0]["id"]
    asked = ok(
        client.post(
            "/data-requests",
            headers=cell,
            json={
                "supplier_org_id": p["cam"]["org"],
                "flow": "cam_ncm811",
                "region": "KR",
                "year": 2024,
            },
        ),
        201,
    )
    newer = ok(
        client.post("/datasets", headers=cam, json={**CAM, "year": 2024, "value": 26.5}), 201
    )
    ok(
        client.post(
            f"/data-requests/{asked['id']}/fulfil", headers=cam, json={"dataset_id": newer["id"]}
        )
    )
    changes = ok(client.get(f"/calculations/{first['id']}/changes", headers=cell))["newer_data"]
    assert any(newer["id"] in line and "cathode_active_material" in line for line in changes), (
        changes
    )
    again = ok(client.post("/calculations", headers=cell, json={"design_version_id": v1}), 201)
    assert [d["dataset_id"] for d in again["result"]["supplier_datasets"]] == [newer["id"]]
    assert again["result"]["supplier_datasets"][0]["year"] == 2024
    assert again["total_kgco2e_per_kwh"] < first["total_kgco2e_per_kwh"]
    # Identical inputs: the stored calculation, no second row.
    same = ok(client.post("/calculations", headers=cell, json={"design_version_id": v1}), 201)
    assert (same["id"], same["already_stored"]) == (again["id"], True)
    listed = ok(client.get("/calculations", headers=cell, params={"product_id": product["id"]}))
    assert len(listed) == 4

    refused = client.post(
        "/calculations",
        headers=cell,
        json={"design_version_id": v1, "dataset_ids": [ids["second"]]},
    )
    assert refused.status_code == 422 and "dataset_ids" in refused.text
