"""Second-life grading of a retired battery by its state of health (SOH).

The bands are data (``data/grading.toml``), taken from the white paper (section 5.4.1):
capacity >= 80 % stays in vehicle use; 60-80 % is repacked for storage, telecom base stations
or backup power; 20-60 % is dismantled to cells and regrouped for user-side use; < 20 % is
scrapped to recycling. SOH is a fraction of the rated capacity (0.72 = 72 %). A band includes
its lower edge and excludes its upper edge, except the top band, which includes 1.0; so 0.8 is
vehicle use, 0.6 repack, 0.2 regroup.

References
----------
UN Global Compact (2023), white paper section 5.4.1, citing Weng Y. et al. (2022), "Research
progress and development trend of comprehensive recycling of retired power batteries",
Biological Chemical Engineering 8(6), 139-146+152 (in Chinese).
"""

from __future__ import annotations

import math
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from batterycarbon.errors import InputError, excerpt, validation_problems

GRADING_FILE = Path(__file__).parent / "data" / "grading.toml"
_EDGE_TOLERANCE = 1e-12


class Grade(BaseModel):
    """One SOH band: ``soh_min <= SOH < soh_max`` (``<= 1.0`` for the top band)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    soh_min: float = Field(ge=0, le=1, allow_inf_nan=False)
    soh_max: float = Field(ge=0, le=1, allow_inf_nan=False)
    recommended_route: str | None = None  # a route id of data/routes.toml; None: keep in use
    description: str = Field(min_length=1)
    applications: list[str] = []
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> Grade:
        if self.soh_min >= self.soh_max:
            raise ValueError(f"soh_min {self.soh_min} must be below soh_max {self.soh_max}")
        return self


class Grading(BaseModel):
    """Bands that tile 0..1 without gap or overlap."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: dict[str, str]
    grades: list[Grade] = Field(min_length=1)

    @model_validator(mode="after")
    def _tiles_unit_interval(self) -> Grading:
        bands = sorted(self.grades, key=lambda g: g.soh_min)
        if abs(bands[0].soh_min) > _EDGE_TOLERANCE or abs(bands[-1].soh_max - 1) > _EDGE_TOLERANCE:
            raise ValueError("bands must start at soh 0 and end at soh 1")
        for low, high in zip(bands, bands[1:], strict=False):
            if abs(low.soh_max - high.soh_min) > _EDGE_TOLERANCE:
                raise ValueError(
                    f"band {low.name!r} ends at {low.soh_max} but {high.name!r} starts at "
                    f"{high.soh_min}: bands must neither gap nor overlap"
                )
        for grade in bands:
            if grade.source not in self.sources:
                raise ValueError(f"grade {grade.name!r}: source {grade.source!r} not in [sources]")
        return self


def parse_grading(data: dict[str, Any], source: str) -> Grading:
    """Validate a grading document; :class:`InputError` names ``source`` and the bad fields."""
    try:
        return Grading.model_validate(
            {"sources": data.get("sources", {}), "grades": data.get("grade", [])}
        )
    except ValidationError as exc:
        raise InputError(source, validation_problems(exc, "(file)")) from None


def load_grading_file(path: Path) -> Grading:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(str(path), [f"not valid TOML: {exc}"]) from None
    return parse_grading(data, str(path))


@lru_cache(maxsize=1)
def load_grading() -> Grading:
    """The bundled bands (``data/grading.toml``)."""
    return load_grading_file(GRADING_FILE)


def grade(soh: float, grading: Grading | None = None) -> Grade:
    """The band of a retired battery with state of health ``soh`` (fraction 0..1).

    Raises :class:`InputError` naming the value if ``soh`` is not a number in 0..1 (a
    percentage such as 72 must be given as 0.72).
    """
    if isinstance(soh, bool) or not isinstance(soh, int | float) or not math.isfinite(soh):
        raise InputError("soh", [f"soh: expected a number in 0..1, got {excerpt(soh)}"])
    if not 0 <= soh <= 1:
        hint = f" (did you mean {soh / 100:g}?)" if 1 < soh <= 100 else ""
        raise InputError(
            "soh",
            [f"soh: {excerpt(soh)} is outside 0..1; give the state of health as a fraction{hint}"],
        )
    bands = sorted((grading or load_grading()).grades, key=lambda g: g.soh_min)
    for band in bands:
        if band.soh_min <= soh < band.soh_max:
            return band
    return bands[-1]  # soh == 1.0, the top band's closed upper edge
