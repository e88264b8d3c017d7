"""Footprint of a design: solve its product system and break the result down.

The result is per kWh of pack capacity (``level="pack"``) or of cell capacity (``level="cell"``,
without module and pack parts), by stage, component, foreground process and library factor, and
records what it came from: factor release, rule set, inputs digest and software version.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from batterycarbon import __version__
from batterycarbon.battery.assembly import ProcessInfo
from batterycarbon.battery.design import Design
from batterycarbon.battery.inventory import COMPONENTS, BatterySystem, build_system
from batterycarbon.battery.options import AccountingPolicy, Options
from batterycarbon.factors import FactorLibrary
from batterycarbon.lca import Solver
from batterycarbon.rules import RuleSet, load_rule_set

Level = Literal["pack", "cell"]
CELL_COMPONENTS = COMPONENTS[:-1]
#: Intermediate products made per kg, whose cradle-to-gate intensity (kg CO2e/kg) is reported.
PER_KG_PRODUCTS = (
    "precursor",
    "cathode_active_material",
    "anode_active_material",
    "aluminium_foil",
    "copper_foil",
    "electrolyte",
)


@dataclass(frozen=True)
class Footprint:
    """A cradle-to-gate footprint with its breakdowns (kg CO2e per kWh unless named per pack)."""

    design: str
    level: Level
    functional_unit: str
    total_kgco2e_per_kwh: float
    total_kgco2e_per_pack: float
    capacity_kwh: float
    stages: dict[str, float]
    components: dict[str, float]
    processes: list[dict[str, Any]]
    factors: list[dict[str, Any]]
    cell_share: float
    material_intensities: dict[str, float]
    primary_data: list[dict[str, Any]]
    primary_share: float
    factor_release: str
    rule_set: str
    inputs_digest: str
    software_version: str
    pack: dict[str, Any]
    #: Each substitution of the factor lookup, in words: a wider region's factor for a country
    #: without its own, or a factor of another year (``FactorLibrary.lookup``).
    warnings: list[str] = field(default_factory=list)
    #: Factors of the result fitted to a published figure instead of read in a source (the
    #: release's ``[[fitted]]``), and the share of the total that rests on them.
    fitted_factors: list[str] = field(default_factory=list)
    fitted_share: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def inputs_digest(
    design: Design, options: Options, release: str, rule_set: RuleSet, level: str
) -> str:
    """SHA-256 of the canonical JSON of everything the result depends on."""
    canonical = json.dumps(
        {
            "design": design.model_dump(mode="json"),
            "options": options.canonical(),
            "factor_release": release,
            "rule_set": rule_set.label,
            "level": level,
            "software_version": __version__,
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def accounting_policy(rule_set: RuleSet) -> AccountingPolicy:
    """The product model's questions answered by the rule set's data."""
    return AccountingPolicy(
        counts_green=rule_set.counts_green, recycled_burden=rule_set.recycled_burden
    )


def footprint(
    design: Design,
    library: FactorLibrary,
    options: Options | None = None,
    level: Level = "pack",
    rule_set_id: str = "whitepaper-c2g",
) -> Footprint:
    """Cradle-to-gate footprint of ``design`` per kWh at ``level``."""
    options = options or Options()
    rule_set = load_rule_set(rule_set_id)
    bsys = build_system(design, library, options, accounting_policy(rule_set))
    return footprint_of_system(
        bsys, library.release_id, level, rule_set, library.release.fitted_ids
    )


def footprint_of_system(
    bsys: BatterySystem,
    release: str,
    level: Level,
    rule_set: RuleSet,
    fitted_ids: frozenset[str] = frozenset(),
) -> Footprint:
    system = bsys.system
    solver = Solver(system)
    fg = bsys.foreground_mask()
    pack_solution = solver.solve(system.demand({"pack": 1.0}))
    cell_solution = solver.solve(system.demand({"cell": float(bsys.cells_per_pack)}))
    solution = pack_solution if level == "pack" else cell_solution
    capacity = bsys.pack_capacity_kwh
    per_kwh = 1.0 / capacity
    attributed = solution.attributed_contributions(fg) * per_kwh
    direct = solution.direct_contributions() * per_kwh

    stages = dict.fromkeys(rule_set.stages, 0.0)
    components = dict.fromkeys(COMPONENTS if level == "pack" else CELL_COMPONENTS, 0.0)
    processes = []
    for i, info in enumerate(bsys.processes):
        if info.stage is None:
            continue
        stages[info.stage] += attributed[i]
        if info.component in components:
            components[info.component] += attributed[i]
        if abs(attributed[i]) > 0:
            processes.append(
                {
                    "id": info.id,
                    "name": info.name,
                    "stage": info.stage,
                    "component": info.component,
                    "kgco2e_per_kwh": _r(attributed[i]),
                    "primary": info.primary,
                }
            )
    factor_rows = []
    primary_total = fitted_total = 0.0
    fitted: list[str] = []
    for i, info in enumerate(bsys.processes):
        if direct[i] == 0:
            continue
        if info.primary:
            primary_total += direct[i]
        if info.factor_id in fitted_ids:
            fitted_total += direct[i]
            fitted.append(info.factor_id)
        factor_rows.append(
            {
                "id": _emission_source_id(info),
                "name": info.name,
                "primary": info.primary,
                "amount": _r(solution.scaling[i] * per_kwh),
                "unit": info.unit,
                "kgco2e_per_kwh": _r(direct[i]),
            }
        )
    total = float(solution.total) * per_kwh
    primary = [
        {"process": p.id, "supplier": p.supplier, "factor_replaced": p.id.removeprefix("supplier:")}
        for p in bsys.processes
        if p.primary
    ]
    level_name = "pack" if level == "pack" else "cells"
    return Footprint(
        design=bsys.design.id or "design",
        level=level,
        functional_unit=f"1 kWh of {level_name} capacity ({rule_set.boundary})",
        total_kgco2e_per_kwh=_r(total),
        total_kgco2e_per_pack=_r(total * capacity),
        capacity_kwh=_r(capacity),
        stages={k: _r(v) for k, v in stages.items()},
        components={k: _r(v) for k, v in components.items()},
        processes=sorted(processes, key=lambda p: -float(p["kgco2e_per_kwh"])),
        factors=sorted(factor_rows, key=lambda f: -float(f["kgco2e_per_kwh"])),
        cell_share=_r(cell_solution.total / pack_solution.total),
        material_intensities={
            pid: _r(solver.intensity[system.index[pid]])
            for pid in PER_KG_PRODUCTS
            if pid in system.index
        },
        primary_data=primary,
        primary_share=_r(primary_total / total if total else 0.0),
        factor_release=release,
        rule_set=rule_set.label,
        inputs_digest=inputs_digest(bsys.design, bsys.options, release, rule_set, level),
        software_version=__version__,
        pack={
            "cells": bsys.cells_per_pack,
            "cell_energy_kwh": _r(bsys.cell_energy_kwh),
            "cell_mass_kg": _r(bsys.cell_mass_kg),
            "pack_mass_kg": _r(bsys.pack_mass_kg),
            # Derived energy figures (cell.py): volumes are estimates, see cell_designs.toml.
            "cell_wh_per_kg": _r(bsys.cell_wh_per_kg),
            "cell_wh_per_l": _r(bsys.cell_wh_per_l),
            "cell_volume_l": _r(bsys.cell_volume_l),
            "pack_wh_per_kg": _r(bsys.pack_wh_per_kg),
            "pack_wh_per_l": _r(bsys.pack_wh_per_l),
            "pack_volume_l": _r(bsys.pack_volume_l),
            "cell_band": bsys.cell_band.to_dict() if bsys.cell_band else None,
            "cell_masses_kg": {k: _r(v) for k, v in bsys.cell_masses_kg.items()},
            "plants": bsys.plants,
            "year": bsys.year,
        },
        warnings=list(bsys.warnings),
        fitted_factors=sorted(set(fitted)),
        fitted_share=_r(fitted_total / total if total else 0.0),
    )


def _emission_source_id(info: ProcessInfo) -> str:
    """Where an emission comes from: a library factor, a supplier's figure or a process itself."""
    if info.factor_id:
        return info.factor_id
    if info.primary:
        return info.id if info.id.startswith("supplier:") else f"supplier:{info.id}"
    return f"process:{info.id}"


def _r(value: float) -> float:
    """Round to 12 significant digits so results are stable across BLAS builds."""
    return float(np.format_float_positional(value, precision=12, unique=False, fractional=False))
