"""Bundled scenarios and pathway presets, and loading scenarios from files."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from batterycarbon.errors import InputError, excerpt, validation_problems
from batterycarbon.safe_yaml import read_yaml_file
from batterycarbon.scenarios.model import Scenario

BUNDLED_DIR = Path(__file__).parent / "bundled"
PATHWAYS_DIR = Path(__file__).parent / "pathways"


def bundled_scenario_ids() -> list[str]:
    return sorted(p.stem for p in BUNDLED_DIR.glob("*.yaml"))


def bundled_pathway_ids() -> list[str]:
    return sorted(p.stem for p in PATHWAYS_DIR.glob("*.yaml"))


def parse_scenario(data: Any, source: str) -> Scenario:
    try:
        return Scenario.model_validate(data if data is not None else {})
    except ValidationError as exc:
        raise InputError(source, validation_problems(exc)) from None


def load_scenario(ref: str | Path) -> Scenario:
    """A bundled scenario by id, or a YAML/JSON file by path."""
    path = Path(ref)
    if not path.is_file():
        path = BUNDLED_DIR / f"{ref}.yaml"
        if not path.is_file():
            raise InputError(
                str(ref),
                [f"no such file, and not a bundled scenario ({', '.join(bundled_scenario_ids())})"],
            )
    scenario = parse_scenario(read_yaml_file(path), str(path))
    return scenario if scenario.name else scenario.model_copy(update={"name": path.stem})


class PathwayStep(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    scenario: str | Scenario
    paper: float | None = None  # the paper's value at this step (kg CO2e/kWh), if it states one
    paper_change: float | None = None  # the paper's change vs the start, if it states one

    def resolve(self) -> Scenario:
        return (
            self.scenario if isinstance(self.scenario, Scenario) else load_scenario(self.scenario)
        )


class PathwayPreset(BaseModel):
    """A bundled pathway: a design, a level, a factor release and cumulative steps."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    design: str
    level: Literal["pack", "cell"] = "cell"
    factors: str | None = None
    steps: list[PathwayStep]
    start_paper: float | None = None


def load_pathway(ref: str) -> PathwayPreset:
    path = PATHWAYS_DIR / f"{ref}.yaml"
    if not path.is_file():
        raise InputError(
            "--preset", [f"{excerpt(ref)}: known presets: {', '.join(bundled_pathway_ids())}"]
        )
    try:
        return PathwayPreset.model_validate(read_yaml_file(path))
    except ValidationError as exc:
        raise InputError(str(path), validation_problems(exc)) from None
