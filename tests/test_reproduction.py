"""The committed white-paper reproduction report stays true: a row within tolerance stays within."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from batterycarbon.cli import app
from batterycarbon.reports.reproduction import about, about_percent, precise, reproduction_rows

REPORT = Path(__file__).parents[1] / "docs" / "whitepaper-reproduction.md"


def committed_rows() -> dict[str, str]:
    """key -> 'yes' | '**no**' | 'n/a' from the committed report's table."""
    rows = {}
    for line in REPORT.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.split("|")[1:-1]]
        if len(cells) == 8 and cells[0] not in ("key", "---"):
            rows[cells[0]] = cells[6]
    return rows


def test_every_row_within_tolerance_in_the_committed_report_still_is():
    committed = committed_rows()
    fresh = {row.key: row for row in reproduction_rows()}
    assert set(committed) == set(fresh), "regenerate: batterycarbon reproduce whitepaper"
    for key, within in committed.items():
        if within == "yes":
            assert fresh[key].within, (key, fresh[key])


def test_every_row_outside_tolerance_says_why():
    for row in reproduction_rows():
        if row.within is not True:
            assert len(row.why) > 30, row.key


def test_tolerance_rules_follow_the_papers_precision():
    assert about(60) == (54.0, 66.0)
    assert precise(29.4) == (29.4 * 0.95, 29.4 * 1.05)
    low, high = about_percent(-0.04)
    assert (round(low, 3), round(high, 3)) == (-0.065, -0.015)  # 2.5 points is wider than 10 %
    low, high = about_percent(-0.582)
    assert round(high - low, 4) == round(2 * 0.0582, 4)  # 10 % is wider than 2.5 points


def test_the_command_writes_the_report(tmp_path: Path):
    out = tmp_path / "report.md"
    result = CliRunner().invoke(app, ["reproduce", "whitepaper", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "within tolerance" in result.output
    assert out.read_text(encoding="utf-8").startswith("# The white paper reproduced")
