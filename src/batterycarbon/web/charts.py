"""Plotly figure data built from results (no numbers made up here: every value comes from a
footprint, a Monte Carlo run or a pathway the engine computed)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np


def stacked_breakdown(processes: list[dict[str, Any]]) -> dict[str, Any]:
    """Stacked bar: one bar per stage, one trace per component (kg CO2e per kWh)."""
    stages = sorted({p["stage"] for p in processes})
    by: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(stages, 0.0))
    for p in processes:
        by[p["component"]][p["stage"]] += p["kgco2e_per_kwh"]
    traces = [
        {
            "type": "bar",
            "name": component,
            "x": stages,
            "y": [round(by[component][s], 4) for s in stages],
        }
        for component in sorted(by)
    ]
    return {"traces": traces, "stages": stages}


def stage_sankey(processes: list[dict[str, Any]], total_label: str) -> dict[str, Any]:
    """Sankey of the supply chain's contributions: process -> component -> stage -> total.

    Link widths are kg CO2e per kWh; processes with no emissions are left out.
    """
    flows: dict[tuple[str, str], float] = defaultdict(float)
    for p in processes:
        value = float(p["kgco2e_per_kwh"])
        if value <= 0:
            continue
        process = f"{p['name']} ({p['component']})" if p.get("name") else str(p["id"])
        component, stage = f"component: {p['component']}", f"stage: {p['stage']}"
        flows[(process, component)] += value
        flows[(component, stage)] += value
        flows[(stage, total_label)] += value
    labels = list(dict.fromkeys(label for pair in flows for label in pair))
    index = {label: i for i, label in enumerate(labels)}
    return {
        "labels": labels,
        "source": [index[a] for a, _ in flows],
        "target": [index[b] for _, b in flows],
        "value": [round(v, 4) for v in flows.values()],
    }


def uncertainty_band(total: np.ndarray[Any, Any], point: float) -> dict[str, Any]:
    """Histogram counts of Monte Carlo totals and the 95 % band around the point value."""
    counts, edges = np.histogram(total, bins=30)
    low, median, high = np.percentile(total, [2.5, 50, 97.5])
    return {
        "x": [round(float((a + b) / 2), 3) for a, b in zip(edges[:-1], edges[1:], strict=True)],
        "y": [int(c) for c in counts],
        "p2_5": float(low),
        "median": float(median),
        "p97_5": float(high),
        "mean": float(total.mean()),
        "point": point,
        "runs": int(total.size),
    }


def with_end_of_life(chart: dict[str, Any], label: str, value: float) -> dict[str, Any]:
    """A pathway waterfall with an end-of-life bar before a final total that includes it."""
    if not chart["x"]:
        return chart
    gate = chart["y"][-1]
    return {
        "x": [*chart["x"][:-1], "result at the gate", label, "result with end of life"],
        "y": [*chart["y"][:-1], gate, round(value, 4), round(gate + value, 4)],
        "measure": [*chart["measure"][:-1], "total", "relative", "total"],
    }


def waterfall(steps: list[dict[str, Any]]) -> dict[str, Any]:
    """Plotly waterfall of a cumulative pathway: start, each step's change, the final total."""
    if not steps:
        return {"x": [], "y": [], "measure": []}
    x = [steps[0]["name"]]
    y = [round(steps[0]["total_kgco2e_per_kwh"], 4)]
    measure = ["absolute"]
    for previous, step in zip(steps, steps[1:], strict=False):
        x.append(step["name"])
        y.append(round(step["total_kgco2e_per_kwh"] - previous["total_kgco2e_per_kwh"], 4))
        measure.append("relative")
    x.append("result")
    y.append(round(steps[-1]["total_kgco2e_per_kwh"], 4))
    measure.append("total")
    return {"x": x, "y": y, "measure": measure}
