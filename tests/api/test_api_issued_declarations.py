"""A product's declarations over HTTP (SQLite and PostgreSQL): issued from a calculation with
the form's fields, listed, read, downloaded again (the same JSON bytes, a PDF drawn from them),
unchanged by a newer calculation; a bad field is a 422 naming it and stores nothing."""

from __future__ import annotations

import hashlib
import io

from fastapi.testclient import TestClient
from pypdf import PdfReader
from test_api_chain import ok, setup_chain

DESIGN = {
    "chemistry": "LFP",
    "format": "prismatic",
    "year": 2024,
    "cell": {"capacity_ah": 280, "nominal_voltage_v": 3.2},
    "pack": {"cells": 104},
    "plants": {"cell": "HU", "pack": "HU"},
}
BODY = {
    "manufacturer_address": "2 Works Road, 9027 Győr",
    "manufacturer_country": "HU",
    "plant_address": "1 Pack Street, 9027 Győr",
    "plant_country": "HU",
    "study_url": "https://example.org/cfb-study.pdf",
    "issued": "2025-03-01",
    "use": {"usable_capacity_kwh": 80, "vehicle_category": "N3", "warranty_years": 10},
}


def test_issue_list_read_and_download_a_declaration(client: TestClient) -> None:
    p = setup_chain(client)
    cell = p["cell"]["auth"]
    product = ok(
        client.post("/products", headers=cell, json={"name": "Truck pack LFP", "design": DESIGN}),
        201,
    )
    base = f"/products/{product['id']}/declarations"
    calc = ok(
        client.post(
            "/calculations", headers=cell, json={"design_version_id": product["designs"][0]["id"]}
        ),
        201,
    )
    bad = client.post(
        base, headers=cell, json={**BODY, "calculation_id": calc["id"], "plant_country": "SW"}
    )
    assert bad.status_code == 422 and "plant_country" in bad.text and "SE (Sweden)" in bad.text
    assert ok(client.get(base, headers=cell)) == []

    issued = ok(client.post(base, headers=cell, json={**BODY, "calculation_id": calc["id"]}), 201)
    document = issued["document"]
    assert document["battery_model"]["name"] == "Truck pack LFP"
    assert document["manufacturer"] == {
        "name": "Cell Co",
        "address": BODY["manufacturer_address"],
        "country": "HU",
    }
    assert (issued["calculation_id"], issued["rule_set"], issued["issued"]) == (
        calc["id"],
        "jrc-cfb-ev-2023",
        "2025-03-01",
    )
    listed = client.get(base, headers=cell)
    assert listed.headers["x-total-count"] == "1"
    assert [d["id"] for d in ok(listed)] == [issued["id"]]
    one = ok(client.get(f"{base}/{issued['id']}", headers=cell))
    assert one["document"] == document and one["issued_by"] == issued["issued_by"]

    first = client.get(f"{base}/{issued['id']}/declaration.json", headers=cell)
    assert (
        first.status_code == 200 and hashlib.sha256(first.content).hexdigest() == issued["digest"]
    )
    pdf = client.get(f"{base}/{issued['id']}/declaration.pdf", headers=cell)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Truck pack LFP" in " ".join(text.split()) and document["declaration_id"] in text

    # A newer calculation (greener cells) changes nothing issued.
    greener = {**DESIGN, "green_electricity": {"cell": 1.0}}
    version = ok(
        client.post(f"/products/{product['id']}/designs", headers=cell, json={"design": greener}),
        201,
    )
    ok(client.post("/calculations", headers=cell, json={"design_version_id": version["id"]}), 201)
    again = client.get(f"{base}/{issued['id']}/declaration.json", headers=cell)
    assert again.content == first.content
    assert (
        client.post(base, headers=cell, json={**BODY, "calculation_id": calc["id"]}).status_code
        == 409
    )
    # Another organization does not learn that the product or its declarations exist.
    assert client.get(base, headers=p["cam"]["auth"]).status_code == 404
    assert (
        client.get(
            f"{base}/{issued['id']}/declaration.json", headers=p["regulator"]["auth"]
        ).status_code
        == 404
    )
