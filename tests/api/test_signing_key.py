"""The key signing tokens and web sessions: shorter than 32 bytes (empty included) and the
server refuses to start, naming where the key came from and never repeating it."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from batterycarbon.api import create_app
from batterycarbon.api.settings import Settings
from batterycarbon.api.tokens import MIN_SIGNING_KEY_BYTES
from batterycarbon.cli import app as cli
from batterycarbon.errors import InputError


@pytest.mark.parametrize("secret", ["", "short-but-not-empty", "k" * (MIN_SIGNING_KEY_BYTES - 1)])
def test_create_app_refuses_a_short_secret_before_migrating(tmp_path: Path, secret: str) -> None:
    database = tmp_path / "never.sqlite3"
    settings = Settings(database_url=f"sqlite:///{database}", jwt_secret=SecretStr(secret))
    with pytest.raises(InputError) as refused:
        create_app(settings)
    problem = refused.value.problems[0]
    assert problem.startswith(f"BATTERYCARBON_JWT_SECRET: holds {len(secret)} bytes; expected")
    assert secret == "" or secret not in str(refused.value)
    assert not database.exists()


def test_a_key_of_32_bytes_is_accepted_and_bytes_are_counted_not_characters() -> None:
    assert Settings(jwt_secret=SecretStr("k" * MIN_SIGNING_KEY_BYTES)).signing_key()
    # 16 characters of 2 bytes each: 32 bytes of key material.
    assert Settings(jwt_secret=SecretStr("é" * 16)).signing_key() == "é" * 16
    with pytest.raises(InputError):
        Settings(jwt_secret=SecretStr("é" * 15 + "k")).signing_key()


def test_a_truncated_generated_key_file_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.delenv("BATTERYCARBON_JWT_SECRET", raising=False)
    generated = Settings().signing_key()  # made on first use: 64 URL-safe characters
    assert len(generated) >= MIN_SIGNING_KEY_BYTES
    key_file = next(tmp_path.rglob("jwt-secret"))
    key_file.write_text("abc")
    with pytest.raises(InputError) as refused:
        Settings().signing_key()
    assert refused.value.problems[0].startswith(f"{key_file}: holds 3 bytes")


def test_serve_exits_2_naming_the_variable(tmp_path: Path) -> None:
    environment = {
        "DATABASE_URL": f"sqlite:///{tmp_path}/never.sqlite3",
        "XDG_DATA_HOME": str(tmp_path),
        "BATTERYCARBON_JWT_SECRET": "",
    }
    result = CliRunner().invoke(cli, ["serve", "--port", "8999"], env=environment)
    assert result.exit_code == 2, result.output
    assert "BATTERYCARBON_JWT_SECRET: holds 0 bytes" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "never.sqlite3").exists()
