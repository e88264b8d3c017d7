"""Lever commands: pathway, trend, hotspots."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from batterycarbon.battery import Options, build_system, footprint, load_design
from batterycarbon.battery.hotspots import hotspots
from batterycarbon.cli.common import (
    FORMATS,
    ChartOpt,
    DesignArg,
    FormatOpt,
    GridOpt,
    LevelOpt,
    ReleaseOpt,
    RuleSetOpt,
    check_chart,
    check_country,
    check_format,
    check_level,
    make_table,
    out,
    print_json,
    print_warnings,
    user_errors,
)
from batterycarbon.errors import InputError
from batterycarbon.factors import DEFAULT_RELEASE, library, merge_warnings
from batterycarbon.recycling import (
    RouteNotQuantifiedError,
    end_of_life_methods,
    grade,
    process_emissions,
    remanufacture_change,
    route_ids,
)
from batterycarbon.reports.charts import trend_chart, waterfall_chart
from batterycarbon.reports.published_figures import headline, render_markdown
from batterycarbon.reports.reproduction import reproduction_rows
from batterycarbon.rules import DEFAULT_RULE_SET
from batterycarbon.scenarios import PathwayResult, load_pathway, load_scenario, pathway

app = typer.Typer()


def _parse_steps(items: list[str]) -> list[tuple[str, str]]:
    steps, problems = [], []
    for item in items:
        name, sep, ref = item.partition("=")
        if not sep or not name or not ref:
            problems.append(f"{item!r}: expected NAME=SCENARIO (a bundled scenario id or a file)")
        else:
            steps.append((name, ref))
    if problems:
        raise InputError("--step", problems)
    return steps


@app.command(name="pathway")
@user_errors
def pathway_command(
    design: Annotated[
        str | None, typer.Argument(help="Design id or file (optional with --preset).")
    ] = None,
    step: Annotated[
        list[str] | None, typer.Option(help="NAME=SCENARIO, cumulative; repeatable.")
    ] = None,
    preset: Annotated[
        str | None, typer.Option(help="A bundled pathway (e.g. whitepaper-lfp).")
    ] = None,
    factors: Annotated[
        str | None,
        typer.Option(
            "--factors",
            "--release",
            help=f"Factor release id (default: the preset's, else {DEFAULT_RELEASE}).",
        ),
    ] = None,
    level: LevelOpt = "pack",
    rule_set: RuleSetOpt = DEFAULT_RULE_SET,
    fmt: FormatOpt = "table",
    chart: ChartOpt = None,
) -> None:
    """Apply scenarios step by step; each step's total and its change vs the start."""
    check_format(fmt, FORMATS)
    pack_or_cell = check_level(level)
    check_chart(chart)
    if preset is not None:
        bundled = load_pathway(preset)
        design = design or bundled.design
        pack_or_cell = bundled.level if level == "pack" else pack_or_cell
        factors = factors or bundled.factors
        steps = [(s.name, s.resolve()) for s in bundled.steps]
    elif step:
        steps = [(name, load_scenario(ref)) for name, ref in _parse_steps(step)]
    else:
        raise InputError("pathway", ["give --step NAME=SCENARIO (repeatable) or --preset NAME"])
    if design is None:
        raise InputError("pathway", ["DESIGN is required without --preset"])
    result = pathway(
        load_design(design), steps, library(factors or DEFAULT_RELEASE), pack_or_cell, rule_set
    )
    if chart is not None:
        waterfall_chart(
            [s.name for s in result.steps],
            [s.total_kgco2e_per_kwh for s in result.steps],
            f"kg CO2e per kWh of {'pack' if result.level == 'pack' else 'cells'}",
            f"{result.design}: reduction pathway ({result.factor_release})",
            chart,
        )
    if fmt == "json":
        print_json(result.to_dict())
        return
    _print_pathway(result)
    if chart is not None:
        out.print(f"chart written to {chart}")


def _print_pathway(result: PathwayResult) -> None:
    print_warnings(result.warnings)
    table = make_table(
        "step",
        "kg CO2e/kWh",
        "vs start",
        "vs previous",
        title=f"{result.design}, {result.level} level, factors {result.factor_release}",
    )
    for s in result.steps:
        table.add_row(
            s.name,
            f"{s.total_kgco2e_per_kwh:.1f}",
            f"{s.change_vs_start:+.1%}",
            f"{s.change_vs_previous:+.1%}",
        )
    out.print(table)


def _parse_years(text: str) -> list[int]:
    first, sep, last = text.partition(":")
    try:
        start, end = int(first), int(last if sep else first)
    except ValueError:
        raise InputError("--years", [f"{text!r}: expected FIRST:LAST such as 2015:2035"]) from None
    if not 2000 <= start <= end <= 2060:
        raise InputError("--years", [f"{text!r}: expected 2000 <= FIRST <= LAST <= 2060"])
    return list(range(start, end + 1))


@app.command()
@user_errors
def trend(
    design: DesignArg,
    years: Annotated[str, typer.Option(help="FIRST:LAST, e.g. 2015:2035.")] = "2015:2035",
    grid: GridOpt = None,
    factors: ReleaseOpt = DEFAULT_RELEASE,
    level: LevelOpt = "pack",
    fmt: FormatOpt = "table",
    chart: ChartOpt = None,
) -> None:
    """The same design year by year with the library's dated factors (grid trajectories)."""
    check_format(fmt, FORMATS)
    pack_or_cell = check_level(level)
    check_country("--grid", grid)
    check_chart(chart)
    lib = library(factors)
    loaded = load_design(design)
    rows: list[dict[str, Any]] = []
    for year in _parse_years(years):
        result = footprint(loaded, lib, Options(grid=grid, year=year), level=pack_or_cell)
        grid_ids = [f["id"] for f in result.factors if f["id"].startswith("electricity_grid")]
        rows.append(
            {
                "year": year,
                "total_kgco2e_per_kwh": result.total_kgco2e_per_kwh,
                "grid_factors": sorted(grid_ids),
                "warnings": result.warnings,
            }
        )
    if chart is not None:
        trend_chart(
            [r["year"] for r in rows],
            [r["total_kgco2e_per_kwh"] for r in rows],
            f"kg CO2e per kWh ({level})",
            f"{loaded.id}: footprint by year ({lib.release_id})",
            chart,
        )
    if fmt == "json":
        print_json(
            {"design": loaded.id, "level": level, "factor_release": lib.release_id, "years": rows}
        )
        return
    print_warnings(merge_warnings(*(r["warnings"] for r in rows)))
    table = make_table(
        "year", "kg CO2e/kWh", "grid factors used", title=f"{loaded.id} ({level} level)"
    )
    for r in rows:
        table.add_row(
            str(r["year"]), f"{r['total_kgco2e_per_kwh']:.1f}", ", ".join(r["grid_factors"])
        )
    out.print(table)


@app.command(name="hotspots")
@user_errors
def hotspots_command(
    design: DesignArg,
    top: Annotated[int, typer.Option(min=1, max=100, help="How many steps and factors.")] = 10,
    factors: ReleaseOpt = DEFAULT_RELEASE,
    level: LevelOpt = "pack",
    fmt: FormatOpt = "table",
) -> None:
    """The steps and factors contributing most, with their share and the lever that cuts them."""
    check_format(fmt, FORMATS)
    rows = hotspots(load_design(design), library(factors), top=top, level=check_level(level))
    if fmt == "json":
        print_json([r.__dict__ for r in rows])
        return
    for kind, title in (("process", "steps"), ("factor", "factors")):
        table = make_table(
            kind, "kg CO2e/kWh", "share", "cause", "lever", title=f"hotspots: {title}"
        )
        for r in (r for r in rows if r.kind == kind):
            table.add_row(
                r.name if kind == "process" else r.id,
                f"{r.kgco2e_per_kwh:.1f}",
                f"{r.share:.0%}",
                r.cause,
                r.lever,
            )
        out.print(table)


@app.command()
@user_errors
def reproduce(
    study: Annotated[str, typer.Argument(help="What to reproduce: whitepaper.")],
    out_path: Annotated[Path, typer.Option("--out", help="Markdown report to write.")] = Path(
        "docs/whitepaper-reproduction.md"
    ),
) -> None:
    """Regenerate the report that puts each figure of the white paper beside the system's value."""
    if study != "whitepaper":
        raise InputError("reproduce", [f"{study!r}: the only study is 'whitepaper'"])
    rows = reproduction_rows()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(render_markdown(rows), encoding="utf-8")
    out.print(f"{headline(rows)}; report written to {out_path}")


@app.command()
@user_errors
def eol(
    design: DesignArg,
    soh: Annotated[
        float | None, typer.Option(help="State of health of the retired pack, 0..1.")
    ] = None,
    route: Annotated[
        str | None, typer.Option(help="Recycling route (default: the grade's).")
    ] = None,
    factors: ReleaseOpt = DEFAULT_RELEASE,
    fmt: FormatOpt = "table",
) -> None:
    """End of life: second-life grade by state of health, route, and their footprint effect."""
    check_format(fmt, FORMATS)
    lib = library(factors)
    loaded = load_design(design)
    band = grade(soh) if soh is not None else None
    chosen = route or (band.recommended_route if band else None) or "hydro"
    if route is not None and route not in route_ids():
        raise InputError("--route", [f"{route!r}: known routes: {', '.join(route_ids())}"])
    bsys = build_system(loaded, lib)
    process: float | None = None
    change: float | None = None
    end_of_life: dict[str, float] | None = None
    note = ""
    warnings = bsys.warnings
    if band is None or band.recommended_route is not None or route is not None:
        try:
            pack = (bsys.pack_mass_kg, bsys.pack_capacity_kwh)
            emissions = process_emissions(chosen, *pack, lib, bsys.plants["pack"], bsys.year)
            process = emissions.total_kgco2e_per_kwh
            change = remanufacture_change(chosen, loaded, lib)
            methods = end_of_life_methods(chosen, loaded, lib)
            end_of_life = {
                "cut-off": methods.cut_off_kgco2e_per_kwh,
                "cff": methods.cff_kgco2e_per_kwh,
            }
            warnings = merge_warnings(warnings, emissions.warnings, methods.warnings)
        except RouteNotQuantifiedError as exc:
            note = "; ".join(exc.problems)
    data = {
        "design": loaded.id,
        "factor_release": lib.release_id,
        "soh": soh,
        "grade": band.name if band else None,
        "grade_description": band.description if band else None,
        "route": chosen if (band is None or band.recommended_route or route) else None,
        "process_kgco2e_per_kwh": process,
        "remanufacture_change": change,
        "end_of_life_kgco2e_per_kwh": end_of_life,
        "note": note,
    }
    if fmt == "json":
        print_json({**data, "warnings": list(warnings)})
        return
    print_warnings(warnings)
    table = make_table("field", "value", show_header=False, title=f"{loaded.id}: end of life")
    for key, value in data.items():
        if isinstance(value, dict):
            value = "; ".join(f"{k} {v:.2f}" for k, v in value.items())
        elif isinstance(value, float):
            value = f"{value:+.1%}" if key == "remanufacture_change" else f"{value:.2f}"
        table.add_row(key, "" if value is None else str(value))
    out.print(table)
