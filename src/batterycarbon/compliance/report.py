"""The content of the customer report: one design, its declaration and the evidence behind it.

:func:`report_content` gathers, as plain JSON-ready data, everything the multi-page PDF
(:func:`batterycarbon.reports.report_pdf.report_pdf`) shows: the declared footprint under one
rule set (per stage, per component), the hotspots with their levers, the design under every
compared rule set with the reconciliation table, the provenance and data quality of each
emission source the result used, the Monte Carlo uncertainty of the cradle-to-gate footprint,
the bundled reduction pathway of the design's chemistry family applied to this design, and the
EU declaration itself (Annex II content) as an annex.
Nothing here is formatted: the PDF prints these numbers, so a test can check them against the
calculation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

import numpy as np

from batterycarbon.battery import Design, Options, footprint, load_design
from batterycarbon.battery.hotspots import hotspots
from batterycarbon.battery.uncertainty import monte_carlo, summary
from batterycarbon.compliance.classes import ClassTable
from batterycarbon.compliance.declare import DEFAULT_DECLARATION_RULE_SET, declare
from batterycarbon.compliance.inputs import ComplianceInputs
from batterycarbon.compliance.standards import RuleSetFootprint, compare, standards_report
from batterycarbon.errors import InputError, excerpt
from batterycarbon.factors import FactorLibrary
from batterycarbon.rules.functional_unit import UseProfile
from batterycarbon.scenarios import bundled_pathway_ids, load_pathway, pathway

#: How many steps and how many factors the hotspot page lists.
HOTSPOTS_TOP = 8
#: Monte Carlo defaults of the report: runs and seed (stated in the report, so it can be redone).
MC_RUNS = 1000
MC_SEED = 42
#: How many of the most skewed uncertain inputs the uncertainty section names.
SKEWED_TOP = 3


def factor_provenance(result: RuleSetFootprint, library: FactorLibrary) -> list[dict[str, Any]]:
    """Every emission source of ``result`` with its contribution, source and data quality.

    Library factors carry their source citation, reference year, region and PEF data-quality
    rating (DQR, 1 best to 5 worst); a supplier's figure is marked primary; emissions of a
    foreground process itself (no factor) are marked as such. Contributions are cradle to gate,
    kg CO2e per kWh of pack capacity, largest first.
    """
    fp = result.footprint
    total = fp.total_kgco2e_per_kwh
    rows = []
    for row in fp.factors:
        source_id = str(row["id"])
        entry: dict[str, Any] = {
            "id": source_id, "name": row["name"], "amount_per_kwh": row["amount"],
            "unit": row["unit"], "kgco2e_per_kwh": row["kgco2e_per_kwh"],
            "share": float(row["kgco2e_per_kwh"]) / total if total else 0.0,
            "kind": "primary" if row["primary"] else "library",
            "source": None, "year": None, "region": None, "dqr": None,
        }  # fmt: skip
        if row["primary"]:
            entry["source"] = "supplier's own figure (primary data)"
        elif source_id.startswith("process:"):
            entry["kind"] = "process"
            entry["source"] = "direct emissions of the process (inventory)"
        else:
            factor = library.get(source_id)
            entry.update(source=factor.source.citation, year=factor.year, region=factor.region,
                         dqr=factor.quality.dqr)  # fmt: skip
        rows.append(entry)
    return rows


def weighted_dqr(provenance: Sequence[dict[str, Any]]) -> float | None:
    """DQR of the library factors weighted by their (positive) contribution, or ``None``."""
    rated = [
        (float(r["dqr"]), float(r["kgco2e_per_kwh"])) for r in provenance if r["dqr"] is not None
    ]
    weight = sum(max(c, 0.0) for _, c in rated)
    if weight == 0:
        return None
    return sum(d * max(c, 0.0) for d, c in rated) / weight


def uncertainty_content(
    design: Design,
    library: FactorLibrary,
    rule_set_id: str,
    options: Options | None = None,
    runs: int = MC_RUNS,
    seed: int = MC_SEED,
) -> dict[str, Any]:
    """Mean, median and 2.5 / 97.5 percentiles of the pack's cradle-to-gate footprint (kg CO2e
    per kWh of capacity), total and per stage, from
    :func:`batterycarbon.battery.uncertainty.monte_carlo` with ``runs`` and ``seed`` (same seed,
    same figures). Stages after the gate (distribution, end of life) are not sampled."""
    problems = []
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 2:
        problems.append(f"mc_runs: {excerpt(runs)}: expected an integer of at least 2")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        problems.append(f"mc_seed: {excerpt(seed)}: expected a non-negative integer")
    if problems:
        raise InputError("report uncertainty", problems)
    samples = monte_carlo(design, library, runs, seed, options, level="pack", rule_set_id=rule_set_id)  # fmt: skip
    fp = footprint(design, library, options, level="pack", rule_set_id=rule_set_id)
    # Inputs whose sampled median is furthest from their deterministic value (multiplier 1):
    # an asymmetric range (a triangular mode at the value with a long upper tail) moves the
    # whole distribution, and the reader should see why the median differs from the result.
    medians = np.median(samples.multipliers, axis=0)
    order = np.argsort(-np.abs(np.log(medians)))[:SKEWED_TOP]
    return {
        "runs": runs,
        "seed": seed,
        "rule_set": rule_set_id,
        "unit": "kg CO2e per kWh of capacity",
        "boundary": "cradle to gate (raw materials and production)",
        "total": summary(samples.total),
        "stages": {stage: summary(values) for stage, values in samples.stages.items()},
        "inputs_sampled": len(samples.inputs),
        "deterministic": {
            "total": fp.total_kgco2e_per_kwh,
            "stages": {stage: float(fp.stages.get(stage, 0.0)) for stage in samples.stages},
        },
        "skewed_inputs": [
            {"key": samples.inputs[i].key, "median_multiplier": float(medians[i])} for i in order
        ],
    }


def chemistry_family(chemistry: str) -> str:
    """``NCM811`` -> ``NCM``, ``LFP`` -> ``LFP``: the letters before any digit, upper case."""
    letters = ""
    for char in chemistry.upper():
        if char.isdigit():
            break
        letters += char
    return letters


def pathway_preset_for(design: Design) -> str | None:
    """The bundled pathway preset whose design is of the same chemistry family, if any."""
    family = chemistry_family(design.chemistry)
    for preset_id in bundled_pathway_ids():
        preset = load_pathway(preset_id)
        if chemistry_family(load_design(preset.design).chemistry) == family:
            return preset_id
    return None


def pathway_content(
    design: Design, library: FactorLibrary, rule_set_id: str
) -> dict[str, Any] | None:
    """The bundled reduction pathway of the design's chemistry family, its cumulative steps
    applied to *this* design with the report's factor release and rule set, pack level, kg CO2e
    per kWh of capacity cradle to gate (:func:`batterycarbon.scenarios.pathway`); ``None`` when
    no preset exists for the chemistry. The preset's own design, level and factor release (the
    white paper's) are not used, so the figures match the rest of the report."""
    preset_id = pathway_preset_for(design)
    if preset_id is None:
        return None
    preset = load_pathway(preset_id)
    steps = [(step.name, step.resolve()) for step in preset.steps]
    result = pathway(design, steps, library, level="pack", rule_set_id=rule_set_id)
    return {
        "preset": preset.name,
        "description": preset.description,
        "factor_release": result.factor_release,
        "rule_set": result.rule_set,
        "unit": "kg CO2e per kWh of capacity",
        "steps": [
            {
                "name": step.name,
                "total_kgco2e_per_kwh": step.total_kgco2e_per_kwh,
                "change_vs_previous": step.change_vs_previous,
                "change_vs_start": step.change_vs_start,
            }
            for step in result.steps
        ],
    }


def report_content(
    design: Design,
    library: FactorLibrary,
    *,
    manufacturer: str | None,
    plant_address: str | None,
    class_table: ClassTable,
    inputs: ComplianceInputs | None = None,
    use: UseProfile | None = None,
    study_url: str | None = None,
    rule_set_id: str = DEFAULT_DECLARATION_RULE_SET,
    compared: Sequence[str] | None = None,
    options: Options | None = None,
    issued: dt.date | None = None,
    mc_runs: int = MC_RUNS,
    mc_seed: int = MC_SEED,
    manufacturer_address: str | None = None,
    manufacturer_country: str | None = None,
    plant_country: str | None = None,
) -> dict[str, Any]:
    """Everything the report shows (see the module), or :class:`InputError` naming what is
    missing: the declaration's fields (manufacturer and its address, plant, study link, use
    profile) are required because the declaration is the report's annex.

    ``compared``: rule sets side by side (default every bundled one); the declared rule set is
    always among them. ``mc_runs``/``mc_seed``: the Monte Carlo of the uncertainty section.
    """
    inputs = inputs or ComplianceInputs()
    bundle = declare(
        design, library, manufacturer=manufacturer, plant_address=plant_address,
        class_table=class_table, inputs=inputs, use=use, study_url=study_url,
        rule_set_id=rule_set_id, options=options, issued=issued,
        manufacturer_address=manufacturer_address, manufacturer_country=manufacturer_country,
        plant_country=plant_country,
    )  # fmt: skip
    result = bundle.result
    fp = result.footprint
    ids = list(compared) if compared else None
    if ids is not None and rule_set_id not in ids:
        ids.append(rule_set_id)
    results = compare(design, library, ids, options, result.use_profile, None, inputs.downstream())
    provenance = factor_provenance(result, library)
    declaration = bundle.declaration.to_json_dict()
    rs = result.rule_set
    return {
        "title": f"Carbon footprint report: {design.name or fp.design}",
        "cover": {
            "design": fp.design,
            "design_name": design.name,
            "chemistry": design.chemistry,
            "capacity_kwh": result.capacity_kwh,
            "factor_release": fp.factor_release,
            "rule_set": {
                "id": rs.id,
                "version": rs.version,
                "title": rs.title,
                "status": rs.status,
            },  # fmt: skip
            "date": declaration["issued"],
            "inputs_digest": fp.inputs_digest,
            "software_version": fp.software_version,
            "declaration_id": declaration["declaration_id"],
            "performance_class": bundle.classification.performance_class,
        },
        "result": {
            "functional_unit": rs.functional_unit,
            "fu_energy_kwh": result.fu_energy_kwh,
            "total_kgco2e_per_fu": result.total_kgco2e_per_fu,
            "total_kgco2e_per_kwh_capacity": result.total_kgco2e_per_kwh_capacity,
            "total_kgco2e_per_pack": result.total_kgco2e_per_pack,
            "stages": [
                {
                    "stage": s,
                    "name": rs.stage_names[s],
                    "kgco2e_per_kwh_capacity": v,
                    "kgco2e_per_fu": result.stages_kgco2e_per_fu[s],
                }
                for s, v in result.stages_kgco2e_per_kwh_capacity.items()
            ],  # fmt: skip
            "cradle_to_gate_kgco2e_per_kwh": fp.total_kgco2e_per_kwh,
            "components": dict(fp.components),
            "cell_share": fp.cell_share,
            "primary_share": fp.primary_share,
        },
        "hotspots": [
            asdict(h)
            for h in hotspots(design, library, options, top=HOTSPOTS_TOP, rule_set_id=rule_set_id)
        ],  # fmt: skip
        "pathway": pathway_content(design, library, rule_set_id),
        "uncertainty": uncertainty_content(design, library, rule_set_id, options, mc_runs, mc_seed),
        "standards": standards_report(results, result.use_profile),
        "provenance": {"factors": provenance, "weighted_dqr": weighted_dqr(provenance)},
        "declaration": declaration,
    }
