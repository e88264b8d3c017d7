"""One validation of each field for every path (issue 13 §2): the design (file, API, editor) and
the declaration's use profile (compliance inputs, CLI options, declaration form) accept and
refuse the same values of the use section with the same message. Observed: the design took the
vehicle categories "tractor" and "car", which the declaration then refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from batterycarbon.battery.design import parse_design, read_stored_design
from batterycarbon.cli import app
from batterycarbon.compliance.inputs import parse_compliance_inputs, use_profile_for
from batterycarbon.errors import InputError
from batterycarbon.rules.functional_unit import VEHICLE_CLASSES, parse_use_profile
from batterycarbon.rules.ruleset import VEHICLE_CATEGORIES
from batterycarbon.services.dataset_input import validate_fields

MINIMAL = {"chemistry": "NCM811", "format": "prismatic", "cell": {"capacity_ah": 100}}


def _design_problems(use: dict[str, Any]) -> list[str]:
    try:
        parse_design({**MINIMAL, "use": use}, "design")
    except InputError as exc:
        return list(exc.problems)
    return []


def _profile_problems(use: dict[str, Any]) -> list[str]:
    try:
        parse_use_profile(use, "declaration")
    except InputError as exc:
        return list(exc.problems)
    return []


@pytest.mark.parametrize(
    "use",
    [
        {"vehicle_category": "tractor"},
        {"vehicle_category": "car"},
        {"vehicle_category": ""},
        {"vehicle_category": 3},
        {"usable_capacity_kwh": 0},
        {"usable_capacity_kwh": "lots"},
        {"warranty_years": 0},
        {"warranty_years": 1000},
        {"warranty_years": True},
    ],
)
def test_the_design_and_the_declaration_refuse_the_same_use_values_alike(
    use: dict[str, Any],
) -> None:
    by_design = [p.removeprefix("use.") for p in _design_problems(use)]
    assert by_design, f"the design accepted {use}"
    assert by_design == _profile_problems(use)


@pytest.mark.parametrize("category", [*VEHICLE_CATEGORIES, *VEHICLE_CLASSES, "m1", "n3"])
def test_the_design_and_the_declaration_accept_the_same_categories(category: str) -> None:
    use = {"usable_capacity_kwh": 54, "vehicle_category": category, "warranty_years": 8}
    assert _design_problems(use) == [] and _profile_problems(use) == []
    design = parse_design({**MINIMAL, "use": use}, "design")
    assert use_profile_for(design).vehicle_category in VEHICLE_CATEGORIES


def test_an_unknown_category_names_the_field_and_lists_what_is_expected() -> None:
    (problem,) = _design_problems({"vehicle_category": "tractor"})
    assert problem.startswith("use.vehicle_category: ")
    for expected in (*VEHICLE_CATEGORIES, *VEHICLE_CLASSES):
        assert expected in problem, problem
    assert "'tractor'" in problem


def test_compliance_inputs_refuse_the_category_the_design_refuses() -> None:
    with pytest.raises(InputError) as caught:
        parse_compliance_inputs({"use": {"vehicle_category": "car"}}, "inputs.yaml")
    by_profile = _profile_problems({"vehicle_category": "car"})
    assert caught.value.problems == [f"use.{p}" for p in by_profile]


def test_the_cli_refuses_a_design_file_with_a_car(tmp_path: Path) -> None:
    path = tmp_path / "design.yaml"
    path.write_text(yaml.safe_dump({**MINIMAL, "use": {"vehicle_category": "car"}}))
    outcome = CliRunner().invoke(app, ["footprint", str(path)])
    assert outcome.exit_code == 2, outcome.output
    assert "use.vehicle_category" in outcome.output and "car_van" in outcome.output


def test_a_stored_design_with_a_car_loads_and_its_declaration_names_the_field() -> None:
    use = {"usable_capacity_kwh": 54, "vehicle_category": "car", "warranty_years": 8}
    stored = {**MINIMAL, "use": use}
    design = read_stored_design(stored)  # written before the design applied the rule
    assert design.use is not None and design.use.vehicle_category == "car"
    with pytest.raises(InputError) as caught:
        use_profile_for(design)
    (problem,) = caught.value.problems
    assert problem.startswith("vehicle_category: expected one of car_van"), problem


@pytest.mark.parametrize("country", ["ZZ", "SW", "Germany", "de"])
def test_the_charging_country_is_checked_as_every_region_is(country: str) -> None:
    use_losses = {"battery_efficiency": 0.95, "charger_efficiency": 0.9, "country": country}
    with pytest.raises(InputError) as caught:
        parse_compliance_inputs({"use_losses": use_losses}, "inputs.yaml")
    (problem,) = caught.value.problems
    dataset = {"flow": "cam_ncm811", "value": 1, "region": country, "year": 2023, "dqr": 2}
    dataset_problems: list[str] = []
    validate_fields(dataset, "", dataset_problems)
    assert problem.removeprefix("use_losses.country") == dataset_problems[0].removeprefix("region")


@pytest.mark.parametrize("region", ["DE", "EU27", "GLO"])
def test_a_known_charging_country_or_region_is_accepted(region: str) -> None:
    use_losses = {"battery_efficiency": 0.95, "charger_efficiency": 0.9, "country": region}
    assert parse_compliance_inputs({"use_losses": use_losses}, "inputs.yaml").use_losses


def test_a_category_given_for_the_declaration_replaces_the_stored_designs_refused_one() -> None:
    stored = {**MINIMAL, "use": {"vehicle_category": "car", "warranty_years": 8}}
    given = parse_use_profile({"usable_capacity_kwh": 54, "vehicle_category": "M1"}, "form")
    profile = use_profile_for(read_stored_design(stored), given=given)
    assert (profile.vehicle_category, profile.warranty_years) == ("car_van", 8)
