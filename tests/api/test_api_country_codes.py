"""Country codes over HTTP are ISO 3166-1 alpha-2 (issue 13 §2, first half): a plant in "SW",
an organization in "ZZ" or a dataset region "ZZ" is a 422 naming the field, with a hint where the
letters fit a country, and nothing is stored."""

from __future__ import annotations

from typing import Any

from api_support import ADMIN_PASSWORD
from fastapi.testclient import TestClient
from test_api_chain import CAM, DESIGN, login, ok, setup_chain


def errors(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {error["field"]: error["message"] for error in response.json()["errors"]}


def message_for(found: dict[str, str], field: str) -> str:
    names = [name for name in found if name == field or name.endswith(f".{field}")]
    assert names, (field, found)
    return found[names[0]]


def test_plant_outside_iso_3166_is_422_naming_the_field(client: TestClient) -> None:
    cell = setup_chain(client)["cell"]["auth"]
    product = ok(client.post("/products", headers=cell, json={"name": "EV pack", "design": DESIGN}), 201)  # fmt: skip
    for plants, field, hint in [
        ({**DESIGN["plants"], "cell": "SW"}, "plants.cell", "SE (Sweden)"),
        ({**DESIGN["plants"], "pack": "ZZ"}, "plants.pack", "such as CN"),
    ]:
        design = {**DESIGN, "plants": plants}
        for url, body in [
            ("/products", {"name": "Bad pack", "design": design}),
            (f"/products/{product['id']}/designs", {"design": design}),
        ]:
            message = message_for(errors(client.post(url, headers=cell, json=body)), field)
            assert "is not an ISO 3166-1" in message and hint in message, message
    assert [p["name"] for p in ok(client.get("/products", headers=cell))] == ["EV pack"]
    assert len(ok(client.get(f"/products/{product['id']}", headers=cell))["designs"]) == 1


def test_organization_country_and_dataset_region_outside_iso_3166_are_422(
    client: TestClient,
) -> None:
    parties = setup_chain(client)
    admin = login(client, "root", ADMIN_PASSWORD)
    before = ok(client.get("/organizations", headers=admin))
    body = {"name": "Nowhere Co", "country": "ZZ", "roles": ["supplier"]}
    message = message_for(errors(client.post("/organizations", headers=admin, json=body)), "country")  # fmt: skip
    assert "'ZZ' is not an ISO 3166-1" in message
    assert ok(client.get("/organizations", headers=admin)) == before
    ok(client.post("/organizations", headers=admin, json={**body, "country": "SE"}), 201)

    cam = parties["cam"]["auth"]
    for region, hint in [("ZZ", "such as CN"), ("SW", "SE (Sweden)")]:
        response = client.post("/datasets", headers=cam, json={**CAM, "region": region})
        message = message_for(errors(response), "region")
        assert "is not an ISO 3166-1" in message and hint in message, message
    assert ok(client.get("/datasets", headers=cam))["own"] == []
    for region in ("KR", "GLO", "EU27"):  # the region codes accepted before still are
        ok(client.post("/datasets", headers=cam, json={**CAM, "region": region}), 201)


def test_data_request_region_outside_iso_3166_is_422(client: TestClient) -> None:
    parties = setup_chain(client)
    cell = parties["cell"]["auth"]
    body = {"supplier_org_id": parties["cam"]["org"], "flow": "cam_ncm811", "year": 2023}
    response = client.post("/data-requests", headers=cell, json={**body, "region": "SW"})
    message = message_for(errors(response), "region")
    assert "'SW' is not an ISO 3166-1" in message and "SE (Sweden)" in message, message
    assert ok(client.get("/data-requests", headers=cell)) == []
    ok(client.post("/data-requests", headers=cell, json={**body, "region": "SE"}), 201)
