"""The account commands as an operator runs them: change a password (asking for the current
one), disable, enable and sign out a user; each revokes what it should."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy
from typer.testing import CliRunner

from batterycarbon.cli import app

runner = CliRunner()


@pytest.fixture()
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, dict[str, str]]:
    url = f"sqlite:///{tmp_path / 'accounts.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    result = runner.invoke(app, ["demo-data", "--format", "json"])
    assert result.exit_code == 0, result.output
    return url, {a["username"]: a["password"] for a in json.loads(result.stdout)["accounts"]}


def _account(url: str, username: str) -> tuple[bool, int]:
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            row = connection.execute(sqlalchemy.text("SELECT is_active, credentials_version FROM users WHERE username = :u"), {"u": username}).one()  # fmt: skip
    finally:
        engine.dispose()
    return bool(row[0]), int(row[1])


def test_admin_password_asks_for_the_current_one_and_applies_the_policy(demo: tuple[str, dict[str, str]]) -> None:  # fmt: skip
    url, passwords = demo
    old, new = passwords["cam"], "nine cathodes on the night shift"
    wrong = runner.invoke(app, ["admin", "password", "cam"], input=f"not it\n{new}\n{new}\n")
    assert wrong.exit_code == 2 and "wrong username or password" in wrong.output
    weak = runner.invoke(app, ["admin", "password", "cam"], input=f"{old}\ncam cam cam cam\ncam cam cam cam\n")  # fmt: skip
    assert weak.exit_code == 2 and "new_password: must not contain the username" in weak.output
    assert _account(url, "cam") == (True, 0)  # nothing changed
    changed = runner.invoke(app, ["admin", "password", "cam"], input=f"{old}\n{new}\n{new}\n")
    assert changed.exit_code == 0, changed.output
    assert old not in changed.output and new not in changed.output  # the prompts hide them
    assert _account(url, "cam") == (True, 1)
    again = runner.invoke(app, ["admin", "password", "cam"], input=f"{new}\n{old}\n{old}\n")
    assert again.exit_code == 0, again.output  # the new one is now the current one


def test_admin_disable_enable_and_sign_out(demo: tuple[str, dict[str, str]]) -> None:
    url, _ = demo
    assert runner.invoke(app, ["admin", "disable", "oem"]).exit_code == 0
    assert _account(url, "oem") == (False, 1)
    assert runner.invoke(app, ["admin", "enable", "oem"]).exit_code == 0
    assert _account(url, "oem") == (True, 1)  # enabling restores no revoked sign-in
    assert runner.invoke(app, ["admin", "sign-out", "oem"]).exit_code == 0
    assert _account(url, "oem") == (True, 2)
    unknown = runner.invoke(app, ["admin", "disable", "nobody"])
    assert unknown.exit_code == 2 and "username: no user 'nobody'" in unknown.output
