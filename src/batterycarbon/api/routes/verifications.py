"""Verifications: submit a calculation, review with findings, approve or reject."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from batterycarbon.api.deps import ActorDep, SessionDep
from batterycarbon.api.idempotency import IdempotencyKey, respond
from batterycarbon.api.paging import PAGED_RESPONSES, paged
from batterycarbon.services import verifications
from batterycarbon.services.verifications import (
    DecisionIn,
    FindingIn,
    VerificationIn,
    VerificationOut,
    VerificationQuery,
)

router = APIRouter(tags=["verifications"])


@router.get("/verifications", response_model=list[VerificationOut], responses=PAGED_RESPONSES)
def list_verifications(session: SessionDep, actor: ActorDep, request: Request, response: Response, filters: Annotated[VerificationQuery, Query()]) -> list[VerificationOut]:  # fmt: skip
    return paged(request, response, verifications.find_verifications(session, actor, filters))


@router.post("/verifications", response_model=VerificationOut, status_code=status.HTTP_201_CREATED)  # fmt: skip
def submit(session: SessionDep, actor: ActorDep, body: VerificationIn, idempotency_key: IdempotencyKey = None) -> Response:  # fmt: skip
    return respond(session, actor, idempotency_key, "POST /verifications", body, lambda: verifications.submit_for_verification(session, actor, body))  # fmt: skip


@router.get("/verifications/{verification_id}", response_model=VerificationOut)
def get_verification(session: SessionDep, actor: ActorDep, verification_id: uuid.UUID) -> VerificationOut:  # fmt: skip
    return verifications.get_verification(session, actor, verification_id)


@router.post("/verifications/{verification_id}/review", response_model=VerificationOut)
def start_review(session: SessionDep, actor: ActorDep, verification_id: uuid.UUID) -> VerificationOut:  # fmt: skip
    return verifications.start_review(session, actor, verification_id)


@router.post("/verifications/{verification_id}/findings", response_model=VerificationOut, status_code=status.HTTP_201_CREATED)  # fmt: skip
def add_finding(session: SessionDep, actor: ActorDep, verification_id: uuid.UUID, body: FindingIn, idempotency_key: IdempotencyKey = None) -> Response:  # fmt: skip
    payload = {"verification_id": verification_id, "body": body}
    return respond(session, actor, idempotency_key, "POST /verifications/{verification_id}/findings", payload, lambda: verifications.add_finding(session, actor, verification_id, body))  # fmt: skip


@router.post("/verifications/{verification_id}/decision", response_model=VerificationOut)
def decide(session: SessionDep, actor: ActorDep, verification_id: uuid.UUID, body: DecisionIn) -> VerificationOut:  # fmt: skip
    return verifications.decide(session, actor, verification_id, body)
