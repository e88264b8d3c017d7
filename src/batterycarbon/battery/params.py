"""Default parameters of the product model, read from the cited data files in ``data/``."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent / "data"


@lru_cache(maxsize=4)
def _read(name: str) -> dict[str, Any]:
    return tomllib.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def chemistry_defaults() -> dict[str, dict[str, Any]]:
    """Per-chemistry parameters (``chemistries.toml``), keyed by chemistry id."""
    return dict(_read("chemistries.toml")["chemistry"])


def known_chemistries() -> list[str]:
    return sorted(chemistry_defaults())


def model_defaults() -> dict[str, Any]:
    """Electrode, format, pack and production-energy defaults (``defaults.toml``)."""
    return _read("defaults.toml")
