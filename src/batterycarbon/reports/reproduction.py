"""Reproduce the white paper: every figure of the digest the system can compute, beside its value.

The rows (:class:`~batterycarbon.reports.published_figures.Row`) follow the digest's order
(``reference/DIGEST.md``) and are computed with the release ``whitepaper-2023``; the end-of-life
figures of section 5.4 are in :mod:`batterycarbon.reports.reproduction_eol`. Each row's kind is
read from the data: the release's ``[[fitted]]`` list makes a row ``fitted``; the cell plant's
electricity, which ``battery/data/defaults.toml`` sets from figs. 16 and 17, makes the rows of an
all-green cell plant ``calibrated``; a figure the paper itself gives as an input (its graphite,
its plant electricity) makes a row ``given``.
"""

from __future__ import annotations

from collections.abc import Callable

from batterycarbon.battery import Footprint, Options, footprint, load_design
from batterycarbon.battery.graphite import synthetic_graphite_chain
from batterycarbon.factors import FactorLibrary, library
from batterycarbon.reports.published_figures import (
    Row,
    about,
    about_percent,
    figure_row,
    mark_fitted,
    precise,
)
from batterycarbon.reports.reproduction_eol import end_of_life_rows
from batterycarbon.reports.reproduction_levers import Level, from_factors, lever_rows


class _Study:
    """Footprints of the paper's study (release ``whitepaper-2023``), each computed once."""

    def __init__(self, lib: FactorLibrary) -> None:
        self.lib = lib
        self._cache: dict[tuple[str, Level, str], Footprint] = {}

    def result(
        self, design_id: str, level: Level = "pack", options: Options | None = None
    ) -> Footprint:
        options = options or Options()
        key = (design_id, level, repr(options.canonical()))
        if key not in self._cache:
            self._cache[key] = footprint(load_design(design_id), self.lib, options, level=level)
        return self._cache[key]

    def total(self, design_id: str, level: Level = "pack", options: Options | None = None) -> float:
        return self.result(design_id, level, options).total_kgco2e_per_kwh


RowMaker = Callable[[_Study], list[Row]]
PACKS = ("ncm111-prismatic", "ncm622-prismatic", "ncm811-prismatic", "lfp-prismatic")
NCM = PACKS[:3]


def _cell_energy(r: Footprint) -> str:
    """The cell's derived specific energy beside the paper's own cell table (section 2.1)."""
    return (
        f"its cell {r.pack['cell_wh_per_kg']:.0f} Wh/kg (cell_designs.toml; the paper's table, "
        "section 2.1: LFP 150-170, NCM 200-300 Wh/kg): more cell mass per kWh, more material"
    )


def _largest(parts: dict[str, float], count: int = 2) -> str:
    top = sorted(parts.items(), key=lambda item: -item[1])[:count]
    return ", ".join(f"{name.replace('_', ' ')} {value:.1f}" for name, value in top)


def _pack_ranges(s: _Study) -> list[Row]:
    cases = [(f"pack-{d}", d, d, "100-120", (100.0, 120.0)) for d in PACKS]
    cases.append(
        (
            "pack-ssb",
            "ssb-sulfide-pouch",
            "sulfide solid-state",
            "150-200 (lab data)",
            (150.0, 200.0),
        )
    )
    rows = []
    for key, design, label, paper, bounds in cases:
        r = s.result(design)
        total = r.total_kgco2e_per_kwh
        reason = (
            f"{design}: cells {r.cell_share * total:.1f} and pack parts "
            f"{(1 - r.cell_share) * total:.1f}; largest components {_largest(r.components)}; "
            f"{_cell_energy(r)}"
        )
        rows.append(
            figure_row(
                key,
                f"cradle-to-gate pack, {label}",
                "4.1.2, fig. 10",
                paper,
                total,
                bounds,
                "kg CO2e/kWh pack",
                reason,
            )
        )
    return rows


def _shares(s: _Study) -> list[Row]:
    rows = []
    for design in ("ncm811-prismatic", "lfp-prismatic"):
        r = s.result(design)
        total, raw = r.total_kgco2e_per_kwh, r.stages["raw_materials"]
        reason = f"{design}: raw materials {raw:.1f} of {total:.1f}, production {total - raw:.1f}"
        rows.append(
            figure_row(
                f"raw-{design}",
                f"raw-material stage share, {design}",
                "4.1.2",
                "about 80 %",
                raw / total,
                about(0.80),
                "share",
                reason,
            )
        )
        bms = from_factors(r, "electronics_bms:")
        reason = (
            f"{design}: cells {r.cell_share * total:.1f} of the pack's {total:.1f}; of the "
            f"{(1 - r.cell_share) * total:.1f} outside the cells, BMS electronics {bms:.1f}"
        )
        rows.append(
            figure_row(
                f"cells-{design}",
                f"cells' share of the pack, {design}",
                "4.2",
                "about 65 %",
                r.cell_share,
                about(0.65),
                "share",
                reason,
            )
        )
    for design, key, paper, bounds in [
        *((d, f"cathode-{d}", "> 40 %", (0.40, 1.0)) for d in NCM),
        ("lfp-prismatic", "cathode-lfp", "about 37 %", about(0.37)),
    ]:
        c = s.result(design, "cell")
        cathode, total = c.components["cathode"], c.total_kgco2e_per_kwh
        reason = (
            f"{design}: cathode {cathode:.1f} of a {total:.1f} cell, its active material "
            f"{c.material_intensities['cathode_active_material']:.1f} kg CO2e/kg"
        )
        rows.append(
            figure_row(
                key,
                f"cathode share of the cell, {design}",
                "4.2.1, fig. 11",
                paper,
                cathode / total,
                bounds,
                "share",
                reason,
            )
        )
    return rows


def _cam_processes(r: Footprint) -> str:
    parts = {p["id"]: float(p["kgco2e_per_kwh"]) for p in r.processes}
    return (
        f"per kWh of pack, precursor {parts.get('precursor', 0.0):.1f} and calcination "
        f"{parts.get('cathode_active_material', 0.0):.1f}"
    )


def _materials(s: _Study) -> list[Row]:
    lfp = s.result("lfp-prismatic")
    rows = [
        figure_row(
            "cam-lfp",
            "LFP cathode active material",
            "4.2.1, fig. 12",
            "about 8",
            lfp.material_intensities["cathode_active_material"],
            about(8.0),
            "kg CO2e/kg",
            f"lfp-prismatic, built bottom-up: {_cam_processes(lfp)}",
        )
    ]
    for design in NCM:
        r = s.result(design)
        reason = (
            f"{design}, built bottom-up: {_cam_processes(r)}; the paper's range comes from "
            "other studies (fig. 12 mixes sources and regions)"
        )
        rows.append(
            figure_row(
                f"cam-{design}",
                f"NCM cathode active material, {design}",
                "4.2.1, fig. 12",
                "22.4-31",
                r.material_intensities["cathode_active_material"],
                (22.4, 31.0),
                "kg CO2e/kg",
                reason,
            )
        )
    rows.append(_graphite(s))
    return rows


def _graphite(s: _Study) -> Row:
    cell = s.result("ncm811-prismatic")
    # The synthetic graphite chain the model runs (battery/data/graphite.toml with the release's
    # pins): the paper's is its GIVEN non-energy part plus graphitization electricity.
    chain = synthetic_graphite_chain(s.lib.release)
    grid = next(f for f in cell.factors if str(f["id"]).startswith("electricity_grid:CN"))
    grid_factor = float(grid["kgco2e_per_kwh"]) / float(grid["amount"])
    feeds = [(kg, s.lib.lookup(flow, "CN", 2022).factor) for flow, kg in chain.materials_kg.items()]
    heat = s.lib.lookup("heat_natural_gas", "CN").factor.value if chain.heat_mj > 0 else 0.0
    total = (
        sum(kg * f.value for kg, f in feeds)
        + chain.electricity_kwh * grid_factor
        + chain.heat_mj * heat
        + chain.process_co2_kg
    )
    inputs = " + ".join(
        f"{'' if kg == 1 else f'{kg:g} kg x '}{f.id} {f.value:g}" for kg, f in feeds
    )
    others = "".join(
        f" + {text}"
        for amount, text in (
            (chain.heat_mj, f"{chain.heat_mj:g} MJ of heat"),
            (chain.process_co2_kg, f"{chain.process_co2_kg:g} kg of direct CO2"),
        )
        if amount > 0
    )
    reason = (
        f"{inputs} plus {chain.electricity_kwh:g} kWh/kg of graphitization at "
        f"{grid_factor:.3f}{others} = {total:.2f} kg CO2e/kg"
    )
    given = (
        bool(feeds)
        and all(f.notes.startswith("GIVEN") for _, f in feeds)
        and chain.heat_mj == 0
        and chain.process_co2_kg == 0
    )
    basis = (
        "given: rebuilds the paper's own 6.05: "
        + ", ".join(f.id for _, f in feeds)
        + f" is the release's GIVEN non-energy part and {chain.electricity_kwh:g} kWh/kg comes "
        "from the paper's 76 % energy share (whitepaper-2023 pins battery/data/graphite.toml)"
        if given
        else ""
    )
    return figure_row(
        "graphite-cn",
        "synthetic graphite made in China",
        "4.2.2, fig. 14",
        "6.05",
        cell.material_intensities["anode_active_material"],
        precise(6.05),
        "kg CO2e/kg",
        reason,
        "given" if given else "independent",
        basis,
    )


def _stage_order(s: _Study) -> list[Row]:
    """Section 4.1.2: NCM packs slightly above LFP in both stages (1 = every NCM grade is)."""
    lfp = s.result("lfp-prismatic")
    ncm = {d: s.result(d) for d in NCM}
    above = all(r.stages[stage] >= lfp.stages[stage] for r in ncm.values() for stage in lfp.stages)
    raw = ", ".join(f"{d.split('-')[0]} {r.stages['raw_materials']:.1f}" for d, r in ncm.items())
    reason = (
        f"raw materials: {raw}, LFP {lfp.stages['raw_materials']:.1f} kg CO2e/kWh; the LFP "
        f"cell {lfp.pack['cell_wh_per_kg']:.0f} Wh/kg carries {lfp.pack['cell_mass_kg'] / lfp.pack['cell_energy_kwh']:.2f} "
        "kg of cell per kWh (cell_designs.toml; the paper's own cell table, section 2.1, gives "
        "LFP 150-170 Wh/kg)"
    )
    return [
        figure_row(
            "stage-order",
            "NCM packs above LFP in raw materials and in production",
            "4.1.2",
            "NCM slightly above LFP in both stages",
            1.0 if above else 0.0,
            (1.0, 1.0),
            "1 = same order",
            reason,
        )
    ]


def _generations(s: _Study) -> list[Row]:
    base = s.result("ncm111-prismatic")
    rows = []
    for design, paper in (("ncm622-prismatic", -0.04), ("ncm811-prismatic", -0.08)):
        r = s.result(design)
        reason = (
            f"{design} {r.total_kgco2e_per_kwh:.1f} vs NCM111 {base.total_kgco2e_per_kwh:.1f}; "
            f"cathode {r.components['cathode']:.1f} vs {base.components['cathode']:.1f}; "
            f"cells {r.pack['cell_wh_per_kg']:.0f} vs {base.pack['cell_wh_per_kg']:.0f} Wh/kg "
            "(battery/data/cell_designs.toml; the paper's precursor salts were fitted to this "
            "ratio with the cells of batterycarbon 0.1, whose NCM111 cell was lighter)"
        )
        rows.append(
            figure_row(
                f"gen-{design}",
                f"{design} vs NCM111, pack",
                "4.2.1",
                f"about {paper:.0%}",
                r.total_kgco2e_per_kwh / base.total_kgco2e_per_kwh - 1,
                about_percent(paper),
                "change",
                reason,
            )
        )
    return rows


def _levers(s: _Study) -> list[Row]:
    return lever_rows(s.lib, s.result)


def _regions(s: _Study) -> list[Row]:
    eu, us, cn = (s.total("ncm811-prismatic", "pack", Options(grid=c)) for c in ("DE", "US", "CN"))
    reason = (
        f"Europe {eu:.1f}, USA {us:.1f}, China {cn:.1f} kg CO2e/kWh pack; table 4 lost its "
        "layout in extraction, so only the order is checked"
    )
    return [
        figure_row(
            "table4-order",
            "region order of pack footprints (Europe < USA < China)",
            "5.1, table 4",
            "Europe lowest, then USA",
            1.0 if eu < us < cn else 0.0,
            (1.0, 1.0),
            "1 = same order",
            reason,
        )
    ]


def _end_of_life(s: _Study) -> list[Row]:
    return end_of_life_rows(s.lib)


def _not_computed(_: _Study) -> list[Row]:
    return [
        Row(
            "fig9",
            "NCM packs about 200 (2011) -> 98 (2022)",
            "4.1.1, fig. 9",
            "200 -> 98",
            None,
            None,
            None,
            "",
            why="A literature series of different packs, not one design over time; "
            "`batterycarbon trend` shows one design's change with the grid.",
        ),
        Row(
            "cell-format",
            "cylindrical 51.7 vs prismatic 114.4 (cell averages)",
            "5.2",
            "51.7 / 114.4",
            None,
            None,
            None,
            "",
            why="Averages of different published studies; in the model the "
            "format changes the casing only (see `pathway --step pouch=...`).",
        ),
    ]


ROW_MAKERS: list[RowMaker] = [
    _pack_ranges,
    _shares,
    _stage_order,
    _materials,
    _generations,
    _levers,
    _regions,
    _end_of_life,
    _not_computed,
]


def reproduction_rows() -> list[Row]:
    """Every computable figure, in the digest's order, with the ``whitepaper-2023`` release."""
    study = _Study(library("whitepaper-2023"))
    rows = [row for make in ROW_MAKERS for row in make(study)]
    return [mark_fitted(row, study.lib.release) for row in rows]
