"""Analysis commands: uncertainty, compare, sensitivity, sweep."""

from __future__ import annotations

from typing import Annotated, cast

import numpy as np
import typer

from batterycarbon.battery import load_design
from batterycarbon.battery.sourcing import with_sourcing
from batterycarbon.battery.uncertainty import (
    STATS,
    MonteCarloSamples,
    monte_carlo,
    sensitivity,
    summary,
)
from batterycarbon.cli.common import (
    FORMATS,
    ChartOpt,
    DesignArg,
    FormatOpt,
    LevelOpt,
    ReleaseOpt,
    RouteOpt,
    check_chart,
    check_format,
    check_level,
    make_table,
    out,
    parse_routes,
    print_json,
    print_warnings,
    user_errors,
)
from batterycarbon.factors import DEFAULT_RELEASE, library
from batterycarbon.reports.charts import histogram_chart, ranked_bars_chart
from batterycarbon.scenarios.sweep import parse_vary, sweep

app = typer.Typer()
RunsOpt = Annotated[int, typer.Option(min=10, max=1_000_000, help="Monte Carlo runs.")]
SeedOpt = Annotated[int, typer.Option(help="Random seed: same seed, same numbers.")]


@app.command()
@user_errors
def uncertainty(
    design: DesignArg,
    runs: RunsOpt = 1000,
    seed: SeedOpt = 42,
    factors: ReleaseOpt = DEFAULT_RELEASE,
    level: LevelOpt = "pack",
    fmt: FormatOpt = "table",
    chart: ChartOpt = None,
) -> None:
    """Monte Carlo: mean, median and 95 % interval of the total, by stage and component."""
    check_format(fmt, FORMATS)
    check_chart(chart)
    samples = monte_carlo(
        load_design(design), library(factors), runs, seed, level=check_level(level)
    )
    # "deterministic": the footprint with every input at its library value (what a declaration
    # states); skewed input ranges put the mean above or below it.
    total = {"deterministic": samples.deterministic["total"], **summary(samples.total)}
    breakdowns = {
        kind: {k: {"deterministic": samples.point(kind, k), **summary(v)} for k, v in rows.items()}
        for kind, rows in (("stages", samples.stages), ("components", samples.components))
    }
    data = {
        "design": samples.design,
        "level": samples.level,
        "runs": runs,
        "seed": seed,
        "factor_release": factors,
        "uncertain_inputs": len(samples.inputs),
        **total,
        **breakdowns,
        "warnings": list(samples.warnings),
    }
    if chart is not None:
        histogram_chart(
            samples.total.tolist(),
            f"kg CO2e per kWh ({level})",
            f"{samples.design}: {runs} Monte Carlo runs ({factors})",
            chart,
        )
    if fmt == "json":
        print_json(data)
        return
    print_warnings(samples.warnings)
    columns = ("deterministic", *STATS)
    table = make_table(
        "breakdown", *columns, title=f"{samples.design}: {runs} runs, seed {seed}, kg CO2e/kWh"
    )
    table.add_row("total", *(f"{total[s]:.1f}" for s in columns))
    for kind, rows in breakdowns.items():
        for key, stats in rows.items():
            table.add_row(f"{kind[:-1]}: {key}", *(f"{stats[s]:.2f}" for s in columns))
    out.print(table)
    shift = total["mean"] / total["deterministic"] - 1
    if abs(shift) > 0.05:
        out.print(
            f"The mean is {shift:+.0%} from the deterministic result: some inputs have skewed "
            "ranges (see `batterycarbon sensitivity`)."
        )


@app.command()
@user_errors
def compare(
    design_a: Annotated[str, typer.Argument(help="Design A (id or file).")],
    design_b: Annotated[str, typer.Argument(help="Design B (id or file).")],
    runs: RunsOpt = 1000,
    seed: SeedOpt = 42,
    factors: ReleaseOpt = DEFAULT_RELEASE,
    level: LevelOpt = "pack",
    fmt: FormatOpt = "table",
) -> None:
    """Probability that A's footprint is lower than B's, with common random numbers."""
    check_format(fmt, FORMATS)
    lib = library(factors)
    a = monte_carlo(load_design(design_a), lib, runs, seed, level=check_level(level))
    b = monte_carlo(load_design(design_b), lib, runs, seed, level=check_level(level))
    difference = a.total - b.total
    data = {
        "design_a": a.design,
        "design_b": b.design,
        "runs": runs,
        "seed": seed,
        "level": level,
        "factor_release": factors,
        "probability_a_lower": float(np.mean(difference < 0)),
        "a": summary(a.total),
        "b": summary(b.total),
        "difference_a_minus_b": summary(difference),
        "warnings": _labelled_warnings(a, b),
    }
    if fmt == "json":
        print_json(data)
        return
    print_warnings(cast(list[str], data["warnings"]))
    table = make_table(
        "", *STATS, title=f"{a.design} vs {b.design}, {runs} runs (common random numbers)"
    )
    for label, key in ((a.design, "a"), (b.design, "b"), ("A − B", "difference_a_minus_b")):
        stats = cast(dict[str, float], data[key])
        table.add_row(label, *(f"{stats[s]:.2f}" for s in STATS))
    out.print(table)
    out.print(f"probability that {a.design} is lower: {data['probability_a_lower']:.1%}")


def _labelled_warnings(*samples: MonteCarloSamples) -> list[str]:
    """The fallbacks of each design's footprint, each prefixed by the design it belongs to."""
    return [f"{s.design}: {w}" for s in samples for w in s.warnings]


@app.command(name="sensitivity")
@user_errors
def sensitivity_command(
    design: DesignArg,
    runs: RunsOpt = 2000,
    seed: SeedOpt = 42,
    top: Annotated[int, typer.Option(min=1, max=100, help="How many inputs.")] = 10,
    factors: ReleaseOpt = DEFAULT_RELEASE,
    level: LevelOpt = "pack",
    fmt: FormatOpt = "table",
    chart: ChartOpt = None,
) -> None:
    """Which factors and parameters drive the variance (squared rank correlation)."""
    check_format(fmt, FORMATS)
    check_chart(chart)
    samples = monte_carlo(
        load_design(design), library(factors), runs, seed, level=check_level(level)
    )
    rows = sensitivity(samples, top)
    if chart is not None:
        ranked_bars_chart(
            [str(r["input"]) for r in rows],
            [float(r["share_of_variance"]) for r in rows],
            "share of variance (normalized squared Spearman rho)",
            f"{samples.design}: what drives the uncertainty",
            chart,
        )
    if fmt == "json":
        print_json({"design": samples.design, "runs": runs, "seed": seed, "inputs": rows})
        return
    table = make_table(
        "input", "kind", "Spearman ρ", "share of variance", title=f"{samples.design}: sensitivity"
    )
    for r in rows:
        table.add_row(
            str(r["input"]),
            str(r["kind"]),
            f"{float(r['spearman_rho']):+.2f}",
            f"{float(r['share_of_variance']):.0%}",
        )
    out.print(table)


@app.command(name="sweep")
@user_errors
def sweep_command(
    design: DesignArg,
    vary: Annotated[list[str], typer.Option(help="KEY=V1,V2,...; repeatable (Cartesian product).")],
    factors: ReleaseOpt = DEFAULT_RELEASE,
    route: RouteOpt = None,
    level: LevelOpt = "pack",
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address (default: in-process).")
    ] = None,
    top: Annotated[
        int, typer.Option(min=1, help="Variants shown in the table, lowest first.")
    ] = 10,
    fmt: FormatOpt = "table",
) -> None:
    """Footprint of every combination of levers (e.g. --vary cell.country=CN,HU --vary green.cell=0,0.5,1)."""
    check_format(fmt, FORMATS)
    result = sweep(
        with_sourcing(load_design(design), parse_routes(route or [])),
        library(factors),
        parse_vary(vary),
        check_level(level),
        scheduler=scheduler,
    )
    if fmt == "json":
        print_json(result.to_dict())
        return
    print_warnings(result.warnings)
    order = np.argsort(result.totals, kind="stable")[:top]
    table = make_table(
        *result.keys,
        "kg CO2e/kWh",
        title=f"{result.design}: {len(result.totals)} variants, lowest {len(order)}",
    )
    for k in order:
        table.add_row(
            *(str(result.variants[k][key]) for key in result.keys), f"{result.totals[k]:.1f}"
        )
    out.print(table)
    out.print(
        f"range {result.totals.min():.1f} – {result.totals.max():.1f} kg CO2e/kWh over "
        f"{len(result.totals)} variants"
    )
