"""The EU functional unit: usable kWh x full equivalent cycles per year x warranty years."""

from __future__ import annotations

import pytest

from batterycarbon.errors import InputError
from batterycarbon.rules import load_rule_set, rule_set_ids
from batterycarbon.rules.functional_unit import (
    UseProfile,
    delivered_energy_kwh,
    functional_unit_energy_kwh,
    parse_use_profile,
    require_use_profile,
)


def test_delivered_energy_is_usable_times_cycles_times_years() -> None:
    assert delivered_energy_kwh(54.0, 60, 8) == pytest.approx(25_920.0)


@pytest.mark.parametrize(
    ("category", "cycles"),
    # draft delegated act Ares(2024)3131389: 60 cars and vans, 20 L, 250 buses and trucks
    [("M1", 60), ("N1", 60), ("L", 20), ("M3", 250), ("N3", 250), ("bus_truck", 250)],
)
def test_cycles_per_year_by_vehicle_category_are_data(category: str, cycles: float) -> None:
    profile = parse_use_profile(
        {"usable_capacity_kwh": 10, "vehicle_category": category, "warranty_years": 1}, "test"
    )
    for rule_set_id in ("eu-draft-2024", "jrc-cfb-ev-2023"):
        rule_set = load_rule_set(rule_set_id)
        assert functional_unit_energy_kwh(rule_set, 12.0, profile) == pytest.approx(10 * cycles)


def test_capacity_rule_sets_divide_by_capacity_and_need_no_use_inputs() -> None:
    rule_set = load_rule_set("iso14067-c2g")
    assert functional_unit_energy_kwh(rule_set, 59.94, None) == 59.94


def test_missing_use_inputs_are_named_with_the_option_that_gives_them() -> None:
    with pytest.raises(InputError) as caught:
        require_use_profile(load_rule_set("eu-draft-2024"), UseProfile(usable_capacity_kwh=50))
    problems = "\n".join(caught.value.problems)
    assert "vehicle_category" in problems and "--vehicle-category" in problems
    assert "warranty_years" in problems and "--warranty-years" in problems
    assert "usable_capacity_kwh" not in problems


def test_an_unknown_vehicle_category_is_rejected() -> None:
    with pytest.raises(InputError, match="vehicle_category"):
        parse_use_profile({"vehicle_category": "tractor"}, "test")


@pytest.mark.parametrize("rule_set_id", rule_set_ids())
def test_every_rule_set_states_its_status_and_what_it_does_not_model(rule_set_id: str) -> None:
    rule_set = load_rule_set(rule_set_id)
    if rule_set.functional_unit_basis == "delivered_energy":
        assert set(rule_set.cycles_per_year) == {"car_van", "two_three_wheeler", "bus_truck"}
        assert rule_set.cycles_notes
    if "distribution" in rule_set.stages:
        assert any(n.startswith("distribution") for n in rule_set.not_modelled)
    if rule_set.status == "draft":
        assert rule_set.disputed
