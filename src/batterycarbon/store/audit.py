"""The append-only, hash-chained audit log.

Each event stores its content as canonical JSON text (``content``) and
``hash = SHA-256(prev_hash + "\\n" + content)``, where ``prev_hash`` is the hash of the event
before it (64 zeros for the first). Changing, inserting or deleting any event but the newest
breaks the chain at that event, which :func:`verify_chain` names. The queryable columns (action,
entity, actor) are copies of fields of ``content`` and are checked against it.

Appends are serialized: on PostgreSQL by a transaction-level advisory lock, on SQLite by its
single writer; the unique ``seq`` and ``prev_hash`` columns make a forked chain impossible either
way. Updates and deletes are refused by the ORM (:mod:`~batterycarbon.store.write_once`) and,
for SQL written by hand, by database triggers created in the migrations.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, event, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from batterycarbon.errors import InputError
from batterycarbon.store import audit_anchor
from batterycarbon.store.audit_anchor import (
    anchor_path,
    anchor_problem,
    missing_anchor_problem,
    note_appended,
    read_anchor,
)
from batterycarbon.store.base import Base, IdMixin, utcnow
from batterycarbon.store.write_once import write_once
from batterycarbon.text import problem_lines

GENESIS_HASH = "0" * 64
#: Arbitrary constant naming the advisory lock that serializes appends on PostgreSQL.
_APPEND_LOCK_KEY = 0x62617474  # "batt"
#: Columns copied from ``content`` for querying; verification checks them against it.
_MIRRORED = ("action", "entity_type", "entity_id", "actor", "organization_id")


@write_once()
class AuditEvent(IdMixin, Base):
    """One change: who (actor, organization), when, what (action, entity), before and after."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(Integer, unique=True)
    recorded_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    organization_id: Mapped[str | None] = mapped_column(String(36), index=True)
    action: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 kept: the one JSON form that is hashed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def chain_hash(prev_hash: str, content: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{content}".encode()).hexdigest()


def append_event(
    session: Session,
    *,
    actor: str,
    organization_id: str | None,
    action: str,
    entity_type: str,
    entity_id: str,
    before: Any = None,
    after: Any = None,
    user_id: uuid.UUID | None = None,
) -> AuditEvent:
    """Append one event to the chain inside the caller's transaction and flush it."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _APPEND_LOCK_KEY})
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
    recorded_at = utcnow()
    body = {
        "seq": seq,
        "recorded_at": recorded_at.isoformat(),
        "actor": actor,
        "organization_id": organization_id,
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "before": before,
        "after": after,
    }
    content = canonical_json(body)
    try:
        content.encode()
    except UnicodeEncodeError:
        # A lone surrogate is no UTF-8: the entry could not be hashed (a 500 before). Requests
        # are checked for it first (batterycarbon.text); this names what came another way.
        raise InputError("audit entry", problem_lines(body)) from None
    audit_event = AuditEvent(
        seq=seq,
        recorded_at=recorded_at,
        actor=actor,
        organization_id=organization_id,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        content=content,
        prev_hash=prev_hash,
        hash=chain_hash(prev_hash, content),
        user_id=user_id,
    )
    session.add(audit_event)
    session.flush()
    note_appended(session, seq, audit_event.hash)
    return audit_event


@dataclass(frozen=True)
class ChainReport:
    """Outcome of :func:`verify_chain`: ``ok``, events checked, and the first bad event if any."""

    ok: bool
    events_checked: int
    head_hash: str
    first_bad_seq: int | None = None
    first_bad_id: str | None = None
    problem: str | None = None
    #: The head recorded outside the database (``None``: no anchor file) and how many events
    #: the chain has beyond it (a crash between commit and anchor write leaves a lag).
    anchor_seq: int | None = None
    anchor_lag: int | None = None


def _problem(row: AuditEvent, expected_seq: int, prev_hash: str) -> str | None:
    if row.seq != expected_seq:
        return f"sequence jumps from {expected_seq - 1} to {row.seq}: events missing"
    if row.prev_hash != prev_hash:
        return "prev_hash does not match the hash of the event before it"
    if chain_hash(row.prev_hash, row.content) != row.hash:
        return "content does not match its hash (the event was modified)"
    try:
        body = json.loads(row.content)
    except ValueError:
        return "content is not valid JSON"
    if body.get("seq") != row.seq:
        return "seq column differs from the hashed content"
    for column in _MIRRORED:
        if body.get(column) != getattr(row, column):
            return f"column {column!r} differs from the hashed content"
    return None


def iter_events(session: Session, batch: int = 1000) -> Iterator[AuditEvent]:
    """Every event in chain order, fetched in batches (the log can be long)."""
    after = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].seq


def verify_chain(session: Session) -> ChainReport:
    """Recompute the chain; stop at the first event that is not what was appended. Then check
    it against its head anchored outside the database (``store.audit_anchor``): a chain that
    ends before the anchored event, or has another hash there, lost its newest events."""
    prev_hash, count = GENESIS_HASH, 0
    for row in iter_events(session):
        problem = _problem(row, count + 1, prev_hash)
        if problem:
            return ChainReport(False, count, prev_hash, row.seq, str(row.id), problem)
        prev_hash, count = row.hash, count + 1
    path = anchor_path(session.get_bind().engine.url)
    anchor = read_anchor(path)
    if anchor is None and path is not None and count > 0:
        return ChainReport(False, count, prev_hash, problem=missing_anchor_problem(path, count))
    if anchor is None:  # no event yet, or an in-memory database (which has no anchor)
        return ChainReport(True, count, prev_hash)

    def hash_at(seq: int) -> str | None:
        return session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == seq))

    problem = anchor_problem(anchor, hash_at, count)
    if problem:
        bad_seq = min(anchor.seq, count + 1)
        bad_id = session.scalar(select(AuditEvent.id).where(AuditEvent.seq == bad_seq))
        return ChainReport(
            False, count, prev_hash, bad_seq, str(bad_id) if bad_id else None, problem, anchor.seq
        )
    return ChainReport(True, count, prev_hash, anchor_seq=anchor.seq, anchor_lag=count - anchor.seq)


def install_anchor_writer() -> None:
    """Write the chain's head to its anchor after each commit that appended events."""
    event.listen(Session, "after_commit", audit_anchor.after_commit)
    event.listen(Session, "after_rollback", audit_anchor.after_rollback)
