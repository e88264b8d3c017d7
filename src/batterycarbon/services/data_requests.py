"""Data requests: a buyer asks a supplier for its figure of a flow; the supplier answers by
sharing a dataset (``fulfilled``) or declines with a reason.

States (anything else is a :class:`Conflict`)::

    open -> fulfilled   (the named dataset is shared with the requester)
         \\-> declined

Only the two parties see a request; to anyone else it does not exist.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from batterycarbon.bounds import StrictInt
from batterycarbon.countries import region_problem
from batterycarbon.errors import InputError
from batterycarbon.factors.model import FLOW_PATTERN
from batterycarbon.services.context import Actor, audit, unit_of_work
from batterycarbon.services.datasets import grant_access, supplier_flow_problem
from batterycarbon.services.errors import Conflict
from batterycarbon.services.factor_releases import release_library
from batterycarbon.services.lookup import get_organization, get_visible, get_with_access
from batterycarbon.services.paging import ListQuery, Page, page_of, paginate, within
from batterycarbon.services.permissions import (
    BUYER_ROLES,
    data_request_party,
    require,
    require_role,
)
from batterycarbon.store import DataRequest, SupplierDataset
from batterycarbon.store.base import utcnow


class DataRequestIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "supplier_org_id": "5b0f0d53-8c8b-4f43-9c6e-2f7e9b1f6d11",
                    "flow": "cam_ncm811",
                    "region": "KR",
                    "year": 2023,
                    "message": "For our 2025 pack declaration.",
                }
            ]
        },
    )

    supplier_org_id: uuid.UUID
    flow: str = Field(max_length=100, description="Library flow asked for, e.g. cam_ncm811")
    region: str | None = Field(default=None, max_length=10)
    # Strict like every number a user gives (batterycarbon.bounds): 2023.0 and true are no year.
    year: StrictInt | None = Field(default=None, ge=1990, le=2100)
    message: str | None = Field(default=None, max_length=2000)

    @field_validator("flow")
    @classmethod
    def _flow(cls, value: str) -> str:
        if not FLOW_PATTERN.match(value):
            raise ValueError("expected a library flow id: lower-case letters, digits and _")
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        problem = None if value is None else region_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value


class FulfilIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dataset_id: uuid.UUID = Field(description="An approved dataset of yours for the flow asked")
    note: str | None = Field(default=None, max_length=2000)


class DeclineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=2000)


class DataRequestOut(BaseModel):
    id: uuid.UUID
    requester_org_id: uuid.UUID
    supplier_org_id: uuid.UUID
    flow: str
    region: str | None
    year: int | None
    message: str | None
    status: str
    dataset_id: uuid.UUID | None
    response_note: str | None
    responded_at: datetime | None
    created_at: datetime


def _out(row: DataRequest) -> DataRequestOut:
    return DataRequestOut.model_validate(row, from_attributes=True)


def request_data(session: Session, actor: Actor, data: DataRequestIn) -> DataRequestOut:
    """Ask a supplier organization for its figure of ``flow``: a material flow of the active
    factor release (one a supplier dataset can answer), else :class:`InputError` on ``flow``
    naming the closest flows."""
    with unit_of_work(session):
        require_role(actor, *BUYER_ROLES)
        flow_problem = supplier_flow_problem(release_library(session, None), data.flow)
        if flow_problem is not None:
            raise InputError("data request", [flow_problem])
        supplier = get_organization(session, "supplier_org_id", data.supplier_org_id, "supplier")
        if supplier.id == actor.organization_id:
            raise Conflict("supplier_org_id: an organization cannot ask itself for data")
        assert actor.organization_id is not None
        row = DataRequest(
            requester_org_id=actor.organization_id,
            supplier_org_id=supplier.id,
            flow=data.flow,
            region=data.region,
            year=data.year,
            message=data.message,
            status="open",
            requested_by=actor.user_id,
        )
        session.add(row)
        session.flush()
        audit(
            session,
            actor,
            "data_request.created",
            "data_request",
            row.id,
            after=data.model_dump(mode="json"),
        )
        return _out(row)


def _visible(session: Session, actor: Actor, request_id: uuid.UUID) -> tuple[DataRequest, str]:
    return get_with_access(
        session,
        DataRequest,
        request_id,
        f"data request {request_id} not found",
        lambda row: data_request_party(actor, row),
    )


def _answer(session: Session, actor: Actor, request_id: uuid.UUID) -> DataRequest:
    row, party = _visible(session, actor, request_id)
    require(party == "supplier", "only the supplier asked may answer a data request")
    if row.status != "open":
        raise Conflict(f"data request {row.id} is {row.status}; only open requests are answered")
    return row


def fulfil_request(
    session: Session, actor: Actor, request_id: uuid.UUID, data: FulfilIn
) -> DataRequestOut:
    """Answer with one of the supplier's approved datasets for the flow; it is shared with the
    requester in the same transaction."""
    with unit_of_work(session):
        row = _answer(session, actor, request_id)
        dataset = get_visible(
            session,
            SupplierDataset,
            data.dataset_id,
            f"dataset_id: dataset {data.dataset_id} not found",
            lambda row: row.owner_org_id == actor.organization_id,
        )
        if dataset.flow != row.flow:
            raise Conflict(f"dataset_id: dataset is for {dataset.flow!r}; {row.flow!r} was asked")
        if dataset.status != "approved":
            raise Conflict(f"dataset_id: dataset {dataset.id} is {dataset.status}, not approved")
        grant_access(session, actor, dataset, row.requester_org_id)
        row.status, row.dataset_id, row.response_note = "fulfilled", dataset.id, data.note
        row.responded_at = utcnow()
        session.flush()
        audit(
            session,
            actor,
            "data_request.fulfilled",
            "data_request",
            row.id,
            before={"status": "open"},
            after={"status": "fulfilled", "dataset_id": str(dataset.id)},
        )
        return _out(row)


def decline_request(
    session: Session, actor: Actor, request_id: uuid.UUID, data: DeclineIn
) -> DataRequestOut:
    with unit_of_work(session):
        row = _answer(session, actor, request_id)
        row.status, row.response_note, row.responded_at = "declined", data.reason, utcnow()
        session.flush()
        audit(
            session,
            actor,
            "data_request.declined",
            "data_request",
            row.id,
            before={"status": "open"},
            after={"status": "declined", "reason": data.reason},
        )
        return _out(row)


def get_request(session: Session, actor: Actor, request_id: uuid.UUID) -> DataRequestOut:
    with unit_of_work(session):
        return _out(_visible(session, actor, request_id)[0])


class DataRequestQuery(ListQuery):
    direction: Literal["incoming", "outgoing", "all"] = "all"
    status: Literal["open", "fulfilled", "declined"] | None = None
    flow: str | None = Field(default=None, max_length=100, examples=["cam_ncm811"])
    organization_id: uuid.UUID | None = Field(default=None, description="The other party")


def find_requests(
    session: Session, actor: Actor, filters: DataRequestQuery | None = None, whole: bool = False
) -> Page[DataRequestOut]:
    """Requests the actor's organization sent (outgoing) or received (incoming), oldest first;
    ``whole``: every match, ignoring the page."""
    filters_ = filters or DataRequestQuery()
    page = None if whole else filters
    with unit_of_work(session):
        incoming = DataRequest.supplier_org_id == actor.organization_id
        outgoing = DataRequest.requester_org_id == actor.organization_id
        query = select(DataRequest).where(
            {"incoming": incoming, "outgoing": outgoing, "all": incoming | outgoing}[
                filters_.direction
            ]
        )
        query = within(query, DataRequest.created_at, filters_)
        if filters_.status is not None:
            query = query.where(DataRequest.status == filters_.status)
        if filters_.flow is not None:
            query = query.where(DataRequest.flow == filters_.flow)
        if filters_.organization_id is not None:
            other = filters_.organization_id
            query = query.where(
                (DataRequest.supplier_org_id == other) | (DataRequest.requester_org_id == other)
            )
        rows, total = paginate(session, query, page, (DataRequest.created_at, DataRequest.id))
        return page_of([_out(r) for r in rows], total, page)


def list_requests(
    session: Session,
    actor: Actor,
    direction: Literal["incoming", "outgoing", "all"] = "all",
    status: Literal["open", "fulfilled", "declined"] | None = None,
) -> list[DataRequestOut]:
    filters = DataRequestQuery(direction=direction, status=status)
    return find_requests(session, actor, filters, whole=True).items
