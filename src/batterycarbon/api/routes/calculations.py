"""Calculations: compute a stored design with shared supplier data; read results."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from batterycarbon.api.deps import ActorDep, SessionDep
from batterycarbon.api.idempotency import IdempotencyKey, respond
from batterycarbon.api.paging import PAGED_RESPONSES, paged
from batterycarbon.services import calculations
from batterycarbon.services.calculations import CalculationIn, CalculationOut, CalculationQuery

router = APIRouter(tags=["calculations"])


@router.get("/calculations", response_model=list[CalculationOut], responses=PAGED_RESPONSES)
def list_calculations(session: SessionDep, actor: ActorDep, request: Request, response: Response, filters: Annotated[CalculationQuery, Query()]) -> list[CalculationOut]:  # fmt: skip
    return paged(request, response, calculations.find_calculations(session, actor, filters))


@router.post("/calculations", response_model=CalculationOut, status_code=status.HTTP_201_CREATED)
def calculate(session: SessionDep, actor: ActorDep, body: CalculationIn, idempotency_key: IdempotencyKey = None) -> Response:  # fmt: skip
    return respond(session, actor, idempotency_key, "POST /calculations", body, lambda: calculations.calculate_design(session, actor, body))  # fmt: skip


@router.get(
    "/calculations/{calculation_id}", response_model=None,
    responses={200: {"model": CalculationOut, "description": "Successful Response"}},
)  # fmt: skip
def get_calculation(session: SessionDep, actor: ActorDep, calculation_id: uuid.UUID) -> Response:
    # The service already built a validated CalculationOut: serialize it once, skipping the
    # response-model round trip (dump, re-validate, dump) of the ~11 kB result. The schema stays
    # documented through ``responses``.
    out = calculations.get_calculation(session, actor, calculation_id)
    return Response(content=out.model_dump_json(), media_type="application/json")
