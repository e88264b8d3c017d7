"""The PACT v3 client against this platform's own host, served by uvicorn over HTTPS in a thread
(self-signed certificate made here): token by HTTP Basic, ListFootprints pages followed by their
``Link: rel="next"``, each footprint checked against the v3 schema and stored as a supplier
dataset, all or none; and RequestFulfilled / RequestRejected events on ``POST /3/events``."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from api_support import ADMIN_PASSWORD
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from test_api_pact import DESIGN, PASSWORD, login, ok, pact_error
from tls_support import free_port, self_signed

from batterycarbon.errors import InputError
from batterycarbon.services.pact_client import (
    PactHost,
    PulledFootprint,
    import_footprints,
    pull_and_import,
)
from batterycarbon.store import AuditEvent, SupplierDataset, session_factory

CLOUD = {"Content-Type": "application/cloudevents+json; charset=UTF-8"}


@contextmanager
def served(app: FastAPI, folder: Path) -> Iterator[tuple[str, Path]]:
    """``app`` over HTTPS on a free port in a thread; its base URL and the CA file to trust."""
    cert, key = self_signed(folder)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning", ssl_certfile=str(cert), ssl_keyfile=str(key))  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    try:
        yield f"https://127.0.0.1:{port}", cert
    finally:
        server.should_exit = True
        thread.join(10)


def setup(client: TestClient) -> dict[str, Any]:
    """Cell Co (manufacturer and supplier): Pack A with two calculations, Pack B with one, an
    API client; Other Co (supplier) and Car Co (an OEM, no supplier role)."""
    admin = login(client, "root", ADMIN_PASSWORD)
    w: dict[str, Any] = {"calcs": []}
    for key, name, roles in (("cell", "Cell Co", ["manufacturer", "supplier"]), ("other", "Other Co", ["supplier"]), ("car", "Car Co", ["oem"])):  # fmt: skip
        org = ok(client.post("/organizations", headers=admin, json={"name": name, "roles": roles}), 201)  # fmt: skip
        ok(client.post("/users", headers=admin, json={"organization_id": org["id"], "username": key, "password": PASSWORD}), 201)  # fmt: skip
        created = ok(client.post("/api-clients", headers=admin, json={"organization_id": org["id"], "name": f"{name} PACT"}), 201)  # fmt: skip
        w[key] = {"org": org["id"], "client_id": created["client_id"], "secret": created["client_secret"]}  # fmt: skip
    cell = login(client, "cell", PASSWORD)
    for name, count in (("Pack A", 2), ("Pack B", 1)):
        product = ok(client.post("/products", headers=cell, json={"name": name, "design": DESIGN}), 201)  # fmt: skip
        w[name] = f"urn:uuid:{product['id']}"
        version_id = product["designs"][0]["id"]
        for i in range(count):
            if i:  # identical inputs are not stored twice: another version of the design
                version_id = ok(
                    client.post(
                        f"/products/{product['id']}/designs",
                        headers=cell,
                        json={"design": {**DESIGN, "pack": {"cells": 160 + i}}},
                    ),
                    201,
                )["id"]
            w["calcs"].append(
                ok(
                    client.post(
                        "/calculations", headers=cell, json={"design_version_id": version_id}
                    ),
                    201,
                )["id"]
            )
    return w


def datasets(client: TestClient) -> list[SupplierDataset]:
    with session_factory(client.app.state.engine)() as session:  # type: ignore[attr-defined]
        return list(session.scalars(select(SupplierDataset).order_by(SupplierDataset.created_at)))


def expected_dataset(footprint: dict[str, Any]) -> tuple[float, float]:
    """kg CO2e per kg of product and the mean DQR, from the footprint's own fields."""
    pcf = footprint["pcf"]
    per_kg = Decimal(pcf["pcfExcludingBiogenicUptake"]) / Decimal(pcf["declaredUnitAmount"]) / Decimal(pcf["productMassPerDeclaredUnit"])  # fmt: skip
    ratings = [Decimal(v) for v in pcf["dqi"].values()]
    return float(per_kg), round(float(sum(ratings) / len(ratings)), 3)


def test_pull_follows_pages_and_stores_each_footprint_once(client: TestClient, tmp_path: Path) -> None:  # fmt: skip
    w = setup(client)
    cell = w["cell"]
    flows = {w["Pack A"]: "cam_ncm811", w["Pack B"]: "cam_ncm811"}
    app: FastAPI = client.app  # type: ignore[assignment]
    with served(app, tmp_path) as (base, ca), session_factory(app.state.engine)() as session:
        host = PactHost(base, f"{base}/auth/token", cell["client_id"], cell["secret"], str(ca), page_limit=2)  # fmt: skip
        report = pull_and_import(session, host, flows)
        # Without trusting the self-signed certificate the client refuses the host.
        untrusted = PactHost(base, f"{base}/auth/token", cell["client_id"], cell["secret"])
        with pytest.raises(Exception, match="cannot connect"):
            pull_and_import(session, untrusted, flows)
        again = pull_and_import(session, host, flows)

    listed = ok(client.get("/3/footprints", headers={"Authorization": "Bearer " + ok(client.post("/auth/token", data={"grant_type": "client_credentials"}, auth=(cell["client_id"], cell["secret"])))["access_token"]}))["data"]  # fmt: skip
    by_id = {f["id"]: f for f in listed}
    assert [d.footprint_id for d in report.datasets] == w["calcs"] and report.stored == 3
    rows = datasets(client)
    assert len(rows) == 3
    for row, imported in zip(rows, report.datasets, strict=True):
        footprint = by_id[imported.footprint_id]
        per_kg, dqr = expected_dataset(footprint)
        assert row.id == imported.dataset_id and str(row.owner_org_id) == cell["org"]
        assert row.flow == "cam_ncm811" and row.unit == "kg CO2e / kg"
        assert row.value == pytest.approx(per_kg, rel=1e-12) and row.dqr == dqr
        assert row.region == footprint["pcf"]["geographyCountry"] and row.year == 2023
        assert row.activity_data["pact_footprint_id"] == imported.footprint_id
        assert row.evidence == [f"PACT v3 ProductFootprint {base}/3/footprints/{imported.footprint_id}"]  # fmt: skip
        assert row.status == imported.status and row.status in ("approved", "flagged")
    # The second run finds every footprint already stored with the same figures.
    assert again.stored == 0 and {d.status for d in again.datasets} == {"unchanged"}
    assert [d.dataset_id for d in again.datasets] == [d.dataset_id for d in report.datasets]
    assert len(datasets(client)) == 3


def test_pull_is_all_or_nothing_and_names_each_footprint(client: TestClient, tmp_path: Path) -> None:  # fmt: skip
    w = setup(client)
    cell = w["cell"]
    app: FastAPI = client.app  # type: ignore[assignment]
    with served(app, tmp_path) as (base, ca), session_factory(app.state.engine)() as session:
        host = PactHost(base, f"{base}/auth/token", cell["client_id"], cell["secret"], str(ca), page_limit=2)  # fmt: skip
        # Pack B has no flow: its footprint is named, and Pack A's are not stored either.
        with pytest.raises(InputError) as unmapped:
            pull_and_import(session, host, {w["Pack A"]: "cam_ncm811"})
        assert [p.split(":")[0] for p in unmapped.value.problems] == [f"footprint {w['calcs'][2]}"]
        assert "productIds" in unmapped.value.problems[0]
        # Stored for another organization: every footprint refused, by its id.
        with pytest.raises(InputError) as foreign:
            pull_and_import(session, host, {w["Pack A"]: "cam_ncm811", w["Pack B"]: "cam_ncm811"}, as_name="other")  # fmt: skip
        assert len(foreign.value.problems) == 3 and all("Other Co" in p for p in foreign.value.problems)  # fmt: skip
        # A flow the library does not have.
        with pytest.raises(InputError) as unknown:
            pull_and_import(session, host, {w["Pack A"]: "unobtainium", w["Pack B"]: "cam_ncm811"})
        assert sum("flow: 'unobtainium'" in p for p in unknown.value.problems) == 2
        # Wrong client secret: the token endpoint's refusal, nothing pulled.
        wrong = PactHost(base, f"{base}/auth/token", cell["client_id"], "wrong", str(ca))
        with pytest.raises(Exception, match="invalid_client"):
            pull_and_import(session, wrong, {})
        # --as names nothing known.
        with pytest.raises(InputError, match="--as"):
            pull_and_import(session, host, {}, as_name="nobody at all")
    assert datasets(client) == []


def test_schema_invalid_footprint_is_named_with_its_field(client: TestClient) -> None:
    w = setup(client)
    auth = {"Authorization": "Bearer " + ok(client.post("/auth/token", data={"grant_type": "client_credentials"}, auth=(w["cell"]["client_id"], w["cell"]["secret"])))["access_token"]}  # fmt: skip
    good, other = ok(client.get("/3/footprints", headers=auth))["data"][:2]
    broken = json.loads(json.dumps(other))
    del broken["pcf"]["declaredUnitOfMeasurement"]
    broken["pcf"]["pcfExcludingBiogenicUptake"] = 12.5  # a number, not a decimal string
    with session_factory(client.app.state.engine)() as session, pytest.raises(InputError) as caught:  # type: ignore[attr-defined]
        import_footprints(session, [PulledFootprint("a", good), PulledFootprint("b", broken)], {w["Pack A"]: "cam_ncm811"})  # fmt: skip
    problems = caught.value.problems
    assert all(p.startswith(f"footprint {other['id']}: pcf") for p in problems), problems
    assert any("declaredUnitOfMeasurement" in p for p in problems)
    assert any("pcfExcludingBiogenicUptake" in p for p in problems)
    assert datasets(client) == []


def event(kind: str, data: dict[str, Any]) -> str:
    return json.dumps({"type": kind, "specversion": "1.0", "id": f"ev-{kind[-12:]}", "source": "//supplier.example/3/events", "time": "2025-03-05T17:31:00Z", "data": data})  # fmt: skip


def test_fulfilled_event_stores_the_senders_footprints(client: TestClient) -> None:
    w = setup(client)

    def token(key: str) -> dict[str, str]:
        basic = base64.b64encode(f"{w[key]['client_id']}:{w[key]['secret']}".encode()).decode()
        body = ok(client.post("/auth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"}))  # fmt: skip
        return {"Authorization": f"Bearer {body['access_token']}", **CLOUD}

    cell, other = token("cell"), token("other")
    footprint = ok(client.get(f"/3/footprints/{w['calcs'][0]}", headers=cell))["data"]
    # The data owner classifies the footprint with the library flow it stands for.
    classified = {**footprint, "productClassifications": [*footprint["productClassifications"], "urn:batterycarbon:flow:cam_ncm811"]}  # fmt: skip
    fulfilled = "org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3"

    # Someone else's footprint: refused, named, nothing stored.
    message = pact_error(client.post("/3/events", headers=other, content=event(fulfilled, {"requestEventId": "req-1", "pfs": [classified]})), 400, "BadRequest")  # fmt: skip
    assert f"footprint {footprint['id']}: companyIds" in message and "Other Co" in message
    # Without a flow classification: refused, named.
    message = pact_error(client.post("/3/events", headers=cell, content=event(fulfilled, {"requestEventId": "req-1", "pfs": [footprint]})), 400, "BadRequest")  # fmt: skip
    assert f"footprint {footprint['id']}: productIds" in message
    pact_error(client.post("/3/events", headers=cell, content=event(fulfilled, {"pfs": [classified]})), 400, "BadRequest")  # fmt: skip
    assert datasets(client) == []

    response = client.post("/3/events", headers=cell, content=event(fulfilled, {"requestEventId": "req-1", "pfs": [classified]}))  # fmt: skip
    assert response.status_code == 200 and response.content == b""
    (row,) = datasets(client)
    assert str(row.owner_org_id) == w["cell"]["org"] and row.flow == "cam_ncm811"
    assert row.value == pytest.approx(expected_dataset(footprint)[0], rel=1e-12)
    assert row.evidence == [f"PACT v3 ProductFootprint event ev-{fulfilled[-12:]} from //supplier.example/3/events"]  # fmt: skip

    rejected = "org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3"
    assert client.post("/3/events", headers=cell, content=event(rejected, {"requestEventId": "req-2", "error": {"code": "NotFound", "message": "no such product"}})).status_code == 200  # fmt: skip
    assert "data.error" in pact_error(client.post("/3/events", headers=cell, content=event(rejected, {"requestEventId": "req-2"})), 400, "BadRequest")  # fmt: skip
    with session_factory(client.app.state.engine)() as session:  # type: ignore[attr-defined]
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "pact_event").order_by(AuditEvent.seq)).all()  # fmt: skip
        assert actions == ["pact.request_fulfilled_received", "pact.request_rejected_received"]
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "dataset.submitted")) == 1  # fmt: skip


def test_a_foreign_footprint_is_named_by_an_excerpt_of_its_company_ids(client: TestClient) -> None:
    w = setup(client)
    auth = {"Authorization": "Bearer " + ok(client.post("/auth/token", data={"grant_type": "client_credentials"}, auth=(w["cell"]["client_id"], w["cell"]["secret"])))["access_token"]}  # fmt: skip
    footprint = json.loads(json.dumps(ok(client.get("/3/footprints", headers=auth))["data"][0]))
    footprint["companyIds"] = [f"urn:example:nobody-{i}" for i in range(10_000)]
    footprint["companyName"] = "Nobody Ltd"
    with session_factory(client.app.state.engine)() as session, pytest.raises(InputError) as caught:  # type: ignore[attr-defined]
        import_footprints(session, [PulledFootprint("a", footprint)], {w["Pack A"]: "cam_ncm811"})
    (problem,) = caught.value.problems
    assert "companyIds" in problem and "(length 10000)" in problem and len(problem) < 400, problem
