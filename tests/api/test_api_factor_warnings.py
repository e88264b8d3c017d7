"""A calculation over HTTP carries the factor lookup's substitutions as ``result.warnings``
(issue 13 §2): a plant in a country without its own grid factor and a year past the grid
factors' years were computed with the global grid and the 2023 factors, silently."""

from __future__ import annotations

from fastapi.testclient import TestClient
from test_api_chain import DESIGN, ok, setup_chain

from batterycarbon.factors import DEFAULT_RELEASE


def test_calculation_result_names_each_fallback_and_keeps_it_stored(client: TestClient) -> None:
    cell = setup_chain(client)["cell"]["auth"]
    design = {**DESIGN, "year": 2030, "plants": {**DESIGN["plants"], "cell": "IS"}}
    product = ok(
        client.post("/products", headers=cell, json={"name": "Iceland pack", "design": design}), 201
    )
    body = {"design_version_id": product["designs"][0]["id"]}
    calc = ok(client.post("/calculations", headers=cell, json=body), 201)
    warnings = calc["result"]["warnings"]
    assert (
        f"electricity_grid: no factor for IS in {DEFAULT_RELEASE}; used GLO (global average)"
        in warnings
    )
    assert "electricity_grid KR: asked 2030, latest factor 2023" in warnings
    assert (
        ok(client.get(f"/calculations/{calc['id']}", headers=cell))["result"]["warnings"]
        == warnings
    )
