"""Reproduce the white paper's figures with the ``whitepaper-2023`` release.

Each test cites the section of the paper (see ``reference/DIGEST.md``) and computes its value
itself, but judges it with the reproduction report's tolerance rules (``about``, ``about_percent``
from ``reports.published_figures``: the paper's precision, not a width fitted to pass), so a test
cannot pass a figure the report marks as missed. A figure the committed report marks as missed is
a strict expected failure with the report's computed reason (``reproduction_support``).

Several of these figures are not evidence (the report's kinds): the generation ratios, the
cells' share, the LFP cathode share and the solid-state pack were used to fit factors of the
release (``release.toml``, ``[[fitted]]``), and the cell plant's electricity was set from fig. 16.
Their tests keep the data and the model consistent with the paper.
"""

from __future__ import annotations

import pytest
from reproduction_support import expect_report_verdict

from batterycarbon.battery import Options, footprint, load_design
from batterycarbon.reports.published_figures import about, about_percent

NCM = ("ncm111-prismatic", "ncm622-prismatic", "ncm811-prismatic")
PACKS = (*NCM, "lfp-prismatic")


@pytest.fixture(scope="module")
def packs(whitepaper):
    return {d: footprint(load_design(d), whitepaper) for d in (*PACKS, "ssb-sulfide-pouch")}


@pytest.fixture(scope="module")
def cells(whitepaper):
    return {d: footprint(load_design(d), whitepaper, level="cell") for d in PACKS}


def inside(value: float, bounds: tuple[float, float]) -> bool:
    low, high = bounds
    return low <= value <= high


@pytest.mark.parametrize(
    ("design", "paper"), [("ncm622-prismatic", -0.04), ("ncm811-prismatic", -0.08)]
)
def test_ncm_generations_section_4_2_1(request, packs, design, paper):
    """Section 4.2.1: vs NCM111, NCM622 about -4 % and NCM811 about -8 % (fitted)."""
    expect_report_verdict(request, f"gen-{design}")
    change = packs[design].total_kgco2e_per_kwh / packs["ncm111-prismatic"].total_kgco2e_per_kwh - 1
    assert inside(change, about_percent(paper)), change


def test_cathode_share_of_the_cell_section_4_2_1(request, cells):
    """Fig. 11: cathode above 40 % of an NCM cell; about 37 % for LFP."""
    for design in NCM:
        r = cells[design]
        assert r.components["cathode"] / r.total_kgco2e_per_kwh > 0.40, design
    expect_report_verdict(request, "cathode-lfp")
    lfp = cells["lfp-prismatic"]
    share = lfp.components["cathode"] / lfp.total_kgco2e_per_kwh
    assert inside(share, about(0.37)), share


def test_raw_materials_share_section_4_1_2(packs):
    """Section 4.1.2: raw material acquisition about 80 % of cradle-to-gate."""
    for design in PACKS:
        r = packs[design]
        share = r.stages["raw_materials"] / r.total_kgco2e_per_kwh
        assert inside(share, about(0.80)), (design, share)


def test_ncm_above_lfp_in_both_stages_section_4_1_2(request, packs):
    """Section 4.1.2: NCM slightly above LFP in both stages (report row stage-order)."""
    expect_report_verdict(request, "stage-order")
    lfp = packs["lfp-prismatic"]
    for design in NCM:
        for stage in ("raw_materials", "production"):
            assert packs[design].stages[stage] >= lfp.stages[stage], (design, stage)


@pytest.mark.parametrize("design", ["ncm811-prismatic", "lfp-prismatic"])
def test_cells_share_of_the_pack_section_4_2(request, packs, design):
    """Section 4.2: cells about 65 % of the pack footprint (fitted: the BMS factor)."""
    expect_report_verdict(request, f"cells-{design}")
    assert inside(packs[design].cell_share, about(0.65)), packs[design].cell_share


@pytest.mark.parametrize(
    ("design", "key", "bounds"),
    [*((d, f"pack-{d}", (100, 120)) for d in PACKS), ("ssb-sulfide-pouch", "pack-ssb", (150, 200))],
)
def test_pack_footprint_ranges_section_4_1_2(request, packs, design, key, bounds):
    """Fig. 10: NCM and LFP packs about 100-120; sulfide solid-state about 150-200 kg CO2e/kWh."""
    expect_report_verdict(request, key)
    assert inside(packs[design].total_kgco2e_per_kwh, bounds), packs[design].total_kgco2e_per_kwh


def test_green_cell_plant_ncm811_china_fig_16(request, whitepaper):
    """Fig. 16: a Chinese NCM811 cell plant moving all its power from grid to green lowers the cell
    footprint by about 30 % (calibrated: the cell plant's electricity is set from this figure)."""
    expect_report_verdict(request, "fig16")
    design = load_design("ncm811-prismatic")
    grid = footprint(design, whitepaper, level="cell")
    green = footprint(design, whitepaper, Options(green={"cell": 1.0}), level="cell")
    change = green.total_kgco2e_per_kwh / grid.total_kgco2e_per_kwh - 1
    assert inside(change, about_percent(-0.30)), change
