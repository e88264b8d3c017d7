"""Passports over HTTP (SQLite and PostgreSQL): issued by the maker, read without a token in the
public view only, with a token in the reader's view; QR code of the public URL; paged list."""

from __future__ import annotations

from typing import Any

import segno
from fastapi.testclient import TestClient
from passport_support import AUTHORITIES_ONLY, RESTRICTED, passport_request
from test_api_chain import ok, setup_chain
from test_api_shared_and_uncertainty import a_calculation, with_customer


def _restricted_absent(document: dict[str, Any], hidden: dict[str, tuple[str, ...]]) -> None:
    for aspect, attributes in hidden.items():
        for attribute in attributes:
            assert attribute not in document[aspect], f"{aspect}.{attribute} leaked"


def test_public_without_token_reader_view_with_one(client: TestClient) -> None:
    p = setup_chain(client)
    cell = p["cell"]["auth"]
    calc = a_calculation(client, cell)
    response = client.post("/passports", headers=cell, json=passport_request(calc["id"]))
    issued = ok(response, 201)
    assert issued["public_url"] == f"http://testserver/p/{issued['id']}"
    assert issued["access"] == "issuer" and issued["document"]["notProvided"] == []
    assert "batteryMaterials" in issued["document"]["MaterialComposition"]

    public = ok(client.get(f"/passports/{issued['id']}"))
    assert (public["view"], public["access"], public["calculation_id"]) == ("public", "public", None)  # fmt: skip
    _restricted_absent(public["document"], RESTRICTED)
    body = client.get(f"/passports/{issued['id']}").text
    for secret in ("batteryMaterials", "resultOfTestReport", "sparePartSources", "tests.pdf", calc["id"]):  # fmt: skip
        assert secret not in body, secret
    # A stranger's token (a supplier with no relation to the battery) sees the public view only.
    stranger = ok(client.get(f"/passports/{issued['id']}", headers=p["cam"]["auth"]))
    assert stranger["view"] == "public" and stranger["document"] == public["document"]
    assert client.get(f"/passports/{issued['id']}", headers={"Authorization": "Bearer nonsense"}).status_code == 401  # fmt: skip

    customer = with_customer(client, p)
    ok(client.post(f"/calculations/{calc['id']}/grants", headers=cell, json={"organization_id": customer["org"]}), 201)  # fmt: skip
    interested = ok(client.get(f"/passports/{issued['id']}", headers=customer["auth"]))
    assert (interested["view"], interested["access"]) == ("legitimate_interest", "customer")
    assert "batteryMaterials" in interested["document"]["MaterialComposition"]
    _restricted_absent(interested["document"], AUTHORITIES_ONLY)
    authority = ok(client.get(f"/passports/{issued['id']}", headers=p["regulator"]["auth"]))
    assert authority["view"] == "authorities"
    assert "resultOfTestReport" in authority["document"]["Labeling"]

    qr = client.get(f"/passports/{issued['id']}/qr.png")
    assert qr.status_code == 200 and qr.headers["content-type"] == "image/png"
    assert qr.content == segno_png(issued["public_url"])
    assert client.get("/passports/00000000-0000-4000-8000-000000000000").status_code == 404


def segno_png(url: str) -> bytes:
    import io

    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=6, border=4)
    return buffer.getvalue()


def test_issue_errors_name_the_field_and_list_is_paged(client: TestClient) -> None:
    p = setup_chain(client)
    cell = p["cell"]["auth"]
    calc = a_calculation(client, cell)
    incomplete = passport_request(calc["id"])
    del incomplete["attributes"]["SupplyChainDueDiligence"]["supplyChainDueDiligenceReport"]
    response = client.post("/passports", headers=cell, json=incomplete)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert "attributes.SupplyChainDueDiligence.supplyChainDueDiligenceReport" in fields
    response = client.post("/passports", headers=cell, json=passport_request(calc["id"], unit_kind="pallet"))  # fmt: skip
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "unit_kind"
    assert ok(client.get("/passports", headers=cell)) == []

    first = ok(client.post("/passports", headers=cell, json=passport_request(calc["id"], unit="SN-1")), 201)  # fmt: skip
    ok(client.post("/passports", headers=cell, json=passport_request(calc["id"], unit="SN-2")), 201)
    assert client.post("/passports", headers=cell, json=passport_request(calc["id"], unit="SN-1")).status_code == 409  # fmt: skip
    second = ok(client.post("/passports", headers=cell, json=passport_request(calc["id"], unit="SN-1", supersedes=first["id"])), 201)  # fmt: skip
    assert (second["id"], second["version"]) == (first["id"], 2)
    response = client.get("/passports", headers=cell, params={"limit": 2})
    assert response.headers["x-total-count"] == "3" and len(response.json()) == 2
    assert 'rel="next"' in response.headers["link"]
    current = ok(client.get("/passports", headers=cell, params={"status": "issued"}))
    assert sorted((c["unit_identifier"], c["version"]) for c in current) == [("SN-1", 2), ("SN-2", 1)]  # fmt: skip
    assert ok(client.get("/passports", headers=p["cam"]["auth"])) == []
    old = ok(client.get(f"/passports/{first['id']}", params={"version": 1}))
    assert old["status"] == "superseded" and old["current_version"] == 2
