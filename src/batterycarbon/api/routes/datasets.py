"""Supplier datasets (JSON and CSV), sharing, and the alerts the checks raise."""

from __future__ import annotations

import hashlib
import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, Response, status

from batterycarbon.api.deps import ActorDep, SessionDep
from batterycarbon.api.idempotency import IdempotencyKey, respond
from batterycarbon.api.paging import PAGED_RESPONSES, paged
from batterycarbon.errors import InputError
from batterycarbon.services import dataset_excel, dataset_review, datasets
from batterycarbon.services.dataset_excel import MAX_XLSX_BYTES, XLSX_MEDIA_TYPE
from batterycarbon.services.dataset_input import DatasetIn
from batterycarbon.services.dataset_review import AlertAssignmentIn, DatasetDecisionIn
from batterycarbon.services.datasets import (
    AlertOut,
    AlertQuery,
    DatasetListing,
    DatasetOut,
    DatasetQuery,
    GrantIn,
    GrantOut,
    SharedFigureOut,
)
from batterycarbon.services.paging import Page

router = APIRouter(tags=["datasets"])
MAX_CSV_BYTES = 5_000_000


@router.get("/datasets", response_model=DatasetListing, responses=PAGED_RESPONSES)
def list_datasets(session: SessionDep, actor: ActorDep, request: Request, response: Response, filters: Annotated[DatasetQuery, Query()]) -> DatasetListing:  # fmt: skip
    """Your own datasets in full, then the figures shared with you: one page over both."""
    listing, total = datasets.find_datasets(session, actor, filters)
    page = Page(items=[*listing.own, *listing.shared_with_me], total=total, limit=filters.limit, offset=filters.offset)  # fmt: skip
    paged(request, response, page)
    return listing


@router.post("/datasets", response_model=DatasetOut, status_code=status.HTTP_201_CREATED)
def submit_dataset(
    session: SessionDep, actor: ActorDep, body: DatasetIn, idempotency_key: IdempotencyKey = None
) -> Response:
    return respond(session, actor, idempotency_key, "POST /datasets", body, lambda: datasets.submit_dataset(session, actor, body))  # fmt: skip


@router.post(
    "/datasets/csv",
    response_model=list[DatasetOut],
    status_code=status.HTTP_201_CREATED,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": "flow,value,unit,region,year,dqr,evidence,activity.electricity_kwh_per_kg\ncam_ncm811,28.4,kg CO2e / kg,KR,2023,1.8,report.pdf,22\n",
                }
            },  # fmt: skip
        }
    },
)
def submit_datasets_csv(
    session: SessionDep,
    actor: ActorDep,
    body: Annotated[bytes, Body(media_type="text/csv")],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Every row stored, or none: a bad row rejects the upload, listing every bad row."""
    if len(body) > MAX_CSV_BYTES:
        raise InputError("CSV upload", [f"(document): larger than {MAX_CSV_BYTES} bytes"])
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("CSV upload", ["(document): not UTF-8 text"]) from None
    return respond(session, actor, idempotency_key, "POST /datasets/csv", text, lambda: datasets.submit_datasets_csv(session, actor, text))  # fmt: skip


@router.get(
    "/datasets/template.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}, "description": "The Excel template"}},
)  # fmt: skip
def dataset_template(session: SessionDep, actor: ActorDep) -> Response:
    """The Excel template for supplier datasets (flows of the active factor release)."""
    content = dataset_excel.dataset_template(session, actor)
    headers = {"Content-Disposition": 'attachment; filename="batterycarbon-datasets-template.xlsx"'}
    return Response(content=content, media_type=XLSX_MEDIA_TYPE, headers=headers)


@router.post(
    "/datasets/xlsx",
    response_model=list[DatasetOut],
    status_code=status.HTTP_201_CREATED,
    openapi_extra={"requestBody": {"required": True, "content": {XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}}},
)  # fmt: skip
def submit_datasets_xlsx(
    session: SessionDep,
    actor: ActorDep,
    body: Annotated[bytes, Body(media_type=XLSX_MEDIA_TYPE)],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """A filled-in template: every row stored, or none (each bad row and field is named, with
    the row numbers Excel shows)."""
    if len(body) > MAX_XLSX_BYTES:
        raise InputError(dataset_excel.SOURCE, [f"(document): larger than {MAX_XLSX_BYTES} bytes"])
    payload = hashlib.sha256(body).hexdigest()
    return respond(session, actor, idempotency_key, "POST /datasets/xlsx", payload, lambda: dataset_excel.submit_datasets_xlsx(session, actor, body))  # fmt: skip


@router.get("/datasets/{dataset_id}", response_model=DatasetOut | SharedFigureOut)
def get_dataset(session: SessionDep, actor: ActorDep, dataset_id: uuid.UUID) -> DatasetOut | SharedFigureOut:  # fmt: skip
    return datasets.get_dataset(session, actor, dataset_id)


@router.post("/datasets/{dataset_id}/grants", response_model=GrantOut, status_code=status.HTTP_201_CREATED)  # fmt: skip
def share_dataset(session: SessionDep, actor: ActorDep, dataset_id: uuid.UUID, body: GrantIn) -> GrantOut:  # fmt: skip
    return datasets.share_dataset(session, actor, dataset_id, body)


@router.delete("/datasets/{dataset_id}/grants/{organization_id}", response_model=GrantOut)
def revoke_share(session: SessionDep, actor: ActorDep, dataset_id: uuid.UUID, organization_id: uuid.UUID) -> GrantOut:  # fmt: skip
    return datasets.revoke_share(session, actor, dataset_id, organization_id)


@router.get("/alerts", response_model=list[AlertOut], tags=["alerts"], responses=PAGED_RESPONSES)
def list_alerts(session: SessionDep, actor: ActorDep, request: Request, response: Response, filters: Annotated[AlertQuery, Query()]) -> list[AlertOut]:  # fmt: skip
    return paged(request, response, datasets.find_alerts(session, actor, filters))


@router.post("/datasets/{dataset_id}/revisions", response_model=DatasetOut, status_code=status.HTTP_201_CREATED)  # fmt: skip
def revise_dataset(session: SessionDep, actor: ActorDep, dataset_id: uuid.UUID, body: DatasetIn, idempotency_key: IdempotencyKey = None) -> Response:  # fmt: skip
    """A new revision (same flow); the old dataset becomes superseded, its grants carry over."""
    payload = {"dataset_id": dataset_id, "body": body}
    return respond(session, actor, idempotency_key, "POST /datasets/{dataset_id}/revisions", payload, lambda: dataset_review.revise_dataset(session, actor, dataset_id, body))  # fmt: skip


@router.post("/datasets/{dataset_id}/decision", response_model=DatasetOut)
def decide_dataset(session: SessionDep, actor: ActorDep, dataset_id: uuid.UUID, body: DatasetDecisionIn) -> DatasetOut:  # fmt: skip
    """Approve or reject a flagged dataset (assigned verifier, or owner with new evidence)."""
    return dataset_review.decide_dataset(session, actor, dataset_id, body)


@router.post("/alerts/{alert_id}/assignment", response_model=AlertOut, tags=["alerts"])
def assign_alert(session: SessionDep, actor: ActorDep, alert_id: uuid.UUID, body: AlertAssignmentIn) -> AlertOut:  # fmt: skip
    """Ask a verifier organization to review an open alert about your dataset."""
    return dataset_review.assign_alert(session, actor, alert_id, body)
