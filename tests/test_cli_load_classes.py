"""batterycarbon admin load-classes FILE: loads a table (not active unless --activate), a
FIXTURE table is activated only with --confirm-fixture, a bad file names its field with exit 2
and stores nothing. The file is tests/compliance/fixture-classes.toml (invented boundaries)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy
from class_table_support import FIXTURE_FILE, fixture_table
from typer.testing import CliRunner

from batterycarbon.cli import app

runner = CliRunner()


@pytest.fixture()
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'classes.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def _rows(url: str) -> list[tuple[str, bool, str]]:
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            query = "SELECT version, is_active, loaded_by FROM class_tables ORDER BY version"
            return [(r[0], bool(r[1]), r[2]) for r in connection.execute(sqlalchemy.text(query))]
    finally:
        engine.dispose()


def test_load_then_activate_a_fixture_only_when_confirmed(database: str, tmp_path: Path) -> None:
    loaded = runner.invoke(app, ["admin", "load-classes", str(FIXTURE_FILE), "--format", "json"])
    assert loaded.exit_code == 0, loaded.output
    out = json.loads(loaded.stdout)
    assert (out["label"], out["is_active"], out["loaded_by"]) == ("test-fixture@1", False, "system")  # fmt: skip
    second = tmp_path / "fixture-2.toml"
    second.write_bytes(fixture_table("2"))
    refused = runner.invoke(app, ["admin", "load-classes", str(second), "--activate"])
    assert refused.exit_code == 2 and "--confirm-fixture" in refused.output
    assert _rows(database) == [("1", False, "system")]  # refused before anything is stored
    active = runner.invoke(app, ["admin", "load-classes", str(second), "--activate", "--confirm-fixture"])  # fmt: skip
    assert active.exit_code == 0, active.output
    assert "test-fixture@2" in active.output and "active" in active.output
    assert _rows(database) == [("1", False, "system"), ("2", True, "system")]


def test_a_bad_file_names_the_field_and_stores_nothing(database: str, tmp_path: Path) -> None:
    bad = tmp_path / "classes.toml"
    bad.write_bytes(
        fixture_table().replace(b'battery_category = "ev"', b'battery_category = "bus"')
    )
    result = runner.invoke(app, ["admin", "load-classes", str(bad)])
    assert result.exit_code == 2 and "battery_category:" in result.output
    assert runner.invoke(app, ["admin", "load-classes", str(tmp_path / "none.toml")]).exit_code == 2
    assert _rows(database) == []
