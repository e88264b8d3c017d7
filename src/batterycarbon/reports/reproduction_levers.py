"""The white paper's reduction levers (section 5.1 fig. 16, section 5.3 figs. 17 and 18).

On the white-paper release the cell plant draws 34 kWh of electricity per kWh of cells and no
heat, values its ``release.toml`` pins from figs. 16 and 17 (the plant's power about a third of
the cell footprint at China's grid factor; the open defaults follow published plant inventories
with electricity and gas heat apart): rows of an all-green cell plant are therefore
``calibrated``. The cathode, precursor and anode plants' electricity is the paper's own (about 20
kWh for NCM and 12 for LFP cathode material per kWh of cell, ``battery/data/chemistries.toml``):
the drops of greening them are ``given``. Totals and changes against the start are independent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Literal

from batterycarbon.battery import Footprint, Options, load_design
from batterycarbon.battery.params import model_defaults
from batterycarbon.factors import FactorLibrary, library, load_release
from batterycarbon.reports.published_figures import (
    Kind,
    Row,
    about,
    about_percent,
    figure_row,
    precise,
)
from batterycarbon.scenarios import load_pathway, pathway

Level = Literal["pack", "cell"]
#: A footprint of the study: design id, level, options (None: the design's own).
ResultOf = Callable[[str, Level, Options | None], Footprint]


def from_factors(result: Footprint, prefix: str) -> float:
    """kg CO2e/kWh of the result from the factors whose id starts with ``prefix``."""
    return sum(
        float(f["kgco2e_per_kwh"]) for f in result.factors if str(f["id"]).startswith(prefix)
    )


def _cell_plant_kwh() -> float:
    # The white-paper study's cell plant: the release pins the parameters the paper implies.
    energy = model_defaults(load_release("whitepaper-2023"))["production_energy"]
    return float(
        sum(v for k, v in energy.items() if k.startswith("cell_") and k.endswith("_kwh_per_kwh"))
    )


def _cell_plant_basis() -> str:
    return (
        f"calibrated: the cell plant's {_cell_plant_kwh():g} kWh of electricity per kWh of cells "
        "is set from figs. 16 and 17 (the plant's power about a third of the cell footprint at "
        "China's grid factor; pinned by the whitepaper-2023 release)"
    )


def _fig16(result: ResultOf) -> list[Row]:
    grid = result("ncm811-prismatic", "cell", None).total_kgco2e_per_kwh
    green = result("ncm811-prismatic", "cell", Options(green={"cell": 1.0})).total_kgco2e_per_kwh
    cut = grid - green
    reason = (
        f"green power cuts the cell plant's {_cell_plant_kwh():g} kWh/kWh by {cut:.1f} of a "
        f"{grid:.1f} cell; -30 % would take a cut of {0.30 * grid:.1f}, or a cell of "
        f"{cut / 0.30:.1f} with the same plant"
    )
    return [
        figure_row(
            "fig16",
            "NCM811 cell, China: cell plant 100 % green",
            "5.1, fig. 16",
            "about -30 %",
            green / grid - 1,
            about_percent(-0.30),
            "change",
            reason,
            "calibrated",
            _cell_plant_basis(),
        )
    ]


def _step_basis(plants: Iterable[str]) -> tuple[Kind, str]:
    """Kind of a drop row whose step turns ``plants`` green: their electricity decides."""
    plants = set(plants)
    if plants == {"cell"}:
        return "calibrated", _cell_plant_basis()
    if plants and "cell" not in plants:
        return "given", (
            f"given: the step greens the {', '.join(sorted(plants))} plants, whose electricity "
            "is the paper's own (about 20 kWh for NCM and 12 for LFP cathode material per kWh "
            "of cell, battery/data/chemistries.toml; graphitization from its 76 % energy share)"
        )
    return "independent", ""


def _pathways(lib: FactorLibrary, result: ResultOf) -> list[Row]:
    rows = []
    for preset_id in ("whitepaper-lfp", "whitepaper-ncm"):
        preset = load_pathway(preset_id)
        preset_lib = library(preset.factors) if preset.factors else lib
        steps = [(step.name, step.resolve()) for step in preset.steps]
        level = preset.level
        outcomes = pathway(load_design(preset.design), steps, preset_lib, level)
        start_result = result(preset.design, level, None)
        start = outcomes.steps[0].total_kgco2e_per_kwh
        electric = from_factors(start_result, "electricity_grid:")
        unit = f"kg CO2e/kWh {level}"
        if preset.start_paper is not None:
            reason = (
                f"the model's starting cell carries {electric:.1f} of grid electricity and "
                f"{start - electric:.1f} of materials and other burden"
            )
            rows.append(
                figure_row(
                    f"{preset_id}-start",
                    f"{preset_id}: starting cell",
                    "5.3",
                    f"about {preset.start_paper:g}",
                    start,
                    about(preset.start_paper),
                    unit,
                    reason,
                )
            )
        previous_paper = preset.start_paper
        only_cell = True
        for index, (step, (_, scenario)) in enumerate(zip(preset.steps, steps, strict=True)):
            outcome, before = outcomes.steps[index + 1], outcomes.steps[index]
            model_drop = outcome.total_kgco2e_per_kwh - before.total_kgco2e_per_kwh
            only_cell = only_cell and set(scenario.green) == {"cell"}
            name = f"{preset_id}: {step.name}"
            if step.paper is not None and previous_paper is not None:
                paper_drop = step.paper - previous_paper
                earlier = [r for r in rows if r.key == f"{preset_id}-{index - 1}-drop"]
                reason = f"the step greens {', '.join(sorted(scenario.green)) or 'nothing'}"
                if (
                    earlier
                    and earlier[0].system is not None
                    and abs(earlier[0].system - model_drop) < 1e-6
                ):
                    reason += (
                        f"; a green share acts linearly on the same electricity, so it cuts "
                        f"{model_drop:+.2f} as the step before did, where the paper's two steps "
                        f"differ ({earlier[0].paper} and {paper_drop:+.1f})"
                    )
                kind, basis = _step_basis(scenario.green)
                rows.append(
                    figure_row(
                        f"{preset_id}-{index}-drop",
                        f"{name}, drop from the step before",
                        "5.3",
                        f"{paper_drop:+.1f}",
                        model_drop,
                        about(paper_drop),
                        unit,
                        reason,
                        kind,
                        basis,
                    )
                )
            previous_paper = step.paper
            total = outcome.total_kgco2e_per_kwh
            if step.paper is not None:
                bounds = precise(step.paper) if step.paper % 1 else about(step.paper)
                reason = (
                    f"{total - step.paper:+.1f} off the paper, the steps so far cut "
                    f"{start - total:.1f} from a start of {start:.1f}"
                )
                if preset.start_paper is not None:
                    paper_cut = preset.start_paper - step.paper
                    reason += f" (the paper's {paper_cut:.1f} from {preset.start_paper:g})"
                rows.append(
                    figure_row(
                        f"{preset_id}-{index}",
                        name,
                        "5.3",
                        f"{step.paper:g}",
                        total,
                        bounds,
                        unit,
                        reason,
                    )
                )
            if step.paper_change is not None:
                reason = (
                    f"the steps so far cut {start - total:.1f} of the model's start {start:.1f}"
                )
                if preset.start_paper is not None:
                    on_paper = -(start - total) / preset.start_paper
                    reason += (
                        f"; on the paper's start of {preset.start_paper:g} the same cut is "
                        f"{on_paper:+.1%}"
                    )
                else:
                    implied_start = (start - total) / -step.paper_change
                    reason += (
                        f"; the paper's change implies a start of {implied_start:.1f} for that cut"
                    )
                kind, basis = _step_basis(["cell"]) if only_cell else ("independent", "")
                rows.append(
                    figure_row(
                        f"{preset_id}-{index}-change",
                        f"{name}, vs start",
                        "5.3",
                        f"{step.paper_change:.1%}",
                        outcome.change_vs_start,
                        about_percent(step.paper_change),
                        "change",
                        reason,
                        kind,
                        basis,
                    )
                )
    return rows


def lever_rows(lib: FactorLibrary, result: ResultOf) -> list[Row]:
    """Fig. 16 and the pathways of figs. 17 and 18, with ``lib`` (``whitepaper-2023``)."""
    return _fig16(result) + _pathways(lib, result)
