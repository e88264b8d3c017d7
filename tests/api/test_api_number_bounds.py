"""Numbers over HTTP: NaN, Infinity, 1e308, ``true`` for a number and oversized lists are a 422
naming the field, and nothing is stored (issue 12 §1 "Unbounded designs", §2 first bullet).

The bodies are sent as raw JSON text, since Python's JSON decoder (and so the server) reads the
tokens NaN and Infinity as floats.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from class_table_support import FIXTURE_TEXT
from fastapi.testclient import TestClient
from passport_support import passport_request
from test_api_chain import CAM, DESIGN, ok, setup_chain
from test_api_shared_and_uncertainty import a_calculation

from batterycarbon.bounds import (
    MAX_DESCRIPTION_CHARS,
    MAX_SOURCES,
    MAX_TRANSPORT_LEGS,
)

NAN, INF = float("nan"), float("inf")


def leg(distance_km: Any = 100) -> dict[str, Any]:
    return {"product": "cell", "mode": "sea", "distance_km": distance_km}


#: A change to the design -> the field the 422 must name.
BAD_DESIGNS: list[tuple[dict[str, Any], str]] = [
    ({"chemistry": "NCM811", "cathode_ratio": [NAN, 0.5, 0.5]}, "cathode_ratio.0"),
    ({"cathode_ratio": [0.8, INF, 0.1]}, "cathode_ratio.1"),
    ({"cell": {"capacity_ah": INF, "nominal_voltage_v": 3.7}}, "cell.capacity_ah"),
    ({"cell": {"capacity_ah": 1e308, "nominal_voltage_v": 3.7}}, "cell.capacity_ah"),
    ({"cell": {"capacity_ah": True, "nominal_voltage_v": 3.7}}, "cell.capacity_ah"),
    ({"cell": {"capacity_ah": 100, "masses_kg": {"casing": 1e308}}}, "cell.masses_kg.casing"),
    ({"cell": {"capacity_ah": 100, "masses_kg": {"casing": "1e308 t"}}}, "cell.masses_kg.casing"),
    ({"pack": {"cells": 1e308}}, "pack.cells"),
    ({"pack": {"cells": True}}, "pack.cells"),
    ({"pack": {"cells": 10**30}}, "pack.cells"),
    ({"pack": {"cells": 162, "target_capacity_kwh": 1e308}}, "pack.target_capacity_kwh"),
    ({"pack": {"cells": 162, "parts_kg": {"housing": NAN}}}, "pack.parts_kg.housing"),
    (
        {"production_energy": {"cell_formation_kwh_per_kwh": 1e308}},
        "production_energy.cell_formation_kwh_per_kwh",
    ),
    ({"green_electricity": {"cell": NAN}}, "green_electricity.cell"),
    ({"transport": [leg(), leg(1e308)]}, "transport.1.distance_km"),
    ({"transport": [leg(NAN)]}, "transport.0.distance_km"),
    ({"transport": [leg() for _ in range(MAX_TRANSPORT_LEGS + 1)]}, "transport"),
    ({"sources": ["a study"] * (MAX_SOURCES + 1)}, "sources"),
    ({"description": "x" * (MAX_DESCRIPTION_CHARS + 1)}, "description"),
    ({"year": True}, "year"),
    (
        {"supplier_overrides": [{"flow": "nickel_sulfate", "value": INF, "supplier": "X"}]},
        "supplier_overrides.0.value",
    ),
    ({"use": {"usable_capacity_kwh": 1e308}}, "use.usable_capacity_kwh"),
    # Tiny values: a server error (1e-300 Ah or V) or a footprint of 1e304 kg CO2e/kWh before.
    ({"cell": {"capacity_ah": 1e-300, "nominal_voltage_v": 3.7}}, "cell.capacity_ah"),
    ({"cell": {"capacity_ah": 100, "nominal_voltage_v": 1e-300}}, "cell.nominal_voltage_v"),
    (
        {"cell": {"capacity_ah": 100, "specific_capacity_mah_per_g": 1e-300}},
        "cell.specific_capacity_mah_per_g",
    ),
    (
        {"cell": {"capacity_ah": 100, "areal_capacity_mah_per_cm2": 1e-300}},
        "cell.areal_capacity_mah_per_cm2",
    ),
    ({"use": {"usable_capacity_kwh": 1e-300}}, "use.usable_capacity_kwh"),
    ({"use": {"warranty_years": 1e-300}}, "use.warranty_years"),
]


def post_json(client: TestClient, url: str, headers: dict[str, str], body: Any) -> Any:
    """POST ``body`` as JSON text as a client would write it, NaN and Infinity tokens included."""
    content = json.dumps(body)
    return client.post(url, headers={**headers, "Content-Type": "application/json"}, content=content)  # fmt: skip


def fields(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    return [error["field"] for error in response.json()["errors"]]


def test_bad_numbers_and_oversized_lists_in_designs_are_422_naming_the_field(
    client: TestClient,
) -> None:
    cell = setup_chain(client)["cell"]["auth"]
    product = ok(post_json(client, "/products", cell, {"name": "EV pack", "design": DESIGN}), 201)
    for change, field in BAD_DESIGNS:
        design = {**DESIGN, **change}
        response = post_json(client, "/products", cell, {"name": "Bad pack", "design": design})
        assert field in fields(response), (change, response.text)
        response = post_json(client, f"/products/{product['id']}/designs", cell, {"design": design})
        assert field in fields(response), (change, response.text)
    # Nothing stored: the one good product, with its one design version.
    assert [p["name"] for p in ok(client.get("/products", headers=cell))] == ["EV pack"]
    assert len(ok(client.get(f"/products/{product['id']}", headers=cell))["designs"]) == 1
    # The design without the bad values is computed as before.
    version_id = product["designs"][0]["id"]
    calc = ok(post_json(client, "/calculations", cell, {"design_version_id": version_id}), 201)
    assert calc["total_kgco2e_per_kwh"] > 0


def test_calculation_requests_are_bounded(client: TestClient) -> None:
    cell = setup_chain(client)["cell"]["auth"]
    product = ok(post_json(client, "/products", cell, {"name": "EV pack", "design": DESIGN}), 201)
    version_id = product["designs"][0]["id"]
    for change, field in [
        ({"dataset_ids": [product["id"]]}, "dataset_ids"),  # removed: the design names them
        ({"rule_set": "r" * 10_000}, "rule_set"),
        ({"factor_release": "f" * 10_000}, "factor_release"),
    ]:
        response = post_json(client, "/calculations", cell, {"design_version_id": version_id, **change})  # fmt: skip
        assert field in fields(response), (change, response.text)
    assert ok(client.get("/calculations", headers=cell)) == []
    calc = ok(post_json(client, "/calculations", cell, {"design_version_id": version_id}), 201)
    for body, field in [
        ({"runs": True}, "runs"),
        ({"runs": 2000.0}, "runs"),
        ({"runs": 10**30}, "runs"),
        ({"seed": True}, "seed"),
        ({"seed": 10**30}, "seed"),
        ({"seed": "5"}, "seed"),
    ]:
        response = post_json(client, f"/calculations/{calc['id']}/uncertainty", cell, body)
        assert field in fields(response), (body, response.text)
    response = post_json(
        client, "/portfolio/recalculations", cell, {"factor_release": "f" * 10_000}
    )
    assert "factor_release" in fields(response), response.text
    assert ok(client.get("/jobs", headers=cell)) == []


#: A change to a supplier dataset -> the field the 422 must name.
BAD_DATASETS: list[tuple[dict[str, Any], str]] = [
    ({"value": NAN}, "value"),
    ({"value": INF}, "value"),
    ({"value": -INF}, "value"),
    ({"value": 1e308}, "value"),
    ({"value": True}, "value"),
    ({"value": "27.9"}, "value"),
    ({"dqr": True}, "dqr"),
    ({"dqr": NAN}, "dqr"),
    ({"year": True}, "year"),
    ({"year": 2023.5}, "year"),
    ({"year": 10**30}, "year"),
    ({"unit": "kg CO2e / " + "kg * " * 10_000 + "kg"}, "unit"),
    ({"activity_data": {"electricity_kwh_per_kg": True}}, "activity_data"),
    ({"activity_data": {"electricity_kwh_per_kg": NAN}}, "activity_data"),
    ({"activity_data": {"electricity_kwh_per_kg": 1e300}}, "activity_data"),
]


def test_bad_numbers_in_datasets_are_422_naming_the_field(client: TestClient) -> None:
    cam = setup_chain(client)["cam"]["auth"]
    for change, field in BAD_DATASETS:
        response = post_json(client, "/datasets", cam, {**CAM, **change})
        assert field in fields(response), (change, response.text)
    assert ok(client.get("/datasets", headers=cam))["own"] == []
    stored = ok(post_json(client, "/datasets", cam, CAM), 201)
    for change, field in BAD_DATASETS:
        response = post_json(client, f"/datasets/{stored['id']}/revisions", cam, {**CAM, **change})
        assert field in fields(response), (change, response.text)
    assert [d["value"] for d in ok(client.get("/datasets", headers=cam))["own"]] == [CAM["value"]]
    decision = {"decision": "approve", "note": "Metered.", "evidence": ["meter.pdf", "x" * 501]}
    response = post_json(client, f"/datasets/{stored['id']}/decision", cam, decision)
    assert "evidence.1" in fields(response), response.text


@pytest.mark.parametrize("value", ["NaN", "nan", "inf", "-Infinity", "1e308", "true"])
def test_bad_numbers_in_csv_rows_are_422_naming_row_and_column(
    client: TestClient, value: str
) -> None:
    cam = setup_chain(client)["cam"]["auth"]
    csv = (
        "flow,value,unit,region,year,dqr,activity.electricity_kwh_per_kg\n"
        "cam_ncm811,27,kg CO2e / kg,KR,2023,3.5,21\n"
        f"cam_ncm811,{value},kg CO2e / kg,KR,2023,3.5,21\n"
        f"cam_ncm811,27,kg CO2e / kg,KR,2023,3.5,{value}\n"
    )
    response = client.post("/datasets/csv", headers={**cam, "Content-Type": "text/csv"}, content=csv)  # fmt: skip
    named = fields(response)
    assert "row 3, value" in named, response.text
    if value != "true":  # text is a valid activity value; the others are refused numbers
        assert "row 4, activity_data" in named, response.text
    assert ok(client.get("/datasets", headers=cam))["own"] == []
    # Numbers written as text in the number columns are still read as numbers.
    good = csv.replace(f",{value},", ",26.5,").replace(f",{value}\n", ",20\n")
    stored = ok(client.post("/datasets/csv", headers={**cam, "Content-Type": "text/csv"}, content=good), 201)  # fmt: skip
    assert [(d["value"], d["year"]) for d in stored] == [(27, 2023), (26.5, 2023), (27, 2023)]


def test_bad_numbers_in_passport_requests_are_422_and_issue_nothing(client: TestClient) -> None:
    cell = setup_chain(client)["cell"]["auth"]
    calc = a_calculation(client, cell)
    nan_attribute = passport_request(calc["id"])
    technical = nan_attribute["attributes"]["PerformanceAndDurability"]["batteryTechicalProperties"]
    technical["ratedCapacity"] = NAN
    for body, field in [
        (nan_attribute, "attributes"),
        (
            passport_request(calc["id"], use={"usable_capacity_kwh": True}),
            "use.usable_capacity_kwh",
        ),
        (passport_request(calc["id"], use={"warranty_years": INF}), "use.warranty_years"),
        (
            passport_request(calc["id"], distribution=[{"mode": "sea", "distance_km": 1e308}]),
            "distribution.0.distance_km",
        ),
        (
            passport_request(
                calc["id"],
                use_losses={"battery_efficiency": NAN, "charger_efficiency": 0.9, "country": "DE"},
            ),
            "use_losses.battery_efficiency",
        ),
    ]:
        response = post_json(client, "/passports", cell, body)
        assert field in fields(response), (field, response.text)
    assert (
        "PerformanceAndDurability.batteryTechicalProperties.ratedCapacity"
        in post_json(client, "/passports", cell, nan_attribute).text
    )
    assert ok(client.get("/passports", headers=cell)) == []


@pytest.mark.parametrize(
    ("name", "content", "field"),
    [
        (
            "inf.toml",
            FIXTURE_TEXT.replace(
                "maximum_threshold_kgco2e_per_fu = 0.25", "maximum_threshold_kgco2e_per_fu = inf"
            ),  # fmt: skip
            "maximum_threshold_kgco2e_per_fu",
        ),
        (
            "nan.toml",
            FIXTURE_TEXT.replace("max_kgco2e_per_fu = 0.3", "max_kgco2e_per_fu = nan"),
            "classes.2.max_kgco2e_per_fu",
        ),
        (
            "true.toml",
            FIXTURE_TEXT.replace("max_kgco2e_per_fu = 0.3", "max_kgco2e_per_fu = true"),
            "classes.2.max_kgco2e_per_fu",
        ),
    ],
    ids=["inf", "nan", "true"],
)
def test_non_finite_class_table_is_422_and_not_loaded(
    client: TestClient, name: str, content: str, field: str
) -> None:
    admin = setup_chain(client)["admin"]["auth"]
    assert content != FIXTURE_TEXT
    files = {"file": (name, content.encode(), "application/toml")}
    response = client.post("/performance-classes", headers=admin, files=files)
    assert any(f.endswith(field) for f in fields(response)), response.text
    assert ok(client.get("/performance-classes", headers=admin)) == []


def test_flow_and_region_with_a_trailing_line_break_are_refused(client: TestClient) -> None:
    """Python's ``$`` matches before a final line break: "cam_ncm811\\n" passed the flow pattern
    and a data request for a flow no dataset has was stored."""
    p = setup_chain(client)
    cell = p["cell"]["auth"]
    for change, field in [({"flow": "cam_ncm811\n"}, "flow"), ({"region": "KR\n"}, "region")]:
        body = {"supplier_org_id": p["cam"]["org"], "flow": "cam_ncm811", **change}
        assert field in fields(post_json(client, "/data-requests", cell, body)), change
    assert ok(client.get("/data-requests", headers=cell)) == []


def test_a_data_request_year_is_a_whole_number_not_a_float_a_boolean_or_text(
    client: TestClient,
) -> None:
    """2023.0 was accepted as 2023 and ``true`` refused only by the range (as the year 1)."""
    p = setup_chain(client)
    cell = p["cell"]["auth"]
    body = {"supplier_org_id": p["cam"]["org"], "flow": "cam_ncm811"}
    for year in (2023.0, True, "2023", 2023.5):
        response = post_json(client, "/data-requests", cell, {**body, "year": year})
        assert fields(response) == ["year"], year
        assert "valid integer" in response.json()["errors"][0]["message"], response.text
    assert ok(client.get("/data-requests", headers=cell)) == []
    stored = ok(post_json(client, "/data-requests", cell, {**body, "year": 2023}), 201)
    assert stored["year"] == 2023
