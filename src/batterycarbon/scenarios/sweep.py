"""Parameter sweeps: thousands of design variants evaluated as one matrix product.

A footprint is linear in each green-power, green-heat and recycled-content share (they split an
input between two suppliers), and those effects add up across steps and elements (they act on
different exchanges; a step's green heat draws its heat pump's green power whatever the step's
green-power share, so the two do not interact). So for every combination of the categorical levers (plant countries,
year) the model is built once at zero shares and once per continuous lever at share 1; each
variant's total is then ``T0 + sum_k x_k * (T_k - T0)``, exact, for any number of variants.
Categorical combinations can be farmed out to Dask workers (``scheduler``); the arithmetic is
the same wherever it runs, so distributed results equal local ones bit for bit.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from batterycarbon.battery import Design, Options, footprint
from batterycarbon.battery.design import STEPS
from batterycarbon.battery.options import ELEMENTS
from batterycarbon.countries import country_problem
from batterycarbon.errors import InputError, excerpt
from batterycarbon.factors import FactorLibrary, merge_warnings
from batterycarbon.scenarios.model import PLANT_STEPS

Level = Literal["pack", "cell"]


def parse_vary(items: list[str]) -> dict[str, list[str]]:
    """``KEY=V1,V2,...`` items; keys: grid, year, STEP.country / plants.STEP, green.STEP,
    green_heat.STEP, recycled.ELEMENT. Every bad item is reported."""
    varies: dict[str, list[str]] = {}
    problems = []
    for item in items:
        key, sep, values = item.partition("=")
        key = key.strip()
        if key.endswith(".country"):
            key = "plants." + key.removesuffix(".country")
        head, _, tail = key.partition(".")
        ok = (
            key in ("grid", "year")
            or (head == "plants" and tail in PLANT_STEPS)
            or (head in ("green", "green_heat") and tail in STEPS)
            or (head == "recycled" and tail in ELEMENTS)
        )
        levels = [v.strip() for v in values.split(",") if v.strip()]
        if not sep or not ok or not levels:
            problems.append(
                f"{excerpt(item)}: expected KEY=V1,V2 with KEY one of grid, year, STEP.country, "
                f"green.STEP, green_heat.STEP (STEP in {STEPS}), recycled.ELEMENT (ELEMENT in "
                f"{ELEMENTS})"
            )
            continue
        if key == "grid" or head == "plants":
            countries = [country_problem(level) for level in levels]
            problems += [f"{key}: {problem}" for problem in countries if problem is not None]
        varies[key] = levels
    if problems:
        raise InputError("--vary", problems)
    return varies


def _continuous(key: str) -> bool:
    return key.startswith(("green.", "green_heat.", "recycled."))


def _options(categorical: dict[str, str], continuous: dict[str, float]) -> Options:
    return Options(
        grid=categorical.get("grid"),
        year=int(categorical["year"]) if "year" in categorical else None,
        plants={k.split(".", 1)[1]: v for k, v in categorical.items() if k.startswith("plants.")},
        green={k.split(".", 1)[1]: v for k, v in continuous.items() if k.startswith("green.")},
        green_heat={
            k.split(".", 1)[1]: v for k, v in continuous.items() if k.startswith("green_heat.")
        },
        recycled_content={
            k.split(".", 1)[1]: v for k, v in continuous.items() if k.startswith("recycled.")
        },
    )


def combo_coefficients(
    design: Design,
    library: FactorLibrary,
    categorical: dict[str, str],
    continuous_keys: list[str],
    level: Level,
    rule_set_id: str,
) -> tuple[NDArray[np.float64], tuple[str, ...]]:
    """[T0, T_1 - T0, ..., T_K - T0] for one categorical combination (kg CO2e per kWh), and the
    fallbacks of the factor lookup behind them (``Footprint.warnings``), each once."""
    warnings: list[list[str]] = []

    def total(shares: dict[str, float]) -> float:
        options = _options(categorical, shares)
        result = footprint(design, library, options, level=level, rule_set_id=rule_set_id)
        warnings.append(result.warnings)
        return result.total_kgco2e_per_kwh

    base = total({})
    coefficients = np.array([base, *(total({key: 1.0}) - base for key in continuous_keys)])
    return coefficients, merge_warnings(*warnings)


@dataclass(frozen=True)
class SweepResult:
    design: str
    level: str
    keys: list[str]
    variants: list[dict[str, str]]
    totals: NDArray[np.float64]
    #: Fallbacks of the factor lookup, each once, prefixed by the variants they apply to
    #: (``plants.cell=IS: ...``) when the sweep varies plants, grid or year.
    warnings: list[str] = field(default_factory=list)

    def to_dict(self, limit: int | None = None) -> dict[str, Any]:
        rows = [
            {**v, "total_kgco2e_per_kwh": float(t)}
            for v, t in zip(self.variants, self.totals, strict=True)
        ]
        return {
            "design": self.design,
            "level": self.level,
            "keys": self.keys,
            "count": len(rows),
            "variants": rows if limit is None else rows[:limit],
            "warnings": self.warnings,
        }


def sweep(
    design: Design,
    library: FactorLibrary,
    varies: dict[str, list[str]],
    level: Level = "pack",
    rule_set_id: str = "whitepaper-c2g",
    scheduler: str | None = None,
) -> SweepResult:
    """The footprint of every combination of ``varies`` (Cartesian product, keys in order)."""
    keys = list(varies)
    categorical_keys = [k for k in keys if not _continuous(k)]
    continuous_keys = [k for k in keys if _continuous(k)]
    try:
        shares = {k: np.array([float(v) for v in varies[k]]) for k in continuous_keys}
    except ValueError:
        raise InputError(
            "--vary", ["green, green_heat and recycled levels must be numbers in 0..1"]
        ) from None
    for key, levels in shares.items():
        if levels.min() < 0 or levels.max() > 1:
            raise InputError("--vary", [f"{key}: levels must be in 0..1, got {levels.tolist()}"])
    combos = [dict(zip(categorical_keys, values, strict=True))
              for values in itertools.product(*(varies[k] for k in categorical_keys))]  # fmt: skip
    args = (design, library)
    if scheduler is None:
        coefficients = [
            combo_coefficients(*args, c, continuous_keys, level, rule_set_id) for c in combos
        ]
    else:
        coefficients = _on_dask(scheduler, args, combos, continuous_keys, level, rule_set_id)
    grid = (
        np.array(list(itertools.product(*(shares[k] for k in continuous_keys))))
        if continuous_keys
        else np.zeros((1, 0))
    )
    variants: list[dict[str, str]] = []
    totals = []
    warnings: list[str] = []
    for combo, (coeff, combo_warnings) in zip(combos, coefficients, strict=True):
        totals.append(coeff[0] + grid @ coeff[1:])
        for row in itertools.product(*(varies[k] for k in continuous_keys)):
            variants.append({**combo, **dict(zip(continuous_keys, row, strict=True))})
        label = ", ".join(f"{k}={v}" for k, v in combo.items())
        warnings += [f"{label}: {w}" if label else w for w in combo_warnings]
    ordered = [{k: v[k] for k in keys} for v in variants]
    return SweepResult(
        design.id or "design", level, keys, ordered, np.concatenate(totals), warnings
    )


def _on_dask(
    scheduler: str,
    args: tuple[Design, FactorLibrary],
    combos: list[dict[str, str]],
    continuous_keys: list[str],
    level: Level,
    rule_set_id: str,
) -> list[tuple[NDArray[np.float64], tuple[str, ...]]]:
    """Evaluate the categorical combinations on a Dask cluster (``scheduler`` address)."""
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - dask is a declared dependency
        raise InputError("--scheduler", ["Dask distributed is not installed"]) from None
    with Client(scheduler) as client:  # type: ignore[no-untyped-call]
        design, library = client.scatter(list(args), broadcast=True)
        futures = [client.submit(combo_coefficients, design, library, c, continuous_keys, level,
                                 rule_set_id, pure=False) for c in combos]  # fmt: skip
        return list(client.gather(futures))
