"""Designs: the three-line minimum works; bad input exits 2 naming the file, field and expectation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from batterycarbon.battery import bundled_design_ids, footprint, load_design
from batterycarbon.battery.cell import derive_cell_masses
from batterycarbon.battery.design import Design
from batterycarbon.cli import app
from batterycarbon.errors import InputError

runner = CliRunner()
MINIMAL = {"chemistry": "NCM811", "format": "prismatic",
           "cell": {"capacity_ah": 100, "nominal_voltage_v": 3.7}}  # fmt: skip


def write(tmp_path: Path, data: object, name: str = "design.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return path


def test_bundled_designs_are_the_seven_named_in_the_issue():
    assert set(bundled_design_ids()) == {
        "lfp-prismatic", "ncm111-prismatic", "ncm622-prismatic", "ncm811-prismatic",
        "ncm811-cylindrical", "ncm811-pouch", "ssb-sulfide-pouch",
    }  # fmt: skip


def test_three_line_design_gets_masses_from_electrochemistry(tmp_path: Path, open_library):
    design = load_design(write(tmp_path, MINIMAL))
    masses = derive_cell_masses(design)
    # 100 Ah at 195 mAh/g with 93 % of the cathode utilised (cell_designs.toml, gunter2022)
    # -> 100 / 0.93 = 107.53 Ah of cathode -> 0.5514 kg of NCM811
    assert masses["cathode_active_material"] == pytest.approx(0.551420, rel=1e-5)
    # graphite: 107.53 Ah x N/P 1.04 (layered oxides, frith2023) at 350 mAh/g -> 0.3195 kg
    assert masses["anode_active_material"] == pytest.approx(0.319508, rel=1e-5)
    cell_kg = sum(masses.values())
    assert 250 <= 0.37 / cell_kg * 1000 <= 320  # Wh/kg of a 2023 NCM811 prismatic cell
    result = footprint(design, open_library)
    assert result.total_kgco2e_per_kwh > 0


def test_given_masses_override_derived_ones(tmp_path: Path):
    data = {
        **MINIMAL,
        "cell": {**MINIMAL["cell"], "masses_kg": {"electrolyte": "250 g", "casing": 0.2}},
    }
    masses = derive_cell_masses(load_design(write(tmp_path, data)))
    assert masses["electrolyte"] == pytest.approx(0.25)
    assert masses["casing"] == pytest.approx(0.2)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"cell": {"capacity_ah": 100, "masses_kg": {"separator": -0.1}}},
            ["cell.masses_kg.separator", "greater than or equal to 0"],
        ),
        (
            {"cell": {"capacity_ah": 100, "masses_kg": {"separator": "heavy"}}},
            ["cell.masses_kg.separator", "is not a mass"],
        ),
        (
            {"cell": {"capacity_ah": 100, "masses_kg": {"casing": "3 kWh"}}},
            ["cell.masses_kg.casing", "3 kWh", "is not a mass"],
        ),
        ({"chemistry": "NMC999"}, ["chemistry", "unknown chemistry 'NMC999'", "LFP", "NCM811"]),
        ({"cathode_ratio": [0.8, 0.1, 0.2]}, ["cathode_ratio", "must sum to 1"]),
        ({"format": "hexagonal"}, ["format", "cylindrical", "prismatic", "pouch"]),
        ({"plants": {"cell": "China"}}, ["plants.cell", "ISO 3166"]),
        ({"cell": {"capacity_ah": -5}}, ["cell.capacity_ah", "greater than or equal to 0.01"]),
        ({"colour": "blue"}, ["colour", "Extra inputs are not permitted"]),
    ],
)
def test_bad_design_exits_2_naming_file_and_field(
    tmp_path: Path, change: dict, expected: list[str]
):
    path = write(tmp_path, {**MINIMAL, **change}, "bad.yaml")
    result = runner.invoke(app, ["footprint", str(path), "--factors", "whitepaper-2023"])
    assert result.exit_code == 2, result.output
    message = result.stderr if hasattr(result, "stderr") else result.output
    assert str(path) in message
    for text in expected:
        assert text in message, (text, message)


def test_unknown_override_flow_and_unit_mismatch_are_errors(tmp_path: Path, whitepaper):
    bad_flow = {
        **MINIMAL,
        "supplier_overrides": [{"flow": "unobtainium", "value": 1, "supplier": "X"}],
    }
    with pytest.raises(InputError, match="unobtainium"):
        footprint(load_design(write(tmp_path, bad_flow)), whitepaper)
    bad_unit = {
        **MINIMAL,
        "supplier_overrides": [
            {"flow": "nickel_sulfate", "value": 4, "unit": "kg CO2e / kWh", "supplier": "X"}
        ],
    }
    with pytest.raises(InputError, match="does not convert"):
        footprint(load_design(write(tmp_path, bad_unit)), whitepaper)


def test_broken_yaml_and_missing_file(tmp_path: Path):
    path = tmp_path / "broken.yaml"
    path.write_text("chemistry: [NCM811\nformat: pouch")
    result = runner.invoke(app, ["footprint", str(path)])
    assert result.exit_code == 2 and "not valid YAML" in result.output + getattr(
        result, "stderr", ""
    )
    result = runner.invoke(app, ["footprint", "no-such-design"])
    assert result.exit_code == 2 and "not a bundled design" in result.output + getattr(
        result, "stderr", ""
    )


def test_bad_options_exit_2():
    for args, text in (
        (["--green", "cell=1.5"], "--green"),
        (["--green", "kitchen=0.5"], "STEP must be one of"),
        (["--grid", "Sweden"], "--grid"),
        (["--level", "module"], "--level"),
        (["--format", "xml"], "--format"),
        (["--factors", "open-1999"], "no such release"),
    ):
        result = runner.invoke(app, ["footprint", "ncm811-prismatic", *args])
        assert result.exit_code == 2, (args, result.output)
        assert text in result.output + getattr(result, "stderr", ""), (args, result.output)


def test_supplier_figure_replaces_library_factor_and_is_reported_as_primary(whitepaper):
    base = load_design("ncm811-prismatic")
    with_supplier = Design.model_validate({**base.model_dump(), "supplier_overrides": [
        {"flow": "nickel_sulfate", "value": 1.0, "supplier": "Acme Nickel", "reference": "EPD 2024"},
    ]})  # fmt: skip
    a = footprint(base, whitepaper)
    b = footprint(with_supplier, whitepaper)
    assert b.total_kgco2e_per_kwh < a.total_kgco2e_per_kwh
    assert b.primary_data == [{"process": "supplier:nickel_sulfate", "supplier": "Acme Nickel",
                               "factor_replaced": "nickel_sulfate"}]  # fmt: skip
    assert 0 < b.primary_share < 1 and a.primary_share == 0
    assert a.inputs_digest != b.inputs_digest


def test_json_output_has_the_contract_keys():
    result = runner.invoke(app, ["footprint", "ncm811-prismatic", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key in ("design", "functional_unit", "total_kgco2e_per_kwh", "total_kgco2e_per_pack",
                "stages", "components", "cell_share", "factor_release", "rule_set",
                "inputs_digest", "software_version"):  # fmt: skip
        assert key in data
    assert set(data["stages"]) == {"raw_materials", "production"}
    assert {
        "cathode",
        "anode",
        "electrolyte",
        "separator",
        "copper_foil",
        "aluminium_foil",
        "casing_other",
        "cell_production_energy",
        "module_pack",
    } == set(data["components"])
    again = json.loads(
        runner.invoke(app, ["footprint", "ncm811-prismatic", "--format", "json"]).stdout
    )
    assert again == data  # same inputs, identical output


def test_csv_and_chart_outputs(tmp_path: Path):
    chart = tmp_path / "c.png"
    result = runner.invoke(
        app, ["footprint", "lfp-prismatic", "--format", "csv", "--chart", str(chart)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "design,level,breakdown,key,kgco2e_per_kwh"
    assert chart.stat().st_size > 5_000
    html = tmp_path / "c.html"
    assert runner.invoke(app, ["footprint", "lfp-prismatic", "--chart", str(html)]).exit_code == 0
    assert "plotly" in html.read_text()[:200_000].lower()


@pytest.mark.parametrize("release", ["open-2024.1", "whitepaper-2023"])
def test_every_bundled_design_runs_with_plants_anywhere(release: str):
    """Region fallbacks must cover every flow the model asks for, in both releases."""
    from batterycarbon.battery import Options
    from batterycarbon.factors import library

    lib = library(release)
    for design_id in bundled_design_ids():
        design = load_design(design_id)
        for country in ("CN", "DE", "SE", "US", "KR", "JP", "PL", "HU", "ID", "BR"):
            result = footprint(design, lib, Options(grid=country))
            assert result.total_kgco2e_per_kwh > 0, (design_id, country)
