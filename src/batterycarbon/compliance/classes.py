"""Carbon-footprint performance classes and maximum thresholds as dated, versioned data.

The EU sets them by delegated acts (Regulation (EU) 2023/1542, Article 7(2) and (3)) that do not
exist yet. The bundled table (``data/performance_classes.toml``) therefore defines no class:
:func:`classify` reports ``"not yet defined"`` until an official table is loaded from a file
with :func:`load_class_table`. Values are kg CO2e per kWh of the functional unit the table names
(the EU's: kWh delivered over the service life). Application dates by battery category are in
``data/regulation_dates.toml`` (:func:`regulation_dates`).
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from batterycarbon.bounds import (
    MAX_DESCRIPTION_CHARS,
    MAX_NAME_CHARS,
    MAX_PERFORMANCE_CLASSES,
    FiniteFloat,
)
from batterycarbon.errors import InputError, excerpt, validation_problems

DATA_DIR = Path(__file__).parent / "data"
BUNDLED_TABLE = DATA_DIR / "performance_classes.toml"
NOT_YET_DEFINED = "not yet defined"
BatteryCategory = Literal["ev", "industrial", "lmt", "industrial_external_storage"]


class PerformanceClass(BaseModel):
    """One class: a battery belongs to the first class whose upper bound it does not exceed."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    label: str = Field(min_length=1, max_length=MAX_NAME_CHARS)
    max_kgco2e_per_fu: FiniteFloat = Field(gt=0)


class ClassTable(BaseModel):
    """A versioned table of classes and a threshold for one battery category.

    ``status``: ``official`` (from an adopted act, cite it in ``legal_basis``), ``fixture``
    (tests and demonstrations: never for a real declaration) or ``not-yet-defined``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    id: str = Field(min_length=1, max_length=MAX_NAME_CHARS)
    version: str = Field(min_length=1, max_length=MAX_NAME_CHARS)
    status: Literal["official", "fixture", "not-yet-defined"]
    battery_category: BatteryCategory
    published: dt.date
    legal_basis: str = Field(min_length=1, max_length=MAX_DESCRIPTION_CHARS)
    classes_apply_from: dt.date | None = None
    classes: tuple[PerformanceClass, ...] = Field(default=(), max_length=MAX_PERFORMANCE_CLASSES)
    maximum_threshold_kgco2e_per_fu: FiniteFloat | None = Field(default=None, gt=0)
    threshold_applies_from: dt.date | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        bounds = [c.max_kgco2e_per_fu for c in self.classes]
        if bounds != sorted(bounds) or len(set(bounds)) != len(bounds):
            raise ValueError(
                f"classes: upper bounds must increase strictly (got {excerpt(bounds)})"
            )
        if self.status == "not-yet-defined" and (
            self.classes or self.maximum_threshold_kgco2e_per_fu is not None
        ):
            raise ValueError("a not-yet-defined table may give no class and no threshold")
        if self.status != "not-yet-defined" and not self.classes:
            raise ValueError(f"status {self.status!r}: classes are required")
        if self.classes and self.classes_apply_from is None:
            raise ValueError("classes_apply_from: required when classes are given")
        if (self.maximum_threshold_kgco2e_per_fu is None) != (self.threshold_applies_from is None):
            raise ValueError("maximum threshold and threshold_applies_from go together")
        return self

    @property
    def label(self) -> str:
        return f"{self.id}@{self.version}"


@dataclass(frozen=True)
class Classification:
    """The class of a footprint under a table, and whether it exceeds the threshold."""

    performance_class: str
    table: str
    table_status: str
    exceeds_threshold: bool | None
    note: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def parse_class_table(data: Any, source: str) -> ClassTable:
    try:
        return ClassTable.model_validate(data)
    except ValidationError as exc:
        raise InputError(source, validation_problems(exc)) from None


def load_class_table(path: str | Path | None = None) -> ClassTable:
    """A class table from a TOML or JSON file; without ``path`` the bundled (empty) one."""
    source = Path(path) if path is not None else BUNDLED_TABLE
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(str(source), [f"cannot read the class table: {exc}"]) from None
    try:
        data = json.loads(text) if source.suffix.lower() == ".json" else tomllib.loads(text)
    except ValueError as exc:
        raise InputError(str(source), [f"not valid TOML/JSON: {exc}"]) from None
    return parse_class_table(data, str(source))


def classify(
    total_kgco2e_per_fu: float,
    table: ClassTable,
    battery_category: str = "ev",
    on: dt.date | None = None,
) -> Classification:
    """The performance class of a declared footprint (kg CO2e per functional unit).

    ``"not yet defined"`` when the table defines no class, is for another battery category, or
    its classes do not apply yet on ``on`` (default: today). Above the last class's bound the
    class is the last one; ``exceeds_threshold`` compares with the maximum threshold where one
    applies on ``on``, else ``None``.
    """
    on = on or dt.date.today()
    if table.battery_category != battery_category:
        return Classification(NOT_YET_DEFINED, table.label, table.status, None,
                              f"the table is for {table.battery_category} batteries")  # fmt: skip
    if not table.classes:
        return Classification(NOT_YET_DEFINED, table.label, table.status, None,
                              "no performance classes adopted yet (Article 7(2))")  # fmt: skip
    assert table.classes_apply_from is not None  # by the table's validator
    if on < table.classes_apply_from:
        return Classification(NOT_YET_DEFINED, table.label, table.status, None,
                              f"classes apply from {table.classes_apply_from}")  # fmt: skip
    label = next(
        (c.label for c in table.classes if total_kgco2e_per_fu <= c.max_kgco2e_per_fu),
        table.classes[-1].label,
    )
    exceeds = None
    threshold_from = table.threshold_applies_from
    if (
        table.maximum_threshold_kgco2e_per_fu is not None
        and threshold_from
        and on >= threshold_from
    ):
        exceeds = total_kgco2e_per_fu > table.maximum_threshold_kgco2e_per_fu
    note = "fixture table: not for a real declaration" if table.status == "fixture" else ""
    return Classification(label, table.label, table.status, exceeds, note)


@lru_cache(maxsize=1)
def regulation_dates() -> dict[str, Any]:
    """Application dates of Article 7 by battery category (``data/regulation_dates.toml``)."""
    data: dict[str, Any] = tomllib.loads(
        (DATA_DIR / "regulation_dates.toml").read_text(encoding="utf-8")
    )
    return data
