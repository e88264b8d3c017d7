"""The sourcing data of nickel and cobalt sulfate (battery/data/sourcing.toml) and their route
rows in open-2026.1 (issue 15).

Expected market values are computed by hand from the literal shares and factor values written
in each test (SOURCES.md, "Nickel, cobalt, manganese and LiPF6 sourcing"), not rebuilt from the
data under test.
"""

from __future__ import annotations

import math
import tomllib
from typing import Any

import pytest

from batterycarbon.factors.library import FactorLibrary
from batterycarbon.factors.loader import load_release

SOURCING = "src/batterycarbon/battery/data/sourcing.toml"
RELEASE = "open-2026.1"

#: The route rows this part added to open-2026.1 factors/materials.csv.
ROUTE_ROWS = {
    "nickel_sulfate_sulfide:GLO:2023": 5.48,
    "nickel_sulfate_hpal:ID:2023": 4.47,
    "nickel_sulfate_rkef_matte:ID:2023": 13.9,
    "cobalt_sulfate_drc_cn:CN:2023": 15.0,
    "cobalt_sulfate_hpal:ID:2023": 13.6,
}


@pytest.fixture(scope="module")
def data(pytestconfig: pytest.Config) -> dict[str, Any]:
    path = pytestconfig.rootpath / SOURCING
    with path.open("rb") as handle:
        return tomllib.load(handle)


@pytest.fixture(scope="module")
def library() -> FactorLibrary:
    return FactorLibrary(load_release(RELEASE))


def _mixes(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (name, mix) for name, table in data["commodity"].items() for mix in table.get("mix", [])
    ]


def _mix(data: dict[str, Any], commodity: str, market: str, year: int) -> dict[str, Any]:
    found: list[dict[str, Any]] = [
        m for m in data["commodity"][commodity]["mix"] if (m["market"], m["year"]) == (market, year)
    ]
    assert len(found) == 1, f"{commodity} {market} {year}: {len(found)} mixes"
    return found[0]


def test_every_mix_sums_to_one(data: dict[str, Any]) -> None:
    mixes = _mixes(data)
    assert mixes
    for name, mix in mixes:
        total = sum(mix["shares"].values())
        assert math.isclose(total, 1.0, abs_tol=1e-9), (name, mix["market"], mix["year"], total)
        assert all(0 <= share <= 1 for share in mix["shares"].values()), (name, mix)


def test_every_mix_source_resolves_and_says_what_it_is(data: dict[str, Any]) -> None:
    for name, mix in _mixes(data):
        assert mix["source"] in data["sources"], (name, mix["market"], mix["year"], mix["source"])
        assert len(mix.get("note", "")) > 40, (name, mix["market"], mix["year"])


def test_every_route_flow_has_a_row_at_each_origin(
    data: dict[str, Any], library: FactorLibrary
) -> None:
    for name, mix in _mixes(data):
        routes = data["commodity"][name]["routes"]
        for route, share in mix["shares"].items():
            if share == 0:
                continue
            region = mix["origin"][route]
            flow = routes[route]
            assert library.years(flow, region), f"{name} {mix['market']}: no {flow} row in {region}"


def test_nickel_and_cobalt_routes_are_the_new_flows(data: dict[str, Any]) -> None:
    assert data["commodity"]["nickel_sulfate"]["routes"] == {
        "sulfide": "nickel_sulfate_sulfide",
        "hpal": "nickel_sulfate_hpal",
        "rkef_matte": "nickel_sulfate_rkef_matte",
    }
    assert data["commodity"]["cobalt_sulfate"]["routes"] == {
        "drc_hydroxide": "cobalt_sulfate_drc_cn",
        "hpal": "cobalt_sulfate_hpal",
    }


def test_added_rows_are_complete(library: FactorLibrary) -> None:
    for factor_id, value in ROUTE_ROWS.items():
        factor = library.get(factor_id)
        assert factor.value == value, factor_id
        assert factor.unit == "kg CO2e / kg", factor_id
        assert factor.source.id in library.release.sources, factor_id
        assert factor.source.scope, f"{factor_id}: source {factor.source.id} has no scope"
        assert factor.year == 2023, factor_id
        assert factor.region == factor_id.split(":")[1], factor_id
        dqr = factor.quality
        for rating in (dqr.technological, dqr.geographical, dqr.time, dqr.precision):
            assert 1 <= rating <= 5, factor_id
        u = factor.uncertainty
        assert u is not None, factor_id
        if u.distribution == "triangular":
            assert u.minimum is not None and u.maximum is not None, factor_id
            assert u.minimum < value < u.maximum, factor_id
        else:
            assert u.distribution == "lognormal" and u.gsd is not None and u.gsd > 1, factor_id
        assert len(factor.notes) > 80, factor_id


def test_generic_flows_are_unchanged(library: FactorLibrary) -> None:
    """Designs without mixes and the white-paper release keep using the generic rows."""
    assert library.get("nickel_sulfate:GLO:2023").value == 5.48
    assert library.get("nickel_sulfate:ID:2023").value == 10.1
    assert library.get("cobalt_sulfate:CN:2023").value == 15.0
    assert library.get("manganese_sulfate:CN:2023").value == 5.15
    assert library.get("lipf6:GLO:2023").value == 18.1


def _market_value(
    data: dict[str, Any], library: FactorLibrary, mix: dict[str, Any], name: str
) -> float:
    routes = data["commodity"][name]["routes"]
    total = 0.0
    for route, share in mix["shares"].items():
        rows = [
            f
            for f in library.release.factors.values()
            if f.flow == routes[route] and f.region == mix["origin"][route]
        ]
        assert len(rows) == 1, (route, rows)
        total += share * rows[0].value
    return total


def test_nickel_cn_2023_market_by_hand(data: dict[str, Any], library: FactorLibrary) -> None:
    mix = _mix(data, "nickel_sulfate", "CN", 2023)
    assert mix["shares"] == {"sulfide": 0.20, "hpal": 0.50, "rkef_matte": 0.30}
    # 0.20 x 5.48 (sulfide, GLO) + 0.50 x 4.47 (HPAL, ID) + 0.30 x 13.9 (RKEF matte, ID)
    # = 1.096 + 2.235 + 4.17 = 7.501 kg CO2e per kg NiSO4.6H2O (old single factor 5.48).
    assert _market_value(data, library, mix, "nickel_sulfate") == pytest.approx(7.501, abs=1e-9)


def test_nickel_cn_2022_market_by_hand(data: dict[str, Any], library: FactorLibrary) -> None:
    mix = _mix(data, "nickel_sulfate", "CN", 2022)
    # 0.35 x 5.48 + 0.50 x 4.47 + 0.15 x 13.9 = 1.918 + 2.235 + 2.085 = 6.238
    assert _market_value(data, library, mix, "nickel_sulfate") == pytest.approx(6.238, abs=1e-9)


def test_nickel_eu27_2023_market_by_hand(data: dict[str, Any], library: FactorLibrary) -> None:
    mix = _mix(data, "nickel_sulfate", "EU27", 2023)
    # 0.90 x 5.48 + 0.10 x 4.47 = 4.932 + 0.447 = 5.379
    assert _market_value(data, library, mix, "nickel_sulfate") == pytest.approx(5.379, abs=1e-9)


def test_cobalt_cn_2023_market_by_hand(data: dict[str, Any], library: FactorLibrary) -> None:
    mix = _mix(data, "cobalt_sulfate", "CN", 2023)
    # 0.84 x 15.0 (DRC hydroxide refined in CN) + 0.16 x 13.6 (Indonesian MHP) = 12.6 + 2.176
    assert _market_value(data, library, mix, "cobalt_sulfate") == pytest.approx(14.776, abs=1e-9)


def test_market_mechanism_buys_the_cn_nickel_mix(library: FactorLibrary) -> None:
    """battery/sourcing.py turns the CN 2023 mix into route inputs at their origins."""
    from batterycarbon.battery.sourcing import market

    bought = market("nickel_sulfate", "CN", 2023, True, None)
    assert bought.warnings == ()
    inputs = {(i.flow, i.region): i.share for i in bought.inputs}
    assert inputs == {
        ("nickel_sulfate_sulfide", "GLO"): 0.20,
        ("nickel_sulfate_hpal", "ID"): 0.50,
        ("nickel_sulfate_rkef_matte", "ID"): 0.30,
    }
    value = sum(
        share * library.lookup(flow, region).factor.value
        for (flow, region), share in inputs.items()
    )
    assert value == pytest.approx(7.501, abs=1e-9)


def test_a_plant_without_a_nickel_mix_takes_the_global_one_with_a_warning() -> None:
    from batterycarbon.battery.sourcing import market

    # India has no nickel sulfate mix (Korea had none until the KR 2022 mix was added)
    bought = market("nickel_sulfate", "IN", 2023, True, None)
    assert any("no market mix for IN" in w for w in bought.warnings)
    assert {i.flow: i.share for i in bought.inputs} == {
        "nickel_sulfate_sulfide": 0.20,
        "nickel_sulfate_hpal": 0.50,
        "nickel_sulfate_rkef_matte": 0.30,
    }


# --- cobalt 2022 and the KR, JP, EU27, US markets (part HC) ---------------------------------


def test_cobalt_cn_2022_market_by_hand(data: dict[str, Any], library: FactorLibrary) -> None:
    mix = _mix(data, "cobalt_sulfate", "CN", 2022)
    assert mix["shares"] == {"drc_hydroxide": 0.92, "hpal": 0.08}
    # 0.92 x 15.0 (DRC hydroxide refined in CN) + 0.08 x 13.6 (Indonesian MHP) = 13.8 + 1.088
    assert _market_value(data, library, mix, "cobalt_sulfate") == pytest.approx(14.888, abs=1e-9)


def test_us_hydroxide_2015_market_by_hand(data: dict[str, Any], library: FactorLibrary) -> None:
    mix = _mix(data, "lithium_hydroxide", "US", 2015)
    # 0.85 x 7.7 (hydroxide from Atacama brine, CL) + 0.15 x 17.2 (spodumene, CN) = 6.545 + 2.58
    assert _market_value(data, library, mix, "lithium_hydroxide") == pytest.approx(9.125, abs=1e-9)


def test_korean_carbonate_2020_market_by_hand(data: dict[str, Any], library: FactorLibrary) -> None:
    mix = _mix(data, "lithium_carbonate", "KR", 2020)
    # 0.893 x 3.62 (brine, CL) + 0.107 x 24.1 (spodumene, CN) = 3.23266 + 2.5787 = 5.81136
    assert _market_value(data, library, mix, "lithium_carbonate") == pytest.approx(
        5.81136, abs=1e-9
    )


def test_the_new_markets_buy_their_own_mix_without_a_warning() -> None:
    from batterycarbon.battery.sourcing import market

    cases = {
        ("cobalt_sulfate", "CN"): {
            ("cobalt_sulfate_drc_cn", "CN"): 0.92,
            ("cobalt_sulfate_hpal", "ID"): 0.08,
        },
        ("cobalt_sulfate", "KR"): {
            ("cobalt_sulfate_drc_cn", "CN"): 0.92,
            ("cobalt_sulfate_hpal", "ID"): 0.08,
        },
        ("nickel_sulfate", "KR"): {
            ("nickel_sulfate_sulfide", "GLO"): 0.90,
            ("nickel_sulfate_hpal", "ID"): 0.10,
        },
        ("nickel_sulfate", "JP"): {
            ("nickel_sulfate_sulfide", "GLO"): 0.90,
            ("nickel_sulfate_hpal", "ID"): 0.10,
        },
        ("lithium_carbonate", "KR"): {
            ("lithium_carbonate_brine", "CL"): 0.893,
            ("lithium_carbonate_spodumene", "CN"): 0.107,
        },
        ("lithium_hydroxide", "EU27"): {
            ("lithium_hydroxide_spodumene", "CN"): 0.9,
            ("lithium_hydroxide_brine", "GLO"): 0.1,
        },
        ("lithium_hydroxide", "US"): {
            ("lithium_hydroxide_brine", "CL"): 0.85,
            ("lithium_hydroxide_spodumene", "CN"): 0.15,
        },
    }
    for (commodity, plant), expected in cases.items():
        bought = market(commodity, plant, 2022, True, None)
        assert bought.warnings == (), (commodity, plant, bought.warnings)
        assert {(i.flow, i.region): i.share for i in bought.inputs} == expected, (commodity, plant)


def test_a_german_plant_takes_the_eu27_hydroxide_mix_and_the_global_cobalt_2022_mix() -> None:
    from batterycarbon.battery.sourcing import market

    hydroxide = market("lithium_hydroxide", "DE", 2022, True, None)
    assert hydroxide.warnings == (
        "sourcing lithium_hydroxide: no market mix for DE; used EU27 (EU-27)",
    )
    cobalt = market("cobalt_sulfate", "DE", 2022, True, None)
    # the GLO mix of 2022 now exists: a substitution of region, no longer one of year
    assert cobalt.warnings == ("sourcing cobalt_sulfate: no market mix for DE; used GLO (global)",)
    assert {i.flow: i.share for i in cobalt.inputs} == {
        "cobalt_sulfate_drc_cn": 0.95,
        "cobalt_sulfate_hpal": 0.05,
    }


def test_a_japanese_2022_carbonate_takes_the_2023_mix_with_a_warning() -> None:
    """No 2022 figure was read for Japan: the earliest mix, with the year warning."""
    from batterycarbon.battery.sourcing import market

    bought = market("lithium_carbonate", "JP", 2022, True, None)
    assert bought.warnings == ("sourcing lithium_carbonate JP: asked 2022, earliest mix 2023",)


def test_bundled_designs_in_cn_at_their_year_carry_no_sourcing_year_warning(
    library: FactorLibrary,
) -> None:
    import re

    from batterycarbon.battery import footprint, load_design
    from batterycarbon.battery.design import bundled_design_ids

    ids = bundled_design_ids()
    assert len(ids) >= 7
    for design_id in ids:
        design = load_design(design_id)
        plants = {v for v in design.plants.model_dump().values() if v is not None}
        assert plants == {"CN"}, design_id
        warnings = footprint(design, library).warnings
        sourcing = [w for w in warnings if w.startswith("sourcing ")]
        assert not [w for w in sourcing if re.search(r"asked \d+, earliest mix", w)], (
            design_id,
            sourcing,
        )
        assert not [w for w in sourcing if "no market mix" in w], (design_id, sourcing)
