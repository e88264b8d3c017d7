"""Every CLI command that prints a footprint prints the fallbacks behind it as ``warning:``
lines and carries them in its JSON (issue 13 §2): a design with its cell plant in Iceland,
which has no grid factor of its own in open-2024.1, was printed by trend, pathway, sweep,
compare, uncertainty, eol and overview with the global grid and no word about it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from batterycarbon.battery import bundled_design_ids
from batterycarbon.battery.design import DESIGNS_DIR
from batterycarbon.cli import app
from batterycarbon.factors import DEFAULT_RELEASE

runner = CliRunner()
ICELAND_GRID = f"electricity_grid: no factor for IS in {DEFAULT_RELEASE}; used GLO (global average)"
COMMANDS = {
    "trend": ["--years", "2022:2023"],
    "pathway": ["--step", "green=green-cell"],
    "sweep": ["--vary", "green.cell=0,1"],
    "compare": ["ncm811-prismatic", "--runs", "20"],
    "uncertainty": ["--runs", "20"],
    "eol": [],
}


@pytest.fixture(scope="module")
def iceland(tmp_path_factory: pytest.TempPathFactory) -> str:
    data = yaml.safe_load((DESIGNS_DIR / "ncm811-prismatic.yaml").read_text())
    data["plants"] = {**data["plants"], "cell": "IS"}
    path = tmp_path_factory.mktemp("designs") / "iceland.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def _warning_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("warning:")]


@pytest.mark.parametrize("command", list(COMMANDS))
def test_table_output_prints_each_fallback_once(iceland: str, command: str) -> None:
    result = runner.invoke(app, [command, iceland, *COMMANDS[command]])
    assert result.exit_code == 0, result.output
    lines = _warning_lines(result.output)
    assert sum(ICELAND_GRID in line for line in lines) == 1, result.output
    assert len(lines) == len(set(lines))


@pytest.mark.parametrize("command", list(COMMANDS))
def test_json_output_carries_the_fallbacks(iceland: str, command: str) -> None:
    result = runner.invoke(app, [command, iceland, *COMMANDS[command], "--format", "json"])
    assert result.exit_code == 0, result.output
    assert ICELAND_GRID in json.dumps(json.loads(result.output))


def test_overview_names_the_design_of_each_warning(tmp_path: Path) -> None:
    result = runner.invoke(app, ["overview", "--chart", str(tmp_path / "chart.png")])
    lines = _warning_lines(result.output)
    # Each warning line names its design; the NCM111 reference cell is lighter than the cited
    # band of commercial NCM111 prismatic cells, so there is at least that one.
    assert lines and all(
        any(line.startswith(f"warning: {d}: ") for d in bundled_design_ids()) for line in lines
    )
    assert any(line.startswith("warning: ncm111-prismatic: cell specific energy") for line in lines)


def test_trend_names_years_past_the_grid_factors() -> None:
    result = runner.invoke(
        app,
        ["trend", "ncm811-prismatic", "--grid", "KR", "--years", "2023:2025", "--format", "json"],
    )
    years = {row["year"]: row["warnings"] for row in json.loads(result.output)["years"]}
    assert "electricity_grid KR: asked 2025, latest factor 2023" in years[2025]
    assert not any("electricity_grid KR" in w for w in years[2023])
