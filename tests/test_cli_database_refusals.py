"""A refusal of the database in a CLI command is a clear message with exit status 2, as the API
answers it with 409 or 422 (store.refusals), never a traceback; nothing is stored.

Each refusal is a real one, on SQLite and PostgreSQL: a concurrent write that wins the race
between a command's check and its write (staged by writing from a second connection at the
moment the command sends its INSERT), and on PostgreSQL a text longer than its column.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from class_table_support import fixture_table
from sqlalchemy import Engine, event, func, select
from typer.testing import CliRunner

from batterycarbon.cli import app
from batterycarbon.store import ClassTableVersion, Organization, make_engine, session_factory

runner = CliRunner()


@pytest.fixture()
def database(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", db_url)
    return db_url


def _count(url: str, model: Any) -> int:
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        engine.dispose()


@pytest.fixture()
def rival_organization(database: str) -> Iterator[None]:
    """Another process registers the administration organization just before the command's
    own INSERT of it, after the command found the database empty."""
    done: list[bool] = []

    def rival(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if done or not statement.lstrip().upper().startswith("INSERT INTO ORGANIZATIONS"):
            return
        done.append(True)
        engine = make_engine(database)
        try:
            with session_factory(engine)() as other, other.begin():
                other.add(Organization(name="Platform administration", roles=["admin"]))
        finally:
            engine.dispose()

    event.listen(Engine, "before_cursor_execute", rival)
    try:
        yield
    finally:
        event.remove(Engine, "before_cursor_execute", rival)
    assert done, "the command never wrote an organization"


def test_a_concurrent_write_that_wins_is_a_message_not_a_traceback(
    database: str, rival_organization: None
) -> None:
    result = runner.invoke(app, ["admin", "create", "--username", "root"])
    assert result.exit_code == 2, (result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "error: the database refused the change: the request conflicts with a concurrent change" in " ".join(result.output.split())  # fmt: skip
    assert "Traceback" not in result.output
    assert _count(database, Organization) == 1  # the rival's, and none of the command's


def test_a_text_longer_than_its_column_is_a_message_not_a_traceback(
    database: str, tmp_path: Path
) -> None:
    if database.startswith("sqlite"):
        pytest.skip("SQLite does not enforce the length of a VARCHAR column")
    # The table model takes 200 characters; the column (class_tables.version) holds 50.
    long = tmp_path / "long-version.toml"
    long.write_bytes(fixture_table(version="v" * 60))
    result = runner.invoke(app, ["admin", "load-classes", str(long)])
    assert result.exit_code == 2, (result.output, result.exception)
    message = " ".join(result.output.split())
    assert "error: the database refused the change: a text is longer than the database column holds; nothing was stored" in message  # fmt: skip
    assert "v" * 60 not in message
    assert _count(database, ClassTableVersion) == 0
