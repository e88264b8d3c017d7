"""The model's results beside published studies (``batterycarbon validate``).

For every bundled design, producing region and level (cell, pack) the default result is put
beside each published figure for the same chemistry and level made in that region (or in a
global / unspecified supply, said so), and intermediate products (kg CO2e per kg) beside
published process inventories. A result outside a study's published range is flagged. The
studies, with their numbers as published, are data (``data/published_studies.toml``); a study
the factor release took values from is marked as an input, not as evidence.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from batterycarbon.battery import Footprint, Options, bundled_design_ids, footprint, load_design
from batterycarbon.battery.params import known_chemistries
from batterycarbon.errors import BatteryCarbonError, validation_problems
from batterycarbon.factors import FactorLibrary
from batterycarbon.factors.library import EU27

STUDIES_FILE = Path(__file__).parent / "data" / "published_studies.toml"
#: Producing regions the bundled designs are run in (every plant in that country).
REGIONS: tuple[str, ...] = ("CN", "DE", "SE", "US")
Level = Literal["cell", "pack", "material"]


class Study(BaseModel):
    """One published figure (a row of ``published_studies.toml``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9-]{3,80}$")
    citation: str = Field(min_length=20, max_length=600)
    year: int = Field(ge=2000, le=2100)
    chemistries: tuple[str, ...] = Field(min_length=1)
    level: Level
    product: str | None = None
    region: str = Field(pattern=r"^([A-Z]{2}|EU|GLO)$")
    boundary: str = Field(min_length=5, max_length=400)
    low: float = Field(gt=0, allow_inf_nan=False)
    high: float = Field(gt=0, allow_inf_nan=False)
    central: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    unit: Literal["kg CO2e/kWh", "kg CO2e/kg"]
    checked: bool
    note: str = Field(default="", max_length=600)
    factor_sources: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Study:
        unknown = sorted(set(self.chemistries) - set(known_chemistries()))
        if unknown:
            raise ValueError(f"chemistries: {', '.join(unknown)} not in chemistries.toml")
        if self.high < self.low:
            raise ValueError(f"high {self.high} is below low {self.low}")
        if self.central is not None and not self.low <= self.central <= self.high:
            raise ValueError(f"central {self.central} is outside {self.low}..{self.high}")
        per_kg = self.level == "material"
        if per_kg != (self.product is not None) or per_kg != (self.unit == "kg CO2e/kg"):
            raise ValueError("level material needs a product and kg CO2e/kg; cell/pack neither")
        return self


@lru_cache(maxsize=1)
def load_studies(path: Path = STUDIES_FILE) -> tuple[Study, ...]:
    """Every study of the data file, validated; one error lists every bad entry."""
    entries = tomllib.loads(path.read_text(encoding="utf-8")).get("study", [])
    studies, problems = [], []
    for index, entry in enumerate(entries):
        try:
            studies.append(Study.model_validate(entry))
        except ValidationError as exc:
            problems += [f"study.{index}.{p}" for p in validation_problems(exc, "(entry)")]
    ids = [s.id for s in studies]
    problems += [
        f"study id {i} appears twice" for i in sorted({i for i in ids if ids.count(i) > 1})
    ]
    if problems:
        raise BatteryCarbonError(f"{path.name}: " + "; ".join(problems))
    return tuple(studies)


def region_matches(study_region: str, run_region: str) -> bool:
    """Whether a study of ``study_region`` describes products made in ``run_region``."""
    if study_region in ("GLO", run_region):
        return True
    return study_region == "EU" and run_region in EU27


@dataclass(frozen=True)
class Comparison:
    design: str
    chemistry: str
    region: str
    level: Level
    product: str | None
    model: float
    study: Study

    @property
    def inside(self) -> bool | None:
        """Within the published range; ``None`` for a single figure (it has no range: the
        report gives the deviation instead of a verdict)."""
        if self.study.low == self.study.high:
            return None
        return self.study.low <= self.model <= self.study.high

    @property
    def input_not_evidence(self) -> bool:
        return bool(self.study.factor_sources)

    @property
    def deviation(self) -> float:
        """Model against the study's central value (its midpoint without one), as a fraction."""
        s = self.study
        centre = s.central if s.central is not None else (s.low + s.high) / 2
        return self.model / centre - 1

    def verdict(self) -> str:
        if self.inside is None:
            where = f"{self.deviation:+.0%} vs the figure"
        else:
            where = "inside" if self.inside else "OUTSIDE"
        notes = []
        if self.study.region != self.region:
            notes.append(f"study region {self.study.region}")
        if not self.study.checked:
            notes.append("figure not re-checked")
        if self.input_not_evidence:
            notes.append("the release took inputs from it: not evidence")
        return where + (f" ({'; '.join(notes)})" if notes else "")


def _product_value(result: Footprint, product: str) -> float | None:
    """kg CO2e per kg of ``product`` in ``result``: a made product, or a bought commodity (the
    amount-weighted intensity of the factors of that flow, i.e. its supply mix)."""
    if product in result.material_intensities:
        return result.material_intensities[product]
    rows = [
        f
        for f in result.factors
        if str(f["id"]).split(":")[0].startswith(product)
        and "_recycled" not in str(f["id"])
        and float(f["amount"]) > 0
    ]
    if not rows:
        return None
    return sum(float(f["kgco2e_per_kwh"]) for f in rows) / sum(float(f["amount"]) for f in rows)


def comparisons(
    library: FactorLibrary,
    studies: tuple[Study, ...] | None = None,
    designs: list[str] | None = None,
    regions: tuple[str, ...] = REGIONS,
) -> list[Comparison]:
    """Every (design, region, level) result beside each study that describes it."""
    studies = load_studies() if studies is None else studies
    rows: list[Comparison] = []
    for design_id in designs or bundled_design_ids():
        design = load_design(design_id)
        for region in regions:
            options = Options(grid=region)
            results = {
                "cell": footprint(design, library, options, level="cell"),
                "pack": footprint(design, library, options, level="pack"),
            }
            for study in studies:
                if design.chemistry not in study.chemistries:
                    continue
                if not region_matches(study.region, region):
                    continue
                if study.level == "material":
                    assert study.product is not None
                    value = _product_value(results["pack"], study.product)
                    if value is None:
                        continue
                else:
                    value = results[study.level].total_kgco2e_per_kwh
                rows.append(
                    Comparison(
                        design_id,
                        design.chemistry,
                        region,
                        study.level,
                        study.product,
                        value,
                        study,
                    )
                )
    return rows


def summary(rows: list[Comparison]) -> str:
    evidence = [r for r in rows if not r.input_not_evidence]
    ranged = [r for r in evidence if r.inside is not None]
    same_region = [r for r in ranged if r.study.region == r.region]
    return (
        f"{sum(bool(r.inside) for r in ranged)} of {len(ranged)} results inside a published "
        f"range ({sum(bool(r.inside) for r in same_region)} of {len(same_region)} against a "
        f"study of the same producing region); {len(evidence) - len(ranged)} beside a single "
        f"published figure; {len(rows) - len(evidence)} against studies the release took "
        "inputs from (not evidence)"
    )


def render_markdown(rows: list[Comparison], release: str) -> str:
    lines = [
        "# The default results beside published studies",
        "",
        f"Generated by `batterycarbon validate --format markdown` (factor release `{release}`). "
        "Every plant of a design in the region named; kg CO2e per kWh of capacity for cells "
        "and packs, per kg for intermediate products. A result outside a study's published "
        "range is marked OUTSIDE; studies are as published (`reports/data/"
        "published_studies.toml`, references in `validation-literature.md`).",
        "",
        f"**{summary(rows)}.**",
        "",
        "| design | region | level | model | study | year | study region | published "
        "| boundary | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        s = r.study
        published = f"{s.low:g}" if s.low == s.high else f"{s.low:g}–{s.high:g}"
        level = f"{r.product} (per kg)" if r.product else r.level
        lines.append(
            f"| {r.design} | {r.region} | {level} | {r.model:.1f} | {s.id} | {s.year} | "
            f"{s.region} | {published} | {s.boundary} | {r.verdict()} |"
        )
    lines += ["", "## Studies", ""]
    cited = {r.study.id: r.study for r in rows}
    lines += [f"- `{s.id}`: {s.citation}. {s.note}" for s in cited.values()]
    return "\n".join(lines) + "\n"
