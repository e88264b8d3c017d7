"""Cumulative pathways: each step adds a scenario to the ones before it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from batterycarbon.battery import Design, footprint
from batterycarbon.factors import FactorLibrary, merge_warnings
from batterycarbon.scenarios.model import Scenario, apply, compose


@dataclass(frozen=True)
class PathwayStepResult:
    name: str
    total_kgco2e_per_kwh: float
    change_vs_start: float
    change_vs_previous: float
    scenario: dict[str, Any] = field(default_factory=dict)
    #: The fallbacks of the factor lookup behind this step's footprint (``Footprint.warnings``).
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PathwayResult:
    design: str
    level: str
    factor_release: str
    rule_set: str
    steps: list[PathwayStepResult]
    #: The factor lookup's substitutions of every step (``Footprint.warnings``), each once.
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "design": self.design,
            "level": self.level,
            "factor_release": self.factor_release,
            "rule_set": self.rule_set,
            "steps": [step.__dict__ for step in self.steps],
            "warnings": self.warnings,
        }


def pathway(
    design: Design,
    steps: list[tuple[str, Scenario]],
    library: FactorLibrary,
    level: Literal["pack", "cell"] = "pack",
    rule_set_id: str = "whitepaper-c2g",
) -> PathwayResult:
    """Footprint of ``design`` unchanged, then after each cumulative step (kg CO2e per kWh),
    with the factor substitutions any step made (``warnings``)."""
    results: list[PathwayStepResult] = []
    start = previous = 0.0
    applied: list[Scenario] = []
    rule_set_label = ""
    warnings: list[str] = []
    for index, (name, scenario) in enumerate([("start", Scenario()), *steps]):
        applied.append(scenario)
        combined = compose(applied)
        changed_design, options = apply(design, combined)
        result = footprint(changed_design, library, options, level=level, rule_set_id=rule_set_id)
        total = result.total_kgco2e_per_kwh
        rule_set_label = result.rule_set
        warnings = list(merge_warnings(warnings, result.warnings))
        if index == 0:
            start = previous = total
        results.append(
            PathwayStepResult(
                name=name,
                total_kgco2e_per_kwh=total,
                change_vs_start=total / start - 1 if start else 0.0,
                change_vs_previous=total / previous - 1 if previous else 0.0,
                scenario=scenario.model_dump(exclude_defaults=True),
                warnings=result.warnings,
            )
        )
        previous = total
    return PathwayResult(
        design.id or "design", level, library.release_id, rule_set_label, results, warnings
    )
