"""Country codes are ISO 3166-1 alpha-2 wherever a country is entered (issue 13 §2, first half):
``--grid ZZ`` and a plant in "SW" (meant as Sweden) were computed with the global-average grid;
now they are refused naming the field, with a hint when the letters fit a country."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from batterycarbon.battery import Options, bundled_design_ids, footprint, load_design
from batterycarbon.cli import app
from batterycarbon.countries import MAX_HINTS, country_problem, is_country
from batterycarbon.errors import InputError
from batterycarbon.factors import DEFAULT_RELEASE, library
from batterycarbon.scenarios import bundled_scenario_ids, load_scenario, parse_scenario

runner = CliRunner()
MINIMAL = {"chemistry": "NCM811", "format": "prismatic",
           "cell": {"capacity_ah": 100, "nominal_voltage_v": 3.7}}  # fmt: skip


def output(result: object) -> str:
    return str(getattr(result, "output", "")) + str(getattr(result, "stderr", ""))


@pytest.mark.parametrize("code", ["SE", "CN", "HU", "DE", "GB", "KR", "US"])
def test_assigned_codes_pass(code: str) -> None:
    assert country_problem(code) is None and is_country(code)


@pytest.mark.parametrize(
    ("code", "hints"),
    [
        ("SW", ["SE (Sweden)", "CH (Switzerland)"]),
        ("se", ["SE (Sweden)"]),
        ("SWE", ["SE (Sweden)"]),
        ("UK", ["GB (United Kingdom)"]),
        ("HU\n", ["HU (Hungary)"]),
    ],
)
def test_unknown_codes_are_named_with_a_hint(code: str, hints: list[str]) -> None:
    problem = country_problem(code)
    assert problem is not None and problem.startswith(f"{code!r} is not an ISO 3166-1")
    assert "did you mean" in problem
    for hint in hints:
        assert hint in problem, problem
    assert problem.count("(") <= MAX_HINTS


@pytest.mark.parametrize("code", ["ZZ", "XX", "EU27", "GLO", "", "Sweden-ish" * 100])
def test_codes_without_a_fitting_country_get_examples_and_stay_short(code: str) -> None:
    problem = country_problem(code)
    assert problem is not None and "did you mean" not in problem and "such as CN" in problem
    assert len(problem) < 200


@pytest.mark.parametrize("command", ["footprint", "trend", "standards"])
@pytest.mark.parametrize(("grid", "hint"), [("ZZ", "such as CN"), ("SW", "SE (Sweden)")])
def test_cli_grid_outside_iso_3166_exits_2_naming_the_option(
    command: str, grid: str, hint: str
) -> None:
    result = runner.invoke(app, [command, "ncm811-prismatic", "--grid", grid])
    assert result.exit_code == 2, output(result)
    text = output(result)
    assert "--grid" in text and f"'{grid}' is not an ISO 3166-1" in text and hint in text


def test_cli_grid_with_an_iso_code_still_computes() -> None:
    result = runner.invoke(app, ["footprint", "ncm811-prismatic", "--grid", "SE"])
    assert result.exit_code == 0, output(result)


@pytest.mark.parametrize(
    ("plants", "field"),
    [
        ({"cell": "SW"}, "plants.cell"),
        ({"foil": "ZZ"}, "plants.foil"),
        ({"pack": "UK"}, "plants.pack"),
    ],
)
def test_design_file_with_a_plant_outside_iso_3166_exits_2_naming_the_field(
    tmp_path: Path, plants: dict[str, str], field: str
) -> None:
    path = tmp_path / "design.yaml"
    path.write_text(yaml.safe_dump({**MINIMAL, "plants": plants}))
    result = runner.invoke(app, ["footprint", str(path)])
    assert result.exit_code == 2, output(result)
    text = output(result)
    assert str(path) in text and field in text and "is not an ISO 3166-1" in text
    if plants.get("cell") == "SW":
        assert "SE (Sweden)" in text
    with pytest.raises(InputError, match="ISO 3166-1"):
        load_design(path)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"plants": {"cell": "SW"}}, ["plants.cell", "SE (Sweden)"]),
        ({"grid": "ZZ"}, ["grid", "'ZZ' is not an ISO 3166-1"]),
        ({"grid": "SW"}, ["grid", "SE (Sweden)"]),
    ],
)
def test_scenario_levers_outside_iso_3166_are_refused(data: dict, expected: list[str]) -> None:
    with pytest.raises(InputError) as info:
        parse_scenario(data, "scenario.yaml")
    for text in expected:
        assert text in str(info.value), str(info.value)


def test_bundled_designs_and_scenarios_still_load() -> None:
    for design_id in bundled_design_ids():
        load_design(design_id)
    for scenario_id in bundled_scenario_ids():
        load_scenario(scenario_id)


def test_every_country_of_the_factor_library_is_an_iso_code() -> None:
    """A plant can be moved to every country the library has factors for."""
    regions = {factor.region for factor in library(DEFAULT_RELEASE).release.factors.values()}
    countries = {r for r in regions if len(r) == 2}
    assert countries and all(is_country(r) for r in countries), sorted(countries)


@pytest.mark.parametrize("vary", ["cell.country=CN,SW", "plants.pack=ZZ", "grid=SE,SW"])
def test_cli_sweep_country_outside_iso_3166_exits_2_naming_the_option(vary: str) -> None:
    result = runner.invoke(app, ["sweep", "ncm811-prismatic", "--vary", vary])
    assert result.exit_code == 2, output(result)
    assert "--vary" in output(result) and "is not an ISO 3166-1" in output(result)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (Options(grid="ZZ"), "grid: 'ZZ' is not an ISO 3166-1"),
        (Options(plants={"cell": "SW"}), "plant 'cell': 'SW' is not an ISO 3166-1"),
    ],
)
def test_engine_refuses_options_outside_iso_3166(options: Options, expected: str) -> None:
    """Whatever path builds the levers, the engine does not compute an unknown country."""
    with pytest.raises(InputError, match=expected):
        footprint(load_design("ncm811-prismatic"), library(DEFAULT_RELEASE), options)
