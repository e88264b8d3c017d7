"""A scenario: levers as data, applied to any design without editing it, composable in order.

Composition is a merge in order: each later scenario overrides the earlier ones key by key
(plants per step, green power and green heat per step, recycled content per element), so
scenarios touching different keys commute and a pathway's final state does not depend on their
order.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from batterycarbon.battery.design import STEPS, Design, require_steps
from batterycarbon.battery.options import ELEMENTS, Options
from batterycarbon.battery.sourcing import require_levers
from batterycarbon.bounds import (
    MAX_DESCRIPTION_CHARS,
    MAX_NAME_CHARS,
    MAX_REFERENCE_CHARS,
    MAX_SOURCES,
    DocumentFloat,
    DocumentInt,
    DocumentShare,
)
from batterycarbon.countries import country_problem
from batterycarbon.errors import excerpt
from batterycarbon.rules.functional_unit import STORED_DOCUMENT

DATA_DIR = Path(__file__).parent / "data"
PLANT_STEPS = (*STEPS, "foil")


@lru_cache(maxsize=1)
def recycled_content_presets() -> dict[str, dict[str, Any]]:
    """Named recycled-content targets (``data/recycled_content_presets.toml``)."""
    text = (DATA_DIR / "recycled_content_presets.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


class GreenPower(BaseModel):
    """Share of a step's electricity bought as green power, and how it is bought."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    share: DocumentShare
    contract: Literal["direct-line", "ppa", "certificate"] = "direct-line"


class Scenario(BaseModel):
    """Levers; every field left out leaves the design (or the earlier scenario) as it is."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    name: str | None = Field(default=None, max_length=MAX_NAME_CHARS)
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION_CHARS)
    sources: list[Annotated[str, Field(max_length=MAX_REFERENCE_CHARS)]] = Field(
        default=[], max_length=MAX_SOURCES
    )
    grid: str | None = None
    plants: dict[str, str] = Field(default={}, max_length=len(PLANT_STEPS))
    year: DocumentInt | None = Field(default=None, ge=2000, le=2060)
    green: dict[str, GreenPower] = Field(default={}, max_length=len(STEPS))
    #: step -> share of its natural-gas heat from a heat pump on green power (``Options``).
    green_heat: dict[str, DocumentShare] = Field(default={}, max_length=len(STEPS))
    format: Literal["cylindrical", "prismatic", "pouch"] | None = None
    recycled_content: dict[str, DocumentShare] = Field(default={}, max_length=len(ELEMENTS))
    #: commodity -> {route: share}, over the design's ``sourcing`` (``battery.sourcing``).
    sourcing: dict[str, Annotated[dict[str, DocumentFloat], Field(max_length=20)]] = Field(
        default={}, max_length=20
    )

    @model_validator(mode="before")
    @classmethod
    def _expand_shorthands(cls, data: Any) -> Any:
        """``green: {cell: 1}`` means a direct line; ``recycled_content: eu-2031`` a preset."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        green = data.get("green")
        if isinstance(green, dict):
            data["green"] = {
                step: {"share": value} if isinstance(value, int | float) else value
                for step, value in green.items()
            }
        recycled = data.get("recycled_content")
        if isinstance(recycled, str):
            presets = recycled_content_presets()
            if recycled not in presets:
                raise ValueError(
                    f"recycled_content preset {excerpt(recycled)} unknown; known: {', '.join(presets)}"
                )
            data["recycled_content"] = {k: v for k, v in presets[recycled].items() if k in ELEMENTS}
        return data

    @field_validator("plants")
    @classmethod
    def _plants(cls, value: dict[str, str]) -> dict[str, str]:
        require_steps(value, "plant", PLANT_STEPS)
        for step, country in value.items():
            problem = country_problem(country)
            if problem is not None:
                raise ValueError(f"plants.{step}: {problem}")
        return value

    @field_validator("grid")
    @classmethod
    def _grid(cls, value: str | None) -> str | None:
        problem = None if value is None else country_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value

    @field_validator("green")
    @classmethod
    def _green_steps(cls, value: dict[str, GreenPower]) -> dict[str, GreenPower]:
        require_steps(value, "green")
        return value

    @field_validator("green_heat")
    @classmethod
    def _green_heat_steps(cls, value: dict[str, float]) -> dict[str, float]:
        require_steps(value, "green_heat")
        return value

    @field_validator("sourcing")
    @classmethod
    def _routes(cls, value: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        return require_levers(value)

    @field_validator("recycled_content")
    @classmethod
    def _elements(cls, value: dict[str, float]) -> dict[str, float]:
        for element in value:
            if element not in ELEMENTS:
                raise ValueError(
                    f"recycled-content element {excerpt(element)}; expected one of {ELEMENTS}"
                )
        return value


def compose(scenarios: list[Scenario]) -> Scenario:
    """One scenario equal to applying ``scenarios`` in order (later keys win)."""
    merged: dict[str, Any] = {
        "plants": {},
        "green": {},
        "green_heat": {},
        "recycled_content": {},
        "sourcing": {},
    }
    for scenario in scenarios:
        for key in ("grid", "year", "format"):
            value = getattr(scenario, key)
            if value is not None:
                merged[key] = value
        if scenario.grid is not None:
            merged["plants"] = {}  # a grid move relocates every plant, earlier ones included
        merged["plants"].update(scenario.plants)
        merged["green"].update(scenario.green)
        merged["green_heat"].update(scenario.green_heat)
        merged["recycled_content"].update(scenario.recycled_content)
        merged["sourcing"].update(scenario.sourcing)
    names = [s.name for s in scenarios if s.name]
    return Scenario(name=" + ".join(names) if names else None, **merged)


def apply(design: Design, scenario: Scenario) -> tuple[Design, Options]:
    """The design (format swapped if asked) and the calculation options of ``scenario``."""
    if scenario.format is not None and scenario.format != design.format:
        # The design was validated already (a stored one as stored: read_stored_design).
        changed = {**design.model_dump(), "format": scenario.format}
        design = Design.model_validate(changed, context=STORED_DOCUMENT)
    options = Options(
        grid=scenario.grid,
        year=scenario.year,
        plants=dict(scenario.plants),
        green={step: g.share for step, g in scenario.green.items()},
        green_contracts={step: g.contract for step, g in scenario.green.items()},
        green_heat=dict(scenario.green_heat),
        recycled_content=dict(scenario.recycled_content),
        sourcing={c: dict(shares) for c, shares in scenario.sourcing.items()},
    )
    return design, options
