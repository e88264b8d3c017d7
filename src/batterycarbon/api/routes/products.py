"""Products and their versioned designs."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from batterycarbon.api.deps import ActorDep, SessionDep
from batterycarbon.api.idempotency import IdempotencyKey, respond
from batterycarbon.api.paging import PAGED_RESPONSES, paged
from batterycarbon.services import products
from batterycarbon.services.products import (
    DesignIn,
    DesignVersionOut,
    ProductIn,
    ProductOut,
    ProductQuery,
)

router = APIRouter(tags=["products"])


@router.get("/products", response_model=list[ProductOut], responses=PAGED_RESPONSES)
def list_products(session: SessionDep, actor: ActorDep, request: Request, response: Response, filters: Annotated[ProductQuery, Query()]) -> list[ProductOut]:  # fmt: skip
    return paged(request, response, products.find_products(session, actor, filters))


@router.post("/products", response_model=ProductOut, status_code=status.HTTP_201_CREATED)
def create_product(session: SessionDep, actor: ActorDep, body: ProductIn, idempotency_key: IdempotencyKey = None) -> Response:  # fmt: skip
    return respond(session, actor, idempotency_key, "POST /products", body, lambda: products.create_product(session, actor, body))  # fmt: skip


@router.get("/products/{product_id}", response_model=ProductOut)
def get_product(session: SessionDep, actor: ActorDep, product_id: uuid.UUID) -> ProductOut:
    return products.get_product(session, actor, product_id)


@router.post("/products/{product_id}/designs", response_model=DesignVersionOut, status_code=status.HTTP_201_CREATED)  # fmt: skip
def add_design(session: SessionDep, actor: ActorDep, product_id: uuid.UUID, body: DesignIn, idempotency_key: IdempotencyKey = None) -> Response:  # fmt: skip
    payload = {"product_id": product_id, "body": body}
    return respond(session, actor, idempotency_key, "POST /products/{product_id}/designs", payload, lambda: products.add_design_version(session, actor, product_id, body))  # fmt: skip
