"""Issue 13 §2 over HTTP, one test per workflow: the design editor refuses the vehicle categories
the declaration refuses; a data request for a flow the library does not know is refused next to
its field; an upload lists every problem of every row at once; the scenario explorer opened
from a product starts from the product's latest stored calculation, exactly."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from web_support import App, own_dataset_rows, signed_in

from batterycarbon.services.calculations import product_of
from batterycarbon.store import Calculation, DataRequest, session_factory

DESIGN_FIELDS = {"chemistry": "NCM811", "format": "prismatic", "cell.capacity_ah": "100"}


@pytest.fixture
def cell(demo_app: App) -> Iterator[TestClient]:
    client, _ = signed_in(demo_app, "cell")
    with client:
        yield client


@pytest.mark.parametrize("category", ["tractor", "car"])
def test_design_editor_refuses_the_categories_the_declaration_refuses(
    cell: TestClient, category: str
) -> None:
    fields = {**DESIGN_FIELDS, "use.vehicle_category": category}
    answer = cell.post("/web/designs/validate", json={"fields": fields}).json()
    assert answer["valid"] is False and set(answer["errors"]) == {"use.vehicle_category"}, answer
    message = answer["errors"]["use.vehicle_category"][0]
    assert "car_van, two_three_wheeler, bus_truck" in message and "M1" in message, message
    for accepted in ("car_van", "M1"):
        fields["use.vehicle_category"] = accepted
        assert cell.post("/web/designs/validate", json={"fields": fields}).json()["valid"]


def _data_requests(demo_app: App) -> int:
    with session_factory(demo_app[0].state.engine)() as session:
        return session.query(DataRequest).count()


def test_a_data_request_for_an_unknown_flow_is_refused_next_to_the_field(demo_app: App) -> None:
    oem, token = signed_in(demo_app, "oem")
    with oem:
        page = oem.get("/web/requests").text
        cam = re.search(r'<option value="([0-9a-f-]{36})">Hanil Cathode Materials</option>', page)
        assert cam and '<option value="cam_ncm811">' in page  # the flows offered to pick from
        before = _data_requests(demo_app)
        form = {"csrf_token": token, "supplier_org_id": cam.group(1), "flow": "cam_ncm81"}
        refused = oem.post("/web/requests", data=form)
        assert refused.status_code == 422
        error = re.search(r'id="err-flow">([^<]+)<', refused.text)
        assert error and "is not a flow of factor release" in error.group(1), refused.text
        assert "did you mean cam_ncm811" in error.group(1)
        assert _data_requests(demo_app) == before


HEADER = "flow,value,unit,region,year,dqr,evidence"


def test_an_upload_lists_every_problem_of_every_row_at_once(demo_app: App) -> None:
    client, token = signed_in(demo_app, "cam")
    with client:
        before = own_dataset_rows(client)
        text = (
            f"{HEADER}\n"
            "cam_ncm811,-3,kg CO2e / kg,KR,2024,1.8,\n"  # a bad value, and no evidence for 1.8
            "unobtainium,5,kg CO2e / kg,KR,1800,2,pcf.pdf\n"  # a bad year, an unknown flow
        )
        page = client.post("/web/datasets/upload", data={"csrf_token": token, "text": text})
        assert page.status_code == 422
        rows = dict(re.findall(r'<tr class="bad" data-line="(\d)">(.*?)</tr>', page.text, re.S))
        assert "value: " in rows["2"] and "evidence: " in rows["2"], rows
        assert "year: " in rows["3"], rows
        assert "flow: &#39;unobtainium&#39; is not a flow" in rows["3"], rows
        # One JSON object: the model's problem and the library's, together.
        document = '{"flow": "unobtainium", "value": 5, "region": "KR", "year": 1800, "dqr": 2}'
        page = client.post("/web/datasets/upload", data={"csrf_token": token, "text": document})
        assert page.status_code == 422
        assert "year: " in page.text and "flow: &#39;unobtainium&#39; is not a flow" in page.text
        assert own_dataset_rows(client) == before


def test_the_scenario_explorer_starts_from_the_products_stored_calculation(
    demo_app: App, cell: TestClient
) -> None:
    with session_factory(demo_app[0].state.engine)() as session:
        stored = session.get_one(Calculation, demo_app[1].calculation_id)
        product_id, total = product_of(session, stored).id, stored.total_kgco2e_per_kwh
        rule_set = stored.rule_set
    assert stored.inputs["datasets"], "the demo calculation uses supplier figures"
    body = {"design": f"product:{product_id}", "levers": {}}
    answer = cell.post("/web/scenarios/pathway", json=body)
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert abs(data["steps"][0]["total_kgco2e_per_kwh"] - total) <= 1e-9
    assert data["start"]["calculation_id"] == str(stored.id)
    assert data["start"]["rule_set"] == rule_set
    assert data["factor_release"] == stored.factor_release_id
    page = cell.get(f"/web/scenarios?product={product_id}").text
    start = re.search(r'<p id="scenario-start"[^>]*>([^<]+)</p>', page)
    assert start and str(stored.id) in start.group(1), page
    assert f'data-start="{total:.4f}"' in page


def test_a_calculation_stored_with_a_category_now_refused_still_shows(
    demo_app: App, cell: TestClient
) -> None:
    """Last in this module: it adds the product's newest calculation."""
    with session_factory(demo_app[0].state.engine)() as session:
        original = session.get_one(Calculation, demo_app[1].calculation_id)
        product_id = product_of(session, original).id
        design = {**original.inputs["design"], "use": {"vehicle_category": "car"}}
        legacy = Calculation(  # as the editor let it be stored before the rule
            organization_id=original.organization_id,
            design_version_id=original.design_version_id,
            factor_release_id=original.factor_release_id,
            rule_set=original.rule_set,
            inputs={**original.inputs, "design": design},
            result=original.result,
            total_kgco2e_per_kwh=original.total_kgco2e_per_kwh,
            primary_share=original.primary_share,
            digest="0" * 64,
            created_by=original.created_by,
        )
        session.add(legacy)
        session.commit()
        legacy_id = legacy.id
    page = cell.get(f"/web/products/{product_id}?calculation={legacy_id}")
    assert page.status_code == 200 and str(legacy_id) in page.text, page.text[-2000:]
