"""Rule sets side by side and their reconciliation, on the ncm811-prismatic reference design."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from batterycarbon.battery import Design, footprint
from batterycarbon.cli.compliance import app
from batterycarbon.compliance.standards import compare, reconcile, standards_report
from batterycarbon.errors import InputError
from batterycarbon.factors import FactorLibrary
from batterycarbon.recycling import end_of_life_methods
from batterycarbon.rules import rule_set_ids
from batterycarbon.rules.functional_unit import UseProfile


def test_every_rule_set_reports_per_fu_per_capacity_and_per_delivered(
    ncm811: Design, open_library: FactorLibrary, car: UseProfile
) -> None:
    results = compare(ncm811, open_library, profile=car)
    assert [r.rule_set.id for r in results][0] == "whitepaper-c2g"
    assert {r.rule_set.id for r in results} == set(rule_set_ids())
    for r in results:
        per_pack = r.total_kgco2e_per_kwh_capacity * r.capacity_kwh
        assert r.total_kgco2e_per_kwh_delivered == pytest.approx(per_pack / 25_920.0)
        expected_fu = 25_920.0 if r.rule_set.functional_unit_basis == "delivered_energy" else 59.94
        assert r.total_kgco2e_per_fu == pytest.approx(per_pack / expected_fu)
        assert sum(r.stages_kgco2e_per_fu.values()) == pytest.approx(r.total_kgco2e_per_fu)


def test_cradle_to_gate_equals_the_plain_footprint(
    ncm811: Design, open_library: FactorLibrary
) -> None:
    (result,) = compare(ncm811, open_library, ["iso14067-c2g"])
    plain = footprint(ncm811, open_library, rule_set_id="iso14067-c2g")
    assert result.total_kgco2e_per_fu == pytest.approx(plain.total_kgco2e_per_kwh)


def test_eu_end_of_life_is_the_hydro_routes_cff(
    ncm811: Design, open_library: FactorLibrary, car: UseProfile
) -> None:
    (result,) = compare(ncm811, open_library, ["eu-draft-2024"], profile=car)
    hydro = end_of_life_methods("hydro", ncm811, open_library)
    assert result.end_of_life_route == "hydro"
    assert result.disposal is not None and result.disposal.route == "hydro"
    disposal = result.disposal.kgco2e_per_pack / result.capacity_kwh
    assert disposal > 0
    assert result.stages_kgco2e_per_kwh_capacity["end_of_life"] == pytest.approx(
        hydro.cff_kgco2e_per_kwh + disposal
    )
    # Distribution: a pack made in China goes 1 000 km by road and 18 000 km by sea
    # (battery/data/distribution.toml, extra_eu): pack tonnes x km x the transport factor.
    road = open_library.resolve("transport_road", "GLO", ncm811.year).value
    sea = open_library.resolve("transport_sea", "GLO", ncm811.year).value
    tonnes = result.footprint.pack["pack_mass_kg"] / 1000.0
    assert result.stages_kgco2e_per_kwh_capacity["distribution"] == pytest.approx(
        tonnes * (1000.0 * road + 18000.0 * sea) / result.capacity_kwh, rel=1e-9
    )


def test_reconciliation_walks_from_the_reference_to_each_rule_set(
    ncm811: Design, open_library: FactorLibrary, car: UseProfile
) -> None:
    results = compare(ncm811, open_library, profile=car)
    reference = results[0].total_kgco2e_per_kwh_capacity
    rows = reconcile(results)
    for r in results[1:]:
        mine = [row for row in rows if row["rule_set"] == r.rule_set.id]
        assert [row["aspect"] for row in mine] == [
            "electricity", "boundary", "end_of_life", "functional_unit"
        ]  # fmt: skip
        effects = sum(row["effect_kgco2e_per_kwh_capacity"] or 0.0 for row in mine)
        assert reference + effects == pytest.approx(r.total_kgco2e_per_kwh_capacity)
        divisor = mine[-1]["fu_divisor"]
        assert r.total_kgco2e_per_kwh_capacity / divisor == pytest.approx(r.total_kgco2e_per_fu)


def test_green_power_by_certificate_shows_as_an_electricity_difference(
    ncm811: Design, open_library: FactorLibrary
) -> None:
    from batterycarbon.battery import Options

    options = Options(green={"cell": 1.0}, green_contracts={"cell": "certificate"})
    results = compare(ncm811, open_library, ["whitepaper-c2g", "iso14067-c2g"], options)
    row = next(r for r in reconcile(results) if r["aspect"] == "electricity")
    assert row["effect_kgco2e_per_kwh_capacity"] < 0  # certificates count under ISO 14067 here


def test_missing_use_inputs_fail_clearly(ncm811: Design, open_library: FactorLibrary) -> None:
    with pytest.raises(InputError, match="--usable-kwh"):
        compare(ncm811, open_library, ["eu-draft-2024"])


def test_standards_command_json_shape(ncm811: Design, open_library: FactorLibrary) -> None:
    result = CliRunner().invoke(app, [
        "standards", "ncm811-prismatic", "--format", "json", "--usable-kwh", "54",
        "--vehicle-category", "M1", "--warranty-years", "8",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report) >= {"rule_sets", "reconciliation"}
    for entry in report["rule_sets"]:
        assert {"id", "functional_unit", "total_kgco2e_per_fu", "stages"} <= set(entry)
    car = UseProfile(usable_capacity_kwh=54, vehicle_category="car_van", warranty_years=8)
    assert report == standards_report(compare(ncm811, open_library, profile=car), car)


def test_standards_command_without_use_inputs_exits_with_the_missing_fields() -> None:
    result = CliRunner().invoke(app, ["standards", "ncm811-prismatic"])
    assert result.exit_code == 2
    assert "warranty_years" in result.output
