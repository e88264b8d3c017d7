"""The web pages show the cell's and pack's derived specific energy and energy density with the
cited plausible band of the cell (reference design page, product page), and the scenario
explorer's green-heat lever moves the result exactly as ``Options(green_heat=...)`` does.

The expected figures come from the engine (``battery.footprint``) run in the test, never from
the page's own code; the pages run on SQLite only (they hold no SQL of their own).
"""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web_support import App, demo_actor, signed_in

from batterycarbon.battery import Footprint, footprint, load_design
from batterycarbon.battery.design import read_stored_design
from batterycarbon.battery.options import Options
from batterycarbon.factors import DEFAULT_RELEASE, library
from batterycarbon.rules import DEFAULT_RULE_SET
from batterycarbon.services.calculations import get_calculation
from batterycarbon.services.products import EXAMPLE_DESIGN, ProductIn, create_product
from batterycarbon.store import session_factory
from batterycarbon.store.testing import migrated_database
from batterycarbon.web.common import templates

FIGURES = ("cell_wh_per_kg", "cell_wh_per_l", "pack_wh_per_kg", "pack_wh_per_l")


@pytest.fixture(scope="module")
def module_db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """SQLite only: the pages under test read results, not the database's dialect."""
    return migrated_database("sqlite", str(tmp_path_factory.mktemp("db")))


@pytest.fixture
def cell(demo_app: App) -> Iterator[tuple[TestClient, str]]:
    client, token = signed_in(demo_app, "cell")
    with client:
        yield client, token


def part(page: str, start: str, end: str) -> str:
    assert start in page, start
    return page.split(start, 1)[1].split(end, 1)[0]


def shown(page: str, cell_id: str) -> tuple[float, str]:
    """The exact value (``data-value``) and the text of the table cell ``cell_id``."""
    found = re.search(rf'id="{cell_id}" data-value="([^"]+)">([^<]*)<', page)
    assert found, cell_id
    return float(found.group(1)), found.group(2)


def band_text(pair: list[float]) -> str:
    return f"{pair[0]:.0f}–{pair[1]:.0f}"


def assert_shows_pack_figures(page: str, result: dict[str, Any]) -> None:
    """The "Cell and pack" section shows ``result``'s pack figures and its cited cell band."""
    section = part(page, 'id="cell-pack"', "</section>")
    pack = result["pack"]
    for key in FIGURES:
        value, text = shown(section, key.replace("_", "-"))
        assert value == pack[key], key
        assert text == f"{pack[key]:.0f}", key
    band = pack["cell_band"]
    assert band is not None
    row = part(section, 'id="band-wh-per-kg">', "</td>")
    assert row == band_text(band["wh_per_kg"])
    volumetric = part(section, 'id="band-wh-per-l">', "</td>")
    assert volumetric == (band_text(band["wh_per_l"]) if band["wh_per_l"] else "not cited")
    sentence = part(section, 'id="cell-band">', "</p>")
    assert f"{band_text(band['wh_per_kg'])} Wh/kg" in sentence
    keys = re.findall(r'<code class="source-key">([^<]+)</code>', sentence)
    assert keys == band["sources"] and keys


# --- the reference design page --------------------------------------------------------------


@pytest.mark.parametrize("design_id", ["ncm811-prismatic", "lfp-prismatic"])
def test_design_page_shows_the_cell_and_pack_figures_and_band_of_the_result(
    demo_app: App, design_id: str
) -> None:
    page = TestClient(demo_app[0]).get(f"/designs/{design_id}")
    assert page.status_code == 200
    assert f'release={DEFAULT_RELEASE}"' in page.text  # the engine below uses the same release
    result = footprint(
        load_design(design_id), library(DEFAULT_RELEASE), rule_set_id=DEFAULT_RULE_SET
    )
    assert_shows_pack_figures(page.text, result.to_dict())
    # The heading sits in the page's outline beside "Footprint".
    assert '<h2 id="cell-pack-h">Cell and pack</h2>' in page.text


def test_design_page_figures_differ_between_designs(demo_app: App) -> None:
    """The figures are the design's own: an LFP cell is lighter in energy than an NCM811 pouch."""
    client = TestClient(demo_app[0])
    lfp, _ = shown(client.get("/designs/lfp-prismatic").text, "cell-wh-per-kg")
    pouch, _ = shown(client.get("/designs/ncm811-pouch").text, "cell-wh-per-kg")
    assert lfp < pouch


# --- the product page -------------------------------------------------------------------------


def engine_result_of(demo_app: App, calculation_id: uuid.UUID) -> Footprint:
    """The stored calculation's design, release, level and rule set through the engine."""
    app, demo = demo_app
    with session_factory(app.state.engine)() as session:
        calc = get_calculation(session, demo_actor(session, demo, "cell"), calculation_id)
    design = read_stored_design(calc.inputs["design"])
    level = calc.inputs.get("level", "pack")
    return footprint(design, library(calc.factor_release), level=level, rule_set_id=calc.rule_set)


def test_product_page_shows_the_cell_and_pack_figures_and_band_of_the_calculation(
    cell: tuple[TestClient, str], demo_app: App
) -> None:
    client, _ = cell
    demo = demo_app[1]
    page = client.get(f"/web/products/{demo.product_id}?calculation={demo.calculation_id}")
    assert page.status_code == 200
    result = engine_result_of(demo_app, demo.calculation_id).to_dict()
    assert_shows_pack_figures(page.text, result)
    assert '<h3 id="cell-pack-h">Cell and pack</h3>' in page.text


def test_product_without_a_cited_band_says_so(cell: tuple[TestClient, str], demo_app: App) -> None:
    """cell_designs.toml cites no band for LFP pouch cells: the figures, and no band."""
    client, token = cell
    app, demo = demo_app
    design = {**EXAMPLE_DESIGN, "chemistry": "LFP", "format": "pouch"}
    with session_factory(app.state.engine)() as session:
        maker = demo_actor(session, demo, "cell")
        product = create_product(session, maker, ProductIn(name="LFP pouch pack", design=design))
    form = {
        "csrf_token": token,
        "design_version_id": str(product.designs[0].id),
        "rule_set": DEFAULT_RULE_SET,
    }
    page = client.post(f"/web/products/{product.id}/calculate", data=form)
    assert page.status_code == 200, page.text
    calculation = re.search(r"\?calculation=([0-9a-f-]{36})", str(page.url))
    assert calculation, page.url
    result = engine_result_of(demo_app, uuid.UUID(calculation.group(1)))
    assert result.pack["cell_band"] is None
    section = part(page.text, 'id="cell-pack"', "</section>")
    for key in FIGURES:
        assert shown(section, key.replace("_", "-"))[0] == result.pack[key], key
    assert 'id="band-wh-per-kg"' not in section
    assert "No cited band for this chemistry and format" in section


def test_a_stored_result_without_the_figures_says_they_are_not_recorded() -> None:
    """A calculation stored before the figures existed: said so, no number invented."""
    old = {"cells": 162, "cell_energy_kwh": 0.37, "cell_mass_kg": 1.6, "pack_mass_kg": 390.0}
    text = templates.get_template("_cell_energy.html").render(
        pack=old, chemistry="NCM811", cell_format="prismatic", heading="h3"
    )
    assert "Not recorded in this result" in text
    assert "data-value" not in text and "Wh/kg" not in text


# --- the scenario explorer's green-heat lever ---------------------------------------------------


def pathway(client: TestClient, levers: dict[str, Any]) -> Any:
    body = {"design": "bundled:ncm811-prismatic", "levers": levers}
    return client.post("/web/scenarios/pathway", json=body)


def test_explorer_offers_a_green_heat_share_per_step(cell: tuple[TestClient, str]) -> None:
    client, _ = cell
    page = client.get("/web/scenarios").text
    fieldset = part(page, "<legend>Green heat share per step</legend>", "</fieldset>")
    for step in ("precursor", "cathode", "anode", "cell", "pack"):
        assert f'<label for="s-green-heat-{step}">{step.capitalize()} heat</label>' in fieldset
        assert f'name="green_heat.{step}" type="range" min="0" max="1"' in fieldset
        assert f'data-field="green_heat.{step}"' in fieldset  # the error slot, as green power's
    assert "green_heat: greenHeat" in client.get("/static/scenario.js").text


def test_explorer_green_heat_changes_the_result_as_options_green_heat(
    cell: tuple[TestClient, str],
) -> None:
    client, _ = cell
    answer = pathway(client, {"green_heat": {"cell": "0.5", "anode": "1", "pack": "0"}})
    assert answer.status_code == 200, answer.text
    steps = answer.json()["steps"]
    assert [s["name"] for s in steps] == ["start", "green heat"]
    design, lib = load_design("ncm811-prismatic"), library(DEFAULT_RELEASE)
    start = footprint(design, lib, rule_set_id=DEFAULT_RULE_SET).total_kgco2e_per_kwh
    expected = footprint(
        design, lib, Options(green_heat={"cell": 0.5, "anode": 1.0}), rule_set_id=DEFAULT_RULE_SET
    ).total_kgco2e_per_kwh
    assert steps[0]["total_kgco2e_per_kwh"] == start
    assert steps[1]["total_kgco2e_per_kwh"] == expected
    assert expected < start  # the cell plant's and the graphite chain's gas heat, partly replaced


def test_explorer_green_heat_is_linear_in_the_share(cell: tuple[TestClient, str]) -> None:
    """Half the share, half the change (the lever splits the step's heat linearly)."""
    client, _ = cell
    totals = {}
    for share in ("0.5", "1"):
        steps = pathway(client, {"green_heat": {"cell": share}}).json()["steps"]
        totals[share] = (steps[0]["total_kgco2e_per_kwh"], steps[-1]["total_kgco2e_per_kwh"])
    start, full = totals["1"]
    assert full < start
    assert totals["0.5"][1] - start == pytest.approx((full - start) / 2, rel=1e-6)


def test_explorer_green_heat_comes_after_green_power_and_keeps_its_contract(
    cell: tuple[TestClient, str],
) -> None:
    client, _ = cell
    levers = {"green": {"cell": "1"}, "green_heat": {"cell": "1"}, "contract": "certificate"}
    steps = pathway(client, levers).json()["steps"]
    assert [s["name"] for s in steps] == ["start", "green power", "green heat"]
    options = Options(
        green={"cell": 1.0}, green_contracts={"cell": "certificate"}, green_heat={"cell": 1.0}
    )
    design, lib = load_design("ncm811-prismatic"), library(DEFAULT_RELEASE)
    expected = footprint(design, lib, options, rule_set_id=DEFAULT_RULE_SET)
    assert steps[-1]["total_kgco2e_per_kwh"] == expected.total_kgco2e_per_kwh


@pytest.mark.parametrize(
    ("share", "message"),
    [
        ("2", "Input should be less than or equal to 1 (got '2')"),
        ("-0.5", "Input should be greater than or equal to 0 (got '-0.5')"),
        ("half", "Input should be a valid number"),
    ],
)
def test_explorer_refuses_a_bad_green_heat_share_naming_the_field(
    cell: tuple[TestClient, str], share: str, message: str
) -> None:
    client, _ = cell
    answer = pathway(client, {"green_heat": {"cell": share}})
    assert answer.status_code == 422
    body = answer.json()
    assert list(body["errors"]) == ["green_heat.cell"]
    assert message in body["errors"]["green_heat.cell"][0]
    assert any(p.startswith("green_heat.cell: ") for p in body["problems"])


def test_explorer_refuses_an_unknown_green_heat_step_and_a_non_object(
    cell: tuple[TestClient, str],
) -> None:
    client, _ = cell
    unknown = pathway(client, {"green_heat": {"dryroom": "0.5"}})
    assert unknown.status_code == 422
    assert "dryroom" in html.unescape(unknown.json()["errors"]["green_heat"][0])
    flat = pathway(client, {"green_heat": "0.5"})
    assert flat.status_code == 422
    assert flat.json()["errors"] == {"green_heat": ["expected a share per production step"]}
