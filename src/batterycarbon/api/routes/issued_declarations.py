"""A product's EU carbon-footprint declarations: issue one from a calculation of the product,
list them, read one, and download it again (its JSON as issued, its PDF drawn from that JSON).

The regulator's query of declared footprints and their verification states is another thing:
``GET /declarations`` (:mod:`.declarations`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from batterycarbon.api.deps import ActorDep, SessionDep
from batterycarbon.api.idempotency import IdempotencyKey, respond
from batterycarbon.api.paging import PAGED_RESPONSES, paged
from batterycarbon.services import issued_declarations as service
from batterycarbon.services.issued_declarations import (
    IssuedDeclarationOut,
    IssuedDeclarationSummary,
    IssueDeclarationIn,
)
from batterycarbon.services.paging import ListQuery

router = APIRouter(tags=["declarations"])
ONE = "/products/{product_id}/declarations/{declaration_id}"


@router.post(
    "/products/{product_id}/declarations",
    response_model=IssuedDeclarationOut,
    status_code=status.HTTP_201_CREATED,
)
def issue_declaration(
    session: SessionDep,
    actor: ActorDep,
    product_id: uuid.UUID,
    body: IssueDeclarationIn,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Issue the declaration of one of the product's calculations (Annex II content: the
    manufacturer and its postal address, the plant and its country, which must be the design's
    pack plant, the study link and use profile) and store it; each bad field is named and
    nothing is stored. The same declaration is issued once (409)."""
    payload = {"product_id": product_id, "body": body}
    return respond(
        session,
        actor,
        idempotency_key,
        "POST /products/{product_id}/declarations",
        payload,
        lambda: service.issue_declaration(session, actor, product_id, body),
    )


@router.get(
    "/products/{product_id}/declarations",
    response_model=list[IssuedDeclarationSummary],
    responses=PAGED_RESPONSES,
)
def list_declarations(
    session: SessionDep,
    actor: ActorDep,
    request: Request,
    response: Response,
    product_id: uuid.UUID,
    filters: Annotated[ListQuery, Query()],
) -> list[IssuedDeclarationSummary]:
    """The declarations issued for the product, oldest first: who, when, which calculation
    and rule set (your organization's products only)."""
    page = service.find_issued_declarations(session, actor, product_id, filters)
    return paged(request, response, page)


@router.get(ONE, response_model=IssuedDeclarationOut)
def get_declaration(
    session: SessionDep, actor: ActorDep, product_id: uuid.UUID, declaration_id: uuid.UUID
) -> IssuedDeclarationOut:
    """One issued declaration with its document."""
    return service.get_issued_declaration(session, actor, product_id, declaration_id)


def _file(
    session: SessionDep,
    actor: ActorDep,
    product_id: uuid.UUID,
    declaration_id: uuid.UUID,
    kind: str,
) -> Response:
    name, content = service.issued_declaration_file(
        session, actor, product_id, declaration_id, kind
    )
    media = "application/json" if kind == "json" else "application/pdf"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(content, media_type=media, headers=headers)


@router.get(
    f"{ONE}/declaration.json",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}, "description": "The JSON as issued"}},
)
def declaration_json(
    session: SessionDep, actor: ActorDep, product_id: uuid.UUID, declaration_id: uuid.UUID
) -> Response:
    """The declaration's JSON exactly as issued (the same bytes every time)."""
    return _file(session, actor, product_id, declaration_id, "json")


@router.get(
    f"{ONE}/declaration.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The declaration as PDF"}},
)
def declaration_pdf(
    session: SessionDep, actor: ActorDep, product_id: uuid.UUID, declaration_id: uuid.UUID
) -> Response:
    """The declaration as PDF, drawn from the JSON as issued."""
    return _file(session, actor, product_id, declaration_id, "pdf")
