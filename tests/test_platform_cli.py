"""The platform commands as an operator runs them: migrate, demo data, audit verify."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy
from typer.testing import CliRunner

from batterycarbon.cli import app

runner = CliRunner()


@pytest.fixture()
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'platform.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def test_upgrade_demo_data_and_audit_verify(database: str):
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["demo-data", "--format", "json"])
    assert result.exit_code == 0, result.output
    accounts = json.loads(result.stdout)["accounts"]
    roles = {a["role"] for a in accounts}
    assert {"supplier", "manufacturer", "verifier", "regulator"} <= roles
    assert len({a["password"] for a in accounts}) == len(accounts)  # generated, never fixed
    again = runner.invoke(app, ["demo-data"])
    assert again.exit_code == 2  # an existing chain is never overwritten
    verified = runner.invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0 and "audit chain intact" in verified.output


def test_audit_verify_names_the_tampered_event(database: str):
    assert runner.invoke(app, ["demo-data", "--format", "json"]).exit_code == 0
    engine = sqlalchemy.create_engine(database)
    pick = sqlalchemy.text("SELECT seq FROM audit_events ORDER BY seq LIMIT 1 OFFSET 5")
    edit = sqlalchemy.text("UPDATE audit_events SET content = content || ' ' WHERE seq = :seq")
    with engine.begin() as connection:
        seq = connection.execute(pick).scalar_one()
        connection.execute(sqlalchemy.text("DROP TRIGGER audit_events_no_update"))
        connection.execute(edit, {"seq": seq})
    engine.dispose()
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert f"audit chain broken at event {seq}" in result.output + (result.stderr or "")
