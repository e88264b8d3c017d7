"""Commodity markets (issue 15 §1, bullets 3-4): a lithium salt is bought from the market mix of
the buying plant's country and year, each route at its own factor; the sourcing lever sets the
shares; a supplier's figure replaces the market; releases without market mixes (whitepaper-2023)
keep buying one flow at the plant.

Expected values are computed by hand from literal rows: the route factors of open-2026.1
(factors/materials.csv) and the shares of battery/data/sourcing.toml.
"""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from batterycarbon.battery import Options, build_system, footprint, load_design
from batterycarbon.battery.design import Design, SupplierOverride, parse_design
from batterycarbon.battery.sourcing import _parse, lever_problems
from batterycarbon.cli import app
from batterycarbon.errors import InputError
from batterycarbon.factors import FactorLibrary, library
from batterycarbon.lca import Solver

runner = CliRunner()
# open-2026.1 route factors, kg CO2e / kg (factors/materials.csv)
BRINE_CL, BRINE_CN, SPODUMENE_CN, LEPIDOLITE_CN = 3.62, 13.3, 24.1, 24.5
# the CN 2022 lithium carbonate mix of battery/data/sourcing.toml
CN_2022 = {"brine": 0.265, "lepidolite": 0.179, "brine_china": 0.12, "spodumene": 0.436}
RECYCLED_LI2CO3_CN = 9.761  # lithium_carbonate_recycled:CN:2023 (recycling.csv)


@pytest.fixture(scope="module")
def lib() -> FactorLibrary:
    return library("open-2026.1")


def _lithium_rows(result: Any) -> dict[str, tuple[float, float]]:
    """Factor id -> (amount per kWh, kg CO2e per kWh) of every lithium-carbonate row."""
    return {
        str(f["id"]): (float(f["amount"]), float(f["kgco2e_per_kwh"]))
        for f in result.factors
        if "lithium_carbonate" in str(f["id"])
    }


def _with(design: Design, **update: Any) -> Design:
    return parse_design({**design.model_dump(mode="json"), **update}, "test")


def test_market_intensity_is_the_share_weighted_route_factors(lib: FactorLibrary) -> None:
    bsys = build_system(load_design("lfp-prismatic"), lib)
    pid = "market:lithium_carbonate:CN:2022"
    info = {p.id: p for p in bsys.processes}[pid]
    assert info.name == "Market for lithium_carbonate (CN, 2022)"
    assert (info.stage, info.component) == ("raw_materials", "cathode")
    intensity = Solver(bsys.system).intensity[bsys.system.index[pid]]
    # 0.265 x 3.62 + 0.179 x 24.5 + 0.12 x 13.3 + 0.436 x 24.1
    assert intensity == pytest.approx(0.9593 + 4.3855 + 1.596 + 10.5076, rel=1e-9)
    assert intensity == pytest.approx(17.4484, rel=1e-9)


def test_factor_list_shows_each_route_with_its_share(lib: FactorLibrary) -> None:
    rows = _lithium_rows(footprint(load_design("lfp-prismatic"), lib))
    ids = {
        "brine": "lithium_carbonate_brine:CL:2023",
        "brine_china": "lithium_carbonate_brine:CN:2023",
        "lepidolite": "lithium_carbonate_lepidolite:CN:2023",
        "spodumene": "lithium_carbonate_spodumene:CN:2023",
    }
    assert set(rows) == set(ids.values())
    total_kg = sum(amount for amount, _ in rows.values())
    for route, fid in ids.items():
        amount, co2 = rows[fid]
        assert amount == pytest.approx(CN_2022[route] * total_kg, rel=1e-9)
    factor = {
        "brine": BRINE_CL,
        "brine_china": BRINE_CN,
        "lepidolite": LEPIDOLITE_CN,
        "spodumene": SPODUMENE_CN,
    }
    for route, fid in ids.items():
        assert rows[fid][1] == pytest.approx(rows[fid][0] * factor[route], rel=1e-9)


def test_a_year_before_every_mix_takes_the_earliest_with_a_warning(lib: FactorLibrary) -> None:
    result = footprint(load_design("lfp-prismatic"), lib, Options(year=2019))
    assert "sourcing lithium_carbonate CN: asked 2019, earliest mix 2022" in result.warnings
    # a later year keeps the latest mix without a warning (a mix holds until a later one)
    later = footprint(load_design("lfp-prismatic"), lib, Options(year=2024))
    assert not [w for w in later.warnings if w.startswith("sourcing lithium_carbonate")]


def test_a_country_without_a_mix_takes_the_global_one_with_a_warning(lib: FactorLibrary) -> None:
    result = footprint(load_design("lfp-prismatic"), lib, Options(plants={"cathode": "HU"}))
    assert "sourcing lithium_carbonate: no market mix for HU; used GLO (global)" in result.warnings
    rows = _lithium_rows(result)
    total_kg = sum(amount for amount, _ in rows.values())
    # GLO 2022: brine 0.351 (CL), lepidolite 0.122 (CN), spodumene 0.527 (CN)
    assert rows["lithium_carbonate_brine:CL:2023"][0] == pytest.approx(0.351 * total_kg)
    assert rows["lithium_carbonate_lepidolite:CN:2023"][0] == pytest.approx(0.122 * total_kg)
    assert rows["lithium_carbonate_spodumene:CN:2023"][0] == pytest.approx(0.527 * total_kg)


def test_design_lever_and_option_lever(lib: FactorLibrary) -> None:
    design = _with(load_design("lfp-prismatic"), sourcing={"lithium_carbonate": {"spodumene": 1}})
    rows = _lithium_rows(footprint(design, lib))
    assert list(rows) == ["lithium_carbonate_spodumene:CN:2023"]
    amount, co2 = rows["lithium_carbonate_spodumene:CN:2023"]
    assert co2 == pytest.approx(amount * SPODUMENE_CN)
    # lithium_route is kept as shorthand for 100 % of one route
    shorthand = _with(load_design("lfp-prismatic"), lithium_route="spodumene")
    assert _lithium_rows(footprint(shorthand, lib)) == rows
    # the option overrides the design's lever, per commodity; each route keeps its origin
    half = Options(sourcing={"lithium_carbonate": {"brine": 0.5, "spodumene": 0.5}})
    bsys = build_system(design, lib, half)
    pid = "market:lithium_carbonate:CN:2022:lever"
    intensity = Solver(bsys.system).intensity[bsys.system.index[pid]]
    assert intensity == pytest.approx(0.5 * BRINE_CL + 0.5 * SPODUMENE_CN)  # 13.86


def test_bad_shares_are_refused_naming_the_field(lib: FactorLibrary) -> None:
    base = load_design("lfp-prismatic").model_dump(mode="json")
    cases = [
        ({"brine": 0.7, "spodumene": 0.2}, "sourcing.lithium_carbonate: shares sum to 0.9"),
        ({"brine": 1.5, "spodumene": -0.5}, "sourcing.lithium_carbonate.brine: share 1.5"),
        ({"salar": 1.0}, "sourcing.lithium_carbonate.'salar': unknown route"),
        ({"brine": "half"}, "sourcing.lithium_carbonate.brine"),
    ]
    for shares, message in cases:
        with pytest.raises(InputError, match=message.replace(".", r"\.")):
            parse_design({**base, "sourcing": {"lithium_carbonate": shares}}, "test")
    with pytest.raises(InputError, match=r"sourcing\.'lithium_oxide': unknown commodity"):
        parse_design({**base, "sourcing": {"lithium_oxide": {"brine": 1}}}, "test")
    with pytest.raises(InputError, match="lithium_route brine and sourcing.lithium_carbonate"):
        parse_design(
            {**base, "lithium_route": "brine", "sourcing": {"lithium_carbonate": {"brine": 1}}},
            "test",
        )
    bad = Options(sourcing={"lithium_carbonate": {"brine": float("nan"), "spodumene": 1.0}})
    with pytest.raises(InputError, match=r"sourcing\.lithium_carbonate\.brine: share nan"):
        footprint(load_design("lfp-prismatic"), lib, bad)
    # a lever for a commodity the design does not buy is refused, not ignored
    other = Options(sourcing={"lithium_hydroxide": {"brine": 1.0}})
    with pytest.raises(InputError, match="sourcing.lithium_hydroxide: this design does not buy"):
        footprint(load_design("lfp-prismatic"), lib, other)
    assert lever_problems({"lithium_carbonate": {"brine": 0.5, "spodumene": 0.5000001}}) == []


def test_cli_route_option() -> None:
    both = runner.invoke(
        app,
        [
            "footprint",
            "lfp-prismatic",
            "--route",
            "lithium_carbonate=brine:0.5,spodumene:0.5",
            "--format",
            "json",
        ],
    )
    assert both.exit_code == 0, both.output
    assert "lithium_carbonate_lepidolite" not in both.output
    bad = runner.invoke(app, ["footprint", "lfp-prismatic", "--route", "lithium_carbonate=brine:2"])
    assert bad.exit_code == 2
    assert "sourcing.lithium_carbonate.brine: share 2.0 is not in 0..1" in bad.output


def test_a_supplier_figure_replaces_the_market_whole(lib: FactorLibrary) -> None:
    figure = SupplierOverride(flow="lithium_carbonate", value=5.0, supplier="Acme Lithium")
    design = load_design("lfp-prismatic").model_copy(update={"supplier_overrides": [figure]})
    result = footprint(design, lib)
    rows = _lithium_rows(result)
    assert list(rows) == ["supplier:lithium_carbonate"]
    amount, co2 = rows["supplier:lithium_carbonate"]
    assert amount == pytest.approx(_total_li2co3(lib)) and co2 == pytest.approx(5.0 * amount)
    # a figure for one route's flow replaces that route's factor inside the market
    route = SupplierOverride(flow="lithium_carbonate_spodumene", value=10.0, supplier="Acme")
    partial = load_design("lfp-prismatic").model_copy(update={"supplier_overrides": [route]})
    rows = _lithium_rows(footprint(partial, lib))
    amount, co2 = rows["supplier:lithium_carbonate_spodumene"]
    assert amount == pytest.approx(0.436 * _total_li2co3(lib)) and co2 == pytest.approx(10 * amount)
    assert "lithium_carbonate_lepidolite:CN:2023" in rows


def _total_li2co3(lib: FactorLibrary) -> float:
    rows = _lithium_rows(footprint(load_design("lfp-prismatic"), lib))
    return sum(amount for amount, _ in rows.values())


def test_recycled_content_splits_the_market(lib: FactorLibrary) -> None:
    total = _total_li2co3(lib)
    result = footprint(load_design("lfp-prismatic"), lib, Options(recycled_content={"Li": 0.5}))
    rows = _lithium_rows(result)
    recycled = rows.pop("lithium_carbonate_recycled:CN:2023")
    # cut-off (whitepaper-c2g): the recycled half carries the recycled flow's factor
    assert recycled[0] == pytest.approx(0.5 * total)
    assert recycled[1] == pytest.approx(0.5 * total * RECYCLED_LI2CO3_CN)
    assert sum(amount for amount, _ in rows.values()) == pytest.approx(0.5 * total)
    lepidolite = rows["lithium_carbonate_lepidolite:CN:2023"][0]
    assert lepidolite == pytest.approx(0.5 * 0.179 * total)


def test_whitepaper_release_buys_one_flow_at_the_plant(whitepaper: FactorLibrary) -> None:
    result = footprint(load_design("ncm811-prismatic"), whitepaper)
    lithium = [f for f in result.factors if "lithium_hydroxide" in str(f["id"])]
    assert [f["id"] for f in lithium] == ["lithium_hydroxide_spodumene:GLO:2022"]
    assert lithium[0]["kgco2e_per_kwh"] == pytest.approx(lithium[0]["amount"] * 9.0)  # row value
    assert not [w for w in result.warnings if w.startswith("sourcing")]
    assert not [
        p
        for p in build_system(load_design("ncm811-prismatic"), whitepaper).processes
        if p.id.startswith("market:")
    ]
    # a lever still applies, at the plant; a route the release lacks is refused by name
    two = Options(sourcing={"lithium_hydroxide": {"brine": 0.5, "spodumene": 0.5}})
    assert (
        build_system(load_design("ncm811-prismatic"), whitepaper, two).system.index[
            "market:lithium_hydroxide:CN:lever"
        ]
        >= 0
    )
    lepidolite = Options(sourcing={"lithium_carbonate": {"lepidolite": 1.0}})
    with pytest.raises(
        InputError,
        match="sourcing.lithium_carbonate.lepidolite: release "
        "whitepaper-2023 has no factor for lithium_carbonate_lepidolite",
    ):
        footprint(load_design("lfp-prismatic"), whitepaper, lepidolite)


def test_a_release_without_markets_buys_each_commodity_as_one_flow(
    whitepaper: FactorLibrary,
) -> None:
    """whitepaper-2023 does not opt in to sourcing markets (release.toml has no
    ``sourcing = "markets"``): the salts are its own single rows, bought at the plant, and no
    market step appears (its totals were bit-identical before and after the sourcing change,
    measured on commit 002385e)."""
    result = footprint(load_design("ncm811-prismatic"), whitepaper)
    ids = {str(f["id"]) for f in result.factors}
    assert {"lithium_hydroxide_spodumene:GLO:2022", "nickel_sulfate:GLO:2022"} <= ids
    assert not [p for p in result.processes if str(p["name"]).startswith("Market for")]


def test_the_data_file_is_checked() -> None:
    data = {
        "sources": {"s": "a source"},
        "commodity": {
            "salt": {
                "routes": {"a": "salt_a", "b": "salt_b"},
                "mix": [
                    {
                        "market": "CN",
                        "year": 2022,
                        "shares": {"a": 0.6, "b": 0.3},
                        "origin": {"a": "CL", "b": "CN"},
                        "source": "s",
                    },
                    {
                        "market": "XX",
                        "year": 2022,
                        "shares": {"a": 1.0},
                        "origin": {"a": "CL"},
                        "source": "s",
                    },
                    {
                        "market": "GLO",
                        "year": 2022,
                        "shares": {"a": 1.0},
                        "origin": {},
                        "source": "nope",
                    },
                ],
            }
        },
    }
    with pytest.raises(InputError) as caught:
        _parse(data)
    assert caught.value.problems == [
        "sourcing.toml: commodity.salt.mix.0.shares: shares sum to 0.9, expected 1 (within 1e-6)",
        "sourcing.toml: commodity.salt.mix.1.market: expected a country or region group",
        "sourcing.toml: commodity.salt.mix.2.origin.a: expected the region of its factor",
        "sourcing.toml: commodity.salt.mix.2.source: expected a key of [sources]",
    ]


def test_scenario_and_explorer_levers(lib: FactorLibrary) -> None:
    from batterycarbon.scenarios import apply, compose, parse_scenario
    from batterycarbon.web.scenarios import lever_steps

    first = parse_scenario({"sourcing": {"lithium_carbonate": {"brine": 1}}}, "test")
    second = parse_scenario({"sourcing": {"lithium_carbonate": {"spodumene": 1}}}, "test")
    _, options = apply(load_design("lfp-prismatic"), compose([first, second]))
    assert options.sourcing == {"lithium_carbonate": {"spodumene": 1.0}}
    rows = _lithium_rows(footprint(load_design("lfp-prismatic"), lib, options))
    assert list(rows) == ["lithium_carbonate_spodumene:CN:2023"]
    with pytest.raises(InputError, match=r"sourcing\.lithium_carbonate: shares sum to 0\.5"):
        parse_scenario({"sourcing": {"lithium_carbonate": {"brine": 0.5}}}, "test")
    [(name, scenario)] = lever_steps({"sourcing": "lithium_carbonate=spodumene"})
    assert name == "lithium_carbonate from spodumene (100 %)"
    assert scenario.sourcing == {"lithium_carbonate": {"spodumene": 1.0}}
    with pytest.raises(InputError, match=r"sourcing: sourcing\.lithium_carbonate\.'salar'"):
        lever_steps({"sourcing": "lithium_carbonate=salar"})


def test_a_named_lithium_salt_supplier_replaces_the_market_whole(lib: FactorLibrary) -> None:
    document = load_design("lfp-prismatic").model_dump(mode="json")
    document["supply"] = {"lithium_salt": {"supplier": "Andes Lithium", "plant": "CL"}}
    document["supplier_overrides"] = [
        {
            "flow": "lithium_carbonate_brine",
            "value": 6.1,
            "supplier": "Andes Lithium",
            "material": "lithium_salt",
        }
    ]
    result = footprint(parse_design(document, "test"), lib)
    assert _lithium_rows(result) == {}
    [row] = [f for f in result.factors if f["id"] == "supplier:lithium_salt"]
    assert row["amount"] == pytest.approx(_total_li2co3(lib))
    assert row["kgco2e_per_kwh"] == pytest.approx(6.1 * _total_li2co3(lib))


def test_a_korean_cathode_plant_buys_its_own_hydroxide_mix(lib: FactorLibrary) -> None:
    result = footprint(load_design("ncm811-prismatic"), lib, Options(plants={"cathode": "KR"}))
    assert not [w for w in result.warnings if w.startswith("sourcing lithium_hydroxide")]
    rows = {
        str(f["id"]): float(f["amount"])
        for f in result.factors
        if str(f["id"]).startswith("lithium_hydroxide")
    }
    total = sum(rows.values())
    # KR 2022: spodumene 0.9 at CN's factor (17.2), brine 0.1 at the global proxy (7.7)
    assert rows["lithium_hydroxide_spodumene:CN:2023"] == pytest.approx(0.9 * total)
    assert rows["lithium_hydroxide_brine:GLO:2023"] == pytest.approx(0.1 * total)


def test_a_us_cathode_plant_keeps_the_2019_mix_without_a_warning(lib: FactorLibrary) -> None:
    result = footprint(load_design("lfp-prismatic"), lib, Options(plants={"cathode": "US"}))
    assert not [w for w in result.warnings if w.startswith("sourcing lithium_carbonate")]
    rows = _lithium_rows(result)
    total = sum(amount for amount, _ in rows.values())
    # US 2019: brine 0.95 at Chile's factor 3.62, spodumene 0.05 at 24.1 -> 4.644 kg CO2e/kg
    assert sum(co2 for _, co2 in rows.values()) == pytest.approx(4.644 * total)


def test_the_market_is_a_hotspot_with_the_sourcing_lever(lib: FactorLibrary) -> None:
    from batterycarbon.battery.hotspots import hotspots

    rows = hotspots(load_design("lfp-prismatic"), lib, top=50)
    [market] = [h for h in rows if h.id == "market:lithium_carbonate:CN:2022"]
    assert market.kind == "process"
    assert market.lever.startswith("other routes for lithium_carbonate (sourcing, --route")
