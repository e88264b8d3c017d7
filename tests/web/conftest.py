"""An application on a SQLite database filled with the demo chain (one per test module)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from batterycarbon.api import create_app
from batterycarbon.api.settings import Settings
from batterycarbon.services.demo import DemoResult, load_demo_data
from batterycarbon.store import session_factory
from batterycarbon.store.testing import migrated_database


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, DemoResult]]:
    url = migrated_database("sqlite", str(tmp_path_factory.mktemp("webdb")))
    settings = Settings(database_url=url, jwt_secret=SecretStr("web-test-signing-key-" + "x" * 32))
    app = create_app(settings)
    with session_factory(app.state.engine)() as session:
        demo = load_demo_data(session)
    yield app, demo
    app.state.engine.dispose()
