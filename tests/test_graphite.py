"""Synthetic graphite as a process chain (battery/data/graphite.toml, battery/graphite.py).

Expected values are computed by hand from the literal parameters of graphite.toml; the factor
values (grid, gas, the release's rows) are read from the library as inputs.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from batterycarbon.battery import Options, footprint, load_design
from batterycarbon.battery.design import Design, SupplierOverride
from batterycarbon.battery.graphite import synthetic_graphite_chain
from batterycarbon.errors import InputError
from batterycarbon.factors import library
from batterycarbon.reports import reproduction

# Hand arithmetic on graphite.toml (Acheson furnace, open defaults), per kg of anode material:
G = 1.6167  # kg graphitized per kg
CRUCIBLES = 0.93 * G  # 1.503531 kg of crucible blocks
ELECTRICITY = 12.0 * G + 2.284 + 2.423 + 0.3225 + 1.875 * CRUCIBLES  # 27.24902 kWh
HEAT = 1.481 + 1.140 + 9.359  # 11.98 MJ
PROCESS_CO2 = 0.72 * G + 0.0686 + 0.0849 * CRUCIBLES  # 1.360274 kg
COKE = 1.002 * G + 1.0926 * CRUCIBLES  # 3.262691 kg
BOX_ELECTRICITY = 9.0 * G + 2.284 + 2.423 + 0.3225  # 19.5798 kWh


def test_the_chain_amounts_are_the_hand_sums_of_graphite_toml() -> None:
    chain = synthetic_graphite_chain(library("open-2026.1").release)
    assert chain.furnace == "acheson"
    assert chain.electricity_kwh == pytest.approx(27.24902, rel=1e-6)
    assert chain.electricity_kwh == pytest.approx(ELECTRICITY, rel=1e-12)
    assert chain.heat_mj == pytest.approx(11.98, rel=1e-9)
    assert chain.process_co2_kg == pytest.approx(1.360274, rel=1e-6)
    assert chain.materials_kg == pytest.approx(
        {
            "petroleum_coke_calcined": 3.262691,
            "graphitization_consumables": 1.6167,
            "graphite_crucible_binder": 1.503531,
            "graphite_coating_materials": 1.0,
        },
        rel=1e-6,
    )


def test_the_box_furnace_needs_no_crucibles_and_less_electricity() -> None:
    chain = synthetic_graphite_chain(library("open-2026.1").release, "box")
    assert chain.electricity_kwh == pytest.approx(19.5798, rel=1e-6)
    assert chain.process_co2_kg == pytest.approx(0.72 * G + 0.0686, rel=1e-9)
    assert chain.materials_kg["petroleum_coke_calcined"] == pytest.approx(1.002 * G, rel=1e-9)
    assert "graphite_crucible_binder" not in chain.materials_kg


def test_a_design_override_replaces_the_furnace_electricity_per_kg_graphitized() -> None:
    chain = synthetic_graphite_chain(library("open-2026.1").release, "acheson", 10.0)
    assert chain.electricity_kwh == pytest.approx(ELECTRICITY - 2.0 * G, rel=1e-12)


def test_an_unknown_furnace_is_refused_naming_the_field() -> None:
    with pytest.raises(InputError, match="graphitization_furnace"):
        synthetic_graphite_chain(None, "induction")
    design = load_design("ncm811-prismatic").model_dump()
    design["production_energy"] = {"graphitization_furnace": "induction"}
    with pytest.raises(ValidationError, match="graphitization_furnace"):
        Design.model_validate(design)


def _design(furnace: str = "acheson") -> Design:
    # A supplier figure for the cathode material keeps the cathode chain out of this test.
    d = load_design("ncm811-prismatic")
    energy = d.production_energy.model_copy(update={"graphitization_furnace": furnace})
    cam = SupplierOverride(flow="cathode_active_material", value=30.0, supplier="test")
    return d.model_copy(update={"supplier_overrides": [cam], "production_energy": energy})


def _hand_value(country: str, year: int, electricity_kwh: float, crucibles: float) -> float:
    lib = library("open-2026.1")

    def f(flow: str, region: str = country) -> float:
        return float(lib.lookup(flow, region, year).factor.value)

    coke = 1.002 * G + 1.0926 * crucibles
    return (
        electricity_kwh * f("electricity_grid")
        + coke * f("petroleum_coke_calcined")
        + G * f("graphitization_consumables")
        + crucibles * f("graphite_crucible_binder")
        + 1.0 * f("graphite_coating_materials")
        + HEAT * f("heat_natural_gas")
        + 0.72 * G
        + 0.0686
        + 0.0849 * crucibles
    )


@pytest.mark.parametrize("country", ["CN", "SE"])
def test_the_anode_material_footprint_per_region_is_the_hand_value(country: str) -> None:
    design = _design()
    result = footprint(design, library("open-2026.1"), Options(plants={"anode": country}))
    expected = _hand_value(country, design.year, ELECTRICITY, CRUCIBLES)
    assert result.material_intensities["anode_active_material"] == pytest.approx(expected, rel=1e-9)


def test_the_chain_in_china_and_sweden_with_this_release_s_own_rows() -> None:
    # Non-electric part with the release's rows written out: coke 1.66, consumables 0.6255,
    # crucible binder 0.3796, coating materials 0.1943 (gas heat read from the library).
    lib = library("open-2026.1")
    gas = lib.lookup("heat_natural_gas", "CN").factor.value
    rest = COKE * 1.66 + G * 0.6255 + CRUCIBLES * 0.3796 + 0.1943 + HEAT * gas + PROCESS_CO2
    assert rest == pytest.approx(8.5527 + 11.98 * gas, rel=1e-4)
    for country in ("CN", "SE"):
        design = _design()
        result = footprint(design, lib, Options(plants={"anode": country}))
        grid = lib.lookup("electricity_grid", country, design.year).factor.value
        value = result.material_intensities["anode_active_material"]
        assert value == pytest.approx(rest + ELECTRICITY * grid, rel=1e-6)


def test_the_furnace_lever_moves_the_anode_material_by_the_hand_difference() -> None:
    lib = library("open-2026.1")
    acheson = footprint(_design("acheson"), lib).material_intensities["anode_active_material"]
    box = footprint(_design("box"), lib).material_intensities["anode_active_material"]
    year = _design().year
    expected = _hand_value("CN", year, ELECTRICITY, CRUCIBLES) - _hand_value(
        "CN", year, BOX_ELECTRICITY, 0.0
    )
    assert acheson - box == pytest.approx(expected, rel=1e-9)
    assert acheson - box > 0


def test_recycled_graphite_content_replaces_that_share_of_the_whole_chain() -> None:
    lib = library("open-2026.1")
    design = _design()
    options = Options(recycled_content={"graphite": 0.25})
    value = footprint(design, lib, options).material_intensities["anode_active_material"]
    virgin = _hand_value("CN", design.year, ELECTRICITY, CRUCIBLES)
    recovered = lib.lookup("graphite_recovered_direct", "CN", design.year).factor.value
    # cut-off (the default policy): the recycled quarter carries the recovered material only
    assert value == pytest.approx(0.75 * virgin + 0.25 * recovered, rel=1e-9)


def test_whitepaper_2023_keeps_the_papers_graphite_row() -> None:
    study = reproduction._Study(library("whitepaper-2023"))
    row = reproduction._graphite(study)
    # 1 kg x 1.452 (GIVEN non-energy part) + 8 kWh x 0.581 (CN grid of the paper) = 6.100
    assert row.system == pytest.approx(1.452 + 8.0 * 0.581, abs=0.002)
    assert row.kind == "given"
    assert "8 kWh/kg of graphitization" in row.why
    chain = synthetic_graphite_chain(library("whitepaper-2023").release)
    assert chain.materials_kg == {"graphite_synthetic_feedstock": 1.0}
    assert (chain.electricity_kwh, chain.heat_mj, chain.process_co2_kg) == (8.0, 0.0, 0.0)


def test_a_release_without_the_chain_s_flows_keeps_its_lumped_graphite_with_a_warning() -> None:
    # open-2024.1 predates the chain: 1 kg of its feedstock row + 8 kWh/kg, as it ran then.
    lib = library("open-2024.1")
    design = _design()
    result = footprint(design, lib)
    feedstock = lib.lookup("graphite_synthetic_feedstock", "CN", design.year).factor.value
    grid = lib.lookup("electricity_grid", "CN", design.year).factor.value
    value = result.material_intensities["anode_active_material"]
    assert value == pytest.approx(feedstock + 8.0 * grid, rel=1e-9)
    assert any(
        "release open-2024.1 has no factor for graphite_coating_materials" in w and "8 kWh/kg" in w
        for w in result.warnings
    )


def test_the_chain_energy_draws_once_with_the_gsd_of_the_graphitization_sources() -> None:
    # GSD 1.41 from 5.6, 11.1, 7.9, 12, 12.8 kWh/kg (defaults.toml [uncertainty]).
    from math import log

    from batterycarbon.battery.inventory import build_system
    from batterycarbon.battery.uncertainty import uncertain_inputs

    lib = library("open-2026.1")
    bsys = build_system(_design(), lib)
    chain = [u for u in uncertain_inputs(bsys, lib) if u.kind == "graphite_chain_energy"]
    assert len(chain) == 2  # the anode plant's grid electricity and its gas heat
    assert {u.key for u in chain} == {"parameter:graphite_chain_energy"}
    for u in chain:
        assert u.sampler[0] == "lognormal" and u.sampler[1] == pytest.approx(log(1.41))
