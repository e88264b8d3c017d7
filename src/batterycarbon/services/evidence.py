"""Evidence required of a supplier dataset by its data-quality rating (DQR).

The bands, their thresholds and the evidence each needs are data, with their source and
rationale: ``services/data/evidence_requirements.toml``. They are enforced wherever a figure
enters or is approved: submission (JSON, CSV, Excel), revision, and the owner's or verifier's
approval of a flagged dataset. A shortfall is an :class:`~batterycarbon.errors.InputError`
naming the ``evidence`` field, the band and what is missing; nothing is stored.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from batterycarbon.errors import excerpt

DATA = Path(__file__).parent / "data" / "evidence_requirements.toml"


class EvidenceBand(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    max_dqr: float = Field(ge=1, le=5)
    min_references: int = Field(ge=0, le=50)
    one_of_keywords: tuple[str, ...] = ()
    expected: str


class EvidenceRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    band: tuple[EvidenceBand, ...]

    @model_validator(mode="after")
    def _ordered(self) -> EvidenceRules:
        limits = [b.max_dqr for b in self.band]
        if limits != sorted(limits) or len(set(limits)) != len(limits) or limits[-1] != 5:
            raise ValueError("band: max_dqr must rise strictly from band to band and end at 5")
        return self


@lru_cache(maxsize=1)
def evidence_rules() -> EvidenceRules:
    return EvidenceRules.model_validate(tomllib.loads(DATA.read_text(encoding="utf-8")))


def band_of(dqr: float) -> EvidenceBand:
    """The band a rating falls in (the first whose ``max_dqr`` it does not exceed)."""
    return next(b for b in evidence_rules().band if dqr <= b.max_dqr)


def evidence_problems(dqr: float, evidence: list[str], where: str = "") -> list[str]:
    """What evidence a figure rated ``dqr`` lacks; ``where`` prefixes the field (``row 3, ``)."""
    band = band_of(dqr)
    problems = []
    previous = [b.max_dqr for b in evidence_rules().band if b.max_dqr < band.max_dqr]
    scope = (
        f"band {band.name!r} (DQR {f'> {previous[-1]} and ' if previous else ''}<= {band.max_dqr})"
    )
    if len(evidence) < band.min_references:
        problems.append(
            f"{where}evidence: dqr {dqr} is in {scope}, which needs at least "
            f"{band.min_references} evidence reference(s) including {band.expected}; got {len(evidence)}"
        )
    elif band.one_of_keywords and not any(
        keyword in reference.lower() for reference in evidence for keyword in band.one_of_keywords
    ):
        problems.append(
            f"{where}evidence: dqr {dqr} is in {scope}, which needs {band.expected}; got {excerpt(evidence)}"
        )
    return problems
