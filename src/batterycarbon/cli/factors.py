"""Factor-library commands: releases, list, search, show, diff."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from batterycarbon.cli.common import (
    FORMATS,
    FormatOpt,
    ReleaseOpt,
    check_format,
    make_table,
    out,
    print_json,
    user_errors,
)
from batterycarbon.factors import (
    DEFAULT_RELEASE,
    Factor,
    FactorLibrary,
    bundled_release_ids,
    diff_releases,
    load_release,
)
from batterycarbon.factors.pedigree import pedigree_gsd

factors_app = typer.Typer(help="Browse the emission-factor library.", no_args_is_help=True)


@factors_app.command("releases")
@user_errors
def factors_releases() -> None:
    """List the bundled factor releases."""
    table = make_table("id", "published", "factors", "title")
    for rid in bundled_release_ids():
        rel = load_release(rid)
        mark = " (default)" if rid == DEFAULT_RELEASE else ""
        table.add_row(rid + mark, str(rel.published), str(len(rel.factors)), rel.title)
    out.print(table)


def _factor_table(rows: list[Any], title: str) -> Table:
    table = make_table(
        "id", "value", "unit", "region", "year", "DQR", "scope", "source", title=title
    )
    for f in rows:
        table.add_row(
            f.id,
            f"{f.value:.4g}",
            f.unit,
            f.region,
            str(f.year),
            f"{f.quality.dqr:.1f}",
            f.scope_term,
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
    check_format(fmt, FORMATS)
    rel = load_release(release)
    rows = [
        f
        for f in rel.factors.values()
        if (flow is None or f.flow == flow) and (region is None or f.region == region)
    ]
    rows = sorted(rows, key=lambda f: f.id)
    if fmt == "json":
        _print_factors_json(rows)
        return
    out.print(_factor_table(rows, f"{rel.id}: {len(rows)} factors"))


def _factor_json(f: Factor) -> dict[str, Any]:
    """A factor as JSON, with its scope (from its source; "not stated" where it has none)."""
    return f.model_dump(mode="json") | {"scope": f.scope, "scope_term": f.scope_term}


def _print_factors_json(rows: list[Factor]) -> None:
    print_json([_factor_json(f) for f in rows])


@factors_app.command("search")
@user_errors
def factors_search(
    text: Annotated[str, typer.Argument(help="Words to find in id, flow, name, region, year.")],
    release: ReleaseOpt = DEFAULT_RELEASE,
    fmt: FormatOpt = "table",
) -> None:
    """Search a release's factors."""
    check_format(fmt, FORMATS)
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
    check_format(fmt, FORMATS)
    f = FactorLibrary(load_release(release)).get(factor_id)
    if fmt == "json":
        sys.stdout.write(json.dumps(_factor_json(f), indent=2, ensure_ascii=False) + "\n")
        return
    table = make_table("field", "value", show_header=False)
    u = f.uncertainty
    if u is None:
        spread = f"lognormal, GSD {pedigree_gsd(f.quality):.3f} (pedigree, from the rating)"
    elif u.distribution == "lognormal":
        spread = f"lognormal, GSD {u.gsd}"
    elif u.distribution == "triangular":
        spread = f"triangular {u.minimum} / {u.mode} / {u.maximum}"
    else:
        spread = f"{u.distribution} {u.minimum} … {u.maximum}"
    for key, value in (
        ("id", f.id),
        ("name", f.name),
        ("value", f"{f.value:g} {f.unit}"),
        ("flow", f.flow),
        ("region", f.region),
        ("year", str(f.year)),
        ("scope", f.scope),
        ("source", f.source.citation),
        ("url", f.source.url or ""),
        ("licence", f.source.licence or ""),
        (
            "data quality",
            f"DQR {f.quality.dqr:.2f} (TeR {f.quality.technological}, GeR "
            f"{f.quality.geographical}, TiR {f.quality.time}, P {f.quality.precision})",
        ),
        ("uncertainty", spread),
        ("notes", f.notes),
        ("release", release),
    ):
        table.add_row(key, value)
    out.print(table)


@factors_app.command("diff")
@user_errors
def factors_diff(old: str, new: str, fmt: FormatOpt = "table") -> None:
    """Factors added, removed or changed between release OLD and release NEW."""
    check_format(fmt, FORMATS)
    changes = diff_releases(load_release(old), load_release(new))
    if fmt == "json":
        print_json([c.__dict__ | {"relative_change": c.relative_change} for c in changes])
        return
    table = make_table(
        "factor", "change", old, new, "unit", "Δ", title=f"{old} → {new}: {len(changes)} changes"
    )
    for c in changes:
        rel: float | None = c.relative_change
        table.add_row(
            c.factor_id,
            c.kind,
            _num(c.old_value),
            _num(c.new_value),
            c.unit,
            f"{rel:+.1%}" if rel is not None else "",
        )
    out.print(table)


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.4g}"
