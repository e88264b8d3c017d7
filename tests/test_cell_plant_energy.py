"""Cell plant: electricity and natural-gas heat per step, the green-heat lever, its checks.

Hand calculations use a library whose grid, green-power and gas-heat factors are literal
(GRID, GREEN, GAS below), so every expected number is written out from the inputs: kWh or MJ
per kWh of cells times kg CO2e per kWh or MJ. The cell plant's share of a footprint is the
``cell_production_energy`` component (electrode production, cell assembly, formation).
"""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from batterycarbon.battery import Design, Options, footprint, load_design
from batterycarbon.battery.design import parse_design
from batterycarbon.battery.inventory import build_system
from batterycarbon.battery.uncertainty import uncertain_inputs
from batterycarbon.cli.common import parse_green, plant_options
from batterycarbon.errors import InputError
from batterycarbon.factors import FactorLibrary
from batterycarbon.scenarios.library import load_scenario
from batterycarbon.scenarios.model import Scenario, apply, compose
from batterycarbon.scenarios.sweep import parse_vary, sweep

GRID = 0.5  # kg CO2e / kWh
GREEN = 0.03  # kg CO2e / kWh
GAS = 0.06  # kg CO2e / MJ of heat
COP = 2.5  # data/defaults.toml [green_heat] heat_pump_cop
LITERAL = {"electricity_grid": GRID, "electricity_green": GREEN, "heat_natural_gas": GAS}
COMPONENT = "cell_production_energy"
#: Per kWh of cells: electrode drying 5 kWh + 40 MJ, dry room 7 kWh + 25 MJ, other 3 kWh,
#: formation 4 kWh: 19 kWh of electricity and 65 MJ of heat.
PLANT = {
    "cell_electrode_drying_kwh_per_kwh": 5.0,
    "cell_electrode_drying_heat_mj_per_kwh": 40.0,
    "cell_dry_room_kwh_per_kwh": 7.0,
    "cell_dry_room_heat_mj_per_kwh": 25.0,
    "cell_other_kwh_per_kwh": 3.0,
    "cell_formation_kwh_per_kwh": 4.0,
}


@pytest.fixture(scope="module")
def literal_library(open_library: FactorLibrary) -> FactorLibrary:
    """The open release with one global row, of literal value, for grid, green power, gas."""
    factors = {k: f for k, f in open_library.release.factors.items() if f.flow not in LITERAL}
    for flow, value in LITERAL.items():
        template = next(f for f in open_library.release.factors.values() if f.flow == flow)
        fid = f"{flow}:GLO:2022"
        factors[fid] = template.model_copy(
            update={"id": fid, "value": value, "region": "GLO", "year": 2022, "uncertainty": None}
        )
    return FactorLibrary(open_library.release.model_copy(update={"factors": factors}))


def plant_design() -> Design:
    data = load_design("ncm811-prismatic").model_dump()
    data["production_energy"] = {**data.get("production_energy", {}), **PLANT}
    return Design.model_validate(data)


def cell_plant(design: Design, library: FactorLibrary, options: Options | None = None) -> float:
    return float(footprint(design, library, options, level="cell").components[COMPONENT])


def processes(
    design: Design, library: FactorLibrary, options: Options | None = None
) -> dict[str, float]:
    result = footprint(design, library, options, level="cell")
    return {p["id"]: p["kgco2e_per_kwh"] for p in result.processes}


# --- hand calculations -------------------------------------------------------------------------


def test_cell_plant_footprint_by_hand(literal_library: FactorLibrary) -> None:
    """19 kWh x 0.5 + 65 MJ x 0.06 = 9.5 + 3.9 = 13.4 kg CO2e per kWh of cells; per step:
    electrode production 5 x 0.5 + 40 x 0.06 = 4.9, cell assembly (7 + 3) x 0.5 + 25 x 0.06
    = 6.5, formation 4 x 0.5 = 2.0."""
    design = plant_design()
    assert cell_plant(design, literal_library) == pytest.approx(13.4, rel=1e-9)
    steps = processes(design, literal_library)
    assert steps["electrode_production"] == pytest.approx(4.9, rel=1e-9)
    assert steps["cell_assembly"] == pytest.approx(6.5, rel=1e-9)
    assert steps["formation"] == pytest.approx(2.0, rel=1e-9)


def test_default_cell_plant_is_sourced_electricity_and_gas_heat(
    literal_library: FactorLibrary,
) -> None:
    """The defaults (data/defaults.toml, degen_schuette2022): electricity 5.9 + 7.1 + 3.55 +
    3.55 = 20.1 kWh and heat 42.8 + 26.4 = 69.2 MJ per kWh of cells:
    20.1 x 0.5 + 69.2 x 0.06 = 10.05 + 4.152 = 14.202."""
    design = load_design("ncm811-prismatic")
    assert cell_plant(design, literal_library) == pytest.approx(14.202, rel=1e-9)
    steps = processes(design, literal_library)
    assert steps["electrode_production"] == pytest.approx(5.9 * 0.5 + 42.8 * 0.06, rel=1e-9)
    assert steps["cell_assembly"] == pytest.approx(10.65 * 0.5 + 26.4 * 0.06, rel=1e-9)
    assert steps["formation"] == pytest.approx(3.55 * 0.5, rel=1e-9)


# --- the green-heat lever ----------------------------------------------------------------------


def test_green_heat_replaces_the_heat_part_only(literal_library: FactorLibrary) -> None:
    """All heat from the heat pump on green power: 65 MJ / 3.6 / 2.5 = 7.2222 kWh x 0.03 =
    0.216667 instead of 3.9; the 19 kWh of electricity stay on the grid (9.5); every other
    component is unchanged."""
    design = plant_design()
    base = footprint(design, literal_library, level="cell")
    heat = footprint(design, literal_library, Options(green_heat={"cell": 1.0}), level="cell")
    assert heat.components[COMPONENT] == pytest.approx(9.5 + 65 / 3.6 / COP * GREEN, rel=1e-9)
    assert heat.components[COMPONENT] == pytest.approx(9.716667, rel=1e-6)
    for name, value in base.components.items():
        if name != COMPONENT:
            assert heat.components[name] == pytest.approx(value, rel=1e-12), name
    # a share: 0.4 of the heat from the heat pump, 0.6 from gas
    part = cell_plant(design, literal_library, Options(green_heat={"cell": 0.4}))
    assert part == pytest.approx(9.5 + 0.6 * 3.9 + 0.4 * 0.216667, rel=1e-6)


def test_green_power_and_green_heat_together(literal_library: FactorLibrary) -> None:
    """Green power moves the 19 kWh only (19 x 0.03 = 0.57, gas 3.9 stays); with green heat
    too the plant is 0.57 + 0.216667 = 0.786667."""
    design = plant_design()
    power = cell_plant(design, literal_library, Options(green={"cell": 1.0}))
    assert power == pytest.approx(0.57 + 3.9, rel=1e-9)
    both = cell_plant(
        design, literal_library, Options(green={"cell": 1.0}, green_heat={"cell": 1.0})
    )
    assert both == pytest.approx(0.786667, rel=1e-6)


def test_green_heat_under_an_uncounted_contract_runs_on_the_grid(
    literal_library: FactorLibrary,
) -> None:
    """The white-paper rule set counts direct lines only: with certificates the heat pump's
    power is grid power: 9.5 + 65 / 9 x 0.5 = 9.5 + 3.611111 = 13.111111."""
    options = Options(green_heat={"cell": 1.0}, green_contracts={"cell": "certificate"})
    assert cell_plant(plant_design(), literal_library, options) == pytest.approx(
        13.111111, rel=1e-6
    )


def test_green_heat_on_a_step_without_heat_changes_nothing(
    literal_library: FactorLibrary,
) -> None:
    design = plant_design()
    base = footprint(design, literal_library).total_kgco2e_per_kwh
    pack = footprint(design, literal_library, Options(green_heat={"pack": 1.0}))
    assert pack.total_kgco2e_per_kwh == pytest.approx(base, rel=1e-12)


# --- bad lever values --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("green_heat", "named"),
    [
        ({"cell": 1.5}, ("green heat", "cell", "=1.5")),
        ({"cell": -0.1}, ("green heat", "cell", "=-0.1")),
        ({"kitchen": 1.0}, ("green heat", "kitchen", "expected a step")),
    ],
)
def test_engine_refuses_bad_green_heat(
    literal_library: FactorLibrary, green_heat: dict[str, float], named: tuple[str, ...]
) -> None:
    with pytest.raises(InputError) as info:
        footprint(plant_design(), literal_library, Options(green_heat=green_heat))
    assert info.value.source == "options"
    assert any(all(part in problem for part in named) for problem in info.value.problems)


def test_green_heat_on_a_step_a_supplier_makes_is_refused(open_library: FactorLibrary) -> None:
    """A supplier's cathode material holds its own plant's heat: the lever would change nothing."""
    figure = {
        "flow": "cam_ncm811",
        "value": 28.4,
        "supplier": "Cathode Co",
        "material": "cathode_active_material",
    }
    data = {
        **load_design("ncm811-prismatic").model_dump(exclude_defaults=True),
        "supply": {"cathode_active_material": {"supplier": "Cathode Co"}},
        "supplier_overrides": [figure],
    }
    design = parse_design(data, "design")
    with pytest.raises(
        InputError, match="green heat cathode: cathode_active_material is the figure"
    ):
        footprint(design, open_library, Options(green_heat={"cathode": 1.0}))
    footprint(design, open_library, Options(green_heat={"cell": 1.0}))  # its own plant: fine


def test_cli_refuses_bad_green_heat_naming_the_option() -> None:
    with pytest.raises(InputError) as info:
        parse_green(["cell=2", "attic=1", "cell=x"], "--green-heat")
    assert info.value.source == "--green-heat"
    assert len(info.value.problems) == 3
    assert plant_options(None, None, None, ["cell=0.5"]).green_heat == {"cell": 0.5}


def test_scenario_refuses_an_unknown_green_heat_step() -> None:
    with pytest.raises(ValidationError, match="green_heat step 'attic'"):
        Scenario.model_validate({"green_heat": {"attic": 1}})
    with pytest.raises(ValidationError):
        Scenario.model_validate({"green_heat": {"cell": 1.2}})


def test_scenarios_compose_and_apply_green_heat() -> None:
    first = Scenario.model_validate({"green_heat": {"cell": 0.5, "cathode": 1}})
    second = Scenario.model_validate({"green_heat": {"cell": 1}})
    _, options = apply(load_design("ncm811-prismatic"), compose([first, second]))
    assert options.green_heat == {"cell": 1.0, "cathode": 1.0}


def test_bundled_green_heat_scenario() -> None:
    _, options = apply(load_design("ncm811-prismatic"), load_scenario("green-heat-cell"))
    assert options.green_heat == {"cell": 1.0}
    assert options.green == {}


def test_sweep_varies_green_heat_exactly(literal_library: FactorLibrary) -> None:
    """The sweep's linear shortcut equals a direct calculation with both levers on one step."""
    with pytest.raises(InputError):
        parse_vary(["green_heat.attic=0,1"])
    varies = parse_vary(["green_heat.cell=0,0.5,1", "green.cell=0,1"])
    design = plant_design()
    result = sweep(design, literal_library, varies, level="cell")
    for variant, total in zip(result.variants, result.totals, strict=True):
        options = Options(
            green={"cell": float(variant["green.cell"])},
            green_heat={"cell": float(variant["green_heat.cell"])},
        )
        direct = footprint(design, literal_library, options, level="cell").total_kgco2e_per_kwh
        assert total == pytest.approx(direct, rel=1e-9), variant


def test_inputs_digest_is_unchanged_without_green_heat() -> None:
    assert "green_heat" not in Options().canonical()
    assert Options(green_heat={"cell": 1.0}).canonical()["green_heat"] == {"cell": 1.0}


# --- uncertainty from the spread of the sources ------------------------------------------------


def test_cell_plant_energy_is_one_draw_with_the_sources_gsd(open_library: FactorLibrary) -> None:
    """GSD 1.43 (data/defaults.toml [uncertainty] cell_plant_energy), one key for the plant."""
    bsys = build_system(load_design("ncm811-prismatic"), open_library)
    plant = [u for u in uncertain_inputs(bsys, open_library) if u.kind == "cell_plant_energy"]
    # electricity of 3 steps and heat of 2 steps
    assert len(plant) == 5
    assert {u.key for u in plant} == {"parameter:cell_plant_energy"}
    assert all(u.sampler == ("lognormal", math.log(1.43), 0.0, 0.0) for u in plant)


# --- the white-paper release keeps its all-electric plant --------------------------------------


def test_whitepaper_cell_plant_unchanged(whitepaper: FactorLibrary) -> None:
    """whitepaper-2023 pins 34 kWh of electricity and no heat: at China's 0.581 the plant is
    34 x 0.581 = 19.754; all green, 34 x 0.0295 = 1.003, a cut of 18.751; green heat has no
    heat to replace there."""
    design = load_design("ncm811-prismatic")
    grid = footprint(design, whitepaper, level="cell")
    green = footprint(design, whitepaper, Options(green={"cell": 1.0}), level="cell")
    assert grid.components[COMPONENT] == pytest.approx(19.754, rel=1e-9)
    assert green.components[COMPONENT] == pytest.approx(1.003, rel=1e-9)
    heat = footprint(design, whitepaper, Options(green_heat={"cell": 1.0}), level="cell")
    assert heat.total_kgco2e_per_kwh == pytest.approx(grid.total_kgco2e_per_kwh, rel=1e-12)


def test_whitepaper_fig16_cut_is_the_pinned_all_electric_plant(whitepaper: FactorLibrary) -> None:
    """docs/whitepaper-reproduction.md, row fig16: greening the cell plant of the white-paper
    release removes exactly its pinned 34 kWh per kWh of cells at whitepaper-2023's Chinese grid
    (0.581, electricity_grid:CN:2021) minus green power (0.0295, electricity_green:GLO:2014):
    34 x (0.581 - 0.0295) = 18.751 kg CO2e/kWh; no gas heat (pinned 0), so nothing stays."""
    design = load_design("ncm811-prismatic")
    grid = footprint(design, whitepaper, level="cell").total_kgco2e_per_kwh
    green = footprint(design, whitepaper, Options(green={"cell": 1.0}), level="cell")
    assert grid - green.total_kgco2e_per_kwh == pytest.approx(18.751, abs=1e-9)
