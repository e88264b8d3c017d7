"""Engine and session factory from a database URL.

``DATABASE_URL`` selects the database; without it the embedded default is a SQLite file in the
user's data directory (:func:`default_database_url` shows where). ``postgresql://`` URLs are
given the psycopg 3 driver. Nothing above ``store/`` builds an engine or writes SQL.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session, sessionmaker

DATABASE_FILE = "batterycarbon.sqlite3"


def default_database_path() -> Path:
    """Where the embedded SQLite database lives: ``<user data dir>/batterycarbon.sqlite3``."""
    return Path(user_data_dir("batterycarbon", appauthor=False)) / DATABASE_FILE


def default_database_url() -> str:
    return f"sqlite:///{default_database_path()}"


def database_url(url: str | None = None) -> str:
    """``url``, else ``$DATABASE_URL``, else the embedded SQLite default; driver made explicit."""
    chosen = url or os.environ.get("DATABASE_URL") or default_database_url()
    parsed = make_url(chosen)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def describe_url(url: str) -> str:
    """The URL with its password hidden, for printing at start-up."""
    return make_url(url).render_as_string(hide_password=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # Foreign keys are off by default in SQLite; WAL lets readers proceed during a write, and a
    # busy timeout makes a second writer wait instead of failing at once.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _unstorable_value(context: ExceptionContext) -> None:
    """A value the driver cannot even send is raised as :class:`~sqlalchemy.exc.DataError`,
    the error the database gives for a value it refuses, instead of the driver's own
    exception, which is no database error (SQLAlchemy would pass it on as it is: a 500). Two
    such values: an integer beyond 64 bits (SQLite's driver: ``OverflowError``; PostgreSQL's
    gives "integer out of range" itself) and a lone surrogate in a text (``UnicodeEncodeError``
    on both: it is no UTF-8). The API checks request text first (batterycarbon.text); this
    catches what reaches a statement by another way."""
    original = context.original_exception
    unstorable = isinstance(original, (OverflowError, UnicodeEncodeError))
    if unstorable and context.sqlalchemy_exception is None:
        raise DataError(context.statement, context.parameters, original) from original


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """An engine for ``url`` (see :func:`database_url`); creates the SQLite file's folder."""
    resolved = make_url(database_url(url))
    if resolved.get_backend_name() == "sqlite":
        if resolved.database and resolved.database != ":memory:":
            Path(resolved.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"check_same_thread": False})
        engine = create_engine(resolved, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        kwargs.setdefault("pool_pre_ping", True)
        engine = create_engine(resolved, **kwargs)
    event.listen(engine, "handle_error", _unstorable_value)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit (services return them as pydantic models)."""
    return sessionmaker(engine, expire_on_commit=False)
