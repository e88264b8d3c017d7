"""Every command's ``--format`` help names exactly the formats it accepts: it said "table, json
or csv" for every command, while only ``footprint`` writes CSV (``demo-data --format csv`` was
refused with the help promising it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from batterycarbon.cli import app

runner = CliRunner()


def _format_helps() -> dict[str, str]:
    """Command path -> help of its --format option, for every command that has one."""
    helps: dict[str, str] = {}

    # Typer builds its commands with a click of its own (typer._click): read them by attribute.
    def walk(command: Any, path: str) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}".strip())
        for param in command.params:
            if "--format" in getattr(param, "opts", ()):
                helps[path] = param.help or ""

    walk(typer.main.get_command(app), "")
    return helps


def test_only_the_footprint_command_offers_csv() -> None:
    helps = _format_helps()
    assert helps["demo-data"] == "table or json."
    assert helps["footprint"] == "table, json or csv."
    assert {path for path, text in helps.items() if "csv" in text} == {"footprint"}
    assert helps["validate"] == "table, json or markdown."
    assert set(helps.values()) == {
        "table or json.",
        "table, json or csv.",
        "table, json or markdown.",
    }


def test_demo_data_refuses_csv_as_its_help_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    refused = runner.invoke(app, ["demo-data", "--format", "csv"])
    assert refused.exit_code == 2 and "expected one of table, json" in refused.output
    assert not (tmp_path / "demo.sqlite3").exists()  # refused before the database is opened


def test_footprint_writes_csv_as_its_help_says() -> None:
    result = runner.invoke(app, ["footprint", "ncm811-prismatic", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].count(",") >= 1
