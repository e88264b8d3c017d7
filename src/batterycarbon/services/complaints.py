"""Complaints: anyone who can see a dataset or a calculation may complain about it; regulators
see every complaint and close it as ``upheld`` or ``dismissed`` with a note.

States (anything else is a :class:`Conflict`)::

    open -> upheld
         \\-> dismissed

The owner of the record complained about sees the complaint and its outcome, not who filed it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from batterycarbon.services.context import Actor, audit, unit_of_work
from batterycarbon.services.errors import Conflict, NotFound
from batterycarbon.services.lookup import get_with_access
from batterycarbon.services.paging import ListQuery, Page, page_of, paginate, within
from batterycarbon.services.permissions import (
    complaint_access,
    complaint_subject_owner,
    has_oversight,
    require,
    require_oversight,
)
from batterycarbon.store import Complaint
from batterycarbon.store.base import utcnow


class ComplaintIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "subject_type": "dataset",
                    "subject_id": "5b0f0d53-8c8b-4f43-9c6e-2f7e9b1f6d11",
                    "text": "The figure omits the precursor's calcination energy.",
                }
            ]
        },
    )

    subject_type: Literal["dataset", "calculation"]
    subject_id: uuid.UUID
    text: str = Field(min_length=10, max_length=5000)


class ComplaintResolutionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["upheld", "dismissed"]
    note: str = Field(min_length=3, max_length=5000)


class ComplaintOut(BaseModel):
    id: uuid.UUID
    complainant_org_id: uuid.UUID | None = Field(
        description="Hidden (null) from the owner of the subject"
    )
    subject_type: str
    subject_id: uuid.UUID
    subject_org_id: uuid.UUID
    text: str
    status: str
    resolution_note: str | None
    resolved_at: datetime | None
    created_at: datetime


def complaint_out(row: Complaint, show_complainant: bool = True) -> ComplaintOut:
    return ComplaintOut(
        id=row.id,
        complainant_org_id=row.complainant_org_id if show_complainant else None,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        subject_org_id=row.subject_org_id,
        text=row.text,
        status=row.status,
        resolution_note=row.resolution_note,
        resolved_at=row.resolved_at,
        created_at=row.created_at,
    )


def file_complaint(session: Session, actor: Actor, data: ComplaintIn) -> ComplaintOut:
    """Complain about a dataset or calculation the actor can see (else: NotFound)."""
    with unit_of_work(session):
        owner = complaint_subject_owner(session, actor, data.subject_type, data.subject_id)
        if owner is None or actor.organization_id is None:
            raise NotFound(f"subject_id: {data.subject_type} {data.subject_id} not found")
        row = Complaint(
            complainant_org_id=actor.organization_id,
            subject_type=data.subject_type,
            subject_id=data.subject_id,
            subject_org_id=owner,
            text=data.text,
            status="open",
            filed_by=actor.user_id,
        )
        session.add(row)
        session.flush()
        audit(
            session,
            actor,
            "complaint.filed",
            "complaint",
            row.id,
            after=data.model_dump(mode="json"),
        )
        return complaint_out(row)


def _visible(session: Session, actor: Actor, complaint_id: uuid.UUID) -> tuple[Complaint, str]:
    return get_with_access(
        session,
        Complaint,
        complaint_id,
        f"complaint {complaint_id} not found",
        lambda row: complaint_access(actor, row),
    )


def get_complaint(session: Session, actor: Actor, complaint_id: uuid.UUID) -> ComplaintOut:
    with unit_of_work(session):
        row, access = _visible(session, actor, complaint_id)
        return complaint_out(row, access != "subject_owner")


class ComplaintQuery(ListQuery):
    status: Literal["open", "upheld", "dismissed"] | None = None
    subject_type: Literal["dataset", "calculation"] | None = None
    organization_id: uuid.UUID | None = Field(default=None, description="Owner of the subject")


def find_complaints(
    session: Session, actor: Actor, filters: ComplaintQuery | None = None, whole: bool = False
) -> Page[ComplaintOut]:
    """Complaints the actor filed or that concern its records; regulators see all. Oldest first;
    ``whole``: every match, ignoring the page."""
    filters_ = filters or ComplaintQuery()
    page = None if whole else filters
    with unit_of_work(session):
        query = within(select(Complaint), Complaint.created_at, filters_)
        if not has_oversight(actor):
            query = query.where(
                or_(
                    Complaint.complainant_org_id == actor.organization_id,
                    Complaint.subject_org_id == actor.organization_id,
                )
            )
        for column, wanted in (
            (Complaint.status, filters_.status),
            (Complaint.subject_type, filters_.subject_type),
            (Complaint.subject_org_id, filters_.organization_id),
        ):
            if wanted is not None:
                query = query.where(column == wanted)
        rows, total = paginate(session, query, page, (Complaint.created_at, Complaint.id))
        items = [complaint_out(r, complaint_access(actor, r) != "subject_owner") for r in rows]
        return page_of(items, total, page)


def list_complaints(
    session: Session, actor: Actor, status: Literal["open", "upheld", "dismissed"] | None = None
) -> list[ComplaintOut]:
    return find_complaints(session, actor, ComplaintQuery(status=status), whole=True).items


def resolve_complaint(
    session: Session, actor: Actor, complaint_id: uuid.UUID, data: ComplaintResolutionIn
) -> ComplaintOut:
    """Close an open complaint (regulators and platform administrators)."""
    with unit_of_work(session):
        row, access = _visible(session, actor, complaint_id)
        require_oversight(actor)
        require(access == "oversight", "only a regulator resolves complaints")
        if row.status != "open":
            raise Conflict(f"complaint {row.id} is already {row.status}")
        row.status, row.resolution_note = data.outcome, data.note
        row.resolved_by, row.resolved_at = actor.label, utcnow()
        session.flush()
        audit(
            session,
            actor,
            f"complaint.{data.outcome}",
            "complaint",
            row.id,
            before={"status": "open"},
            after=data.model_dump(),
        )
        return complaint_out(row)
