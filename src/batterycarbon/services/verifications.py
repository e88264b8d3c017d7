"""Third-party verification of a calculation: submit, review with findings, approve or reject.

States and the transitions allowed (anything else is a :class:`Conflict`)::

    draft -> submitted -> in_review -> approved
                                    \\-> rejected

Who sees what: the requesting manufacturer and the verifier organization see everything,
findings included; regulators see the state and the calculation's digest, not the findings
(they may quote confidential data), never the activity data behind it, and the figure only where
it is declared publicly: once a passport has been issued from the calculation, its carbon
footprint is public (Regulation (EU) 2023/1542, Art. 77(2) and Annex XIII point 1); before
that a calculation's total is the manufacturer's confidential figure and reaches the regulator
only through the anonymized statistics.

Independence: a verifier organization may not verify a calculation of its own organization, nor
one that uses a supplier dataset it owns (it would be approving its own figure). Such a request
is refused with :class:`PermissionDenied` when it is submitted and, for a request stored before
this rule, when the verifier acts on it; the verifier's queue does not offer it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.orm import Session

from batterycarbon.services.calculations import visible_calculation
from batterycarbon.services.context import Actor, audit, unit_of_work
from batterycarbon.services.errors import Conflict
from batterycarbon.services.lookup import get_organization, get_visible
from batterycarbon.services.paging import ListQuery, Page, json_text, page_of, paginate, within
from batterycarbon.services.permissions import OPEN_REVIEW_STATES, require, require_role
from batterycarbon.store import (
    Calculation,
    CalculationInput,
    Finding,
    Passport,
    SupplierDataset,
    Verification,
)
from batterycarbon.store.base import utcnow

TRANSITIONS = {
    "draft": ("submitted",),
    "submitted": ("in_review",),
    "in_review": ("approved", "rejected"),
    "approved": (),
    "rejected": (),
}


class VerificationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    calculation_id: uuid.UUID
    verifier_org_id: uuid.UUID


class FindingIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"severity": "minor", "text": "Grid factor year 2021 for a 2023 plant."}]
        },
    )

    severity: Literal["info", "minor", "major"]
    text: str = Field(min_length=3, max_length=5000)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "reject"]
    note: str | None = Field(default=None, max_length=5000)


class FindingOut(BaseModel):
    id: uuid.UUID
    severity: str
    text: str
    created_at: datetime


class VerificationOut(BaseModel):
    id: uuid.UUID
    calculation_id: uuid.UUID
    requester_org_id: uuid.UUID
    verifier_org_id: uuid.UUID
    state: str
    total_kgco2e_per_kwh: float | None = Field(
        description="Null for regulators unless a passport issued from the calculation has "
        "made the figure public"
    )
    calculation_digest: str
    factor_release: str
    rule_set: str
    decided_at: datetime | None
    decision_note: str | None
    findings: list[FindingOut] | None = Field(description="Hidden (null) for regulators")
    findings_count: int


def declared_publicly(session: Session, calculation_id: uuid.UUID) -> bool:
    """Whether the calculation's figure is public by law: a passport (any version, each was
    public when issued) was issued from it, and the passport's carbon footprint is public
    (Regulation (EU) 2023/1542, Art. 77(2), Annex XIII point 1)."""
    return bool(session.scalar(select(exists().where(Passport.calculation_id == calculation_id))))


def _out(session: Session, row: Verification, with_findings: bool) -> VerificationOut:
    """``with_findings``: a party or an administrator; anyone else (a regulator) gets neither
    the findings nor, unless declared publicly, the figure."""
    calc = session.get_one(Calculation, row.calculation_id)
    public = with_findings or declared_publicly(session, calc.id)
    return VerificationOut(
        id=row.id,
        calculation_id=row.calculation_id,
        requester_org_id=row.requester_org_id,
        verifier_org_id=row.verifier_org_id,
        state=row.state,
        total_kgco2e_per_kwh=calc.total_kgco2e_per_kwh if public else None,
        calculation_digest=calc.digest,
        factor_release=calc.factor_release_id,
        rule_set=calc.rule_set,
        decided_at=row.decided_at,
        decision_note=row.decision_note if with_findings else None,
        findings=[FindingOut.model_validate(f, from_attributes=True) for f in row.findings]
        if with_findings
        else None,
        findings_count=len(row.findings),
    )


def _party(actor: Actor, row: Verification) -> bool:
    return actor.organization_id in (row.requester_org_id, row.verifier_org_id)


def _visible(session: Session, actor: Actor, verification_id: uuid.UUID) -> Verification:
    return get_visible(
        session,
        Verification,
        verification_id,
        f"verification {verification_id} not found",
        lambda row: _party(actor, row) or actor.has_role("regulator") or actor.is_admin,
    )


def _move(session: Session, actor: Actor, row: Verification, state: str) -> None:
    if state not in TRANSITIONS[row.state]:
        raise Conflict(f"verification {row.id} is {row.state}; it cannot become {state}")
    before = row.state
    row.state = state
    session.flush()
    audit(
        session,
        actor,
        f"verification.{state}",
        "verification",
        row.id,
        before={"state": before},
        after={"state": state},
    )


def independent() -> ColumnElement[bool]:
    """SQL condition on a verification joined to its calculation: the verifier is not the
    calculation's own organization. Such a request is refused since the no-self-verification
    rule (:func:`conflict_of_interest`), but a database from before the rule may hold one, even
    approved; it is no verification, so neither the regulator's statistics nor the customer a
    calculation is shared with count it."""
    return Verification.verifier_org_id != Calculation.organization_id


def conflict_of_interest(
    session: Session, calculation: Calculation, verifier_org_id: uuid.UUID | None
) -> str | None:
    """Why the verifier organization may not verify ``calculation``, or ``None`` if it may: it
    made the calculation, or the calculation uses a supplier dataset it owns."""
    if calculation.organization_id == verifier_org_id:
        return "an organization may not verify its own calculation; ask an independent verifier"
    own_dataset = session.scalar(
        select(CalculationInput.dataset_id)
        .join(SupplierDataset, SupplierDataset.id == CalculationInput.dataset_id)
        .where(CalculationInput.calculation_id == calculation.id)
        .where(SupplierDataset.owner_org_id == verifier_org_id)
        .limit(1)
    )
    if own_dataset is not None:
        return (
            f"the calculation uses dataset {own_dataset} of the verifier's own organization; "
            "an organization may not verify its own figures"
        )
    return None


def submit_for_verification(
    session: Session, actor: Actor, data: VerificationIn
) -> VerificationOut:
    """Ask a verifier organization to verify one of the actor's calculations."""
    with unit_of_work(session):
        require_role(actor, "manufacturer")
        calc = visible_calculation(session, actor, data.calculation_id)
        require(
            calc.organization_id == actor.organization_id,
            "only the calculation's owner may submit it",
        )
        verifier = get_organization(session, "verifier_org_id", data.verifier_org_id, "verifier")
        conflict = conflict_of_interest(session, calc, verifier.id)
        require(conflict is None, f"verifier_org_id: {conflict}")
        pending = session.scalar(
            select(Verification.id).where(
                Verification.calculation_id == calc.id,
                Verification.state.in_(("draft", *OPEN_REVIEW_STATES)),
            )
        )
        if pending is not None:
            raise Conflict(
                f"calculation_id: calculation {calc.id} is already under verification {pending}"
            )
        assert actor.organization_id is not None
        row = Verification(
            calculation_id=calc.id,
            requester_org_id=actor.organization_id,
            verifier_org_id=verifier.id,
            state="draft",
        )
        session.add(row)
        session.flush()
        audit(
            session,
            actor,
            "verification.created",
            "verification",
            row.id,
            after={"calculation_id": str(calc.id), "verifier_org_id": str(verifier.id)},
        )
        _move(session, actor, row, "submitted")
        return _out(session, row, True)


def _as_verifier(session: Session, actor: Actor, verification_id: uuid.UUID) -> Verification:
    require_role(actor, "verifier")
    row = _visible(session, actor, verification_id)
    require(row.verifier_org_id == actor.organization_id, "only the assigned verifier may review")
    # A request stored before the independence rule: refused when the verifier acts on it.
    conflict = conflict_of_interest(
        session, session.get_one(Calculation, row.calculation_id), actor.organization_id
    )
    require(conflict is None, conflict or "")
    return row


def start_review(session: Session, actor: Actor, verification_id: uuid.UUID) -> VerificationOut:
    with unit_of_work(session):
        row = _as_verifier(session, actor, verification_id)
        row.reviewer_id = actor.user_id
        _move(session, actor, row, "in_review")
        return _out(session, row, True)


def add_finding(
    session: Session, actor: Actor, verification_id: uuid.UUID, data: FindingIn
) -> VerificationOut:
    with unit_of_work(session):
        row = _as_verifier(session, actor, verification_id)
        if row.state != "in_review":
            raise Conflict(f"verification {row.id} is {row.state}; findings are added in review")
        finding = Finding(
            verification_id=row.id, severity=data.severity, text=data.text, author_id=actor.user_id
        )
        session.add(finding)
        session.flush()
        session.refresh(row)
        audit(
            session,
            actor,
            "verification.finding_added",
            "verification",
            row.id,
            after=data.model_dump(),
        )
        return _out(session, row, True)


def decide(
    session: Session, actor: Actor, verification_id: uuid.UUID, data: DecisionIn
) -> VerificationOut:
    """Approve (no open major finding allowed) or reject (a note or a finding required)."""
    with unit_of_work(session):
        row = _as_verifier(session, actor, verification_id)
        if data.decision == "approve":
            majors = [f for f in row.findings if f.severity == "major"]
            if majors:
                raise Conflict(f"decision: {len(majors)} major finding(s) recorded; reject instead")
        elif not (data.note or row.findings):
            raise Conflict("note: a rejection needs a note or at least one finding")
        _move(session, actor, row, "approved" if data.decision == "approve" else "rejected")
        row.decision_note = data.note
        row.decided_at = utcnow()
        session.flush()
        return _out(session, row, True)


def get_verification(session: Session, actor: Actor, verification_id: uuid.UUID) -> VerificationOut:
    with unit_of_work(session):
        row = _visible(session, actor, verification_id)
        return _out(session, row, _party(actor, row) or actor.is_admin)


class VerificationQuery(ListQuery):
    state: Literal["draft", "submitted", "in_review", "approved", "rejected"] | None = None
    chemistry: str | None = Field(default=None, max_length=20, examples=["NCM811"])
    organization_id: uuid.UUID | None = Field(default=None, description="Requester or verifier")


def filtered_verifications(query: Any, filters: VerificationQuery) -> Any:
    """``query`` (of verifications) narrowed by ``filters``."""
    query = within(query, Verification.created_at, filters)
    if filters.state is not None:
        query = query.where(Verification.state == filters.state)
    if filters.organization_id is not None:
        org = filters.organization_id
        query = query.where(
            or_(Verification.requester_org_id == org, Verification.verifier_org_id == org)
        )
    if filters.chemistry is not None:
        calcs = select(Calculation.id).where(
            json_text(Calculation.inputs, "design", "chemistry") == filters.chemistry
        )
        query = query.where(Verification.calculation_id.in_(calcs))
    return query


def find_verifications(
    session: Session, actor: Actor, filters: VerificationQuery | None = None
) -> Page[VerificationOut]:
    """Verifications the actor is party to; regulators and administrators see all of them."""
    with unit_of_work(session):
        query = select(Verification)
        oversight = actor.has_role("regulator") or actor.is_admin
        if not oversight:
            query = query.where(
                or_(
                    Verification.requester_org_id == actor.organization_id,
                    Verification.verifier_org_id == actor.organization_id,
                )
            )
        if filters is not None:
            query = filtered_verifications(query, filters)
        rows, total = paginate(session, query, filters, (Verification.created_at, Verification.id))
        return page_of(
            [_out(session, r, _party(actor, r) or actor.is_admin) for r in rows], total, filters
        )


def list_verifications(session: Session, actor: Actor) -> list[VerificationOut]:
    return find_verifications(session, actor).items


def review_queue(session: Session, actor: Actor) -> list[VerificationOut]:
    """The verifications waiting for the actor's organization to review them (submitted or in
    review, assigned to it), oldest first, without those it may not verify
    (:func:`conflict_of_interest`)."""
    with unit_of_work(session):
        if actor.organization_id is None or not actor.has_role("verifier"):
            return []
        rows = session.scalars(
            select(Verification)
            .where(Verification.verifier_org_id == actor.organization_id)
            .where(Verification.state.in_(OPEN_REVIEW_STATES))
            .order_by(Verification.created_at, Verification.id)
        )
        independent = [
            row
            for row in rows
            if conflict_of_interest(
                session, session.get_one(Calculation, row.calculation_id), actor.organization_id
            )
            is None
        ]
        return [_out(session, row, True) for row in independent]
