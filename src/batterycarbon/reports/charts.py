"""Stacked-bar charts of footprints by component: PNG via matplotlib or HTML via plotly."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from batterycarbon.battery.footprint import Footprint

COMPONENT_LABELS = {
    "cathode": "Cathode", "anode": "Anode", "electrolyte": "Electrolyte", "separator": "Separator",
    "copper_foil": "Copper foil", "aluminium_foil": "Aluminium foil",
    "casing_other": "Casing & other cell parts", "cell_production_energy": "Cell production energy",
    "module_pack": "Module & pack parts and assembly",
}  # fmt: skip


def _prepare(path: Path) -> None:
    if path.suffix.lower() not in (".png", ".html"):
        raise ValueError(f"chart file {path}: expected a .png or .html suffix")
    path.parent.mkdir(parents=True, exist_ok=True)


def _pyplot() -> Any:
    """matplotlib.pyplot on the file-only Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, plt: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=120, metadata={"Software": None})
    plt.close(fig)
    return path


def stacked_components_chart(results: Sequence[Footprint], path: Path) -> Path:
    """Write a stacked bar per design (kg CO2e/kWh by component) to ``path`` (.png or .html)."""
    _prepare(path)
    names = [r.design for r in results]
    components = [c for c in COMPONENT_LABELS if any(c in r.components for r in results)]
    unit = f"kg CO2e per {results[0].functional_unit}" if results else ""
    suffix = path.suffix.lower()
    if suffix == ".html":
        import plotly.graph_objects as go

        fig = go.Figure()
        for comp in components:
            fig.add_bar(
                name=COMPONENT_LABELS[comp], x=names, y=[r.components.get(comp, 0) for r in results]
            )
        fig.update_layout(
            barmode="stack", yaxis_title=unit, title="Cradle-to-gate footprint by component"
        )
        fig.write_html(path, include_plotlyjs=True, full_html=True)
        return path
    plt = _pyplot()

    fig, ax = plt.subplots(figsize=(max(6.0, 1.3 * len(names) + 3), 5))
    bottom = [0.0] * len(results)
    cmap = plt.get_cmap("tab10")
    for k, comp in enumerate(components):
        values = [r.components.get(comp, 0.0) for r in results]
        ax.bar(names, values, bottom=bottom, label=COMPONENT_LABELS[comp], color=cmap(k % 10))
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_ylabel(unit)
    ax.set_title(
        f"Cradle-to-gate footprint by component ({results[0].factor_release})" if results else ""
    )
    ax.tick_params(axis="x", rotation=30)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _save(fig, plt, path)


def waterfall_chart(
    labels: Sequence[str], totals: Sequence[float], unit: str, title: str, path: Path
) -> Path:
    """Waterfall of a pathway: the start bar, one floating bar per step's change, the end bar."""
    _prepare(path)
    deltas = [b - a for a, b in zip(totals, totals[1:], strict=False)]
    suffix = path.suffix.lower()
    if suffix == ".html":
        import plotly.graph_objects as go

        fig = go.Figure(
            go.Waterfall(
                x=[labels[0], *labels[1:], "result"],
                y=[totals[0], *deltas, 0],
                measure=["absolute", *(["relative"] * len(deltas)), "total"],
                text=[f"{totals[0]:.1f}", *(f"{d:+.1f}" for d in deltas), f"{totals[-1]:.1f}"],
            )
        )
        fig.update_layout(title=title, yaxis_title=unit, showlegend=False)
        fig.write_html(path, include_plotlyjs=True, full_html=True)
        return path
    plt = _pyplot()

    names = [labels[0], *labels[1:], "result"]
    bottoms = [0.0]
    heights = [totals[0]]
    colors = ["#4c72b0"]
    for before, delta in zip(totals, deltas, strict=False):
        bottoms.append(before + min(delta, 0.0))
        heights.append(abs(delta))
        colors.append("#55a868" if delta <= 0 else "#c44e52")
    bottoms.append(0.0)
    heights.append(totals[-1])
    colors.append("#4c72b0")
    fig, ax = plt.subplots(figsize=(max(6.0, 1.4 * len(names) + 2), 5))
    ax.bar(range(len(names)), heights, bottom=bottoms, color=colors)
    for x, (bottom, height) in enumerate(zip(bottoms, heights, strict=True)):
        label = (
            f"{totals[0]:.1f}"
            if x == 0
            else f"{totals[-1]:.1f}"
            if x == len(names) - 1
            else (f"{deltas[x - 1]:+.1f}")
        )
        ax.text(x, bottom + height + max(totals) * 0.01, label, ha="center", fontsize=8)
    ax.set_xticks(range(len(names)), names, rotation=25, ha="right", fontsize=8)
    ax.set_ylabel(unit)
    ax.set_title(title)
    return _save(fig, plt, path)


def trend_chart(
    years: Sequence[int], totals: Sequence[float], unit: str, title: str, path: Path
) -> Path:
    """Footprint per year (line), PNG or self-contained HTML by suffix."""
    _prepare(path)
    if path.suffix.lower() == ".html":
        import plotly.graph_objects as go

        fig = go.Figure(go.Scatter(x=list(years), y=list(totals), mode="lines+markers"))
        fig.update_layout(title=title, xaxis_title="year", yaxis_title=unit)
        fig.write_html(path, include_plotlyjs=True, full_html=True)
        return path
    plt = _pyplot()

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(list(years), list(totals), marker="o")
    ax.set_xlabel("year")
    ax.set_ylabel(unit)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    return _save(fig, plt, path)


def histogram_chart(values: Sequence[float], unit: str, title: str, path: Path) -> Path:
    """Distribution of Monte Carlo totals with the 2.5/97.5 percentiles marked."""
    _prepare(path)
    import numpy as np

    p_low, p_high = np.percentile(values, [2.5, 97.5])
    if path.suffix.lower() == ".html":
        import plotly.graph_objects as go

        fig = go.Figure(go.Histogram(x=list(values), nbinsx=60))
        for x in (p_low, p_high):
            fig.add_vline(x=float(x), line_dash="dash")
        fig.update_layout(title=title, xaxis_title=unit, yaxis_title="runs")
        fig.write_html(path, include_plotlyjs=True, full_html=True)
        return path
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.hist(values, bins=60, color="#4c72b0")
    for x in (p_low, p_high):
        ax.axvline(float(x), color="#c44e52", linestyle="--")
    ax.set_xlabel(unit)
    ax.set_ylabel("runs")
    ax.set_title(title)
    return _save(fig, plt, path)


def ranked_bars_chart(
    labels: Sequence[str], values: Sequence[float], unit: str, title: str, path: Path
) -> Path:
    """Horizontal bars, largest on top (e.g. sensitivity shares)."""
    _prepare(path)
    if path.suffix.lower() == ".html":
        import plotly.graph_objects as go

        fig = go.Figure(go.Bar(x=list(values)[::-1], y=list(labels)[::-1], orientation="h"))
        fig.update_layout(title=title, xaxis_title=unit)
        fig.write_html(path, include_plotlyjs=True, full_html=True)
        return path
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(labels) + 1.5))
    ax.barh(list(labels)[::-1], list(values)[::-1], color="#4c72b0")
    ax.set_xlabel(unit)
    ax.set_title(title)
    ax.tick_params(axis="y", labelsize=8)
    return _save(fig, plt, path)


def breakdown_png(
    stages: dict[str, float], components: dict[str, float], unit: str, title: str
) -> bytes:
    """Two horizontal bar panels, by life-cycle stage and by component, as PNG bytes.

    ``stages`` and ``components`` map a label to kg CO2e in ``unit``; negative values (a CFF
    credit) are drawn to the left of zero.
    """
    import io

    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2))
    for ax, data, name, color in (
        (left, stages, "by life-cycle stage", "#4c72b0"),
        (right, {COMPONENT_LABELS.get(k, k): v for k, v in components.items()}, "by component",
         "#55a868"),
    ):  # fmt: skip
        labels = list(data)[::-1]
        values = [data[k] for k in labels]
        ax.barh(labels, values, color=[color if v >= 0 else "#c44e52" for v in values])
        ax.axvline(0.0, color="black", linewidth=0.6)
        ax.set_xlabel(unit, fontsize=8)
        ax.set_title(name, fontsize=9)
        ax.tick_params(axis="both", labelsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=150, metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()
