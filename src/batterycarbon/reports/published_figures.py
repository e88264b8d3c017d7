"""A published figure beside the model's value: the row, its tolerance, its kind of evidence.

Tolerances follow the source's precision: a value given to 0.01 or 0.1 gets +-5 %
(:func:`precise`), an "about" value +-10 % (:func:`about`), a range is used as given; a
percentage rounded to whole percents ("about -4 %") gets +-10 % of the value or +-2.5 percentage
points, whichever is wider (:func:`about_percent`). Tests of published figures use these same
functions, so a test cannot pass a figure the report marks as missed.

Not every row is evidence. Each row has a kind, read from the data, not from the result:

- ``fitted``: a factor of the release was set so that the model reproduces the figure
  (``release.toml``'s ``[[fitted]]``, :class:`batterycarbon.factors.model.Fit`);
- ``calibrated``: a model parameter was back-calculated from the figure;
- ``given``: the row checks the source's own input (a band it states, a factor it gives);
- ``independent``: none of these. Only independent rows test the model, and
  :func:`headline` counts them apart from the others.

Every computed row says why its value lands where it does (:func:`figure_row`): where it lies
against the tolerance and a reason computed from the model's numbers for that row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from batterycarbon import __version__
from batterycarbon.errors import excerpt
from batterycarbon.factors import Release

Kind = Literal["independent", "fitted", "calibrated", "given"]
KINDS: tuple[Kind, ...] = ("independent", "fitted", "calibrated", "given")


@dataclass(frozen=True)
class Row:
    """One figure of the paper beside the system's value."""

    key: str
    figure: str
    section: str
    paper: str
    system: float | None
    low: float | None
    high: float | None
    unit: str
    why: str  # why the value lands where it does (computed), or why it is not computed
    kind: Kind = "independent"
    basis: str = ""  # why the row is of its kind, "<kind>: ..." (empty for independent rows)

    @property
    def within(self) -> bool | None:
        if self.system is None or self.low is None or self.high is None:
            return None
        return self.low <= self.system <= self.high


def about(value: float) -> tuple[float, float]:
    """+-10 % of an "about" value."""
    return (value * 0.9, value * 1.1) if value >= 0 else (value * 1.1, value * 0.9)


def precise(value: float) -> tuple[float, float]:
    """+-5 % of a value the paper gives to 0.1 or 0.01."""
    return (value * 0.95, value * 1.05) if value >= 0 else (value * 1.05, value * 0.95)


def about_percent(value: float) -> tuple[float, float]:
    """A percentage given as a whole number: +-10 % of it or +-2.5 points, whichever is wider."""
    half = max(abs(value) * 0.1, 0.025)
    return value - half, value + half


def fmt_value(value: float, unit: str) -> str:
    """A row's number as the report prints it: shares and changes in percent, else 2 decimals."""
    if unit == "change":
        return f"{value:+.1%}"
    if unit == "share":
        return f"{value:.1%}"
    return f"{value:.2f}"


def where(value: float, low: float, high: float, unit: str) -> str:
    """Where ``value`` lies against the tolerance, e.g. '19.03 is 3.37 below 22.40'."""

    def gap(difference: float) -> str:
        if unit in ("share", "change"):
            return f"{difference * 100:.1f} points"
        return f"{difference:.2f}"

    shown = fmt_value(value, unit)
    if value < low:
        return f"{shown} is {gap(low - value)} below {fmt_value(low, unit)}"
    if value > high:
        return f"{shown} is {gap(value - high)} above {fmt_value(high, unit)}"
    return f"{shown} is within {fmt_value(low, unit)} … {fmt_value(high, unit)}"


def figure_row(
    key: str,
    figure: str,
    section: str,
    paper: str,
    value: float,
    bounds: tuple[float, float],
    unit: str,
    reason: str,
    kind: Kind = "independent",
    basis: str = "",
) -> Row:
    """A computed row whose ``why`` starts with where the value lies, then the reason."""
    low, high = bounds
    if not all(math.isfinite(x) for x in (value, low, high)):
        raise ValueError(
            f"{key}: the value {excerpt(value)} or its tolerance {excerpt(bounds)} is not a "
            "finite number"
        )
    why = f"{where(value, low, high, unit)}: {reason}"
    return Row(key, figure, section, paper, value, low, high, unit, why, kind, basis)


def mark_fitted(row: Row, release: Release) -> Row:
    """The row as ``fitted`` if a factor of ``release`` was fitted to its figure."""
    fits = [fit for fit in release.fitted if row.key in fit.figures]
    if not fits:
        return row
    basis = "fitted: " + "; ".join(f"{', '.join(fit.factors)}: {fit.how}" for fit in fits)
    if row.kind != "independent":
        basis += f"; also {row.basis}"
    return replace(row, kind="fitted", basis=basis)


def headline(rows: list[Row]) -> str:
    """'N of M independent figures within tolerance; K calibrated/fitted/given (not evidence)'."""
    computed = [r for r in rows if r.within is not None]
    independent = [r for r in computed if r.kind == "independent"]
    others = [r for r in computed if r.kind != "independent"]
    counts = ", ".join(f"{sum(1 for r in others if r.kind == k)} {k}" for k in KINDS[1:])
    return (
        f"{sum(1 for r in independent if r.within)} of {len(independent)} independent figures "
        f"within tolerance; {len(others)} calibrated/fitted/given (not evidence: {counts}; "
        f"{sum(1 for r in others if r.within)} of them within tolerance)"
    )


def render_markdown(rows: list[Row]) -> str:
    computed = sum(1 for r in rows if r.within is not None)
    lines = [
        "# The white paper reproduced",
        "",
        f"Generated by `batterycarbon reproduce whitepaper` (batterycarbon {__version__}, factor "
        f"release `whitepaper-2023`, rule set `whitepaper-c2g`). Do not edit by hand.",
        "",
        f"**{headline(rows)}**; {len(rows) - computed} figures not computable, with the reason.",
        "",
        "Only independent rows are evidence. A **fitted** row's figure was used to set a factor "
        "of the release (`release.toml`, `[[fitted]]`); a **calibrated** row's figure was used "
        "to back-calculate a model parameter; a **given** row checks the paper's own input. "
        "Such rows show that the data and the model stay consistent with the paper, not that "
        "the model reproduces it.",
        "",
        'Tolerances: a value the paper gives to 0.1 or 0.01: +-5 %; an "about" value: +-10 %; '
        "a range: as given; a whole-number percentage: +-10 % of it or +-2.5 points, whichever "
        "is wider.",
        "",
        "| key | figure | section | paper | batterycarbon | tolerance | within | kind "
        "| why this kind | why not |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        value = "—" if r.system is None else fmt_value(r.system, r.unit)
        tolerance = (
            "—"
            if r.low is None or r.high is None
            else f"{fmt_value(r.low, r.unit)} … {fmt_value(r.high, r.unit)}"
        )
        within = {True: "yes", False: "**no**", None: "n/a"}[r.within]
        why = "" if r.within else r.why
        lines.append(
            f"| {r.key} | {r.figure} | {r.section} | {r.paper} | {value} | {tolerance} | "
            f"{within} | {r.kind} | {r.basis.partition(': ')[2]} | {why} |"
        )
    lines += ["", f"_Generated {date.today():%Y}; units: kg CO2e per kWh unless stated._", ""]
    return "\n".join(lines)
