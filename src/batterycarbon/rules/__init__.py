"""Accounting rule sets as versioned data (functional unit, boundary, electricity, end of life)."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_RULE_SET = "whitepaper-c2g"


class RuleSet(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    version: str
    title: str
    functional_unit: str
    boundary: str
    stages: list[str]
    stage_names: dict[str, str]
    electricity: str
    end_of_life: str
    reference: str

    @property
    def label(self) -> str:
        return f"{self.id}@{self.version}"


@lru_cache(maxsize=8)
def load_rule_set(rule_set_id: str = DEFAULT_RULE_SET) -> RuleSet:
    path = DATA_DIR / f"{rule_set_id}.toml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in DATA_DIR.glob("*.toml")))
        raise ValueError(f"unknown rule set {rule_set_id!r}; known: {known}")
    data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    return RuleSet(**data)
