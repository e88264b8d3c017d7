"""The default release's results against the range of recent published studies (docs/validation.md).

Each range is the band the cited studies span for the same chemistry, level and producing
region; the test fails if a default result leaves it. Ranges are as published, not widened.
"""

from __future__ import annotations

import pytest

from batterycarbon.battery import Options, footprint, load_design

# design, level, plants' country, low, high, studies (docs/validation-literature.md)
PUBLISHED_RANGES = [
    ("lfp-prismatic", "pack", "CN", 97, 120,
     "Hao et al. 2017 (LFP pack, China, ~109); white paper sec. 4.1 (LFP ~100, NCM/LFP 100-120)"),
    ("lfp-prismatic", "cell", "CN", 54, 69,
     "Peiseler et al. 2024 (LFP cells, 5th-95th percentile, global supply dominated by China)"),
    ("ncm811-prismatic", "cell", "CN", 59, 115,
     "Peiseler et al. 2024 (NMC811 cells, 5th-95th percentile)"),
    ("ncm811-prismatic", "cell", "DE", 59, 115,
     "Peiseler et al. 2024; Gutsch & Leker 2024 (NMC811 cell made in the US, 64.5)"),
    ("ncm811-prismatic", "pack", "CN", 61, 146,
     "Emilsson & Dahllöf 2019, IVL C444 (NMC packs 61-106, up to 146); Hao et al. 2017 (~104)"),
    ("ncm622-prismatic", "pack", "CN", 61, 146, "Emilsson & Dahllöf 2019, IVL C444"),
    ("ncm111-prismatic", "pack", "CN", 61, 146, "Emilsson & Dahllöf 2019, IVL C444"),
    ("ncm811-pouch", "pack", "CN", 61, 146, "Emilsson & Dahllöf 2019, IVL C444"),
    ("ncm811-cylindrical", "pack", "CN", 61, 146, "Emilsson & Dahllöf 2019, IVL C444"),
    ("ssb-sulfide-pouch", "cell", "CN", 55, 206,
     "HSSMI/Ilika (SSB below LIB, raw materials 55.2) to Rietdorf et al. 2024 (lab-scale sulfide cell 205.4)"),
]  # fmt: skip


#: Results outside their published range since open-2026.1 (issue 15): strict expected
#: failures, so the day one is back inside, someone looks. Why each is outside, in words; the
#: test adds the result's largest components (docs/validation.md, "Known misses").
KNOWN_MISSES = {
    ("lfp-prismatic", "cell", "CN"): (
        "sourced inputs above the studies': synthetic graphite as a process chain (Istrate et "
        "al. 2024 inventory, 12 kWh/kg graphitization) and China's lithium-carbonate market "
        "(spodumene and lepidolite routes), in an LFP cell of 163 Wh/kg"
    ),
    ("ncm111-prismatic", "pack", "CN"): (
        "the NCM111 cell of the Samsung SDI 94 Ah class (208 Wh/kg derived, teardown electrode "
        "parameters) needs more material per kWh than the newer cells the studies describe, "
        "plus synthetic graphite as a process chain and China's nickel market"
    ),
    ("ncm622-prismatic", "pack", "CN"): (
        "at the upper edge: synthetic graphite as a process chain and China's nickel market "
        "(Indonesian HPAL and RKEF matte routes) lift the pack just above the band"
    ),
}


@pytest.mark.parametrize(("design", "level", "country", "low", "high", "studies"), PUBLISHED_RANGES)
def test_default_release_falls_in_the_published_range(
    request, open_library, design, level, country, low, high, studies
):
    result = footprint(load_design(design), open_library, Options(grid=country), level=level)
    miss = KNOWN_MISSES.get((design, level, country))
    if miss is not None:
        top = sorted(result.components.items(), key=lambda item: -item[1])[:3]
        parts = ", ".join(f"{name} {value:.1f}" for name, value in top)
        reason = (
            f"{design} {level} {country} {result.total_kgco2e_per_kwh:.1f} outside {low}-{high} "
            f"({studies}): {miss}; largest components {parts}"
        )
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
    assert low <= result.total_kgco2e_per_kwh <= high, (design, level, country, studies)


def test_europe_made_packs_are_lower_than_china_made(open_library):
    """Faraday Institution (2021) via the white paper's table 4, and T&E (2024): Europe lowest."""
    for design in ("lfp-prismatic", "ncm811-prismatic"):
        cn = footprint(load_design(design), open_library, Options(grid="CN")).total_kgco2e_per_kwh
        eu = footprint(load_design(design), open_library, Options(grid="DE")).total_kgco2e_per_kwh
        se = footprint(load_design(design), open_library, Options(grid="SE")).total_kgco2e_per_kwh
        assert se < eu < cn, design
