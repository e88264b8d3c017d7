"""The white paper's end-of-life figures (section 5.4) beside the model's values.

Process emissions of the three recycling routes (fig. 23), batteries remanufactured from what
each route recovers, and the second-life grading bands (section 5.4.1). A route whose electricity
has ``status = "calibrated"`` in ``recycling/data/routes.toml`` makes its process-emission row
``calibrated``; bands the grading data take from the paper make their rows ``given``.
"""

from __future__ import annotations

from batterycarbon.battery import Design, build_system, load_design
from batterycarbon.factors import FactorLibrary
from batterycarbon.recycling import grade, load_grading, load_routes, process_emissions
from batterycarbon.recycling.remanufacture import remanufacture
from batterycarbon.reports.published_figures import Row, figure_row, precise


def paper_recycling_pack() -> Design:
    """The paper's recycling case (section 5.4.2): an NCM811 pack of 74 kWh in 188 cells."""
    base = load_design("ncm811-prismatic")
    capacity_ah = 74_000 / 188 / 3.7
    data = base.model_dump()
    data.update(id="ncm811-74kwh-188cells", name="NCM811 pack, 74 kWh, 188 cells (section 5.4.2)")
    data["cell"] = {**data["cell"], "capacity_ah": capacity_ah}
    data["pack"] = {**data["pack"], "cells": 188}
    return Design.model_validate(data)


def end_of_life_rows(lib: FactorLibrary) -> list[Row]:
    """Section 5.4's rows for the paper's 74 kWh NCM811 pack, with ``lib``."""
    design = paper_recycling_pack()
    bsys = build_system(design, lib)
    routes = load_routes().routes
    rows = []
    for route, paper in (("pyro", 5.11), ("hydro", 2.9), ("direct", 3.65)):
        emissions = process_emissions(
            route, bsys.pack_mass_kg, bsys.pack_capacity_kwh, lib, bsys.plants["pack"], bsys.year
        )
        parts = emissions.contributions_kgco2e_per_kwh
        electricity = routes[route].electricity
        assert electricity is not None  # a quantified route has one
        reason = (
            f"{route}: electricity {parts.get('electricity', 0.0):.2f} "
            f"({electricity.kwh_per_kg:g} kWh per kg of pack), reagents "
            f"{sum(v for k, v in parts.items() if k.startswith('reagent:')):.2f}, burnt on site "
            f"{sum(v for k, v in parts.items() if k.startswith('direct:')):.2f}"
        )
        calibrated = electricity.status == "calibrated"
        basis = (
            f"calibrated: the {route} route's electricity, {electricity.kwh_per_kg:g} kWh per kg "
            "of pack (recycling/data/routes.toml), is back-calculated from this figure"
        )
        rows.append(
            figure_row(
                f"recycling-{route}",
                f"{route} recycling process emissions",
                "5.4.2, fig. 23",
                f"{paper:g}",
                emissions.total_kgco2e_per_kwh,
                precise(paper),
                "kg CO2e/kWh",
                reason,
                "calibrated" if calibrated else "independent",
                basis if calibrated else "",
            )
        )
    for route, paper in (("pyro", -0.048), ("hydro", -0.3347), ("direct", -0.518)):
        rows.append(_remanufacture_row(lib, design, route, paper))
    rows += _grades()
    return rows


def _remanufacture_row(lib: FactorLibrary, design: Design, route: str, paper: float) -> Row:
    result = remanufacture(route, design, lib)
    capacity = result.virgin.capacity_kwh
    virgin = result.virgin.total_kgco2e_per_kwh
    avoided = sum(s.rate * s.mass_kg * s.virgin_kgco2e_per_kg for s in result.substitutions)
    avoided /= capacity
    process = result.process_kgco2e_per_pack / capacity
    # new = virgin - avoided + process; the paper's change needs avoided' = process - paper*virgin
    scale = (process - paper * virgin) / avoided
    largest = max(result.substitutions, key=lambda s: s.rate * s.mass_kg * s.virgin_kgco2e_per_kg)
    reason = (
        f"recovered material avoids {avoided:.1f} and the route adds {process:.1f} kg CO2e/kWh "
        f"of a {virgin:.1f} pack; {paper:+.2%} would need {scale:.0%} of the recovery assumed "
        f"(e.g. {largest.target} {largest.rate:.0%} -> {largest.rate * scale:.0%})"
    )
    return figure_row(
        f"remanufacture-{route}",
        f"battery from {route}-recovered material vs virgin",
        "5.4.2",
        f"{paper:.2%}",
        result.change,
        precise(paper),
        "change",
        reason,
    )


def _grades() -> list[Row]:
    grading = load_grading()
    rows = []
    for soh, band in ((0.85, "vehicle"), (0.7, "repack"), (0.4, "regroup"), (0.1, "recycle")):
        found = grade(soh)
        source = grading.sources[found.source]
        given = "White paper" in source
        basis = (
            f"given: the band {found.name!r} is the paper's own (grading.toml, source "
            f"{found.source}: section 5.4.1), so the row checks the lookup, not the model"
        )
        reason = (
            f"SOH {soh:.0%} falls in {found.name!r} ({found.soh_min:.0%} to {found.soh_max:.0%} "
            f"of rated capacity), the paper's band is {band!r}"
        )
        rows.append(
            figure_row(
                f"grade-{soh}",
                f"second-life grade at SOH {soh:.0%}: {found.name}",
                "5.4.1",
                band,
                1.0 if band in found.name else 0.0,
                (1.0, 1.0),
                "1 = same band",
                reason,
                "given" if given else "independent",
                basis if given else "",
            )
        )
    return rows
