"""Verification: the verifier's queue, a review (the calculation, the datasets it used, findings)
with approve or reject; the regulator's oversight and anonymized statistics."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from batterycarbon.errors import BatteryCarbonError
from batterycarbon.services import Actor
from batterycarbon.services.accounts import list_organizations
from batterycarbon.services.calculations import get_calculation
from batterycarbon.services.datasets import get_dataset
from batterycarbon.services.oversight import footprint_statistics, overview
from batterycarbon.services.verifications import (
    DecisionIn,
    FindingIn,
    add_finding,
    decide,
    get_verification,
    list_verifications,
    review_queue,
    start_review,
)
from batterycarbon.web.common import (
    STATUS,
    DbSession,
    SignedIn,
    field_errors,
    form_action,
    problems_of,
    render,
    service_error,
)
from batterycarbon.web.products import calculation_view

router = APIRouter(include_in_schema=False)


def _names(db: Session, actor: Actor) -> dict[uuid.UUID, str]:
    return {o.id: o.name for o in list_organizations(db, actor)}


@router.get("/web/verifications")
def verifications_page(request: Request, db: DbSession, actor: SignedIn) -> Response:
    context = {
        "title": "Verifications",
        "names": _names(db, actor),
        "queue": review_queue(db, actor),
        "rows": list_verifications(db, actor),
    }
    return render(request, "verifications.html", context, actor=actor)


def _review_page(
    request: Request,
    db: Session,
    actor: Actor,
    verification_id: uuid.UUID,
    problems: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    verification = get_verification(db, actor, verification_id)
    context: dict[str, Any] = {
        "title": "Verification",
        "v": verification,
        "names": _names(db, actor),
        "is_verifier": verification.verifier_org_id == actor.organization_id,
        "problems": problems or [],
        "errors": field_errors(problems or []),
    }
    party = actor.organization_id in (verification.verifier_org_id, verification.requester_org_id)
    if party:
        calc = get_calculation(db, actor, verification.calculation_id)
        context.update(calculation_view(db, calc))
        used = []
        for figure in calc.inputs.get("datasets", []):
            try:
                used.append(
                    {
                        "figure": figure,
                        "dataset": get_dataset(db, actor, uuid.UUID(figure["dataset_id"])),
                    }
                )
            except BatteryCarbonError:
                used.append({"figure": figure, "dataset": None})  # review closed: figure only
        context["used"] = used
    return render(request, "verification.html", context, status_code=status_code, actor=actor)


@router.get("/web/verifications/{verification_id}")
def verification_page(
    request: Request, db: DbSession, actor: SignedIn, verification_id: uuid.UUID
) -> Response:
    try:
        return _review_page(request, db, actor, verification_id)
    except BatteryCarbonError as exc:
        return service_error(request, actor, exc)


def _act(
    request: Request, db: Session, verification_id: uuid.UUID, csrf_token: str, action: Any
) -> Response:
    def act(actor: Actor) -> str:
        action(actor)
        return f"/web/verifications/{verification_id}"

    def again(actor: Actor, exc: BatteryCarbonError | ValidationError) -> Response:
        # The status an API would give (a refusal is 403, e.g. verifying one's own work).
        codes = [code for kind, code, _ in STATUS if isinstance(exc, kind)]
        status = 422 if isinstance(exc, ValidationError) else (codes or [409])[0]
        return _review_page(request, db, actor, verification_id, problems_of(exc), status)

    return form_action(request, db, csrf_token, act, again)


@router.post("/web/verifications/{verification_id}/start")
def start_page(
    request: Request,
    db: DbSession,
    verification_id: uuid.UUID,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    return _act(
        request,
        db,
        verification_id,
        csrf_token,
        lambda actor: start_review(db, actor, verification_id),
    )


@router.post("/web/verifications/{verification_id}/findings")
def finding_page(
    request: Request,
    db: DbSession,
    verification_id: uuid.UUID,
    severity: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    return _act(
        request,
        db,
        verification_id,
        csrf_token,
        lambda actor: add_finding(
            db,
            actor,
            verification_id,
            FindingIn.model_validate({"severity": severity, "text": text.strip()}),
        ),
    )


@router.post("/web/verifications/{verification_id}/decision")
def decision_page(
    request: Request,
    db: DbSession,
    verification_id: uuid.UUID,
    decision: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    return _act(
        request,
        db,
        verification_id,
        csrf_token,
        lambda actor: decide(
            db,
            actor,
            verification_id,
            DecisionIn.model_validate({"decision": decision, "note": note.strip() or None}),
        ),
    )


@router.get("/web/statistics")
def statistics_page(request: Request, db: DbSession, actor: SignedIn) -> Response:
    try:
        stats = footprint_statistics(db, actor)
        state = overview(db, actor)
    except BatteryCarbonError as exc:
        return service_error(request, actor, exc)
    context = {
        "title": "Oversight and statistics",
        "stats": stats,
        "oversight": state,
        "all": list_verifications(db, actor),
        "names": _names(db, actor),
    }
    return render(request, "statistics.html", context, actor=actor)
