"""End of life: recycling routes, their process emissions, remanufacture and second-life grading.

The white-paper figures are section 5.4 of the paper (reference/DIGEST.md), for a 74 kWh NCM811
pack of 188 cells, under release whitepaper-2023.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

import pytest
from reproduction_support import expect_report_verdict

from batterycarbon.battery import Design, load_design
from batterycarbon.errors import InputError
from batterycarbon.factors import FactorLibrary, load_release, load_release_dir
from batterycarbon.recycling import (
    RouteNotQuantifiedError,
    grade,
    load_grading,
    load_routes,
    parse_grading,
    parse_routes,
    process_emissions,
    remanufacture,
    remanufacture_change,
    route_process_emissions,
)
from batterycarbon.recycling.grading import GRADING_FILE
from batterycarbon.recycling.routes import ROUTES_FILE
from batterycarbon.reports.published_figures import precise

#: Flows of factors/releases/open-2024.1/factors/recycling.csv that the routes consume; the
#: whitepaper-2023 release gets them when they are added to GAP_FLOWS of
#: scripts/build_whitepaper_release.py. Until then this test copies them the way that script
#: does (the latest row of each region).
REAGENT_FLOWS = ("sulfuric_acid", "hydrogen_peroxide", "sodium_carbonate")


def whitepaper_pack() -> Design:
    """The paper's pack (section 5.4.2): NCM811, 188 cells, 74 kWh at 3.7 V (106.4 Ah cells)."""
    data = load_design("ncm811-prismatic").model_dump()
    data["pack"]["cells"] = 188
    data["cell"]["capacity_ah"] = 74_000 / 188 / 3.7
    return Design.model_validate(data)


@pytest.fixture(scope="module")
def whitepaper_eol(whitepaper: FactorLibrary) -> FactorLibrary:
    missing = [flow for flow in REAGENT_FLOWS if flow not in whitepaper.flows]
    if not missing:
        return whitepaper
    latest: dict[tuple[str, str], Any] = {}
    for factor in load_release("open-2024.1").factors.values():
        key = (factor.flow, factor.region)
        if factor.flow in missing and (key not in latest or factor.year > latest[key].year):
            latest[key] = factor
    factors = {**whitepaper.release.factors, **{f.id: f for f in latest.values()}}
    return FactorLibrary(whitepaper.release.model_copy(update={"factors": factors}))


@pytest.fixture(scope="module")
def pack() -> Design:
    return whitepaper_pack()


# --- process emissions: hand calculation ------------------------------------------------------

TINY_RELEASE = {
    "release.toml": 'id = "tiny"\ntitle = "tiny"\npublished = 2024-01-01\n',
    "sources/s.toml": '[s]\ncitation = "A source for a hand calculation."\n',
    "factors/f.csv": (
        "id,flow,name,value,unit,region,year,source_id,dqr_ter,dqr_ger,dqr_tir,dqr_p,"
        "distribution,gsd,min,mode,max,notes\n"
        "grid:CN,electricity_grid,grid,0.5,kg CO2e / kWh,CN,2023,s,1,1,1,1,lognormal,1.1,,,,\n"
        "grid:FR,electricity_grid,grid,0.1,kg CO2e / kWh,FR,2023,s,1,1,1,1,lognormal,1.1,,,,\n"
        "gas,heat_natural_gas,gas,0.06,kg CO2e / MJ,GLO,2023,s,1,1,1,1,lognormal,1.1,,,,\n"
        "acid,sulfuric_acid,acid,200,g CO2e / kg,GLO,2023,s,1,1,1,1,lognormal,1.1,,,,\n"
    ),
}

TINY_ROUTES = """
[sources]
a = "A source."
[route.tiny]
name = "Tiny"
description = "A route for a hand calculation."
quantified = true
electricity = {kwh_per_kg = 2.0, source = "a", status = "assumption"}
heat = {mj_per_kg = 10.0, source = "a", status = "assumption"}
reagents = [{flow = "sulfuric_acid", kg_per_kg = 0.5, source = "a", status = "derived"}]
direct_emissions = [{name = "graphite", kgco2_per_kg = 0.3, source = "a", status = "derived"}]
recovery = [{material = "Ni", rate = 0.9, product = "x", replaces = ["nickel_sulfate"], source = "a", status = "assumption"}]
"""


@pytest.fixture(scope="module")
def tiny_library(tmp_path_factory: pytest.TempPathFactory) -> FactorLibrary:
    folder = tmp_path_factory.mktemp("tiny")
    for name, text in TINY_RELEASE.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return FactorLibrary(load_release_dir(folder))


def test_process_emissions_by_hand(tiny_library: FactorLibrary) -> None:
    """Per kg of pack: 2 kWh x 0.5 + 10 MJ x 0.06 + 0.5 kg x 0.2 (200 g) + 0.3 = 2.0 kg CO2e.

    A 300 kg, 60 kWh pack: 2.0 x 300 / 60 = 10.0 kg CO2e/kWh; in France (grid 0.1 and the
    global gas and acid rows by fallback): (0.2 + 0.6 + 0.1 + 0.3) x 5 = 6.0.
    """
    book = parse_routes(tomllib.loads(TINY_ROUTES), "tiny.toml")
    result = process_emissions("tiny", 300.0, 60.0, tiny_library, "CN", 2023, book)
    assert result.total_kgco2e_per_kwh == pytest.approx(10.0)
    assert result.contributions_kgco2e_per_kwh == pytest.approx(
        {"electricity": 5.0, "heat": 3.0, "reagent:sulfuric_acid": 0.5, "direct:graphite": 1.5}
    )
    assert result.factor_ids["electricity"] == "grid:CN"
    assert result.total_kgco2e_per_pack == pytest.approx(600.0)
    france = process_emissions("tiny", 300.0, 60.0, tiny_library, "FR", 2023, book)
    assert france.total_kgco2e_per_kwh == pytest.approx(6.0)


def test_bad_pack_numbers_are_named(open_library: FactorLibrary) -> None:
    with pytest.raises(InputError, match="pack_mass_kg.*-1"):
        route_process_emissions("hydro", -1, 74, open_library)
    with pytest.raises(InputError, match="capacity_kwh"):
        route_process_emissions("hydro", 400, 0, open_library)
    with pytest.raises(InputError, match="unknown route 'smelt'.*hydro"):
        route_process_emissions("smelt", 400, 74, open_library)


def test_second_life_is_qualitative(open_library: FactorLibrary, pack: Design) -> None:
    route = load_routes().routes["second-life"]
    assert not route.quantified and route.recovery == []
    with pytest.raises(RouteNotQuantifiedError, match="qualitatively"):
        route_process_emissions("second-life", 400, 74, open_library)
    with pytest.raises(RouteNotQuantifiedError):
        remanufacture_change("second-life", pack, open_library)


# --- the white paper, section 5.4.2 -------------------------------------------------------------


@pytest.mark.parametrize(("route", "paper"), [("pyro", 5.11), ("hydro", 2.9), ("direct", 3.65)])
def test_whitepaper_process_emissions(
    request: pytest.FixtureRequest,
    whitepaper_eol: FactorLibrary,
    pack: Design,
    route: str,
    paper: float,
) -> None:
    """Fig. 23: pyro 5.11, hydro 2.9, direct 3.65 kg CO2-eq/kWh (the report's tolerance for a
    figure given to 0.01: +-5 %).

    Not an independent validation: each route's electricity is calibrated to this figure
    (routes.toml, ``calibrated_to``; the report's kind ``calibrated``). The test keeps the data,
    the pack model (410 kg for the paper's pack) and the calculation consistent with the paper.
    The paper also states hydro -47.6 % and direct -28.6 % vs pyro, which follow from the three
    figures.
    """
    from batterycarbon.battery import build_system

    expect_report_verdict(request, f"recycling-{route}")
    bsys = build_system(pack, whitepaper_eol)
    assert bsys.pack_capacity_kwh == pytest.approx(74.0)
    value = route_process_emissions(
        route, bsys.pack_mass_kg, bsys.pack_capacity_kwh, whitepaper_eol, "CN", 2023
    )
    low, high = precise(paper)
    assert low <= value <= high, value


@pytest.fixture(scope="module")
def whitepaper_changes(whitepaper_eol: FactorLibrary, pack: Design) -> dict[str, float]:
    return {
        route: remanufacture_change(route, pack, whitepaper_eol)
        for route in ("pyro", "hydro", "direct")
    }


@pytest.mark.parametrize(
    ("route", "paper"), [("pyro", -0.048), ("hydro", -0.3347), ("direct", -0.518)]
)
def test_whitepaper_remanufacture(
    request: pytest.FixtureRequest, whitepaper_changes: dict[str, float], route: str, paper: float
) -> None:
    """Section 5.4.2: remanufactured from recovered material vs virgin, pyro -4.8 %, hydro
    -33.47 %, direct -51.8 %, judged as the report judges them (given to 0.01 %: +-5 % of the
    value). All three are known misses: the recovery rates are cited targets (95 % of Ni, Co, Cu
    and, for hydro, aluminium), not the paper's unpublished ones; the report's row says how much
    of the assumed recovery each figure would take.
    """
    expect_report_verdict(request, f"remanufacture-{route}")
    low, high = precise(paper)
    assert low <= whitepaper_changes[route] <= high, whitepaper_changes[route]


def test_whitepaper_remanufacture_ranking(whitepaper_changes: dict[str, float]) -> None:
    """Section 5.4.2: direct saves most, then hydro, then pyro; all three save."""
    assert whitepaper_changes["direct"] < whitepaper_changes["hydro"]
    assert whitepaper_changes["hydro"] < whitepaper_changes["pyro"] < 0


def test_remanufacture_total_is_savings_minus_process(
    whitepaper_eol: FactorLibrary, pack: Design
) -> None:
    """Whatever the allocation: new = virgin - sum(r m f_virgin) + process emissions (per pack)."""
    result = remanufacture("hydro", pack, whitepaper_eol)
    capacity = result.virgin.capacity_kwh
    avoided = sum(s.rate * s.mass_kg * s.virgin_kgco2e_per_kg for s in result.substitutions)
    expected = result.virgin.total_kgco2e_per_pack - avoided + result.process_kgco2e_per_pack
    assert result.remanufactured.total_kgco2e_per_kwh * capacity == pytest.approx(expected)
    assert {s.target for s in result.substitutions} >= {"nickel_sulfate", "cobalt_sulfate"}
    assert "anode_active_material" not in {s.target for s in result.substitutions}
    assert len(result.remanufactured.primary_data) == len(result.substitutions)


def test_remanufacture_skips_what_a_design_lacks(open_library: FactorLibrary) -> None:
    """LFP has no nickel or cobalt: only the flows it uses are substituted."""
    result = remanufacture("hydro", load_design("lfp-prismatic"), open_library)
    targets = {s.target for s in result.substitutions}
    # the lithium salt is bought from its market (battery.sourcing): recovered lithium replaces
    # the commodity whatever its routes
    assert "nickel_sulfate" not in targets and "lithium_carbonate" in targets
    assert -1 < result.change < 0


def test_recycled_rows_are_not_allocated_from_the_calibrated_routes(
    open_library: FactorLibrary,
) -> None:
    """Since open-2026.1 the recycled-material rows come from published reductions of secondary
    vs primary material (rec-reduction-2026), not from the routes' electricity, which is
    calibrated to the white paper (routes.toml). Hand-computed: nickel sulfate 5.48 x (1 - (0.362
    + 0.58) / 2) = 2.899; cobalt sulfate 15.0 x (1 - (0.874 + 0.58) / 2) = 4.095."""
    for flow in ("nickel_sulfate_recycled", "cobalt_sulfate_recycled", "cam_recovered_direct"):
        assert open_library.resolve(flow, "CN", 2023).source.id == "rec-reduction-2026", flow
    assert open_library.resolve("nickel_sulfate_recycled", "CN", 2023).value == 2.899
    assert open_library.resolve("cobalt_sulfate_recycled", "CN", 2023).value == 4.095
    hydro = load_routes().routes["hydro"].electricity
    assert hydro is not None and hydro.status == "calibrated"


# --- data -------------------------------------------------------------------------------------


def test_bundled_routes_cite_and_use_known_flows(open_library: FactorLibrary) -> None:
    book = load_routes()
    assert set(book.routes) == {"second-life", "direct", "hydro", "pyro", "pyro-hydro"}
    for route in book.routes.values():
        for reagent in route.reagents:
            assert reagent.flow in open_library.flows, (route.id, reagent.flow)
        for item in route.evidence():
            assert item.source in book.sources
        if route.quantified:
            assert {r.material for r in route.recovery} >= {"Li", "Ni", "Co", "Mn", "Cu", "Al"}


def _routes_with(**changes: Any) -> dict[str, Any]:
    data = tomllib.loads(TINY_ROUTES)
    route = data["route"]["tiny"]
    for key, value in changes.items():
        route[key] = value
    return data


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"electricity": {"kwh_per_kg": -1, "source": "a", "status": "derived"}},
         r"route\.tiny\.electricity\.kwh_per_kg.*greater than or equal to 0"),
        ({"electricity": {"kwh_per_kg": 1, "source": "a", "status": "calibrated"}},
         "calibrated_to"),
        ({"heat": {"mj_per_kg": 1, "source": "nowhere", "status": "derived"}},
         "source 'nowhere' is not in"),
        ({"recovery": [{"material": "Ni", "rate": 1.5, "product": "x", "replaces": ["n"],
                        "source": "a", "status": "assumption"}]},
         r"recovery\.0\.rate.*less than or equal to 1"),
        ({"recovery": [{"material": "Fe", "rate": 0.5, "product": "x", "replaces": ["n"],
                        "source": "a", "status": "assumption"}]},
         r"recovery\.0\.material"),
        ({"recovery": [
            {"material": "Li", "rate": 0.5, "product": "x", "replaces": ["n"], "source": "a",
             "status": "assumption"},
            {"material": "Li", "rate": 0.8, "product": "y", "replaces": ["n"], "source": "a",
             "status": "assumption"}]},
         "disagree on rate"),
        ({"quantified": False}, "qualitative_benefit"),
        ({"speed": 3}, r"route\.tiny\.speed.*Extra inputs"),
    ],
)  # fmt: skip
def test_bad_route_data_is_rejected_naming_the_field(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message) as error:
        parse_routes(_routes_with(**changes), "my-routes.toml")
    assert error.value.source == "my-routes.toml"


# --- grading (section 5.4.1) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("soh", "band", "route"),
    [
        (1.0, "vehicle-use", None), (0.80, "vehicle-use", None), (0.7999, "repack", "second-life"),
        (0.72, "repack", "second-life"), (0.60, "repack", "second-life"),
        (0.5999, "cell-regroup", "second-life"), (0.20, "cell-regroup", "second-life"),
        (0.1999, "recycle", "hydro"), (0.0, "recycle", "hydro"),
    ],
)  # fmt: skip
def test_grade_band_edges(soh: float, band: str, route: str | None) -> None:
    """>= 80 % vehicle use; 60-80 % repack; 20-60 % dismantle and regroup cells; < 20 % recycle."""
    result = grade(soh)
    assert (result.name, result.recommended_route) == (band, route)
    assert result.soh_min <= soh <= result.soh_max


@pytest.mark.parametrize("soh", [-0.01, 1.01, 72, math.nan, math.inf])
def test_grade_rejects_soh_outside_0_1(soh: float) -> None:
    with pytest.raises(InputError, match="soh") as error:
        grade(soh)
    assert repr(soh) in str(error.value)


def test_grade_suggests_a_fraction_for_a_percentage() -> None:
    with pytest.raises(InputError, match="did you mean 0.72"):
        grade(72)


def test_grading_recommends_known_routes() -> None:
    routes = load_routes().routes
    for band in load_grading().grades:
        assert band.recommended_route is None or band.recommended_route in routes


def test_bad_grading_is_rejected() -> None:
    data = tomllib.loads(GRADING_FILE.read_text(encoding="utf-8"))
    data["grade"][1]["soh_min"] = 0.65  # repack now starts at 0.65: gap 0.60-0.65
    with pytest.raises(InputError, match="must neither gap nor overlap"):
        parse_grading(data, "grading.toml")
    data["grade"][1]["soh_min"] = 0.9  # above its soh_max 0.8
    with pytest.raises(InputError, match=r"grades\.1.*soh_min 0.9 must be below"):
        parse_grading(data, "grading.toml")


def test_bundled_data_files_exist() -> None:
    assert Path(ROUTES_FILE).is_file() and Path(GRADING_FILE).is_file()


def test_end_of_life_side_by_side_matches_a_hand_calculation(
    monkeypatch: pytest.MonkeyPatch, open_library: FactorLibrary
) -> None:
    """CFF end of life = sum over recovered materials of (1-A)*R2*(ErecEoL - E*v*Qsout/Qp)*m / kWh,
    with A and Qsout/Qp of the material's group (cff_defaults.toml: 0.2 and 1.0 for battery
    active materials and for metals); the cut-off carries none of it and earns no credit.

    Recovered from a 50 kWh pack (literal figures, not a route's):
    cathode active material, 100 kg, R2 0.9, E*v 20, ErecEoL 4:
        0.8 x 0.9 x (4 - 20) = -11.52 kg CO2e/kg; x 100 kg / 50 kWh = -23.04 kg CO2e/kWh;
    copper foil, 20 kg, R2 0.8, E*v 5, ErecEoL 4:
        0.8 x 0.8 x (4 - 5) = -0.64 kg CO2e/kg; x 20 kg / 50 kWh = -0.256 kg CO2e/kWh;
    in all -23.296 kg CO2e/kWh.
    """
    from types import SimpleNamespace

    from batterycarbon.recycling import end_of_life
    from batterycarbon.recycling.remanufacture import Substitution

    substitutions = (
        Substitution("cathode_active_material", "cam", 0.9, 100.0, 20.0, 4.0),
        Substitution("copper_foil", "copper", 0.8, 20.0, 5.0, 4.0),
    )
    outcome = SimpleNamespace(
        virgin=SimpleNamespace(capacity_kwh=50.0), substitutions=substitutions, warnings=()
    )
    monkeypatch.setattr(end_of_life, "remanufacture", lambda route, design, library: outcome)
    design = load_design("ncm811-prismatic")
    methods = end_of_life.end_of_life_methods("hydro", design, open_library)
    assert [m.cff_kgco2e_per_kwh for m in methods.materials] == pytest.approx([-23.04, -0.256])
    assert [(m.a, m.qsout_qp, m.mass_kg_per_kwh) for m in methods.materials] == pytest.approx(
        [(0.2, 1.0, 2.0), (0.2, 1.0, 0.4)]
    )
    assert methods.cff_kgco2e_per_kwh == pytest.approx(-23.296, rel=1e-12)
    assert methods.cut_off_kgco2e_per_kwh == 0.0
