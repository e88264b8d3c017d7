"""Command-line interface: parse, call the model, render. No business rule lives here."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from batterycarbon import __version__
from batterycarbon.battery import Options, bundled_design_ids, footprint, load_design
from batterycarbon.battery.design import STEPS
from batterycarbon.battery.footprint import Footprint
from batterycarbon.errors import BatteryCarbonError, InputError
from batterycarbon.factors import (
    DEFAULT_RELEASE,
    FactorLibrary,
    bundled_release_ids,
    diff_releases,
    library,
    load_release,
)
from batterycarbon.reports.charts import COMPONENT_LABELS, stacked_components_chart

app = typer.Typer(help="Carbon footprint of batteries, cradle to gate, with traceable factors.",
                  no_args_is_help=True, pretty_exceptions_enable=False)  # fmt: skip
factors_app = typer.Typer(help="Browse the emission-factor library.", no_args_is_help=True)
app.add_typer(factors_app, name="factors")
out = Console()
err = Console(stderr=True)


def _table(*columns: str, **options: Any) -> Table:
    """A table whose cells wrap instead of being cut, so ids stay whole on narrow terminals."""
    table = Table(**options)
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


F = TypeVar("F", bound=Callable[..., Any])

ReleaseOpt = Annotated[str, typer.Option("--factors", "--release", help="Factor release id.")]
FormatOpt = Annotated[str, typer.Option("--format", help="table, json or csv.")]


def user_errors(func: F) -> F:
    """Turn the project's errors into a clear message on stderr and exit status 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except BatteryCarbonError as exc:
            err.print("error:", style="bold red", end=" ")
            err.print(str(exc), markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def _check_format(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        raise InputError("--format", [f"{fmt!r}: expected one of {', '.join(allowed)}"])


def _parse_green(values: list[str]) -> dict[str, float]:
    green: dict[str, float] = {}
    problems = []
    for item in values:
        step, _, share = item.partition("=")
        try:
            value = float(share)
        except ValueError:
            problems.append(f"{item!r}: expected STEP=SHARE with SHARE a number in 0..1")
            continue
        if step not in STEPS or not 0 <= value <= 1:
            problems.append(f"{item!r}: STEP must be one of {', '.join(STEPS)} and SHARE in 0..1")
            continue
        green[step] = value
    if problems:
        raise InputError("--green", problems)
    return green


@app.command()
def version() -> None:
    """Print the software version."""
    out.print(__version__)


@app.command()
def designs() -> None:
    """List the bundled reference designs."""
    table = _table("id", "chemistry", "format", "cell")
    for design_id in bundled_design_ids():
        d = load_design(design_id)
        voltage = d.cell.nominal_voltage_v or ""
        table.add_row(design_id, d.chemistry, d.format, f"{d.cell.capacity_ah:g} Ah {voltage} V")
    out.print(table)


@app.command(name="footprint")
@user_errors
def footprint_command(
    design: Annotated[str, typer.Argument(help="Bundled design id or a YAML/JSON file.")],
    factors: ReleaseOpt = DEFAULT_RELEASE,
    grid: Annotated[
        str | None, typer.Option(help="Country code for every plant (e.g. SE).")
    ] = None,
    year: Annotated[int | None, typer.Option(help="Reference year of the grid factors.")] = None,
    green: Annotated[
        list[str] | None, typer.Option(help="STEP=SHARE of green power; repeatable.")
    ] = None,
    level: Annotated[str, typer.Option(help="pack or cell.")] = "pack",
    fmt: FormatOpt = "table",
    chart: Annotated[Path | None, typer.Option(help="Write a chart (.png or .html).")] = None,
) -> None:
    """Cradle-to-gate footprint of one design per kWh, with its breakdowns."""
    _check_format(fmt, ("table", "json", "csv"))
    if level not in ("pack", "cell"):
        raise InputError("--level", [f"{level!r}: expected pack or cell"])
    if grid is not None and not (len(grid) == 2 and grid.isalpha() and grid.isupper()):
        raise InputError("--grid", [f"{grid!r}: expected an ISO 3166 alpha-2 code such as CN"])
    options = Options(grid=grid, year=year, green=_parse_green(green or []))
    result = footprint(load_design(design), library(factors), options, level=level)  # type: ignore[arg-type]
    if chart is not None:
        stacked_components_chart([result], chart)
    if fmt == "json":
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
    elif fmt == "csv":
        sys.stdout.write(_footprint_csv(result))
    else:
        _print_footprint(result)
        if chart is not None:
            out.print(f"chart written to {chart}")


def _footprint_csv(result: Footprint) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["design", "level", "breakdown", "key", "kgco2e_per_kwh"])
    writer.writerow([result.design, result.level, "total", "total", result.total_kgco2e_per_kwh])
    for kind in ("stages", "components"):
        for key, value in getattr(result, kind).items():
            writer.writerow([result.design, result.level, kind, key, value])
    for proc in result.processes:
        writer.writerow(
            [result.design, result.level, "processes", proc["id"], proc["kgco2e_per_kwh"]]
        )
    return buffer.getvalue()


def _print_footprint(r: Footprint) -> None:
    out.print(f"[bold]{r.design}[/]: {r.total_kgco2e_per_kwh:.1f} kg CO2e per {r.functional_unit}; "
              f"{r.total_kgco2e_per_pack:,.0f} kg CO2e per pack of {r.capacity_kwh:.1f} kWh")  # fmt: skip
    table = _table("breakdown", "kg CO2e/kWh", "share")
    for key, value in r.stages.items():
        table.add_row(f"stage: {key}", f"{value:.2f}", f"{value / r.total_kgco2e_per_kwh:.0%}")
    for key, value in r.components.items():
        table.add_row(
            f"component: {COMPONENT_LABELS[key]}",
            f"{value:.2f}",
            f"{value / r.total_kgco2e_per_kwh:.0%}",
        )
    out.print(table)
    hot = _table("process (hotspots)", "kg CO2e/kWh", title=None)
    for proc in r.processes[:8]:
        hot.add_row(proc["name"], f"{proc['kgco2e_per_kwh']:.2f}")
    out.print(hot)
    top = _table("factor", "amount per kWh", "kg CO2e/kWh")
    for f in r.factors[:8]:
        top.add_row(f["id"], f"{f['amount']:.3g} {f['unit']}", f"{f['kgco2e_per_kwh']:.2f}")
    out.print(top)
    out.print(f"cells' share of the pack footprint: {r.cell_share:.0%}; primary data share: "
              f"{r.primary_share:.0%}; factors {r.factor_release}; rule set {r.rule_set}; "
              f"inputs digest {r.inputs_digest[:16]}…; batterycarbon {r.software_version}")  # fmt: skip


@app.command()
@user_errors
def overview(
    factors: ReleaseOpt = DEFAULT_RELEASE,
    chart: Annotated[
        Path, typer.Option(help="Stacked-bar chart by component (.png/.html).")
    ] = Path("out/footprint-by-component.png"),
    fmt: FormatOpt = "table",
) -> None:
    """Footprint of every bundled design: a comparison table and a stacked-bar chart."""
    _check_format(fmt, ("table", "json"))
    lib = library(factors)
    results = [footprint(load_design(d), lib) for d in bundled_design_ids()]
    stacked_components_chart(results, chart)
    if fmt == "json":
        sys.stdout.write(json.dumps([r.to_dict() for r in results], indent=2) + "\n")
        return
    table = Table(
        title=f"Cradle-to-gate footprint, factor release {lib.release_id}",
        caption="kg CO2e per kWh of pack capacity by stage (raw materials, production) and cathode; "
        "cells = the cells' share of the pack footprint; t/pack = t CO2e per pack",
    )
    table.add_column("design", no_wrap=True)
    for heading in ("total", "raw mat.", "prod.", "cathode", "cells", "t/pack"):
        table.add_column(heading, justify="right")
    for r in results:
        table.add_row(r.design, f"{r.total_kgco2e_per_kwh:.1f}", f"{r.stages['raw_materials']:.1f}",
                      f"{r.stages['production']:.1f}", f"{r.components['cathode']:.1f}",
                      f"{r.cell_share:.0%}", f"{r.total_kgco2e_per_pack / 1000:.2f}")  # fmt: skip
    out.print(table)
    out.print(f"chart written to {chart}")


@factors_app.command("releases")
@user_errors
def factors_releases() -> None:
    """List the bundled factor releases."""
    table = _table("id", "published", "factors", "title")
    for rid in bundled_release_ids():
        rel = load_release(rid)
        mark = " (default)" if rid == DEFAULT_RELEASE else ""
        table.add_row(rid + mark, str(rel.published), str(len(rel.factors)), rel.title)
    out.print(table)


def _factor_table(rows: list[Any], title: str) -> Table:
    table = _table("id", "value", "unit", "region", "year", "DQR", "source", title=title)
    for f in rows:
        table.add_row(
            f.id,
            f"{f.value:.4g}",
            f.unit,
            f.region,
            str(f.year),
            f"{f.quality.dqr:.1f}",
            f.source.id,
        )
    return table


@factors_app.command("list")
@user_errors
def factors_list(
    release: ReleaseOpt = DEFAULT_RELEASE,
    flow: Annotated[str | None, typer.Option(help="Only this flow.")] = None,
    region: Annotated[str | None, typer.Option(help="Only this region.")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """List the factors of a release."""
    _check_format(fmt, ("table", "json"))
    rel = load_release(release)
    rows = [f for f in rel.factors.values()
            if (flow is None or f.flow == flow) and (region is None or f.region == region)]  # fmt: skip
    rows = sorted(rows, key=lambda f: f.id)
    if fmt == "json":
        _print_factors_json(rows)
        return
    out.print(_factor_table(rows, f"{rel.id}: {len(rows)} factors"))


def _print_factors_json(rows: list[Any]) -> None:
    sys.stdout.write(json.dumps([f.model_dump(mode="json") for f in rows], indent=2) + "\n")


@factors_app.command("search")
@user_errors
def factors_search(
    text: Annotated[str, typer.Argument(help="Words to find in id, flow, name, region, year.")],
    release: ReleaseOpt = DEFAULT_RELEASE,
    fmt: FormatOpt = "table",
) -> None:
    """Search a release's factors."""
    _check_format(fmt, ("table", "json"))
    hits = FactorLibrary(load_release(release)).search(text)
    if fmt == "json":
        _print_factors_json(hits)
        return
    out.print(_factor_table(hits, f"{len(hits)} factors match {text!r}"))


@factors_app.command("show")
@user_errors
def factors_show(
    factor_id: str, release: ReleaseOpt = DEFAULT_RELEASE, fmt: FormatOpt = "table"
) -> None:
    """Show one factor with its provenance, quality and uncertainty."""
    _check_format(fmt, ("table", "json"))
    f = FactorLibrary(load_release(release)).get(factor_id)
    if fmt == "json":
        sys.stdout.write(f.model_dump_json(indent=2) + "\n")
        return
    table = _table("field", "value", show_header=False)
    u = f.uncertainty
    spread = (
        f"lognormal, GSD {u.gsd}"
        if u.distribution == "lognormal"
        else (f"triangular {u.minimum} / {u.mode} / {u.maximum}")
    )
    for key, value in (
        ("id", f.id), ("name", f.name), ("value", f"{f.value:g} {f.unit}"), ("flow", f.flow),
        ("region", f.region), ("year", str(f.year)), ("source", f.source.citation),
        ("url", f.source.url or ""), ("licence", f.source.licence or ""),
        ("data quality", f"DQR {f.quality.dqr:.2f} (TeR {f.quality.technological}, GeR "
                         f"{f.quality.geographical}, TiR {f.quality.time}, P {f.quality.precision})"),
        ("uncertainty", spread), ("notes", f.notes), ("release", release),
    ):  # fmt: skip
        table.add_row(key, value)
    out.print(table)


@factors_app.command("diff")
@user_errors
def factors_diff(old: str, new: str, fmt: FormatOpt = "table") -> None:
    """Factors added, removed or changed between release OLD and release NEW."""
    _check_format(fmt, ("table", "json"))
    changes = diff_releases(load_release(old), load_release(new))
    if fmt == "json":
        sys.stdout.write(
            json.dumps(
                [c.__dict__ | {"relative_change": c.relative_change} for c in changes], indent=2
            )
            + "\n"
        )
        return
    table = _table(
        "factor", "change", old, new, "unit", "Δ", title=f"{old} → {new}: {len(changes)} changes"
    )
    for c in changes:
        rel: float | None = c.relative_change
        table.add_row(c.factor_id, c.kind, _num(c.old_value), _num(c.new_value), c.unit,
                      f"{rel:+.1%}" if rel is not None else "")  # fmt: skip
    out.print(table)


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.4g}"


if __name__ == "__main__":  # pragma: no cover
    app()
