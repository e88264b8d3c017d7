"""Throw-away databases for tests and CI: a SQLite file, or a fresh PostgreSQL database.

``temporary_postgres_database()`` creates a uniquely named database on the server named by
``$BATTERYCARBON_TEST_PG`` (default: the local server at 127.0.0.1:5432 as user postgres),
yields its URL and drops it afterwards. :func:`postgres_unavailable` says why it cannot be used:
the tests skip with that reason on a developer's machine and fail with it in CI
(tests/dependency_support.py).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from batterycarbon.store.audit_anchor import remove_anchor

DEFAULT_SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def server_url() -> URL:
    """The maintenance database URL of the test server."""
    url = make_url(os.environ.get("BATTERYCARBON_TEST_PG", DEFAULT_SERVER_URL))
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def postgres_unavailable() -> str | None:
    """``None`` if the test server answers, else why not (host, port and the error)."""
    url = server_url()
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to connect is a reason, shown by the skip or failure
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"PostgreSQL at {url.host}:{url.port} unreachable: {first_line}"
    finally:
        engine.dispose()
    return None


@contextmanager
def temporary_postgres_database(prefix: str = "batterycarbon_test") -> Iterator[str]:
    """Create a fresh database, yield its URL (password included), drop it on exit."""
    admin = create_engine(server_url(), isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield server_url().set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        remove_anchor(server_url().set(database=name))


def reset_postgres_schema(url: str) -> None:
    """Empty a test database completely (tables, triggers, functions) for the next test."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
    remove_anchor(url)  # the chain starts again: its old head would read as deleted events


def migrated_database(backend: str, folder: str, postgres_url: str | None = None) -> str:
    """URL of an empty, fully migrated database: a new SQLite file in ``folder``, or the
    PostgreSQL test database ``postgres_url`` emptied first."""
    from batterycarbon.store.migrate import upgrade

    if backend == "sqlite":
        url = f"sqlite:///{folder}/batterycarbon-test.sqlite3"
    elif postgres_url is not None:
        reset_postgres_schema(postgres_url)
        url = postgres_url
    else:
        raise ValueError("backend 'postgresql' needs postgres_url")
    upgrade(url)
    return url
