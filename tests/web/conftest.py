"""An application filled with the demo chain, one per test module and database: each web test
runs on SQLite and on PostgreSQL (``module_db_url`` in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from batterycarbon.api import create_app
from batterycarbon.api.settings import Settings
from batterycarbon.services.demo import DemoResult, load_demo_data
from batterycarbon.store import session_factory


@pytest.fixture(scope="module")
def demo_app(module_db_url: str) -> Iterator[tuple[FastAPI, DemoResult]]:
    settings = Settings(
        database_url=module_db_url, jwt_secret=SecretStr("web-test-signing-key-" + "x" * 32)
    )
    app = create_app(settings)
    with session_factory(app.state.engine)() as session:
        demo = load_demo_data(session)
    yield app, demo
    app.state.engine.dispose()
