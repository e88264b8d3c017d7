"""Country codes in the design editor and the scenario explorer are ISO 3166-1 alpha-2 (issue 13
§2, first half): "SW" (meant as Sweden) and "ZZ" were computed with the global-average grid;
now each is an error on its field, with a hint where the letters fit a country."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from web_support import App, signed_in

DESIGN_FIELDS = {"chemistry": "NCM811", "format": "prismatic", "cell.capacity_ah": "100"}


@pytest.fixture
def cell(demo_app: App) -> Iterator[TestClient]:
    client, _ = signed_in(demo_app, "cell")
    with client:
        yield client


@pytest.mark.parametrize(
    ("field", "code", "hint"),
    [("plants.cell", "SW", "SE (Sweden)"), ("plants.cathode", "ZZ", "such as CN")],
)
def test_design_editor_names_a_plant_outside_iso_3166(
    cell: TestClient, field: str, code: str, hint: str
) -> None:
    fields = {**DESIGN_FIELDS, field: code}
    answer = cell.post("/web/designs/validate", json={"fields": fields}).json()
    assert answer["valid"] is False and set(answer["errors"]) == {field}, answer
    message = answer["errors"][field][0]
    assert f"'{code}' is not an ISO 3166-1" in message and hint in message, message
    fields[field] = "SE"
    assert cell.post("/web/designs/validate", json={"fields": fields}).json()["valid"] is True


@pytest.mark.parametrize(("grid", "hint"), [("SW", "SE (Sweden)"), ("zz", "such as CN")])
def test_scenario_explorer_names_a_grid_outside_iso_3166(
    cell: TestClient, grid: str, hint: str
) -> None:
    body = {"design": "bundled:ncm811-prismatic", "levers": {"grid": grid}}
    answer = cell.post("/web/scenarios/pathway", json=body)
    assert answer.status_code == 422, answer.text
    message = " ".join(answer.json()["errors"]["grid"])
    assert "is not an ISO 3166-1" in message and hint in message, message
    body["levers"] = {"grid": "SE"}
    assert cell.post("/web/scenarios/pathway", json=body).status_code == 200
