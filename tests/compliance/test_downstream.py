"""Distribution, use-stage losses and disposal of the unrecovered part, by hand calculation.

The reference is the ncm811-prismatic design (pack made in China, 2022) in a car: 54 kWh usable,
60 cycles a year, 8 years -> 25 920 kWh delivered over the service life.
"""

from __future__ import annotations

import pytest

from batterycarbon.battery import Design, Options, build_system
from batterycarbon.battery.downstream import (
    DistributionLeg,
    default_distribution_legs,
    disposal_kgco2e,
    distribution_kgco2e,
    made_in_europe,
    pack_materials_kg,
)
from batterycarbon.compliance.inputs import parse_compliance_inputs
from batterycarbon.compliance.standards import Downstream, account, compare, reconcile
from batterycarbon.errors import InputError
from batterycarbon.factors import FactorLibrary
from batterycarbon.recycling import get_route
from batterycarbon.rules.functional_unit import UseProfile
from batterycarbon.rules.use_stage import UseLosses, use_losses_kwh


def test_default_scenario_follows_the_pack_plant() -> None:
    assert made_in_europe("DE") and made_in_europe("PL") and made_in_europe("EU27")
    assert not made_in_europe("CN") and not made_in_europe("US")
    assert default_distribution_legs("DE")[0] == "intra_eu"
    scenario, legs = default_distribution_legs("CN")
    assert scenario == "extra_eu"
    assert {leg.mode for leg in legs} == {"road", "sea"}


def test_distribution_is_mass_times_distance_times_factor(open_library: FactorLibrary) -> None:
    road = open_library.resolve("transport_road", "GLO", 2022).value
    sea = open_library.resolve("transport_sea", "GLO", 2022).value
    legs = (
        DistributionLeg(mode="road", distance_km=500),
        DistributionLeg(mode="sea", distance_km=10_000),
    )
    result = distribution_kgco2e(400.0, "CN", open_library, 2022, legs)
    assert result.scenario == "given"
    assert result.tkm == pytest.approx(0.4 * 10_500)
    assert result.kgco2e_per_pack == pytest.approx(0.4 * (500 * road + 10_000 * sea))
    # The cited default for a Chinese pack: 1 000 km road + 18 000 km sea (PEF default).
    default = distribution_kgco2e(400.0, "CN", open_library, 2022)
    assert default.kgco2e_per_pack == pytest.approx(0.4 * (1_000 * road + 18_000 * sea))
    assert "pef-2021" in default.source


def test_bad_distribution_input_names_the_field() -> None:
    with pytest.raises(InputError, match=r"distribution\.0\.mode"):
        parse_compliance_inputs({"distribution": [{"mode": "air", "distance_km": 1}]}, "test")
    with pytest.raises(InputError, match=r"distance_km"):
        parse_compliance_inputs({"distribution": [{"mode": "sea", "distance_km": -5}]}, "test")


def test_disposal_counts_only_what_the_route_neither_recovers_nor_burns(
    ncm811: Design, open_library: FactorLibrary
) -> None:
    bsys = build_system(ncm811, open_library, Options())
    masses = pack_materials_kg(bsys)
    assert sum(masses.values()) == pytest.approx(bsys.pack_mass_kg)
    separator_f = open_library.resolve("waste_incineration_polyolefin", "GLO", 2024).value
    electrolyte_f = open_library.resolve("waste_incineration_electrolyte", "GLO", 2024).value
    # Nothing recovered, nothing burnt: every mass disposed of.
    everything = disposal_kgco2e(bsys, "none", {}, set(), open_library)
    assert everything.disposed_kg == pytest.approx(bsys.pack_mass_kg)
    # A route that burns the separator and electrolyte on site leaves less to dispose of.
    burnt = disposal_kgco2e(bsys, "burn", {}, {"separator", "electrolyte_solvents"}, open_library)
    assert everything.kgco2e_per_pack - burnt.kgco2e_per_pack == pytest.approx(
        masses["separator"] * separator_f + masses["electrolyte"] * electrolyte_f
    )
    # Copper recovered at 95 %: 5 % of the foil is disposed of.
    cu = disposal_kgco2e(bsys, "cu", {"Cu": 0.95}, set(), open_library)
    foil = next(m for m in cu.materials if m.material == "copper_foil")
    assert foil.disposed_kg == pytest.approx(0.05 * masses["copper_foil"])


def test_pyro_burns_organics_so_disposes_of_less_than_hydro(
    ncm811: Design, open_library: FactorLibrary
) -> None:
    pyro, hydro = (
        compare(ncm811, open_library, ["ghg-protocol-market"], route=r)[0]
        for r in ("pyro", "hydro")
    )
    assert pyro.disposal is not None and hydro.disposal is not None
    assert pyro.disposal.kgco2e_per_pack < hydro.disposal.kgco2e_per_pack
    burnt = {m.material for m in pyro.disposal.materials if m.fate == "burnt in route"}
    assert {e.name for e in get_route("pyro").direct_emissions} >= {"separator", "graphite"}
    assert {"separator", "electrolyte", "anode_active_material"} <= burnt


def test_use_losses_formula() -> None:
    assert use_losses_kwh(1000.0, 0.95, 0.9) == pytest.approx(1000.0 / 0.855 - 1000.0)
    assert use_losses_kwh(1000.0, 1.0, 1.0) == 0.0
    with pytest.raises(ValueError):
        use_losses_kwh(1000.0, 0.0, 0.9)


def test_use_stage_counts_only_where_the_rule_set_includes_use(
    ncm811: Design, open_library: FactorLibrary, car: UseProfile
) -> None:
    losses = UseLosses(battery_efficiency=0.95, charger_efficiency=0.9, country="DE")
    down = Downstream(use_losses=losses)
    pefcr = account(ncm811, open_library, "pefcr-batteries", profile=car, downstream=down)
    eu = account(ncm811, open_library, "eu-draft-2024", profile=car, downstream=down)
    assert "use" not in eu.stages_kgco2e_per_kwh_capacity
    grid = open_library.resolve("electricity_grid", "DE", 2022).value
    expected = 25_920.0 * (1 / 0.855 - 1) * grid / pefcr.capacity_kwh
    assert pefcr.stages_kgco2e_per_kwh_capacity["use"] == pytest.approx(expected)
    assert pefcr.use_stage is not None and pefcr.use_stage["provided"]
    # Without efficiencies: 0 and reported as not provided, never a guessed default.
    bare = account(ncm811, open_library, "pefcr-batteries", profile=car)
    assert bare.stages_kgco2e_per_kwh_capacity["use"] == 0.0
    assert bare.use_stage is not None and not bare.use_stage["provided"]


def test_use_losses_need_the_delivered_energy(ncm811: Design, open_library: FactorLibrary) -> None:
    losses = UseLosses(battery_efficiency=0.95, charger_efficiency=0.9, country="DE")
    with pytest.raises(InputError, match="usable_capacity_kwh"):
        account(ncm811, open_library, "pefcr-batteries", downstream=Downstream(use_losses=losses))


def test_reconciliation_names_the_added_stages(
    ncm811: Design, open_library: FactorLibrary, car: UseProfile
) -> None:
    results = compare(ncm811, open_library, ["whitepaper-c2g", "pefcr-batteries"], profile=car)
    (boundary,) = [r for r in reconcile(results) if r["aspect"] == "boundary"]
    assert "distribution" in boundary["explanation"] and "extra_eu" in boundary["explanation"]
    assert "use" in boundary["explanation"] and "not provided" in boundary["explanation"]
    pefcr = results[1].stages_kgco2e_per_kwh_capacity
    assert boundary["effect_kgco2e_per_kwh_capacity"] == pytest.approx(
        pefcr["distribution"] + pefcr["use"]
    )
