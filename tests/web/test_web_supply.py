"""The bill of materials in the web pages (issue 13 §1), through TestClient: the design editor
offers, for each purchased material, the library or a supplier whose data the maker reads, with
the plant and a dataset version, and puts the model's messages next to those fields; the
product page lists the datasets a calculation used, says when newer data would change it, and
a recalculation of identical inputs shows the stored calculation instead of adding one.
"""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from web_support import App, demo_actor, signed_in

from batterycarbon.services.dataset_input import DatasetIn
from batterycarbon.services.dataset_review import revise_dataset
from batterycarbon.services.products import EXAMPLE_DESIGN, ProductIn, create_product
from batterycarbon.store import session_factory

CAM = "cathode_active_material"
HANIL = "Hanil Cathode Materials"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@pytest.fixture
def cell(demo_app: App) -> Iterator[tuple[TestClient, str]]:
    client, token = signed_in(demo_app, "cell")
    with client:
        yield client, token


def part(page: str, start: str, end: str = "</tr>") -> str:
    """The text of ``page`` from ``start`` to the next ``end``."""
    assert start in page, start
    return page.split(start, 1)[1].split(end, 1)[0]


def form_of(page: str) -> dict[str, str]:
    """The design form's text fields and selected options, as a browser would send them."""
    form = part(page, 'id="design-form"', "</form>")
    fields = dict(
        re.findall(
            r'<input id="[^"]+" name="([^"]+)" type="(?:text|number)"[^>]*?value="([^"]*)"', form
        )
    )
    for name, options in re.findall(
        r'<select id="[^"]+" name="([^"]+)"[^>]*>(.*?)</select>', form, re.S
    ):
        chosen = re.search(r'<option value="([^"]*)"[^>]* selected', options)
        fields[name] = chosen.group(1) if chosen else ""
    return fields


def test_editor_offers_each_materials_suppliers_plant_and_versions(
    cell: tuple[TestClient, str],
) -> None:
    client, _ = cell
    row = part(client.get("/web/products/new").text, f'<tr id="supply-{CAM}">')
    assert f'<option value="{HANIL}">{HANIL} (plant KR)</option>' in row
    assert re.search(rf'<option value="{UUID}">version \d · 2023 · KR · cam_ncm811 · approved', row)
    assert 'readonly value="KR" data-follows="f-plants-cathode"' in row  # the design's plant
    assert "flow cam_ncm811" in row
    assert '<option value="" selected>Library</option>' in row
    # A material no supplier has shared data for: the library only.
    separator = part(client.get("/web/products/new").text, '<tr id="supply-separator">')
    assert separator.count("<option value=") == 2  # Library, the newest dataset that fits


def test_editor_names_the_supply_fields_the_model_refuses(cell: tuple[TestClient, str]) -> None:
    client, _ = cell
    fields = form_of(client.get("/web/products/new").text)
    fields["supply.separator.supplier"] = HANIL  # a bought-in material needs its plant
    answer = client.post("/web/designs/validate", json={"fields": fields}).json()
    assert answer["valid"] is False
    assert "plant is required" in answer["errors"]["supply.separator.plant"][0]
    fields["supply.separator.plant"] = "SW"
    answer = client.post("/web/designs/validate", json={"fields": fields}).json()
    assert "SE (Sweden)" in answer["errors"]["supply.separator.plant"][0]
    fields["supply.separator.dataset"] = "not-an-id"
    answer = client.post("/web/designs/validate", json={"fields": fields}).json()
    assert "valid UUID" in answer["errors"]["supply.separator.dataset"][0]
    del fields["supply.separator.supplier"]  # a plant without a supplier is no source
    answer = client.post(
        "/web/designs/validate", json={"fields": {**fields, "supply.separator.dataset": ""}}
    ).json()
    assert "supply.separator.supplier" in answer["errors"]
    fields.update({"supply.separator.plant": "", "supply.separator.dataset": ""})
    answer = client.post("/web/designs/validate", json={"fields": fields}).json()
    assert answer["valid"] is True and "supply" not in answer["yaml"]  # all library


def test_editor_says_which_dataset_a_calculation_would_use_or_why_it_is_refused(
    cell: tuple[TestClient, str],
) -> None:
    """Moving the cathode plant away from the named supplier's plant is a valid design (saved
    as typed) that a calculation refuses: the editor says so beside the row as you type."""
    client, _ = cell
    fields = {**form_of(client.get("/web/products/new").text), f"supply.{CAM}.supplier": HANIL}
    answer = client.post("/web/designs/validate", json={"fields": fields}).json()
    assert answer["valid"] is True
    note = answer["notes"][f"supply.{CAM}"]
    assert re.fullmatch(
        rf"a calculation now uses dataset {UUID} version \d \(2023, plant KR, cam_ncm811\)", note
    )
    answer = client.post(
        "/web/designs/validate", json={"fields": {**fields, "plants.cathode": "HU"}}
    ).json()
    assert answer["valid"] is True
    note = answer["notes"][f"supply.{CAM}"]
    assert note.startswith(f"a calculation would be refused: no dataset of '{HANIL}' fits")
    assert "is for plant KR, the design's cathode plant is HU" in note
    assert answer["notes"].keys() == {f"supply.{CAM}"}  # the library rows have none


def test_a_supplier_chosen_in_the_form_is_saved_and_library_removes_it(
    cell: tuple[TestClient, str],
) -> None:
    client, token = cell
    fields = {**form_of(client.get("/web/products/new").text), f"supply.{CAM}.supplier": HANIL}
    page = client.post(
        "/web/products",
        data={**fields, "csrf_token": token, "mode": "form", "name": "Supplied pack"},
    )
    assert page.status_code == 200, page.text
    product_url = str(page.url).split("?")[0]
    editor = client.get(f"{product_url}/edit").text
    assert f"supply:\n  {CAM}:\n    supplier: {HANIL}\n" in editor  # the YAML view
    assert f'<option value="{HANIL}" selected>' in part(editor, f'<tr id="supply-{CAM}">')
    fields = {**form_of(editor), f"supply.{CAM}.supplier": ""}  # back to the library
    page = client.post(
        f"{product_url}/designs", data={**fields, "csrf_token": token, "mode": "form"}
    )
    assert page.status_code == 200, page.text
    editor = client.get(f"{product_url}/edit").text
    assert "supply: {}" in part(editor, 'id="yaml-text"', "</textarea>")
    assert '<option value="" selected>Library</option>' in part(editor, f'<tr id="supply-{CAM}">')


def total(page: str) -> float:
    found = re.search(r'id="total-per-kwh">([\d.]+) kg', page)
    assert found
    return float(found.group(1))


def test_product_page_lists_the_datasets_used_flags_newer_data_and_recalculates(
    cell: tuple[TestClient, str], demo_app: App
) -> None:
    client, token = cell
    app, demo = demo_app
    with session_factory(app.state.engine)() as session:
        maker = demo_actor(session, demo, "cell")
        design = {**EXAMPLE_DESIGN, "supply": {CAM: {"supplier": HANIL}}}
        product = create_product(session, maker, ProductIn(name="Pack from Hanil", design=design))
    product_url, version_id = f"/web/products/{product.id}", str(product.designs[0].id)
    calculate = {"csrf_token": token, "design_version_id": version_id, "rule_set": "iso14067-c2g"}
    page = client.post(f"{product_url}/calculate", data=calculate)
    assert page.status_code == 200
    used = part(page.text, 'id="supplier-data"', "</table>")
    first = re.search(rf"<code>({UUID})</code> version 1<", used)
    assert first, used
    for shown in (
        CAM,
        HANIL,
        ">KR<",
        ">2023<",
        "approved, not reviewed by a verifier",
        "cam_ncm811: 27.9 kg CO2e / kg",
        f"the whole {CAM} step",
    ):
        assert shown in used, shown
    assert 'id="newer-data"' not in page.text
    rows = len(re.findall(r'\?calculation=[0-9a-f-]{36}">', page.text))

    with session_factory(app.state.engine)() as session:  # the supplier revises its figure
        supplier = demo_actor(session, demo, "cam")
        evidence = ["hanil-cam-2023-rev2.pdf", "hanil-meter-readings-2023.xlsx"]
        data = DatasetIn(
            flow="cam_ncm811", value=24.2, region="KR", year=2023, dqr=1.4, evidence=evidence
        )
        newer = revise_dataset(session, supplier, uuid.UUID(first.group(1)), data)

    page = client.get(product_url)
    banner = part(page.text, 'id="newer-data"', "</section>")
    assert "Newer data — recalculate" in banner
    assert f"{HANIL} has dataset {newer.id} version 2" in banner
    form = part(banner, "<form", "</form>")
    assert f'value="{version_id}"' in form and 'value="iso14067-c2g"' in form
    recalculated = client.post(f"{product_url}/calculate", data=calculate)
    used = part(recalculated.text, 'id="supplier-data"', "</table>")
    assert f"<code>{newer.id}</code> version 2<" in used and "24.2 kg CO2e / kg" in used
    assert total(recalculated.text) < total(page.text)
    assert 'id="newer-data"' not in recalculated.text
    assert len(re.findall(r'\?calculation=[0-9a-f-]{36}">', recalculated.text)) == rows + 1

    again = client.post(f"{product_url}/calculate", data=calculate)  # identical inputs
    notice = part(again.text, 'id="already-stored"', "</p>")
    assert "Nothing changed: this is the calculation of" in notice
    assert len(re.findall(r'\?calculation=[0-9a-f-]{36}">', again.text)) == rows + 1
    assert str(again.url) == f"{recalculated.url}&unchanged=1"
    assert 'id="already-stored"' not in client.get(str(recalculated.url)).text


def test_a_refused_calculation_names_the_mismatch_on_the_product_page(
    cell: tuple[TestClient, str], demo_app: App
) -> None:
    """The issue's observed case: the cathode plant moved from KR to HU while the design names
    the Korean supplier; the calculation is refused and the page says why, next to the form."""
    client, token = cell
    app, demo = demo_app
    with session_factory(app.state.engine)() as session:
        maker = demo_actor(session, demo, "cell")
        plants = {**EXAMPLE_DESIGN["plants"], "cathode": "HU"}
        design = {**EXAMPLE_DESIGN, "plants": plants, "supply": {CAM: {"supplier": HANIL}}}
        product = create_product(session, maker, ProductIn(name="Moved cathode", design=design))
    form = {"csrf_token": token, "design_version_id": str(product.designs[0].id)}
    page = client.post(f"/web/products/{product.id}/calculate", data=form)
    assert page.status_code == 422
    problems = html.unescape(part(page.text, 'id="calculate-problems"', "</div>"))
    assert re.search(
        rf"supply\.{CAM}: no dataset of .*is for plant KR, the design's cathode plant is HU",
        problems,
    )
    assert f'href="/web/products/{product.id}/edit#supply"' in problems
    assert "Not calculated yet" in page.text  # nothing stored
