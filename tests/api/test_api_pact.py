"""The PACT v3 host, written from the specification's REST API text (wbcsd/data-exchange-protocol
spec/v3/rest-api.md and openapi.yaml): client-credentials token, ListFootprints with ``limit``
and an RFC 8288 ``Link: <...>; rel="next"`` followed to the end, GetFootprint, the error
responses ``{"code", "message"}`` and the Events action."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest
from api_support import ADMIN_PASSWORD
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator
from sqlalchemy import select

import batterycarbon.compliance as compliance_package
from batterycarbon.api.tokens import issue_token
from batterycarbon.store import AuditEvent, session_factory

PASSWORD = "a long test passphrase"  # test-only credential
SCHEMA = Path(compliance_package.__file__).parent / "data" / "pact-3" / "product-footprint.schema.json"  # fmt: skip
DESIGN = {
    "chemistry": "NCM811", "format": "prismatic", "pack": {"cells": 162},
    "cell": {"capacity_ah": 100, "nominal_voltage_v": 3.7}, "year": 2023,
    "plants": {"precursor": "CN", "cathode": "KR", "anode": "CN", "cell": "HU", "pack": "DE"},
}  # fmt: skip
LINK = re.compile(r'^<(?P<url>[^>]+)>; rel="next"$')


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def login(client: TestClient, username: str, password: str) -> dict[str, str]:
    token = ok(client.post("/auth/token", data={"grant_type": "password", "username": username, "password": password}))  # fmt: skip
    return {"Authorization": f"Bearer {token['access_token']}"}


def pact_error(response: Any, status: int, code: str) -> str:
    """The message of a PACT error response after checking its status, shape and code."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message"} and body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    return str(body["message"])


def setup(client: TestClient) -> dict[str, Any]:
    """Cell Co (two products, three calculations, an API client) and Other Co (one calculation)."""
    admin = login(client, "root", ADMIN_PASSWORD)
    world: dict[str, Any] = {}
    for key, name in (("cell", "Cell Co"), ("other", "Other Co")):
        org = ok(client.post("/organizations", headers=admin, json={"name": name, "roles": ["manufacturer"]}), 201)  # fmt: skip
        ok(client.post("/users", headers=admin, json={"organization_id": org["id"], "username": key, "password": PASSWORD}), 201)  # fmt: skip
        world[key] = {"org": org["id"], "auth": login(client, key, PASSWORD), "calcs": []}
    for key, products in (("cell", {"Pack A": 2, "Pack B": 1}), ("other", {"Pack Z": 1})):
        auth = world[key]["auth"]
        for name, count in products.items():
            design = {**DESIGN, "plants": {**DESIGN["plants"], "cell": "KR" if name == "Pack B" else "HU"}}  # fmt: skip
            product = ok(client.post("/products", headers=auth, json={"name": name, "design": design}), 201)  # fmt: skip
            world[key][name] = product["id"]
            version_id = product["designs"][0]["id"]
            for i in range(count):
                if i:  # identical inputs are not stored twice: another version of the design
                    version_id = ok(
                        client.post(
                            f"/products/{product['id']}/designs",
                            headers=auth,
                            json={"design": {**design, "pack": {"cells": 160 + i}}},
                        ),
                        201,
                    )["id"]
                calc = ok(
                    client.post(
                        "/calculations", headers=auth, json={"design_version_id": version_id}
                    ),
                    201,
                )
                world[key]["calcs"].append(calc)
    created = ok(client.post("/api-clients", headers=admin, json={"organization_id": world["cell"]["org"], "name": "OEM portal"}), 201)  # fmt: skip
    world["basic"] = base64.b64encode(f"{created['client_id']}:{created['client_secret']}".encode()).decode()  # fmt: skip
    return world


def client_token(client: TestClient, basic: str) -> dict[str, str]:
    response = client.post(
        "/auth/token", data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )  # fmt: skip
    body = ok(response)
    assert body["token_type"] == "bearer" and body["expires_in"] > 0
    return {"Authorization": f"Bearer {body['access_token']}"}


def follow(client: TestClient, url: str, auth: dict[str, str]) -> tuple[list[dict[str, Any]], int]:
    """Every footprint behind ``url``, following ``rel="next"`` links; and the page count."""
    footprints: list[dict[str, Any]] = []
    pages = 0
    next_url: str | None = url
    while next_url is not None:
        response = client.get(next_url, headers=auth)
        body = ok(response)
        pages += 1
        footprints.extend(body["data"])
        link = response.headers.get("link")
        if link is None:
            next_url = None
            continue
        match = LINK.match(link)
        assert match is not None, link
        next_url = match["url"]
        # Absolute, on the host the request named (RFC 8288 target IRI, spec: same host).
        assert next_url.startswith("http://testserver/3/footprints?"), next_url
        assert pages < 20, "pagination does not end"
    return footprints, pages


def test_token_list_paginate_get_and_validate(client: TestClient) -> None:
    world = setup(client)
    auth = client_token(client, world["basic"])
    mine = {c["id"]: c for c in world["cell"]["calcs"]}

    # limit=2 over three visible footprints: two pages, a Link on the first only.
    first = client.get("/3/footprints", params={"limit": 2}, headers=auth)
    assert len(ok(first)["data"]) == 2 and LINK.match(first.headers["link"])
    footprints, pages = follow(client, "/3/footprints?limit=2", auth)
    assert pages == 2
    assert [f["id"] for f in footprints] == [c["id"] for c in world["cell"]["calcs"]]
    # Without a limit everything fits one page: no Link header.
    unlimited = client.get("/3/footprints", headers=auth)
    assert "link" not in unlimited.headers and len(ok(unlimited)["data"]) == 3
    # A pagination link may be called again and gives the same footprints.
    link = LINK.match(first.headers["link"])
    assert link is not None
    again = [f["id"] for f in ok(client.get(link["url"], headers=auth))["data"]]
    assert again == [f["id"] for f in ok(client.get(link["url"], headers=auth))["data"]]

    validator = Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    for listed in footprints:
        got = ok(client.get(f"/3/footprints/{listed['id']}", headers=auth))
        assert set(got) == {"data"} and got["data"] == listed
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(listed)]
        assert errors == []
        calc = mine[listed["id"]]
        pcf = listed["pcf"]
        # Decimals travel as strings; the figure is the stored calculation's (whitepaper-c2g:
        # per kWh of capacity, cradle to gate), rounded to the export's 9 places.
        assert isinstance(pcf["pcfExcludingBiogenicUptake"], str)
        assert float(pcf["pcfExcludingBiogenicUptake"]) == pytest.approx(calc["total_kgco2e_per_kwh"], abs=1e-9)  # fmt: skip
        assert pcf["declaredUnitOfMeasurement"] == "kilowatt hour"
        assert listed["companyIds"] == [f"urn:uuid:{world['cell']['org']}"]
        assert listed["companyName"] == "Cell Co"
        # What the result rests on comes from the release and rule set, not a fixed AR5/ISO 14067
        extension = listed["extensions"][0]["data"]
        bases = extension["gwpBasisShares"]
        stored = calc["result"]
        # the default release holds no fitted factor (a nonzero share: test_fitted_share_outputs)
        assert stored["fitted_share"] == 0 and stored["fitted_factors"] == []
        assert extension["fittedShare"] == pytest.approx(stored["fitted_share"], abs=1e-6)
        assert extension["fittedFactors"] == stored["fitted_factors"]
        assert pcf["ipccCharacterizationFactors"] == [
            r for r in ("AR4", "AR5", "AR6") if r in bases
        ]
        assert len(pcf["ipccCharacterizationFactors"]) > 1
        assert pcf["crossSectoralStandards"] == ["ISO14040-44"]  # the white paper: ISO 14040/44


def test_another_organizations_footprint_is_no_such_footprint(client: TestClient) -> None:
    world = setup(client)
    auth = client_token(client, world["basic"])
    theirs = world["other"]["calcs"][0]["id"]
    message = pact_error(client.get(f"/3/footprints/{theirs}", headers=auth), 404, "NoSuchFootprint")  # fmt: skip
    assert theirs in message
    # Exactly the answer for an id that does not exist, so existence is not revealed.
    unknown = "5b0f0d53-8c8b-4f43-9c6e-2f7e9b1f6d11"
    pact_error(client.get(f"/3/footprints/{unknown}", headers=auth), 404, "NoSuchFootprint")
    pact_error(client.get("/3/footprints/not-a-uuid", headers=auth), 404, "NoSuchFootprint")
    listed = {f["id"] for f in ok(client.get("/3/footprints", headers=auth))["data"]}
    assert theirs not in listed and len(listed) == 3
    # The other organization's own user sees it.
    other = world["other"]["auth"]
    assert ok(client.get(f"/3/footprints/{theirs}", headers=other))["data"]["id"] == theirs


def test_filters(client: TestClient) -> None:
    world = setup(client)
    auth = client_token(client, world["basic"])
    cell = world["cell"]

    def ids(**params: Any) -> list[str]:
        return [f["id"] for f in ok(client.get("/3/footprints", params=params, headers=auth))["data"]]  # fmt: skip

    calcs = [c["id"] for c in cell["calcs"]]
    assert ids(productId=f"urn:uuid:{cell['Pack A']}") == calcs[:2]
    assert ids(productId=[f"urn:uuid:{cell['Pack A']}", f"urn:uuid:{cell['Pack B']}"]) == calcs
    assert ids(productId=f"urn:uuid:{world['other']['Pack Z']}") == []
    assert ids(companyId=f"urn:uuid:{cell['org']}") == calcs
    assert ids(companyId=f"urn:uuid:{world['other']['org']}") == []
    assert ids(geography="KR") == calcs[2:]
    assert ids(status="Active") == calcs and ids(status="Deprecated") == []
    listed = ok(client.get("/3/footprints", headers=auth))["data"]
    assert ids(classification=listed[0]["productClassifications"][0]) == calcs
    assert ids(classification="urn:pact:productclassification:un-cpc:1111") == []
    # Filters and limit together: the next link keeps the filter.
    pages = follow(client, f"/3/footprints?productId=urn:uuid:{cell['Pack A']}&limit=1", auth)
    assert [f["id"] for f in pages[0]] == calcs[:2] and pages[1] == 2

    assert "productId" in pact_error(client.get("/3/footprints", params={"productId": "gtin-123"}, headers=auth), 400, "BadRequest")  # fmt: skip
    assert "status" in pact_error(client.get("/3/footprints", params={"status": "Gone"}, headers=auth), 400, "BadRequest")  # fmt: skip
    assert "limit" in pact_error(client.get("/3/footprints", params={"limit": 0}, headers=auth), 400, "BadRequest")  # fmt: skip
    assert "limit" in pact_error(client.get("/3/footprints", params={"limit": "ten"}, headers=auth), 400, "BadRequest")  # fmt: skip
    assert "$filter" in pact_error(client.get("/3/footprints", params={"$filter": "companyName eq 'x'"}, headers=auth), 400, "NotImplemented")  # fmt: skip
    assert "validOn" in pact_error(client.get("/3/footprints", params={"validOn": "2025-01-01T00:00:00Z"}, headers=auth), 400, "NotImplemented")  # fmt: skip


def test_tokens_missing_invalid_expired(client: TestClient) -> None:
    world = setup(client)
    calc = world["cell"]["calcs"][0]["id"]
    assert "authorization" in pact_error(client.get("/3/footprints"), 400, "BadRequest")
    bad = {"Authorization": "Bearer invalid-access-token"}
    pact_error(client.get("/3/footprints", headers=bad), 400, "BadRequest")
    pact_error(client.get(f"/3/footprints/{calc}", headers=bad), 400, "BadRequest")
    app = client.app
    subject = f"client:{base64.b64decode(world['basic']).decode().split(':')[0]}"
    expired = issue_token(subject, app.state.signing_key, -10)  # type: ignore[attr-defined]
    stale = {"Authorization": f"Bearer {expired}"}
    pact_error(client.get("/3/footprints", headers=stale), 401, "TokenExpired")
    pact_error(client.post("/3/events", headers=stale, content=b"{}"), 401, "TokenExpired")
    # Wrong client secret at the token endpoint: refused (the platform's 401).
    wrong = base64.b64encode(b"bc_nobody:wrong").decode()
    response = client.post("/auth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {wrong}"})  # fmt: skip
    assert response.status_code == 401 and "access_token" not in response.json()


REQUEST_CREATED = {
    "type": "org.wbcsd.pathfinder.ProductFootprintRequest.Created.v1",
    "specversion": "1.0", "id": "848dcf00-2c18-400d-bcb8-11e45bbf7ebd",
    "source": "//buyer.example/pact", "time": "2025-01-31T17:31:00Z",
    "data": {"productId": ["urn:gtin:4712345060507"], "geography": ["DE"], "comment": "2024 figure please"},
}  # fmt: skip
PUBLISHED = {
    "type": "org.wbcsd.pathfinder.ProductFootprint.Published.v1", "specversion": "1.0",
    "id": "ev-2", "source": "//supplier.example/pact", "time": "2022-05-31T17:31:00Z",
    "data": {"pfIds": ["079e425a-464f-528d-341d-4a944a1dfd70"]},
}  # fmt: skip
CLOUD = {"Content-Type": "application/cloudevents+json; charset=UTF-8"}


def test_events(client: TestClient) -> None:
    world = setup(client)
    auth = {**client_token(client, world["basic"]), **CLOUD}

    for event in (REQUEST_CREATED, PUBLISHED):
        response = client.post("/3/events", headers=auth, content=json.dumps(event))
        assert response.status_code == 200 and response.content == b""
    with session_factory(client.app.state.engine)() as session:  # type: ignore[attr-defined]
        events = session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "pact_event").order_by(AuditEvent.seq)).all()  # fmt: skip
        assert [(e.action, e.entity_id) for e in events] == [
            ("pact.request_received", REQUEST_CREATED["id"]), ("pact.published_received", "ev-2"),
        ]  # fmt: skip

    def post(event: Any) -> Any:
        return client.post("/3/events", headers=auth, content=json.dumps(event))

    assert "source" in pact_error(post({k: v for k, v in PUBLISHED.items() if k != "source"}), 400, "BadRequest")  # fmt: skip
    assert "data.pfIds" in pact_error(post({**PUBLISHED, "data": {"pfIds": []}}), 400, "BadRequest")  # fmt: skip
    assert "data.productId" in pact_error(post({**REQUEST_CREATED, "data": {"productId": "x"}}), 400, "BadRequest")  # fmt: skip
    assert "productId" in pact_error(post({**REQUEST_CREATED, "data": {"productId": ["gtin"]}}), 400, "BadRequest")  # fmt: skip
    assert "time" in pact_error(post({**PUBLISHED, "time": "yesterday"}), 400, "BadRequest")
    assert "type" in pact_error(post({**PUBLISHED, "type": "com.example.Other"}), 400, "BadRequest")  # fmt: skip
    fulfilled = {**PUBLISHED, "type": "org.wbcsd.pathfinder.ProductFootprintRequest.Fulfilled.v1", "data": {"requestEventId": "x", "pfs": []}}  # fmt: skip
    assert "data.pfs" in pact_error(
        post(fulfilled), 400, "BadRequest"
    )  # a Fulfilled event must carry footprints
    pact_error(client.post("/3/events", headers=auth, content=b"{not json"), 400, "BadRequest")
    pact_error(client.post("/3/events", headers=CLOUD, content=json.dumps(PUBLISHED)), 400, "BadRequest")  # fmt: skip


def test_customer_client_gets_a_shared_footprint_until_revoked(client: TestClient) -> None:
    world = setup(client)
    admin, cell = login(client, "root", ADMIN_PASSWORD), world["cell"]["auth"]
    oem = ok(client.post("/organizations", headers=admin, json={"name": "Car Co", "roles": ["oem"]}), 201)  # fmt: skip
    created = ok(client.post("/api-clients", headers=admin, json={"organization_id": oem["id"], "name": "Car Co PACT client"}), 201)  # fmt: skip
    customer = client_token(client, base64.b64encode(f"{created['client_id']}:{created['client_secret']}".encode()).decode())  # fmt: skip
    shared, other = world["cell"]["calcs"][0], world["cell"]["calcs"][1]

    # Nothing shared yet: an empty list and NoSuchFootprint, as for an unknown id.
    assert ok(client.get("/3/footprints", headers=customer))["data"] == []
    pact_error(client.get(f"/3/footprints/{shared['id']}", headers=customer), 404, "NoSuchFootprint")  # fmt: skip

    # Only the maker shares; the customer itself cannot grant itself access.
    grant_body = {"organization_id": oem["id"]}
    assert client.post(f"/calculations/{shared['id']}/grants", headers=world["other"]["auth"], json=grant_body).status_code == 404  # fmt: skip
    grant = ok(client.post(f"/calculations/{shared['id']}/grants", headers=cell, json=grant_body), 201)  # fmt: skip
    assert grant["grantee_org_id"] == oem["id"] and grant["revoked_at"] is None
    assert [g["grantee"] for g in ok(client.get(f"/calculations/{shared['id']}/grants", headers=cell))] == ["Car Co"]  # fmt: skip

    got = ok(client.get(f"/3/footprints/{shared['id']}", headers=customer))["data"]
    assert got["id"] == shared["id"] and got["companyIds"] == [f"urn:uuid:{world['cell']['org']}"]
    assert float(got["pcf"]["pcfExcludingBiogenicUptake"]) == pytest.approx(shared["total_kgco2e_per_kwh"], abs=1e-9)  # fmt: skip
    errors = list(Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).iter_errors(got))  # fmt: skip
    assert errors == []
    # The list holds the shared footprint only, and the maker's own view is the same document.
    assert [f["id"] for f in ok(client.get("/3/footprints", headers=customer))["data"]] == [shared["id"]]  # fmt: skip
    assert ok(client.get(f"/3/footprints/{shared['id']}", headers=cell))["data"] == got
    pact_error(client.get(f"/3/footprints/{other['id']}", headers=customer), 404, "NoSuchFootprint")  # fmt: skip
    # Over the platform API the customer reads the declared figures, not the design.
    figures = ok(client.get(f"/calculations/{shared['id']}", headers=customer))
    assert figures["total_kgco2e_per_kwh"] == shared["total_kgco2e_per_kwh"]
    assert figures["stages_kgco2e_per_kwh"] == shared["result"]["stages"]
    assert "inputs" not in figures and "result" not in figures

    revoked = ok(client.delete(f"/calculations/{shared['id']}/grants/{oem['id']}", headers=cell))
    assert revoked["revoked_at"] is not None
    pact_error(client.get(f"/3/footprints/{shared['id']}", headers=customer), 404, "NoSuchFootprint")  # fmt: skip
    assert ok(client.get("/3/footprints", headers=customer))["data"] == []
    assert client.get(f"/calculations/{shared['id']}", headers=customer).status_code == 404
    assert client.delete(f"/calculations/{shared['id']}/grants/{oem['id']}", headers=cell).status_code == 404  # fmt: skip
