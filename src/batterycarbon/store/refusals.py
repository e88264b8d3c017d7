"""Why the database refused a statement: a concurrent change, or data it cannot store.

The services check what they can before they write (a name already taken, a record that does
not exist), so a refusal of the database itself has one of two causes, which a client must
tell apart:

- ``conflict``: a unique or primary-key constraint failed. Another transaction stored the same
  key between this request's check and its write; nothing was stored, and the same request
  sent again meets the state the other one left (which the service then answers properly).
- ``invalid``: a NOT NULL, foreign-key or CHECK constraint failed, or a value does not fit its
  column (a number out of range, a text too long or holding a NUL character). Sending the
  same request again fails the same way: the input must change.

:func:`refusal_of` reads the cause from the driver's error: PostgreSQL's SQLSTATE code and
diagnostics (psycopg), SQLite's extended result code name (Python 3.11's ``sqlite_errorname``)
and message. It never repeats a value from the statement, only column and constraint names.

References
----------
PostgreSQL 16 documentation, Appendix A (error codes: class 22 data exception, class 23
integrity constraint violation). SQLite, Result and Error Codes (extended result codes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError

#: SQLite's extended result codes of a uniqueness failure.
SQLITE_UNIQUE = ("SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY")
#: PostgreSQL's SQLSTATE of a uniqueness failure (unique_violation).
PG_UNIQUE = "23505"
#: ``NOT NULL constraint failed: table.column`` (SQLite) -> the column.
SQLITE_COLUMN = re.compile(r"constraint failed: (?:\w+\.)?(\w+)")
#: ``Key (column)=(...)`` in PostgreSQL's detail of a foreign-key failure -> the column.
PG_KEY_COLUMN = re.compile(r"Key \((\w+)\)")
DATA_MESSAGES = {
    "22003": "a number is outside the range the database stores",
    "22001": "a text is longer than the database column holds",
    "22021": "a text holds a character that is no Unicode text (a lone surrogate)",
}
NOT_STORED = "nothing was stored"


@dataclass(frozen=True)
class Refusal:
    """``kind``: ``conflict`` (a concurrent write won; the request may be sent again) or
    ``invalid`` (the data cannot be stored; it must change); ``field``: the column or
    constraint at fault when the database names one."""

    kind: Literal["conflict", "invalid"]
    field: str | None
    message: str


def _sqlite_name(error: BaseException) -> str:
    return str(getattr(error, "sqlite_errorname", "") or "")


def _diagnostic(error: BaseException, name: str) -> str | None:
    diag = getattr(error, "diag", None)
    value = getattr(diag, name, None) if diag is not None else None
    return str(value) if value else None


def _integrity(error: BaseException) -> Refusal:
    sqlstate = getattr(error, "sqlstate", None)
    sqlite = _sqlite_name(error)
    if sqlstate == PG_UNIQUE or sqlite in SQLITE_UNIQUE:
        constraint = _diagnostic(error, "constraint_name")
        what = f" (constraint {constraint})" if constraint else ""
        message = f"the request conflicts with a concurrent change{what}; {NOT_STORED}"
        return Refusal("conflict", None, f"{message}: send it again to get the current state")
    column = _diagnostic(error, "column_name")
    if column is None and sqlite:
        match = SQLITE_COLUMN.search(str(error))
        column = match.group(1) if match else None
    if column is None:
        match = PG_KEY_COLUMN.search(_diagnostic(error, "message_detail") or "")
        column = match.group(1) if match else _diagnostic(error, "constraint_name")
    if sqlstate == "23502" or sqlite == "SQLITE_CONSTRAINT_NOTNULL":
        # SQLite stores a NaN as NULL: a missing value and a number that is none look alike.
        problem = "required, but it has no value (missing, or not a number, such as NaN)"
    elif sqlstate == "23503" or sqlite == "SQLITE_CONSTRAINT_FOREIGNKEY":
        problem = "refers to a record that does not exist"
    elif sqlstate == "23514" or sqlite == "SQLITE_CONSTRAINT_CHECK":
        problem = "a value the database's constraint does not accept"
    else:
        problem = "refused by a database constraint"
    prefix = f"{column}: " if column else ""
    return Refusal("invalid", column, f"{prefix}{problem}; {NOT_STORED}")


def refusal_of(exc: DBAPIError) -> Refusal | None:
    """Why the database refused the statement of ``exc``; ``None`` for an error that is no
    refusal of the data (a lost connection, a syntax error: the server's fault)."""
    error = exc.orig
    if error is None:
        return None
    if isinstance(exc, IntegrityError):
        return _integrity(error)
    if isinstance(exc, DataError):
        sqlstate = getattr(error, "sqlstate", None)
        if isinstance(error, OverflowError):  # SQLite: see store.db._unstorable_value
            sqlstate = "22003"
        elif isinstance(error, UnicodeEncodeError):  # both: see store.db._unstorable_value
            sqlstate = "22021"  # character_not_in_repertoire
        column = _diagnostic(error, "column_name")
        problem = DATA_MESSAGES.get(str(sqlstate), "a value cannot be stored as it is")
        prefix = f"{column}: " if column else ""
        return Refusal("invalid", column, f"{prefix}{problem}; {NOT_STORED}")
    return None
