"""Every bundled design's totals, stages and components under the default release equal the
golden file (tests/golden/footprints.json, written only by scripts/regenerate_golden.py) to a
relative 1e-9; a change of 1 % in one factor, even a minor one, is reported by the comparison."""

from __future__ import annotations

import pytest
from golden_support import differences, golden_results, read_golden

from batterycarbon.battery import footprint, load_design
from batterycarbon.factors import DEFAULT_RELEASE, FactorLibrary


def test_footprints_equal_the_golden_file(open_library: FactorLibrary) -> None:
    golden = read_golden()
    assert golden["factor_release"] == DEFAULT_RELEASE == open_library.release_id
    assert differences(golden, golden_results(open_library)) == []


def _library_factors_by_contribution(library: FactorLibrary) -> list[str]:
    """Ids of the library factors ncm811-prismatic's pack uses, largest contribution first."""
    rows = footprint(load_design("ncm811-prismatic"), library).factors
    return [row["id"] for row in rows if row["id"] in library.release.factors]


@pytest.mark.parametrize("rank", [0, -1], ids=["largest factor", "smallest factor"])
def test_a_one_percent_change_of_one_factor_fails_the_comparison(
    open_library: FactorLibrary, rank: int
) -> None:
    factor_id = _library_factors_by_contribution(open_library)[rank]
    factors = dict(open_library.release.factors)
    factors[factor_id] = factors[factor_id].model_copy(
        update={"value": factors[factor_id].value * 1.01}
    )
    changed = FactorLibrary(open_library.release.model_copy(update={"factors": factors}))
    found = differences(read_golden(), golden_results(changed))
    assert any(
        line.startswith("cases/ncm811-prismatic/pack/plants/total_kgco2e_per_kwh: golden")
        for line in found
    ), (factor_id, found)
