"""Tests of published figures share the reproduction report's verdicts.

A figure the committed report (``docs/whitepaper-reproduction.md``) marks as missed is a known
miss: its test is a strict expected failure whose reason is the report's computed one, so the
day the model reproduces the figure the test fails and someone regenerates the report and looks.
The tolerance is the report's own (``reports.published_figures``: about, precise, about_percent).
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPORT = Path(__file__).parents[1] / "docs" / "whitepaper-reproduction.md"


def committed_rows() -> dict[str, dict[str, str]]:
    """key -> the committed report's cells by column name."""
    table: dict[str, dict[str, str]] = {}
    header: list[str] = []
    for line in REPORT.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.split("|")[1:-1]]
        if cells[:1] == ["key"]:
            header = cells
        elif header and len(cells) == len(header) and not cells[0].startswith("---"):
            table[cells[0]] = dict(zip(header, cells, strict=True))
    return table


def expect_report_verdict(request: pytest.FixtureRequest, key: str) -> None:
    """Mark the running test a strict expected failure if the report says ``key`` is missed."""
    cells = committed_rows()[key]
    if cells["within"] != "yes":
        reason = f"{key} is not reproduced (docs/whitepaper-reproduction.md): {cells['why not']}"
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
