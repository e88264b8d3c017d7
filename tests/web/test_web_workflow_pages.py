"""The workflow pages through TestClient: design editor and its validation endpoint, stored
products with history and declarations, the scenario explorer's endpoint, supplier upload with
row errors, grants, data requests, verification and the regulator's statistics.

Each bad input must name its field and leave the store as it was.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from web_support import App, own_dataset_rows, signed_in

from batterycarbon.battery import load_design
from batterycarbon.compliance.standards import account
from batterycarbon.factors import DEFAULT_RELEASE, library
from batterycarbon.recycling.end_of_life import end_of_life_methods
from batterycarbon.rules.functional_unit import UseProfile
from batterycarbon.scenarios import apply, parse_scenario


@pytest.fixture
def cell(demo_app: App) -> Iterator[tuple[TestClient, str]]:
    client, token = signed_in(demo_app, "cell")
    with client:
        yield client, token


def product_count(client: TestClient) -> int:
    return client.get("/web/products").text.count('<th scope="row"><a href="/web/products/')


# --- design editor ------------------------------------------------------------------------------


def test_validation_endpoint_names_the_bad_fields(cell: tuple[TestClient, str]) -> None:
    client, _ = cell
    fields = {"chemistry": "NCM811", "format": "prismatic", "cell.capacity_ah": "-5", "plants.cell": "Hungary"}  # fmt: skip
    answer = client.post("/web/designs/validate", json={"fields": fields}).json()
    assert answer["valid"] is False
    assert set(answer["errors"]) >= {"cell.capacity_ah", "plants.cell"}
    assert "greater than or equal to 0.01" in answer["errors"]["cell.capacity_ah"][0]
    assert any(p.startswith("cell.capacity_ah: ") and "(got '-5')" in p for p in answer["problems"])
    fields.update({"cell.capacity_ah": "100", "plants.cell": "HU"})
    answer = client.post("/web/designs/validate", json={"fields": fields}).json()
    assert answer == {**answer, "valid": True, "problems": [], "errors": {}}
    assert "capacity_ah: '100'" in answer["yaml"] or "capacity_ah: 100" in answer["yaml"]


def test_validation_endpoint_reads_yaml_and_needs_sign_in(
    cell: tuple[TestClient, str], demo_app: App
) -> None:
    client, _ = cell
    bad = client.post("/web/designs/validate", json={"yaml": "chemistry: NCM999\nformat: prismatic\ncell: {capacity_ah: 50}\n"}).json()  # fmt: skip
    assert bad["valid"] is False and "chemistry" in bad["errors"]
    broken = client.post("/web/designs/validate", json={"yaml": "chemistry: [unclosed"}).json()
    assert broken["problems"][0].startswith("yaml: not valid YAML")
    assert (
        TestClient(demo_app[0]).post("/web/designs/validate", json={"yaml": ""}).status_code == 401
    )


def test_new_product_with_a_bad_field_is_not_stored_then_is(cell: tuple[TestClient, str]) -> None:
    client, token = cell
    before = product_count(client)
    form = {"csrf_token": token, "mode": "form", "name": "Web pack LFP", "chemistry": "LFP", "format": "prismatic", "cell.capacity_ah": "abc", "plants.cell": "HU", "year": "2024"}  # fmt: skip
    page = client.post("/web/products", data=form)
    assert page.status_code == 422
    assert re.search(r'id="err-cell-capacity_ah" data-field="cell.capacity_ah">[^<]*valid number', page.text)  # fmt: skip
    assert product_count(client) == before
    page = client.post("/web/products", data={**form, "cell.capacity_ah": "120"})
    assert page.status_code == 200 and "/web/products/" in str(page.url)
    assert product_count(client) == before + 1
    assert "Web pack LFP" in page.text and "Design versions" in page.text


def test_edit_saves_a_new_version_and_keeps_unshown_parts(
    cell: tuple[TestClient, str], demo_app: App
) -> None:
    client, token = cell
    product_id = demo_app[1].product_id
    editor = client.get(f"/web/products/{product_id}/edit").text
    assert 'name="cell.capacity_ah"' in editor and 'value="100' in editor
    # Still buying the cathode material from Hanil (the verification test reads its data).
    yaml_text = "chemistry: NCM811\nformat: pouch\ncell: {capacity_ah: 60, masses_kg: {casing: '90 g'}}\npack: {cells: 200}\nplants: {cathode: KR}\nsupply: {cathode_active_material: {supplier: Hanil Cathode Materials}}\n"
    page = client.post(f"/web/products/{product_id}/designs", data={"csrf_token": token, "mode": "yaml", "yaml": yaml_text})  # fmt: skip
    assert page.status_code == 200, page.text
    versions = re.findall(r'<tr><th scope="row">(\d+)</th>', page.text)
    assert versions[0] == str(max(int(v) for v in versions)) and len(versions) >= 2
    editor = client.get(f"/web/products/{product_id}/edit").text
    assert "casing: 0.09" in editor  # the YAML view keeps what the form does not show
    bad = client.post(f"/web/products/{product_id}/designs", data={"csrf_token": token, "mode": "yaml", "yaml": "chemistry: NCM811\nformat: cube\ncell: {capacity_ah: 60}\n"})  # fmt: skip
    assert bad.status_code == 422 and "format: " in bad.text
    after = client.get(f"/web/products/{product_id}").text
    assert len(re.findall(r'<tr><th scope="row">(\d+)</th>', after)) == len(versions)


def test_saving_without_csrf_token_is_refused(cell: tuple[TestClient, str], demo_app: App) -> None:
    client, _ = cell
    before = product_count(client)
    page = client.post("/web/products", data={"name": "No token", "chemistry": "LFP", "format": "pouch", "cell.capacity_ah": "50"})  # fmt: skip
    assert page.status_code == 403
    assert product_count(client) == before


# --- stored product, calculation, declaration -----------------------------------------------------


def test_product_page_calculates_and_shows_history_band_and_sankey(
    cell: tuple[TestClient, str], demo_app: App
) -> None:
    client, token = cell
    product_id = demo_app[1].product_id
    page = client.get(f"/web/products/{product_id}").text
    rows_before = len(re.findall(r'\?calculation=[0-9a-f-]{36}">', page))
    version_id = re.search(r'name="design_version_id" value="([0-9a-f-]{36})"', page)
    assert version_id
    page = client.post(f"/web/products/{product_id}/calculate", data={"csrf_token": token, "design_version_id": version_id.group(1), "rule_set": "iso14067-c2g"})  # fmt: skip
    assert page.status_code == 200
    assert len(re.findall(r'\?calculation=[0-9a-f-]{36}">', page.text)) == rows_before + 1
    assert 'id="rule-set">iso14067-c2g<' in page.text
    band = re.search(r'id="uncertainty-band">([\d.]+) – ([\d.]+) kg', page.text)
    total = re.search(r'id="total-per-kwh">([\d.]+) kg', page.text)
    assert band and total
    assert float(band.group(1)) < float(total.group(1)) < float(band.group(2))
    assert 'id="sankey-data">{"labels"' in page.text and '"stage: production"' in page.text
    bad = client.post(f"/web/products/{product_id}/calculate", data={"csrf_token": token, "design_version_id": version_id.group(1), "rule_set": "no-such-rules"})  # fmt: skip
    assert bad.status_code == 422 and "rule_set" in bad.text


def test_declaration_names_missing_fields_then_declares(
    cell: tuple[TestClient, str], demo_app: App
) -> None:
    client, _ = cell
    url = f"/web/calculations/{demo_app[1].calculation_id}/declaration"
    assert "Make the declaration" in client.get(url).text
    page = client.get(
        url, params={"manufacturer": "Danube Cell Works", "plant_address": "", "study_url": ""}
    )
    assert page.status_code == 422
    for field in ("use.usable_capacity_kwh", "use.vehicle_category", "use.warranty_years"):
        assert re.search(rf'id="err-{re.escape(field)}">[^<]+<', page.text), field
    use = {"use.usable_capacity_kwh": "56", "use.vehicle_category": "M1", "use.warranty_years": "8"}
    page = client.get(url, params={"manufacturer": "Danube Cell Works", "plant_address": "", **use})
    assert page.status_code == 422
    for field in ("manufacturer_address", "plant_address", "study_url"):
        assert re.search(rf'id="err-{field}">required by Annex II', page.text), field
    full = {
        "manufacturer": "Danube Cell Works",
        "manufacturer_address": "2 Works Road, 9027 Győr",
        "plant_address": "1 Pack Street, 01067 Dresden",
        "study_url": "https://example.org/study.pdf",
        **use,
        "rule_set": "jrc-cfb-ev-2023",
        "issued": "2025-03-01",
    }
    page = client.get(url, params=full)
    assert page.status_code == 200, page.text
    assert re.search(r'id="declared-total">0\.\d{4} kg CO₂e per kWh delivered', page.text)
    assert "Battery passport data" in page.text
    pdf = client.get(f"{url}.pdf", params=full)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    declaration = client.get(f"{url}.json", params=full).json()
    assert declaration["manufacturer"]["name"] == "Danube Cell Works"
    assert declaration["issued"] == "2025-03-01"
    assert (
        client.get(
            f"/web/calculations/{demo_app[1].calculation_id}/passport.json", params=full
        ).status_code
        == 200
    )
    bad = client.get(f"{url}.json", params={**full, "use.warranty_years": "-1"})
    assert bad.status_code == 422


def test_other_organizations_cannot_see_a_product(demo_app: App) -> None:
    client, _ = signed_in(demo_app, "oem")
    with client:
        assert client.get(f"/web/products/{demo_app[1].product_id}").status_code == 404
        assert client.get(f"/web/calculations/{demo_app[1].calculation_id}/declaration").status_code == 404  # fmt: skip


# --- scenario explorer --------------------------------------------------------------------------


def test_pathway_endpoint_green_power_lowers_the_footprint(cell: tuple[TestClient, str]) -> None:
    client, _ = cell
    body = {"design": "bundled:ncm811-prismatic", "levers": {}}
    start = client.post("/web/scenarios/pathway", json=body).json()
    assert [s["name"] for s in start["steps"]] == ["start"]
    assert start["waterfall"]["measure"] == ["absolute", "total"]
    body["levers"] = {"green": {"cell": "1", "cathode": "0.5"}, "recycled_content": "eu-2031"}
    result = client.post("/web/scenarios/pathway", json=body).json()
    names = [s["name"] for s in result["steps"]]
    assert names == ["start", "green power", "recycled content eu-2031"]
    totals = [s["total_kgco2e_per_kwh"] for s in result["steps"]]
    assert totals[0] == pytest.approx(start["steps"][0]["total_kgco2e_per_kwh"])
    assert totals[1] < totals[0]
    waterfall = result["waterfall"]
    assert waterfall["y"][1] == pytest.approx(totals[1] - totals[0], abs=1e-3)
    assert waterfall["y"][-1] == pytest.approx(totals[-1], abs=1e-3)


CAR = UseProfile(usable_capacity_kwh=54, vehicle_category="M1", warranty_years=8)


def test_pathway_endpoint_adds_the_recycling_route_by_the_rule_sets_method(
    cell: tuple[TestClient, str],
) -> None:
    """The route's end of life is computed on the design after every lever; a rule set that
    counts end of life by the CFF gets the bar, one that stops at the gate only the figures."""
    client, _ = cell
    levers = {"green": {"cell": "1"}, "recycling_route": "hydro"}
    body = {"design": "bundled:ncm811-prismatic", "rule_set": "jrc-cfb-ev-2023", "levers": levers}
    answer = client.post("/web/scenarios/pathway", json=body)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    greener, _ = apply(load_design("ncm811-prismatic"), parse_scenario({"green": {"cell": 1}}, "t"))
    recycled = end_of_life_methods("hydro", greener, library(DEFAULT_RELEASE)).cff_kgco2e_per_kwh
    # The rule set's own stage: the same design and route through standards.account.
    counted = account(greener, library(DEFAULT_RELEASE), "jrc-cfb-ev-2023", profile=CAR, route="hydro")  # fmt: skip
    expected = counted.stages_kgco2e_per_kwh_capacity["end_of_life"]
    assert recycled < expected < 0  # the disposal of what hydro leaves adds a little back
    eol = result["end_of_life"]
    assert eol["method"] == "cff" and eol["counted_kgco2e_per_kwh"] == pytest.approx(expected)
    waterfall = result["waterfall"]
    gate = result["steps"][-1]["total_kgco2e_per_kwh"]
    assert waterfall["x"][-2:] == ["end of life: hydro (cff)", "result with end of life"]
    assert waterfall["y"][-2] == pytest.approx(expected, abs=1e-3)
    assert waterfall["y"][-1] == pytest.approx(gate + expected, abs=1e-3)

    gate_only = client.post("/web/scenarios/pathway", json={**body, "rule_set": "whitepaper-c2g"}).json()  # fmt: skip
    assert gate_only["end_of_life"]["method"] is None
    assert gate_only["end_of_life"]["cff_kgco2e_per_kwh"] == pytest.approx(expected)
    assert gate_only["end_of_life"]["cut_off_kgco2e_per_kwh"] == pytest.approx(
        gate_only["end_of_life"]["disposal_kgco2e_per_kwh"]
    )
    assert gate_only["waterfall"]["measure"][-1] == "total" and "end of life" not in " ".join(gate_only["waterfall"]["x"])  # fmt: skip

    for route in ("second-life", "landfill"):
        bad = client.post("/web/scenarios/pathway", json={**body, "levers": {"recycling_route": route}})  # fmt: skip
        assert bad.status_code == 422 and "recycling_route" in bad.json()["errors"]


def test_pathway_endpoint_names_bad_levers(cell: tuple[TestClient, str], demo_app: App) -> None:
    client, _ = cell
    answer = client.post("/web/scenarios/pathway", json={"design": "bundled:ncm811-prismatic", "levers": {"grid": "Sweden", "green": {"cell": "2"}}})  # fmt: skip
    assert answer.status_code == 422
    errors = answer.json()["errors"]
    assert "grid" in errors and "green.cell.share" in errors
    product = client.post("/web/scenarios/pathway", json={"design": f"product:{demo_app[1].product_id}", "levers": {"grid": "SE"}})  # fmt: skip
    assert product.status_code == 200 and product.json()["steps"][1]["name"] == "all plants in SE"
    other, _ = signed_in(demo_app, "oem")
    with other:
        hidden = other.post("/web/scenarios/pathway", json={"design": f"product:{demo_app[1].product_id}", "levers": {}})  # fmt: skip
        assert hidden.status_code == 422 and "design" in hidden.json()["errors"]


# --- supplier data ------------------------------------------------------------------------------

GOOD_ROW = "cam_ncm811,27.5,kg CO2e / kg,KR,2024,1.8,report.pdf"
BAD_ROW = "cam_ncm811,-3,kg CO2e / kg,Korea,2024,1.5,report.pdf"
HEADER = "flow,value,unit,region,year,dqr,evidence"


def test_csv_upload_shows_row_errors_in_place_and_stores_nothing(demo_app: App) -> None:
    client, token = signed_in(demo_app, "cam")
    with client:
        before = own_dataset_rows(client)
        text = f"{HEADER}\n{GOOD_ROW}\n{BAD_ROW}\n"
        page = client.post("/web/datasets/upload", data={"csrf_token": token}, files={"file": ("data.csv", text.encode(), "text/csv")})  # fmt: skip
        assert page.status_code == 422
        bad_row = re.search(r'<tr class="bad" data-line="3">(.*?)</tr>', page.text, re.S)
        assert bad_row, page.text
        assert "value: Input should be greater than 0" in bad_row.group(1)
        assert "region: " in bad_row.group(1)
        assert 'data-line="2"' not in page.text
        assert BAD_ROW in page.text  # offered back in the textarea to fix
        assert own_dataset_rows(client) == before
        fixed = text.replace(BAD_ROW, "cam_ncm811,29.0,kg CO2e / kg,KR,2024,1.8,report.pdf")
        page = client.post("/web/datasets/upload", data={"csrf_token": token, "text": fixed})
        assert page.status_code == 200 and "2 dataset(s) submitted" in page.text
        assert own_dataset_rows(client) == before + 2


def test_json_upload_and_template(demo_app: App) -> None:
    client, token = signed_in(demo_app, "graphite")
    with client:
        template = client.get("/web/datasets/template.csv")
        assert template.text.splitlines()[0].startswith("flow,value,unit,region,year,dqr")
        before = own_dataset_rows(client)
        bad = client.post("/web/datasets/upload", data={"csrf_token": token, "text": '{"flow": "graphite_synthetic", "value": 15, "region": "CN", "year": 2024, "dqr": 9}'})  # fmt: skip
        assert bad.status_code == 422 and "dqr: Input should be less than or equal to 5" in bad.text
        many = client.post("/web/datasets/upload", data={"csrf_token": token, "text": "[]"})
        assert many.status_code == 422 and "one JSON dataset object" in many.text
        good = client.post("/web/datasets/upload", data={"csrf_token": token, "text": '{"flow": "graphite_synthetic", "value": 15, "region": "CN", "year": 2024, "dqr": 2, "evidence": ["img-pcf-2024.pdf"]}'})  # fmt: skip
        assert good.status_code == 200
        assert own_dataset_rows(client) == before + 1


def test_share_and_revoke_a_dataset(demo_app: App) -> None:
    client, token = signed_in(demo_app, "lithium")
    with client:
        dataset = re.search(r'<a href="/web/datasets/([0-9a-f-]{36})">lithium_hydroxide_brine', client.get("/web/datasets").text)  # fmt: skip
        assert dataset
        url = f"/web/datasets/{dataset.group(1)}"
        page = client.get(url).text
        assert "Danube Cell Works" in page and "electricity_kwh_per_kg" in page
        oem = re.search(r'<option value="([0-9a-f-]{36})">Rhein Motors</option>', page)
        assert oem
        page = client.post(f"{url}/share", data={"csrf_token": token, "organization_id": oem.group(1)}).text  # fmt: skip
        assert "Revoke access of Rhein Motors" in page
        page = client.post(f"{url}/revoke", data={"csrf_token": token, "organization_id": oem.group(1)}).text  # fmt: skip
        assert "Revoke access of Rhein Motors" not in page
        assert client.post(f"{url}/revoke", data={"csrf_token": token, "organization_id": oem.group(1)}).status_code == 404  # fmt: skip
    other, _ = signed_in(demo_app, "oem")
    with other:
        assert other.get(url).status_code == 404


def test_data_request_inbox_decline_and_fulfil(demo_app: App) -> None:
    oem, oem_token = signed_in(demo_app, "oem")
    with oem:
        page = oem.get("/web/requests").text
        cam = re.search(r'<option value="([0-9a-f-]{36})">Hanil Cathode Materials</option>', page)
        assert cam
        bad = oem.post("/web/requests", data={"csrf_token": oem_token, "supplier_org_id": cam.group(1), "flow": "CAM NCM811!"})  # fmt: skip
        assert bad.status_code == 422 and re.search(r'id="err-flow">[^<]+<', bad.text)
        # A year is a whole number: "2026.0" is refused naming the field, "2026" is read.
        bad = oem.post("/web/requests", data={"csrf_token": oem_token, "supplier_org_id": cam.group(1), "flow": "cam_ncm811", "year": "2026.0"})  # fmt: skip
        assert bad.status_code == 422 and re.search(r'id="err-year">[^<]+<', bad.text), bad.text
        good = oem.post("/web/requests", data={"csrf_token": oem_token, "supplier_org_id": cam.group(1), "flow": "cam_ncm811", "year": "2026", "message": "Year given"})  # fmt: skip
        assert good.status_code == 200 and 'id="err-year"></p>' in good.text, good.text
        for _ in range(2):
            oem.post("/web/requests", data={"csrf_token": oem_token, "supplier_org_id": cam.group(1), "flow": "cam_ncm811", "message": "For our 2026 model"})  # fmt: skip
    supplier, token = signed_in(demo_app, "cam")
    with supplier:
        inbox = supplier.get("/web/requests").text
        ids = re.findall(r'action="/web/requests/([0-9a-f-]{36})/decline"', inbox)[
            -2:
        ]  # ours: newest
        assert len(ids) == 2 and inbox.count("For our 2026 model") == 2
        assert "any 2026</td><td>Year given</td>" in inbox
        short = supplier.post(f"/web/requests/{ids[0]}/decline", data={"csrf_token": token, "reason": "no"})  # fmt: skip
        assert short.status_code == 422 and "reason" in short.text
        supplier.post(f"/web/requests/{ids[0]}/decline", data={"csrf_token": token, "reason": "Not for this model"})  # fmt: skip
        dataset = re.search(rf'action="/web/requests/{ids[1]}/fulfil".*?<option value="([0-9a-f-]{{36}})"', inbox, re.S)  # fmt: skip
        assert dataset
        page = supplier.post(f"/web/requests/{ids[1]}/fulfil", data={"csrf_token": token, "dataset_id": dataset.group(1)}).text  # fmt: skip
        assert "fulfilled" in page and "declined: Not for this model" in page
    with oem:
        assert "Hanil Cathode Materials" in oem.get("/web/datasets").text


# --- verification and oversight -----------------------------------------------------------------


def test_verifier_reviews_and_approves_then_regulator_sees_it(demo_app: App) -> None:
    maker, token = signed_in(demo_app, "cell")
    with maker:
        page = maker.get(f"/web/products/{demo_app[1].product_id}").text
        verifier_org = re.search(r'<option value="([0-9a-f-]{36})">Nordic Verification</option>', page)  # fmt: skip
        calc = re.search(r'action="/web/calculations/([0-9a-f-]{36})/verification"', page)
        assert verifier_org and calc
        page = maker.post(f"/web/calculations/{calc.group(1)}/verification", data={"csrf_token": token, "verifier_org_id": verifier_org.group(1)}).text  # fmt: skip
        assert '<td class="state">submitted</td>' in page
        again = maker.post(f"/web/calculations/{calc.group(1)}/verification", data={"csrf_token": token, "verifier_org_id": verifier_org.group(1)})  # fmt: skip
        assert again.status_code == 409
    verifier, vtoken = signed_in(demo_app, "verifier")
    with verifier:
        queue = verifier.get("/web/verifications").text
        review = re.search(r'<a href="/web/verifications/([0-9a-f-]{36})">Review', queue)
        assert review
        url = f"/web/verifications/{review.group(1)}"
        page = verifier.post(f"{url}/start", data={"csrf_token": vtoken}).text
        assert 'id="verification-state">in_review<' in page
        assert "electricity_kwh_per_kg = 21.0" in page  # activity data of the CAM dataset used
        assert verifier.post(f"{url}/findings", data={"csrf_token": vtoken, "severity": "fatal", "text": "x"}).status_code == 422  # fmt: skip
        verifier.post(f"{url}/findings", data={"csrf_token": vtoken, "severity": "major", "text": "Grid year does not match."})  # fmt: skip
        refused = verifier.post(f"{url}/decision", data={"csrf_token": vtoken, "decision": "approve"})  # fmt: skip
        assert refused.status_code == 409 and "major finding" in refused.text
        page = verifier.post(f"{url}/decision", data={"csrf_token": vtoken, "decision": "reject", "note": "Fix the grid year."}).text  # fmt: skip
        assert 'id="verification-state">rejected<' in page
    regulator, _ = signed_in(demo_app, "regulator")
    with regulator:
        page = regulator.get("/web/statistics").text
        assert (
            '<td class="state">rejected</td>' in page and '<td class="state">approved</td>' in page
        )
        # The suppressed group's size is not shown, nor any calculation's total (no passport
        # has made one public).
        assert '<p id="suppressed">1 group(s) suppressed.</p>' in page
        assert "product(s) suppressed" not in page
        figures = re.findall(r'<td class="state">\w+</td><td class="num">([^<]*)</td>', page)
        assert figures and set(figures) == {"not public"}
        assert "Grid year does not match" not in regulator.get(url).text  # findings stay private
    assert signed_in(demo_app, "cam")[0].get("/web/statistics").status_code == 403
