"""Scenarios: validated levers, composition in order, pathways, trend and hotspots commands."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from batterycarbon.battery import footprint, load_design
from batterycarbon.cli import app
from batterycarbon.errors import InputError
from batterycarbon.scenarios import (
    Scenario,
    apply,
    bundled_pathway_ids,
    bundled_scenario_ids,
    compose,
    load_pathway,
    load_scenario,
    parse_scenario,
    pathway,
)

runner = CliRunner()


def output(result) -> str:
    return result.output + (getattr(result, "stderr", "") or "")


def test_bundled_scenarios_and_pathways_load():
    for scenario_id in bundled_scenario_ids():
        assert load_scenario(scenario_id).name
    for pathway_id in bundled_pathway_ids():
        preset = load_pathway(pathway_id)
        assert [s.resolve() for s in preset.steps]


def test_eu_presets_are_the_regulation_targets():
    assert load_scenario("eu-2031").recycled_content == {"Co": 0.16, "Li": 0.06, "Ni": 0.06}
    assert load_scenario("eu-2036").recycled_content == {"Co": 0.26, "Li": 0.12, "Ni": 0.15}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"green": {"kitchen": 1}}, "green step 'kitchen'"),
        ({"green": {"cell": 1.5}}, "less than or equal to 1"),
        ({"green": {"cell": {"share": 1, "contract": "handshake"}}}, "contract"),
        ({"recycled_content": {"Pb": 0.85}}, "recycled-content element 'Pb'"),
        ({"recycled_content": "eu-2099"}, "preset 'eu-2099' unknown"),
        ({"plants": {"cell": "Hungary"}}, "ISO 3166"),
        ({"format": "hexagonal"}, "format"),
        ({"colour": "green"}, "Extra inputs are not permitted"),
    ],
)
def test_bad_scenarios_name_the_field(data, expected):
    with pytest.raises(InputError) as info:
        parse_scenario(data, "scenario.yaml")
    assert expected in str(info.value) and "scenario.yaml" in str(info.value)


def test_composition_of_independent_levers_does_not_depend_on_order(open_library):
    design = load_design("ncm811-prismatic")
    levers = [
        Scenario(green={"cell": {"share": 1.0}}),
        Scenario(plants={"cathode": "FI"}),
        Scenario(green={"anode": {"share": 0.5}}),
        Scenario(format="pouch"),
        Scenario(plants={"pack": "HU"}),
    ]
    totals = set()
    for order in itertools.permutations(levers):
        changed, options = apply(design, compose(list(order)))
        totals.add(footprint(changed, open_library, options).total_kgco2e_per_kwh)
    assert len(totals) == 1


def test_later_steps_override_earlier_ones_key_by_key():
    merged = compose(
        [Scenario(green={"cell": {"share": 1.0}}), Scenario(green={"cell": {"share": 0.2}})]
    )
    assert merged.green["cell"].share == 0.2
    moved = compose([Scenario(plants={"cell": "HU"}), Scenario(grid="SE")])
    assert moved.grid == "SE" and moved.plants == {}


def test_format_swap_changes_the_casing_only(open_library):
    design = load_design("ncm811-prismatic")
    changed, _ = apply(design, Scenario(format="pouch"))
    a = footprint(design, open_library, level="cell")
    b = footprint(changed, open_library, level="cell")
    assert changed.format == "pouch" and design.format == "prismatic"
    assert b.components["casing_other"] < a.components["casing_other"]
    assert b.components["cathode"] == pytest.approx(a.components["cathode"])


def test_pathway_starts_with_the_unchanged_design_and_accumulates(open_library):
    design = load_design("lfp-prismatic")
    steps = [("green cell", load_scenario("green-cell")), ("green all", load_scenario("green-all"))]
    result = pathway(design, steps, open_library, level="cell")
    base = footprint(design, open_library, level="cell").total_kgco2e_per_kwh
    assert [s.name for s in result.steps] == ["start", "green cell", "green all"]
    assert result.steps[0].total_kgco2e_per_kwh == base and result.steps[0].change_vs_start == 0
    totals = [s.total_kgco2e_per_kwh for s in result.steps]
    assert totals[0] > totals[1] > totals[2]
    assert result.steps[2].change_vs_start == pytest.approx(totals[2] / totals[0] - 1)


def test_pathway_cli_json_and_chart(tmp_path: Path):
    chart = tmp_path / "waterfall.png"
    result = runner.invoke(app, ["pathway", "lfp-prismatic", "--step", "green cell=green-cell",
                                 "--format", "json", "--chart", str(chart), "--level", "cell"])  # fmt: skip
    assert result.exit_code == 0, output(result)
    data = json.loads(result.stdout)
    assert data["design"] == "lfp-prismatic" and data["level"] == "cell"
    assert [s["name"] for s in data["steps"]] == ["start", "green cell"]
    assert {"name", "total_kgco2e_per_kwh", "change_vs_start"} <= set(data["steps"][1])
    assert chart.stat().st_size > 5_000


def test_pathway_cli_with_a_scenario_file(tmp_path: Path):
    path = tmp_path / "move.yaml"
    path.write_text(yaml.safe_dump({"plants": {"cell": "SE", "pack": "SE"}}))
    result = runner.invoke(
        app, ["pathway", "ncm811-prismatic", "--step", f"move={path}", "--format", "json"]
    )
    assert result.exit_code == 0, output(result)
    steps = json.loads(result.stdout)["steps"]
    assert steps[1]["change_vs_start"] < 0


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["pathway", "lfp-prismatic"], "--step"),
        (["pathway", "lfp-prismatic", "--step", "nameonly"], "NAME=SCENARIO"),
        (["pathway", "lfp-prismatic", "--step", "x=no-such-scenario"], "not a bundled scenario"),
        (["pathway", "--preset", "whitepaper-xyz"], "known presets"),
        (
            ["pathway", "lfp-prismatic", "--step", "x=green-cell", "--chart", "w.svg"],
            ".png or .html",
        ),
        (["trend", "lfp-prismatic", "--years", "2035:2015"], "--years"),
        (["trend", "lfp-prismatic", "--years", "soon"], "FIRST:LAST"),
    ],
)
def test_bad_lever_commands_exit_2(args, expected):
    result = runner.invoke(app, args)
    assert result.exit_code == 2, output(result)
    assert expected in output(result)


def test_trend_uses_dated_grid_factors():
    result = runner.invoke(app, ["trend", "ncm811-prismatic", "--years", "2015:2035", "--grid", "DE",
                                 "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, output(result)
    years = json.loads(result.stdout)["years"]
    assert [y["year"] for y in years] == list(range(2015, 2036))
    assert years[0]["grid_factors"] != years[-1]["grid_factors"]
    assert years[-1]["total_kgco2e_per_kwh"] < years[0]["total_kgco2e_per_kwh"]


def test_hotspots_name_a_lever_for_each_entry():
    result = runner.invoke(app, ["hotspots", "ncm811-prismatic", "--top", "5", "--format", "json"])
    assert result.exit_code == 0, output(result)
    rows = json.loads(result.stdout)
    steps = [r for r in rows if r["kind"] == "process"]
    factors = [r for r in rows if r["kind"] == "factor"]
    assert len(steps) == 5 and len(factors) == 5
    assert all(r["lever"] for r in rows)
    assert steps == sorted(steps, key=lambda r: -r["kgco2e_per_kwh"])
    grid = next(r for r in factors if r["id"].startswith("electricity_grid"))
    assert grid["cause"] == "electricity" and "green power" in grid["lever"]


@pytest.mark.parametrize(
    ("rule_set", "counts"),
    [("whitepaper-c2g", False), ("jrc-cfb-ev-2023", False), ("eu-draft-2024", False),
     ("ghg-protocol-market", True)],
)  # fmt: skip
def test_certificates_count_only_where_the_rule_set_accepts_them(open_library, rule_set, counts):
    design = load_design("ncm811-prismatic")
    base = footprint(design, open_library, rule_set_id=rule_set).total_kgco2e_per_kwh
    changed, options = apply(design, load_scenario("certificates-cell"))
    with_certificates = footprint(changed, open_library, options, rule_set_id=rule_set)
    if counts:
        assert with_certificates.total_kgco2e_per_kwh < base
    else:
        assert with_certificates.total_kgco2e_per_kwh == base
    direct_line = apply(design, load_scenario("green-cell"))
    assert (
        footprint(
            *direct_line[:1], open_library, direct_line[1], rule_set_id=rule_set
        ).total_kgco2e_per_kwh
        < base
    )


def test_rules_command_lists_the_contracts_each_rule_set_counts():
    result = runner.invoke(app, ["rules"])
    assert result.exit_code == 0
    assert "ghg-protoc" in result.output and "certificat" in result.output


def test_eol_command_grades_and_quantifies():
    result = runner.invoke(app, ["eol", "ncm811-prismatic", "--soh", "0.1", "--format", "json"])
    assert result.exit_code == 0, output(result)
    data = json.loads(result.stdout)
    assert data["grade"] == "recycle" and data["route"] == "hydro"
    assert data["process_kgco2e_per_kwh"] > 0 and -1 < data["remanufacture_change"] < 0
    second = json.loads(
        runner.invoke(app, ["eol", "ncm811-prismatic", "--soh", "0.72", "--format", "json"]).stdout
    )
    assert second["grade"] == "repack" and second["route"] == "second-life"
    assert second["process_kgco2e_per_kwh"] is None and "qualitatively" in second["note"]
    for args in (["--soh", "1.5"], ["--route", "melt"]):
        bad = runner.invoke(app, ["eol", "ncm811-prismatic", *args])
        assert bad.exit_code == 2, output(bad)


@pytest.mark.parametrize("rule_set", ["whitepaper-c2g", "jrc-cfb-ev-2023"])
def test_zero_recycled_content_gives_exactly_the_virgin_result(open_library, rule_set):
    design = load_design("ncm811-prismatic")
    virgin = footprint(design, open_library, rule_set_id=rule_set).total_kgco2e_per_kwh
    zero = Scenario(recycled_content={"Co": 0.0, "Li": 0.0, "Ni": 0.0, "Cu": 0.0, "Al": 0.0})
    changed, options = apply(design, zero)
    assert (
        footprint(changed, open_library, options, rule_set_id=rule_set).total_kgco2e_per_kwh
        == virgin
    )


@pytest.mark.parametrize("rule_set", ["whitepaper-c2g", "jrc-cfb-ev-2023"])
@pytest.mark.parametrize("element", ["Co", "Li", "Ni", "Cu", "Al"])
def test_more_recycled_content_never_raises_the_burden(open_library, rule_set, element):
    """The recycled route's factors are below the virgin ones here, so burdens can only fall."""
    design = load_design("ncm811-prismatic")
    totals = []
    for share in (0.0, 0.1, 0.3, 0.6, 1.0):
        changed, options = apply(design, Scenario(recycled_content={element: share}))
        totals.append(
            footprint(changed, open_library, options, rule_set_id=rule_set).total_kgco2e_per_kwh
        )
    assert totals == sorted(totals, reverse=True), (element, totals)
    assert totals[-1] < totals[0]


def test_eu_recycled_content_presets_lower_an_ncm_cell(open_library):
    design = load_design("ncm811-prismatic")
    totals = []
    for preset in (None, "eu-2031", "eu-2036"):
        scenario = load_scenario(preset) if preset else Scenario()
        changed, options = apply(design, scenario)
        totals.append(footprint(changed, open_library, options, level="cell").total_kgco2e_per_kwh)
    assert totals[0] > totals[1] > totals[2]
