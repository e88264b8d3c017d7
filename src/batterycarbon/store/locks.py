"""One writer at a time for a check-then-write that must not run twice at once.

A use case that reads whether something exists and writes it if not (a sharing grant, which is
idempotent) is wrong under concurrency: two identical requests both read "not yet" and both
write. :func:`serialize` makes the rest of the caller's transaction wait for any other
transaction that serialized on the same key, so the second one reads what the first wrote.

PostgreSQL: a transaction-scoped advisory lock (``pg_advisory_xact_lock``) on a 64-bit digest of
the key; it is released at commit or rollback and blocks nothing else. SQLite: it lets one
writer in at a time anyway, but takes the write lock at a transaction's first write, after the
reads; here the transaction takes it at once (``BEGIN IMMEDIATE``), so its reads that follow see
every write committed before it. Readers are not blocked (WAL).

References
----------
PostgreSQL 16 documentation, section 9.27.10 (advisory lock functions). SQLite, "BEGIN
TRANSACTION" (deferred and immediate transactions) and "Write-Ahead Logging".
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.orm import Session


def advisory_key(key: str) -> int:
    """A signed 64-bit integer from ``key`` (PostgreSQL's advisory lock keys are ``bigint``)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


def serialize(session: Session, key: str) -> None:
    """Wait until no other transaction serialized on ``key`` is open, then hold ``key`` until
    this transaction ends. Call it inside the transaction, before the check it protects."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key(key)})
        return
    if connection.dialect.name == "sqlite":
        # pysqlite begins a transaction itself only before a write; before one, nothing is
        # begun yet and the write lock is taken now (the busy timeout makes it wait its turn).
        # After one, this transaction already holds the write lock.
        driver = connection.connection.dbapi_connection
        if driver is not None and not driver.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        return
    raise NotImplementedError(f"serialize: no lock for the {connection.dialect.name} database")
