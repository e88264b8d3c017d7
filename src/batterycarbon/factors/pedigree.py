"""Geometric standard deviation of a factor from its data-quality rating (pedigree approach).

``sigma^2 = basic + u(reliability) + u(temporal) + u(geographical) + u(technological)`` in ln
space, with the indicator variances of the ecoinvent v3 data-quality guideline and the PEF
criteria mapped onto them (``data/pedigree.toml`` cites and explains both).
"""

from __future__ import annotations

import math
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from batterycarbon.factors.model import DataQuality

DATA = Path(__file__).parent / "data" / "pedigree.toml"


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    return tomllib.loads(DATA.read_text(encoding="utf-8"))


def pedigree_variance_ln(quality: DataQuality, basic_variance_ln: float | None = None) -> float:
    """Variance of ln(value) implied by the four PEF ratings (1 excellent .. 5 very poor)."""
    table = _table()
    u = table["variance_ln"]
    basic = (
        table["basic_variance_ln"]["default"] if basic_variance_ln is None else basic_variance_ln
    )
    return float(
        basic
        + u["reliability"][quality.precision - 1]
        + u["temporal"][quality.time - 1]
        + u["geographical"][quality.geographical - 1]
        + u["technological"][quality.technological - 1]
    )


def pedigree_gsd(quality: DataQuality, basic_variance_ln: float | None = None) -> float:
    """Geometric standard deviation exp(sigma) of a lognormal factor with this rating."""
    return math.exp(math.sqrt(pedigree_variance_ln(quality, basic_variance_ln)))
