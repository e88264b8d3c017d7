"""The audit log: chain check and record history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from batterycarbon.api.deps import ActorDep, SessionDep
from batterycarbon.services import audit
from batterycarbon.services.audit import AuditEventOut, ChainReportOut

router = APIRouter(tags=["audit"])


@router.get("/audit/verify", response_model=ChainReportOut)
def verify(session: SessionDep, actor: ActorDep) -> ChainReportOut:
    return audit.check_audit_chain(session, actor)


@router.get("/audit/events", response_model=list[AuditEventOut])
def events(
    session: SessionDep,
    actor: ActorDep,
    entity_type: str | None = None,
    entity_id: str | None = None,
    after_seq: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditEventOut]:
    return audit.list_events(session, actor, entity_type, entity_id, limit, after_seq)
