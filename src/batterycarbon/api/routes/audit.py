"""The audit log: chain check and record history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from batterycarbon.api.deps import ActorDep, SessionDep
from batterycarbon.api.paging import PAGED_RESPONSES, paged
from batterycarbon.services import audit
from batterycarbon.services.audit import AuditEventOut, AuditQuery, ChainReportOut

router = APIRouter(tags=["audit"])


@router.get("/audit/verify", response_model=ChainReportOut)
def verify(session: SessionDep, actor: ActorDep) -> ChainReportOut:
    return audit.check_audit_chain(session, actor)


@router.get("/audit/events", response_model=list[AuditEventOut], responses=PAGED_RESPONSES)
def events(session: SessionDep, actor: ActorDep, request: Request, response: Response, filters: Annotated[AuditQuery, Query()]) -> list[AuditEventOut]:  # fmt: skip
    """Events in chain order; page with ``limit``/``offset`` or with the ``after_seq`` cursor."""
    return paged(request, response, audit.find_events(session, actor, filters))
