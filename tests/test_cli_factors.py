"""The factor-library commands as a user runs them."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from batterycarbon.cli import app
from batterycarbon.factors import DEFAULT_RELEASE

runner = CliRunner()


def output(result) -> str:  # stdout and stderr, whichever Click keeps
    return result.output + (getattr(result, "stderr", "") or "")


def test_releases_list_and_search():
    result = runner.invoke(app, ["factors", "releases"])
    assert result.exit_code == 0 and f"{DEFAULT_RELEASE} (default)" in result.output
    result = runner.invoke(
        app,
        [
            "factors",
            "list",
            "--release",
            "whitepaper-2023",
            "--flow",
            "electricity_grid",
            "--format",
            "json",
        ],
    )
    ids = {f["id"] for f in json.loads(result.stdout)}
    assert result.exit_code == 0 and "electricity_grid:CN:2021" in ids
    assert all(i.startswith("electricity_grid:") for i in ids)
    result = runner.invoke(
        app,
        ["factors", "search", "graphite CN", "--release", "whitepaper-2023", "--format", "json"],
    )
    ids = {f["id"] for f in json.loads(result.stdout)}
    assert result.exit_code == 0 and "graphite_synthetic:CN:2022" in ids
    assert all("graphite" in i for i in ids)


def test_show_gives_provenance_and_json():
    result = runner.invoke(
        app, ["factors", "show", "graphite_synthetic:CN:2022", "--release", "whitepaper-2023"]
    )
    assert result.exit_code == 0
    assert "6.05" in result.output and "fig. 14" in result.output
    result = runner.invoke(
        app,
        [
            "factors",
            "show",
            "graphite_synthetic:CN:2022",
            "--release",
            "whitepaper-2023",
            "--format",
            "json",
        ],
    )
    data = json.loads(result.stdout)
    assert data["value"] == 6.05 and data["source"]["citation"].startswith("UN Global Compact")
    assert data["quality"]["technological"] in range(1, 6)


def test_unknown_factor_id_exits_2_with_suggestions():
    result = runner.invoke(
        app, ["factors", "show", "graphite_synthetic:CN:1999", "--release", "whitepaper-2023"]
    )
    assert result.exit_code == 2
    assert "does not exist" in output(result) and "graphite_synthetic:CN:2022" in output(result)


def test_diff_between_releases():
    result = runner.invoke(
        app, ["factors", "diff", "whitepaper-2023", "open-2024.1", "--format", "json"]
    )
    assert result.exit_code == 0
    changes = json.loads(result.stdout)
    assert any(c["kind"] == "added" for c in changes)
    assert all({"factor_id", "kind", "old_value", "new_value", "unit"} <= set(c) for c in changes)
