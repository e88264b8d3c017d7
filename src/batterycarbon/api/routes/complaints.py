"""Complaints about datasets and calculations; regulators resolve them."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from batterycarbon.api.deps import ActorDep, SessionDep
from batterycarbon.api.idempotency import IdempotencyKey, respond
from batterycarbon.api.paging import PAGED_RESPONSES, paged
from batterycarbon.services import complaints
from batterycarbon.services.complaints import (
    ComplaintIn,
    ComplaintOut,
    ComplaintQuery,
    ComplaintResolutionIn,
)

router = APIRouter(tags=["complaints"])


@router.get("/complaints", response_model=list[ComplaintOut], responses=PAGED_RESPONSES)
def list_complaints(session: SessionDep, actor: ActorDep, request: Request, response: Response, filters: Annotated[ComplaintQuery, Query()]) -> list[ComplaintOut]:  # fmt: skip
    return paged(request, response, complaints.find_complaints(session, actor, filters))


@router.post("/complaints", response_model=ComplaintOut, status_code=status.HTTP_201_CREATED)
def file_complaint(session: SessionDep, actor: ActorDep, body: ComplaintIn, idempotency_key: IdempotencyKey = None) -> Response:  # fmt: skip
    return respond(session, actor, idempotency_key, "POST /complaints", body, lambda: complaints.file_complaint(session, actor, body))  # fmt: skip


@router.get("/complaints/{complaint_id}", response_model=ComplaintOut)
def get_complaint(session: SessionDep, actor: ActorDep, complaint_id: uuid.UUID) -> ComplaintOut:
    return complaints.get_complaint(session, actor, complaint_id)


@router.post("/complaints/{complaint_id}/resolution", response_model=ComplaintOut)
def resolve(session: SessionDep, actor: ActorDep, complaint_id: uuid.UUID, body: ComplaintResolutionIn) -> ComplaintOut:  # fmt: skip
    return complaints.resolve_complaint(session, actor, complaint_id, body)
