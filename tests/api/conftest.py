"""Fixtures of these tests on top of the database fixtures of tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_support import ADMIN_PASSWORD
from fastapi.testclient import TestClient
from pydantic import SecretStr

from batterycarbon.api import create_app
from batterycarbon.api.settings import Settings
from batterycarbon.services.accounts import bootstrap_admin
from batterycarbon.store import session_factory


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    # TestClient's requests name the host "testserver": passports issued here point to it.
    settings = Settings(
        database_url=db_url,
        jwt_secret=SecretStr("test-signing-key-" + "x" * 32),
        allowed_hosts=["testserver"],
    )
    app = create_app(settings)
    with session_factory(app.state.engine)() as session:
        bootstrap_admin(session, "root", ADMIN_PASSWORD)
    with TestClient(app) as test_client:
        yield test_client
    app.state.engine.dispose()
