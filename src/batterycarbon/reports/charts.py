"""Stacked-bar charts of footprints by component: PNG via matplotlib or HTML via plotly."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from batterycarbon.battery.footprint import Footprint

COMPONENT_LABELS = {
    "cathode": "Cathode", "anode": "Anode", "electrolyte": "Electrolyte", "separator": "Separator",
    "copper_foil": "Copper foil", "aluminium_foil": "Aluminium foil",
    "casing_other": "Casing & other cell parts", "cell_production_energy": "Cell production energy",
    "module_pack": "Module & pack parts and assembly",
}  # fmt: skip


def stacked_components_chart(results: Sequence[Footprint], path: Path) -> Path:
    """Write a stacked bar per design (kg CO2e/kWh by component) to ``path`` (.png or .html)."""
    path.parent.mkdir(parents=True, exist_ok=True)
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
    if suffix != ".png":
        raise ValueError(f"chart file {path}: expected a .png or .html suffix")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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
    fig.tight_layout()
    fig.savefig(path, dpi=120, metadata={"Software": None})
    plt.close(fig)
    return path
