"""Server tuning settings reach the engine's pool and the request thread pool; the server's app
freezes its start-up heap."""

from __future__ import annotations

import gc
from pathlib import Path

import anyio.to_thread
from fastapi.testclient import TestClient
from pydantic import SecretStr
from typer.testing import CliRunner

from batterycarbon.api import create_app
from batterycarbon.api.app import create_server_app, handler_threads
from batterycarbon.api.settings import Settings
from batterycarbon.cli import app as cli


def test_pool_and_threadpool_sizes(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/tuning.sqlite3", jwt_secret=SecretStr("k" * 40),
        db_pool_size=7, db_max_overflow=2, threadpool_size=3,
    )  # fmt: skip
    app = create_app(settings)
    try:
        assert app.state.engine.pool.size() == 7
        assert app.state.engine.pool._max_overflow == 2
        with TestClient(app) as client:
            assert client.portal is not None
            tokens = client.portal.call(lambda: anyio.to_thread.current_default_thread_limiter().total_tokens)  # fmt: skip
            assert tokens == 3
            assert client.get("/health").status_code == 200
    finally:
        app.state.engine.dispose()


def test_default_threads_and_the_server_app_freezes_its_heap(tmp_path: Path) -> None:  # fmt: skip
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/defaults.sqlite3", jwt_secret=SecretStr("k" * 40),
        db_pool_size=6,
    )  # fmt: skip
    assert settings.threadpool_size is None
    frozen_before = gc.get_freeze_count()
    app = create_server_app(settings)
    try:
        # Everything alive once the app is built leaves the collector's generations.
        assert gc.get_freeze_count() > frozen_before
        with TestClient(app) as client:
            assert client.portal is not None
            tokens = client.portal.call(lambda: anyio.to_thread.current_default_thread_limiter().total_tokens)  # fmt: skip
            assert tokens == 2  # SQLite: one writer at a time (a server database: the pool)
            assert client.get("/health").status_code == 200
    finally:
        app.state.engine.dispose()
        gc.unfreeze()  # the test process goes on building apps


def test_a_bad_environment_variable_is_named_and_nothing_starts(tmp_path: Path) -> None:
    environment = {
        "DATABASE_URL": f"sqlite:///{tmp_path}/never.sqlite3", "XDG_DATA_HOME": str(tmp_path),
        "BATTERYCARBON_JOB_LEASE_SECONDS": "0", "BATTERYCARBON_THREADPOOL_SIZE": "many",
        "BATTERYCARBON_PUBLIC_BASE_URL": "ftp://" + "x" * 100_000,
    }  # fmt: skip
    result = CliRunner().invoke(cli, ["serve", "--port", "8999"], env=environment)
    assert result.exit_code == 2, result.output
    assert "BATTERYCARBON_JOB_LEASE_SECONDS: Input should be greater than or equal to 1 (got '0')" in result.output  # fmt: skip
    assert "BATTERYCARBON_THREADPOOL_SIZE: Input should be a valid integer" in result.output
    assert "BATTERYCARBON_PUBLIC_BASE_URL: String should match pattern" in result.output
    assert "(length 100006)" in result.output and len(result.output) < 3_000  # an excerpt only
    assert "Traceback" not in result.output
    assert not (tmp_path / "never.sqlite3").exists()  # refused before migrating anything


def test_handler_threads_by_database() -> None:
    assert handler_threads(Settings(db_pool_size=6), "postgresql") == 6  # one per connection
    assert handler_threads(Settings(db_pool_size=6), "sqlite") == 2  # one writer at a time
    assert handler_threads(Settings(db_pool_size=6, threadpool_size=9), "sqlite") == 9
    assert handler_threads(Settings(threadpool_size=3), "postgresql") == 3
