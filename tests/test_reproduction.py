"""The white-paper reproduction report: kinds of evidence, computed reasons, one set of tolerances.

Each row has a kind that the data give, not the result: ``fitted`` when a factor of the release
was set to reproduce the figure (``release.toml``'s ``[[fitted]]``), ``calibrated`` when a model
parameter was back-calculated from it, ``given`` when the row checks the paper's own input,
``independent`` otherwise. Only independent rows are evidence, and the headline counts them apart.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from reproduction_support import REPORT, committed_rows
from typer.testing import CliRunner

from batterycarbon.cli import app
from batterycarbon.factors import library
from batterycarbon.recycling import load_grading, load_routes
from batterycarbon.reports.published_figures import (
    KINDS,
    Row,
    about,
    about_percent,
    figure_row,
    fmt_value,
    headline,
    precise,
    render_markdown,
)
from batterycarbon.reports.reproduction import reproduction_rows


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    return reproduction_rows()


def test_the_committed_report_is_the_one_the_code_writes(rows: list[Row]):
    committed = committed_rows()
    fresh = {row.key: row for row in rows}
    assert set(committed) == set(fresh), "regenerate: batterycarbon reproduce whitepaper"
    for key, cells in committed.items():
        assert cells["kind"] == fresh[key].kind, key
        if cells["within"] == "yes":
            assert fresh[key].within, (key, fresh[key])
    assert headline(rows) in REPORT.read_text(encoding="utf-8")


@pytest.mark.parametrize("doc", ["README.md", "docs/validation.md"])
def test_the_docs_state_the_reports_independent_count(rows: list[Row], doc: str):
    text = " ".join((REPORT.parents[1] / doc).read_text(encoding="utf-8").split())
    assert headline(rows).partition(";")[0] in text.replace("**", "")


def test_a_row_is_fitted_exactly_when_a_factor_of_the_release_was_fitted_to_it(rows: list[Row]):
    release = library("whitepaper-2023").release
    marked = {key for fit in release.fitted for key in fit.figures}
    keys = {row.key for row in rows}
    assert marked <= keys, f"[[fitted]] names figures the report lacks: {marked - keys}"
    assert {row.key for row in rows if row.kind == "fitted"} == marked
    for row in rows:
        if row.kind == "fitted":
            fits = [fit for fit in release.fitted if row.key in fit.figures]
            assert all(factor in row.basis for fit in fits for factor in fit.factors), row


def test_recycling_rows_are_calibrated_where_the_route_data_say_so(rows: list[Row]):
    by_key = {row.key: row for row in rows}
    for route_id, route in load_routes().routes.items():
        row = by_key.get(f"recycling-{route_id}")
        if row is None:
            continue
        assert route.electricity is not None
        calibrated = route.electricity.status == "calibrated"
        assert (row.kind == "calibrated") == calibrated, row
        if calibrated:
            assert f"{route.electricity.kwh_per_kg:g} kWh" in row.basis, row.basis


def test_grading_rows_check_the_papers_own_bands(rows: list[Row]):
    grading = load_grading()
    from_paper = {g.name for g in grading.grades if "White paper" in grading.sources[g.source]}
    grade_rows = [row for row in rows if row.key.startswith("grade-")]
    assert grade_rows
    for row in grade_rows:
        named = next(name for name in from_paper if name in row.figure)
        assert row.kind == "given" and named in row.basis, row


def test_every_row_says_why_it_is_its_kind(rows: list[Row]):
    assert {row.kind for row in rows} <= set(KINDS)
    for row in rows:
        if row.kind != "independent":
            assert row.basis.startswith(f"{row.kind}: ") and len(row.basis) > 40, row


def test_the_headline_counts_independent_figures_apart(rows: list[Row]):
    computed = [row for row in rows if row.within is not None]
    independent = [row for row in computed if row.kind == "independent"]
    inside = sum(1 for row in independent if row.within)
    others = len(computed) - len(independent)
    assert 0 < len(independent) < len(computed)
    text = headline(rows)
    assert text.startswith(
        f"{inside} of {len(independent)} independent figures within tolerance; "
        f"{others} calibrated/fitted/given (not evidence"
    ), text
    assert f"**{text}**" in render_markdown(rows)


def test_each_reason_is_computed_from_its_own_row(rows: list[Row]):
    """Every computed row says why it lands where it does, in words quoting its own value; no two
    rows share a reason."""
    whys = [row.why for row in rows]
    assert len(set(whys)) == len(whys), [w for w in whys if whys.count(w) > 1]
    for row in rows:
        assert len(row.why) > 30, row.key
        if row.system is not None and not row.unit.startswith("1 ="):
            assert fmt_value(row.system, row.unit) in row.why, (row.key, row.why)


def test_tolerance_rules_follow_the_papers_precision():
    assert about(60) == (54.0, 66.0)
    assert precise(29.4) == (29.4 * 0.95, 29.4 * 1.05)
    low, high = about_percent(-0.04)
    assert (round(low, 3), round(high, 3)) == (-0.065, -0.015)  # 2.5 points is wider than 10 %
    low, high = about_percent(-0.582)
    assert round(high - low, 4) == round(2 * 0.0582, 4)  # 10 % is wider than 2.5 points


def test_the_command_prints_the_headline_and_writes_the_report(tmp_path: Path, rows: list[Row]):
    out = tmp_path / "report.md"
    result = CliRunner().invoke(app, ["reproduce", "whitepaper", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert headline(rows) in " ".join(result.output.split())  # the console wraps long lines
    assert out.read_text(encoding="utf-8").startswith("# The white paper reproduced")


def test_a_row_refuses_a_value_that_is_not_a_finite_number():
    with pytest.raises(ValueError, match="fig16: the value nan"):
        figure_row("fig16", "f", "5.1", "about -30 %", float("nan"), (-0.33, -0.27), "change", "r")
