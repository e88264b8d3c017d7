"""Footprint commands: designs, footprint, overview, version."""

from __future__ import annotations

import csv
import io
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from batterycarbon import __version__
from batterycarbon.battery import bundled_design_ids, footprint, load_design
from batterycarbon.battery.footprint import Footprint
from batterycarbon.battery.inventory import build_system
from batterycarbon.cli.common import (
    FORMATS,
    FORMATS_WITH_CSV,
    ChartOpt,
    FormatCsvOpt,
    FormatOpt,
    GreenHeatOpt,
    GreenOpt,
    GridOpt,
    LevelOpt,
    ReleaseOpt,
    RouteOpt,
    RuleSetOpt,
    check_chart,
    check_format,
    check_level,
    make_table,
    out,
    parse_routes,
    plant_options,
    print_json,
    print_warnings,
    user_errors,
)
from batterycarbon.cli.stored import print_stored_footprint
from batterycarbon.errors import InputError
from batterycarbon.factors import DEFAULT_RELEASE, library
from batterycarbon.reports.charts import COMPONENT_LABELS, stacked_components_chart
from batterycarbon.rules import DEFAULT_RULE_SET, load_rule_set, rule_set_ids

app = typer.Typer()


@app.command()
def version() -> None:
    """Print the software version."""
    out.print(__version__)


@app.command()
def designs() -> None:
    """List the bundled reference designs with their derived cell and pack Wh/kg and Wh/L
    (default factor release; volumes are estimates, see docs/design-format.md)."""
    table = make_table(
        "id", "chemistry", "format", "cell", "cell Wh/kg", "cell Wh/L", "pack Wh/kg", "pack Wh/L"
    )
    lib = library(DEFAULT_RELEASE)
    for design_id in bundled_design_ids():
        d = load_design(design_id)
        voltage = d.cell.nominal_voltage_v or ""
        bsys = build_system(d, lib)
        table.add_row(
            design_id,
            d.chemistry,
            d.format,
            f"{d.cell.capacity_ah:g} Ah {voltage} V",
            f"{bsys.cell_wh_per_kg:.0f}",
            f"{bsys.cell_wh_per_l:.0f}",
            f"{bsys.pack_wh_per_kg:.0f}",
            f"{bsys.pack_wh_per_l:.0f}",
        )
    out.print(table)


@app.command(name="footprint")
@user_errors
def footprint_command(
    design: Annotated[
        str | None, typer.Argument(help="Bundled design id or a YAML/JSON file.")
    ] = None,
    product: Annotated[
        str | None,
        typer.Option(
            help="A stored product (name or id) instead of a design: its latest calculation "
            "from the database, with the supplier datasets it used and newer data."
        ),
    ] = None,
    organization: Annotated[
        str | None, typer.Option(help="With --product: the organization it belongs to.")
    ] = None,
    factors: ReleaseOpt = DEFAULT_RELEASE,
    grid: GridOpt = None,
    year: Annotated[int | None, typer.Option(help="Reference year of the grid factors.")] = None,
    green: GreenOpt = None,
    green_heat: GreenHeatOpt = None,
    route: RouteOpt = None,
    level: LevelOpt = "pack",
    rule_set: RuleSetOpt = DEFAULT_RULE_SET,
    fmt: FormatCsvOpt = "table",
    chart: ChartOpt = None,
) -> None:
    """Cradle-to-gate footprint of one design per kWh, with its breakdowns; or, with --product,
    a stored product's latest calculation from the database (DATABASE_URL, default the SQLite file)."""
    if product is not None or design is None:
        if design is not None or product is None:
            raise InputError(
                "footprint", ["give either a design (bundled id or file) or --product NAME_OR_ID"]
            )
        check_format(fmt, FORMATS)
        print_stored_footprint(product, organization, fmt)
        return
    check_format(fmt, FORMATS_WITH_CSV)
    pack_or_cell = check_level(level)
    check_chart(chart)
    options = replace(
        plant_options(grid, green, year, green_heat), sourcing=parse_routes(route or [])
    )
    result = footprint(
        load_design(design), library(factors), options, level=pack_or_cell, rule_set_id=rule_set
    )
    if chart is not None:
        stacked_components_chart([result], chart)
    if fmt == "json":
        print_json(result.to_dict())
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
    for warning in result.warnings:
        writer.writerow([result.design, result.level, "warning", warning, ""])
    return buffer.getvalue()


def _energy_line(pack: dict[str, Any]) -> str:
    """Cell and pack specific energy and energy density, with the cell's plausible band."""
    band = pack.get("cell_band")
    cited = (
        f" (plausible {band['wh_per_kg'][0]:.0f}-{band['wh_per_kg'][1]:.0f} Wh/kg: "
        f"{', '.join(band['sources'])})"
        if band
        else " (no cited band for this chemistry and format)"
    )
    return (
        f"cell {pack['cell_wh_per_kg']:.0f} Wh/kg{cited}, {pack['cell_wh_per_l']:.0f} Wh/L; "
        f"pack {pack['pack_wh_per_kg']:.0f} Wh/kg, {pack['pack_wh_per_l']:.0f} Wh/L "
        "(volumes estimated)"
    )


def _print_footprint(r: Footprint) -> None:
    out.print(
        f"[bold]{r.design}[/]: {r.total_kgco2e_per_kwh:.1f} kg CO2e per {r.functional_unit}; "
        f"{r.total_kgco2e_per_pack:,.0f} kg CO2e per pack of {r.capacity_kwh:.1f} kWh"
    )
    out.print(_energy_line(r.pack))
    print_warnings(r.warnings)
    table = make_table("breakdown", "kg CO2e/kWh", "share")
    for key, value in r.stages.items():
        table.add_row(f"stage: {key}", f"{value:.2f}", f"{value / r.total_kgco2e_per_kwh:.0%}")
    for key, value in r.components.items():
        table.add_row(
            f"component: {COMPONENT_LABELS[key]}",
            f"{value:.2f}",
            f"{value / r.total_kgco2e_per_kwh:.0%}",
        )
    out.print(table)
    hot = make_table("process (hotspots)", "kg CO2e/kWh", title=None)
    for proc in r.processes[:8]:
        hot.add_row(proc["name"], f"{proc['kgco2e_per_kwh']:.2f}")
    out.print(hot)
    top = make_table("factor", "amount per kWh", "kg CO2e/kWh")
    for f in r.factors[:8]:
        top.add_row(f["id"], f"{f['amount']:.3g} {f['unit']}", f"{f['kgco2e_per_kwh']:.2f}")
    out.print(top)
    out.print(
        f"cells' share of the pack footprint: {r.cell_share:.0%}; primary data share: "
        f"{r.primary_share:.0%}; factors {r.factor_release}; rule set {r.rule_set}; "
        f"inputs digest {r.inputs_digest[:16]}…; batterycarbon {r.software_version}"
    )


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
    check_format(fmt, FORMATS)
    check_chart(chart)
    lib = library(factors)
    results = [footprint(load_design(d), lib) for d in bundled_design_ids()]
    stacked_components_chart(results, chart)
    if fmt == "json":
        print_json([r.to_dict() for r in results])
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
        table.add_row(
            r.design,
            f"{r.total_kgco2e_per_kwh:.1f}",
            f"{r.stages['raw_materials']:.1f}",
            f"{r.stages['production']:.1f}",
            f"{r.components['cathode']:.1f}",
            f"{r.cell_share:.0%}",
            f"{r.total_kgco2e_per_pack / 1000:.2f}",
        )
    out.print(table)
    print_warnings(f"{r.design}: {w}" for r in results for w in r.warnings)
    out.print(f"chart written to {chart}")


@app.command()
@user_errors
def rules() -> None:
    """List the accounting rule sets and what each accepts."""
    table = make_table(
        "rule set", "version", "status", "green power counted", "end of life", "recycled content"
    )
    for rule_set_id in rule_set_ids():
        r = load_rule_set(rule_set_id)
        table.add_row(
            r.id,
            r.version,
            r.status,
            ", ".join(r.accepted_green_contracts),
            r.end_of_life,
            r.recycled_content_method,
        )
    out.print(table)
