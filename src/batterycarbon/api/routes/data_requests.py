"""Data requests: a buyer asks a supplier for a figure; the supplier shares a dataset or declines."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status

from batterycarbon.api.deps import ActorDep, SessionDep
from batterycarbon.api.idempotency import IdempotencyKey, respond
from batterycarbon.api.paging import PAGED_RESPONSES, paged
from batterycarbon.services import data_requests
from batterycarbon.services.data_requests import (
    DataRequestIn,
    DataRequestOut,
    DataRequestQuery,
    DeclineIn,
    FulfilIn,
)

router = APIRouter(tags=["data requests"])
RequestStatus = Literal["open", "fulfilled", "declined"]


@router.get("/data-requests", response_model=list[DataRequestOut], responses=PAGED_RESPONSES)
def list_requests(session: SessionDep, actor: ActorDep, request: Request, response: Response, filters: Annotated[DataRequestQuery, Query()]) -> list[DataRequestOut]:  # fmt: skip
    return paged(request, response, data_requests.find_requests(session, actor, filters))


@router.post("/data-requests", response_model=DataRequestOut, status_code=status.HTTP_201_CREATED)
def request_data(session: SessionDep, actor: ActorDep, body: DataRequestIn, idempotency_key: IdempotencyKey = None) -> Response:  # fmt: skip
    return respond(session, actor, idempotency_key, "POST /data-requests", body, lambda: data_requests.request_data(session, actor, body))  # fmt: skip


@router.get("/data-requests/{request_id}", response_model=DataRequestOut)
def get_request(session: SessionDep, actor: ActorDep, request_id: uuid.UUID) -> DataRequestOut:
    return data_requests.get_request(session, actor, request_id)


@router.post("/data-requests/{request_id}/fulfil", response_model=DataRequestOut)
def fulfil(session: SessionDep, actor: ActorDep, request_id: uuid.UUID, body: FulfilIn) -> DataRequestOut:  # fmt: skip
    """Share one of your approved datasets for the flow asked with the requester."""
    return data_requests.fulfil_request(session, actor, request_id, body)


@router.post("/data-requests/{request_id}/decline", response_model=DataRequestOut)
def decline(session: SessionDep, actor: ActorDep, request_id: uuid.UUID, body: DeclineIn) -> DataRequestOut:  # fmt: skip
    return data_requests.decline_request(session, actor, request_id, body)
