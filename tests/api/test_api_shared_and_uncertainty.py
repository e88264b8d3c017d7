"""A customer's list of the footprints shared with it, and a larger Monte Carlo of a stored
calculation as a background job, over HTTP (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from api_support import ADMIN_PASSWORD
from fastapi.testclient import TestClient
from test_api_chain import DESIGN, PASSWORD, login, ok, setup_chain


def with_customer(client: TestClient, parties: dict[str, dict[str, Any]]) -> dict[str, Any]:
    admin = login(client, "root", ADMIN_PASSWORD)
    org = ok(client.post("/organizations", headers=admin, json={"name": "Car Co", "roles": ["oem"]}), 201)  # fmt: skip
    ok(client.post("/users", headers=admin, json={"organization_id": org["id"], "username": "oem", "password": PASSWORD}), 201)  # fmt: skip
    return {"org": org["id"], "auth": login(client, "oem")}


def a_calculation(client: TestClient, cell: dict[str, str]) -> dict[str, Any]:
    product = ok(client.post("/products", headers=cell, json={"name": "EV pack", "design": DESIGN}), 201)  # fmt: skip
    return ok(client.post("/calculations", headers=cell, json={"design_version_id": product["designs"][0]["id"]}), 201)  # type: ignore[no-any-return]  # fmt: skip


def test_a_customer_lists_what_is_shared_with_it_until_revoked(client: TestClient) -> None:
    p = setup_chain(client)
    cell = p["cell"]["auth"]
    customer = with_customer(client, p)
    calc = a_calculation(client, cell)
    assert ok(client.get("/shared-calculations", headers=customer["auth"])) == []

    ok(client.post(f"/calculations/{calc['id']}/grants", headers=cell, json={"organization_id": customer["org"]}), 201)  # fmt: skip
    response = client.get("/shared-calculations", headers=customer["auth"])
    (shared,) = ok(response)
    assert response.headers["x-total-count"] == "1"
    assert shared["id"] == calc["id"] and shared["manufacturer"] == "Cell Co"
    assert shared["total_kgco2e_per_kwh"] == pytest.approx(calc["total_kgco2e_per_kwh"])
    assert "design" not in shared and "result" not in shared  # declared figures only
    # The maker shares nothing with itself; other organizations see nothing.
    assert ok(client.get("/shared-calculations", headers=cell)) == []
    assert ok(client.get("/shared-calculations", headers=p["verifier"]["auth"])) == []

    ok(client.delete(f"/calculations/{calc['id']}/grants/{customer['org']}", headers=cell))
    assert ok(client.get("/shared-calculations", headers=customer["auth"])) == []


def test_a_larger_monte_carlo_runs_as_a_job_of_the_maker(client: TestClient) -> None:
    p = setup_chain(client)
    cell = p["cell"]["auth"]
    customer = with_customer(client, p)
    calc = a_calculation(client, cell)
    ok(client.post(f"/calculations/{calc['id']}/grants", headers=cell, json={"organization_id": customer["org"]}), 201)  # fmt: skip

    response = client.post(f"/calculations/{calc['id']}/uncertainty", headers=cell, json={"runs": 2000, "seed": 5})  # fmt: skip
    job = ok(response, 202)
    assert job["kind"] == "calculation.uncertainty"
    assert response.headers["location"] == f"/jobs/{job['id']}"
    client.app.state.jobs.wait(uuid.UUID(job["id"]), 300)  # type: ignore[attr-defined]
    done = ok(client.get(f"/jobs/{job['id']}", headers=cell))
    assert done["state"] == "succeeded", done
    report = done["result"]
    assert (report["runs"], report["seed"]) == (2000, 5)
    total = report["total"]
    assert total["deterministic"] == pytest.approx(calc["total_kgco2e_per_kwh"], rel=1e-9)
    assert total["p2_5"] < total["median"] < total["p97_5"]

    jobs_before = len(ok(client.get("/jobs", headers=cell)))
    bad = client.post(f"/calculations/{calc['id']}/uncertainty", headers=cell, json={"runs": 5})
    assert bad.status_code == 422 and "runs" in bad.text
    # A customer reads the declared figures but runs nothing on them; a stranger is told no.
    assert client.post(f"/calculations/{calc['id']}/uncertainty", headers=customer["auth"], json={}).status_code == 404  # fmt: skip
    assert client.post(f"/calculations/{calc['id']}/uncertainty", headers=p["cam"]["auth"], json={}).status_code == 404  # fmt: skip
    assert len(ok(client.get("/jobs", headers=cell))) == jobs_before
