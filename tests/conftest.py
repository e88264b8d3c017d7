"""Shared fixtures.

Bundled libraries are immutable, so one instance per session is enough. Database fixtures: a
test that asks for ``db_url``, ``engine`` or ``session`` runs on SQLite and on a fresh
PostgreSQL database created for this test session and dropped after; a module-scoped fixture
that asks for ``module_db_url`` (the web tests' demo application, the permission matrix) gets
a database of its own on each. When the PostgreSQL server does not answer, the PostgreSQL half
skips with the reason, or fails in CI (``dependency_support``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2.profiles import CHEAPEST
from dependency_support import require_postgres
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from batterycarbon.factors import DEFAULT_RELEASE, FactorLibrary, library
from batterycarbon.services.security import use_hash_parameters
from batterycarbon.store import make_engine, session_factory
from batterycarbon.store.testing import migrated_database, temporary_postgres_database


@pytest.fixture(scope="session")
def whitepaper() -> FactorLibrary:
    return library("whitepaper-2023")


@pytest.fixture(scope="session")
def open_library() -> FactorLibrary:
    return library(DEFAULT_RELEASE)


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> None:
    """Argon2's cheapest profile: the tests are about permissions, not hash strength."""
    use_hash_parameters(CHEAPEST)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    require_postgres()
    with temporary_postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    postgres = (
        request.getfixturevalue("postgres_database") if request.param == "postgresql" else None
    )
    return migrated_database(request.param, str(tmp_path_factory.mktemp("db")), postgres)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database for one test module: a SQLite file, or a PostgreSQL database of its
    own (not the session's, which ``db_url`` empties before each test)."""
    if request.param == "sqlite":
        yield migrated_database("sqlite", str(tmp_path_factory.mktemp("db")))
        return
    require_postgres()
    with temporary_postgres_database("batterycarbon_module") as url:
        yield migrated_database("postgresql", "", url)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_factory(engine)() as session:
        yield session
