"""Complaints about datasets and calculations; regulators resolve them."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from batterycarbon.api.deps import ActorDep, SessionDep
from batterycarbon.api.idempotency import IdempotencyKey, respond
from batterycarbon.services import complaints
from batterycarbon.services.complaints import ComplaintIn, ComplaintOut, ComplaintResolutionIn

router = APIRouter(tags=["complaints"])


@router.get("/complaints", response_model=list[ComplaintOut])
def list_complaints(
    session: SessionDep,
    actor: ActorDep,
    status: Annotated[Literal["open", "upheld", "dismissed"] | None, Query()] = None,
) -> list[ComplaintOut]:
    return complaints.list_complaints(session, actor, status)


@router.post("/complaints", response_model=ComplaintOut, status_code=status.HTTP_201_CREATED)
def file_complaint(session: SessionDep, actor: ActorDep, body: ComplaintIn, idempotency_key: IdempotencyKey = None) -> Response:  # fmt: skip
    return respond(session, actor, idempotency_key, "POST /complaints", body, lambda: complaints.file_complaint(session, actor, body))  # fmt: skip


@router.get("/complaints/{complaint_id}", response_model=ComplaintOut)
def get_complaint(session: SessionDep, actor: ActorDep, complaint_id: uuid.UUID) -> ComplaintOut:
    return complaints.get_complaint(session, actor, complaint_id)


@router.post("/complaints/{complaint_id}/resolution", response_model=ComplaintOut)
def resolve(session: SessionDep, actor: ActorDep, complaint_id: uuid.UUID, body: ComplaintResolutionIn) -> ComplaintOut:  # fmt: skip
    return complaints.resolve_complaint(session, actor, complaint_id, body)
