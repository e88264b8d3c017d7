"""The audit log as a use case: check the chain, read the history of a record.

Visibility: an organization reads the events its own people and clients caused; platform
administrators read all. Anyone authenticated may ask whether the chain is intact (the answer
names an event id, not its content).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from batterycarbon.services.context import Actor, unit_of_work
from batterycarbon.services.paging import MAX_SERIAL, ListQuery, Page, page_of, paginate, within
from batterycarbon.store import AuditEvent, ChainReport, verify_chain


class ChainReportOut(BaseModel):
    ok: bool
    events_checked: int
    head_hash: str
    first_bad_seq: int | None
    first_bad_id: str | None
    problem: str | None
    anchor_seq: int | None = None
    anchor_lag: int | None = None


class AuditEventOut(BaseModel):
    id: uuid.UUID
    seq: int
    recorded_at: datetime
    actor: str
    organization_id: str | None
    action: str
    entity_type: str
    entity_id: str
    before: Any
    after: Any
    hash: str


def verify_audit_chain(session: Session) -> ChainReport:
    """Recompute the hash chain; the report names the first tampered event (for the CLI)."""
    with unit_of_work(session):
        return verify_chain(session)


def check_audit_chain(session: Session, actor: Actor) -> ChainReportOut:
    """:func:`verify_audit_chain` for an authenticated actor (for the API)."""
    report = verify_audit_chain(session)
    return ChainReportOut(**report.__dict__)


class AuditQuery(ListQuery):
    """``created_after``/``created_before`` bound the time the event was recorded; ``after_seq``
    is a cursor (the ``seq`` of the last event seen) that stays exact while the log grows."""

    entity_type: str | None = Field(default=None, max_length=40, examples=["dataset"])
    entity_id: str | None = Field(default=None, max_length=64)
    action: str | None = Field(default=None, max_length=60, examples=["dataset.submitted"])
    after_seq: int = Field(default=0, ge=0, le=MAX_SERIAL)


def list_events(
    session: Session,
    actor: Actor,
    entity_type: str | None = None,
    entity_id: str | None = None,
    limit: int = 100,
    after_seq: int = 0,
) -> list[AuditEventOut]:
    """Events in chain order after ``after_seq`` (for paging), filtered by entity."""
    filters = AuditQuery(entity_type=entity_type, entity_id=entity_id, limit=min(max(limit, 1), 500), after_seq=after_seq)  # fmt: skip
    return find_events(session, actor, filters).items


def find_events(session: Session, actor: Actor, filters: AuditQuery) -> Page[AuditEventOut]:
    """Events in chain order, the actor's organization's own (administrators: all)."""
    with unit_of_work(session):
        query = within(select(AuditEvent).where(AuditEvent.seq > filters.after_seq), AuditEvent.recorded_at, filters)  # fmt: skip
        if not actor.is_admin:
            query = query.where(AuditEvent.organization_id == str(actor.organization_id))
        if filters.entity_type:
            query = query.where(AuditEvent.entity_type == filters.entity_type)
        if filters.entity_id:
            query = query.where(AuditEvent.entity_id == filters.entity_id)
        if filters.action:
            query = query.where(AuditEvent.action == filters.action)
        rows, total = paginate(session, query, filters, (AuditEvent.seq,))
        out = []
        for row in rows:
            body = json.loads(row.content)
            out.append(
                AuditEventOut(
                    id=row.id,
                    seq=row.seq,
                    recorded_at=row.recorded_at,
                    actor=row.actor,
                    organization_id=row.organization_id,
                    action=row.action,
                    entity_type=row.entity_type,
                    entity_id=row.entity_id,
                    before=body.get("before"),
                    after=body.get("after"),
                    hash=row.hash,
                )  # fmt: skip
            )
        return page_of(out, total, filters)
