"""``batterycarbon validate``: the default results beside published studies."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from batterycarbon.cli.common import (
    ReleaseOpt,
    check_format,
    one_of,
    out,
    print_json,
    user_errors,
)
from batterycarbon.factors import DEFAULT_RELEASE, library
from batterycarbon.reports.validation import comparisons, render_markdown, summary

app = typer.Typer()
VALIDATE_FORMATS = ("table", "json", "markdown")


@app.command()
@user_errors
def validate(
    factors: ReleaseOpt = DEFAULT_RELEASE,
    fmt: Annotated[str, typer.Option("--format", help=one_of(VALIDATE_FORMATS))] = "table",
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write the markdown report to this file.")
    ] = None,
) -> None:
    """Every bundled design, made in CN, DE, SE and US, beside the published studies of its
    chemistry and level (cell, pack, intermediate products); results outside a study's range
    are flagged."""
    check_format(fmt, VALIDATE_FORMATS)
    lib = library(factors)
    rows = comparisons(lib)
    if out_path is not None or fmt == "markdown":
        text = render_markdown(rows, lib.release_id)
        if out_path is None:
            typer.echo(text, nl=False)
            return
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_text(text, encoding="utf-8")
        out.print(f"{summary(rows)}; report written to {out_path}")
        return
    if fmt == "json":
        print_json(
            {
                "factor_release": lib.release_id,
                "summary": summary(rows),
                "comparisons": [
                    {
                        "design": r.design,
                        "region": r.region,
                        "level": r.level,
                        "product": r.product,
                        "model": r.model,
                        "study": r.study.id,
                        "study_year": r.study.year,
                        "study_region": r.study.region,
                        "low": r.study.low,
                        "high": r.study.high,
                        "boundary": r.study.boundary,
                        "inside": r.inside,
                        "deviation": r.deviation,
                        "input_not_evidence": r.input_not_evidence,
                        "checked": r.study.checked,
                    }
                    for r in rows
                ],
            }
        )
        return
    table = Table("design", "region", "level", "model", "study", "published", "verdict")
    for r in rows:
        s = r.study
        published = f"{s.low:g}" if s.low == s.high else f"{s.low:g}-{s.high:g}"
        verdict = r.verdict()
        style = "red" if r.inside is False else None
        level = f"{r.product}/kg" if r.product else r.level
        table.add_row(
            r.design,
            r.region,
            level,
            f"{r.model:.1f}",
            f"{s.id} ({s.year}, {s.region})",
            published,
            verdict,
            style=style,
        )
    out.print(table)
    out.print(summary(rows))
