"""Calculations: compute a stored design with shared supplier data; read results."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from batterycarbon.api.deps import ActorDep, SessionDep
from batterycarbon.api.idempotency import IdempotencyKey, respond
from batterycarbon.api.paging import PAGED_RESPONSES, paged
from batterycarbon.services import calculation_sharing, calculations, supply, uncertainty
from batterycarbon.services.calculation_sharing import (
    CalculationGrantIn,
    CalculationGrantOut,
    SharedCalculationOut,
)
from batterycarbon.services.calculations import CalculationIn, CalculationOut, CalculationQuery
from batterycarbon.services.jobs import JobOut
from batterycarbon.services.paging import ListQuery

router = APIRouter(tags=["calculations"])


@router.get("/calculations", response_model=list[CalculationOut], responses=PAGED_RESPONSES)
def list_calculations(session: SessionDep, actor: ActorDep, request: Request, response: Response, filters: Annotated[CalculationQuery, Query()]) -> list[CalculationOut]:  # fmt: skip
    return paged(request, response, calculations.find_calculations(session, actor, filters))


@router.get("/shared-calculations", response_model=list[SharedCalculationOut], responses=PAGED_RESPONSES)  # fmt: skip
def shared_with_me(session: SessionDep, actor: ActorDep, request: Request, response: Response, filters: Annotated[ListQuery, Query()]) -> list[SharedCalculationOut]:  # fmt: skip
    """Calculations other organizations share with yours: their declared figures only."""
    return paged(request, response, calculation_sharing.find_shared_with_me(session, actor, filters))  # fmt: skip


@router.post("/calculations", response_model=CalculationOut, status_code=status.HTTP_201_CREATED)
def calculate(session: SessionDep, actor: ActorDep, body: CalculationIn, idempotency_key: IdempotencyKey = None) -> Response:  # fmt: skip
    """Calculate a design version with the supplier datasets its ``supply`` names (refused,
    naming the material, when none fits). Identical inputs already calculated by your
    organization answer with that stored calculation and ``already_stored: true``: nothing is
    added."""
    return respond(session, actor, idempotency_key, "POST /calculations", body, lambda: calculations.calculate_design(session, actor, body))  # fmt: skip


@router.get(
    "/calculations/{calculation_id}", response_model=None,
    responses={200: {"model": CalculationOut | SharedCalculationOut, "description": "The whole calculation for its maker and verifier; the declared figures for a customer it was shared with"}},
)  # fmt: skip
def get_calculation(session: SessionDep, actor: ActorDep, calculation_id: uuid.UUID) -> Response:
    # The service already built a validated model: serialize it once, skipping the
    # response-model round trip (dump, re-validate, dump) of the ~11 kB result. The schema stays
    # documented through ``responses``.
    out = calculation_sharing.read_calculation(session, actor, calculation_id)
    return Response(content=out.model_dump_json(), media_type="application/json")


@router.get("/calculations/{calculation_id}/changes", response_model=supply.CalculationChanges)
def calculation_changes(
    session: SessionDep, actor: ActorDep, calculation_id: uuid.UUID
) -> supply.CalculationChanges:
    """What changed since the calculation (its maker only), one line each: a newer approved
    dataset of a supplier the design names, a supplier figure that no longer fits, a newer
    active factor release, a newer design version. Empty: recalculating changes nothing."""
    return supply.CalculationChanges(
        calculation_id=calculation_id, newer_data=supply.newer_data(session, actor, calculation_id)
    )


@router.get("/calculations/{calculation_id}/grants", response_model=list[CalculationGrantOut], responses=PAGED_RESPONSES)  # fmt: skip
def list_grants(session: SessionDep, actor: ActorDep, request: Request, response: Response, calculation_id: uuid.UUID, filters: Annotated[ListQuery, Query()]) -> list[CalculationGrantOut]:  # fmt: skip
    """Who the calculation is shared with, revoked grants included (its maker only)."""
    return paged(request, response, calculation_sharing.find_calculation_grants(session, actor, calculation_id, filters))  # fmt: skip


@router.post("/calculations/{calculation_id}/grants", response_model=CalculationGrantOut, status_code=status.HTTP_201_CREATED)  # fmt: skip
def share_calculation(session: SessionDep, actor: ActorDep, calculation_id: uuid.UUID, body: CalculationGrantIn) -> CalculationGrantOut:  # fmt: skip
    """Show the calculation's declared figures (total, stages, rule set, release) to a customer
    organization, here and over PACT ``GET /3/footprints``; never the design or supplier data."""
    return calculation_sharing.share_calculation(session, actor, calculation_id, body)


@router.delete("/calculations/{calculation_id}/grants/{organization_id}", response_model=CalculationGrantOut)  # fmt: skip
def revoke_share(session: SessionDep, actor: ActorDep, calculation_id: uuid.UUID, organization_id: uuid.UUID) -> CalculationGrantOut:  # fmt: skip
    """End a customer's access to the calculation (its maker only)."""
    return calculation_sharing.revoke_calculation_share(session, actor, calculation_id, organization_id)  # fmt: skip


@router.post(
    "/calculations/{calculation_id}/uncertainty", response_model=JobOut,
    status_code=status.HTTP_202_ACCEPTED,
    responses={202: {"headers": {"Location": {"description": "The job: GET it for state, progress and the statistics", "schema": {"type": "string"}}}}},
)  # fmt: skip
def run_uncertainty(request: Request, response: Response, session: SessionDep, actor: ActorDep, calculation_id: uuid.UUID, body: uncertainty.UncertaintyIn) -> JobOut:  # fmt: skip
    """A Monte Carlo of the stored calculation (its design, release and rule set) as a background
    job (its maker only): ``GET /jobs/{id}`` reports progress, then the statistics of the total
    and of each stage beside the deterministic figures as its ``result``."""
    job = uncertainty.submit_uncertainty(session, actor, calculation_id, body.runs, body.seed, request.app.state.jobs)  # fmt: skip
    response.headers["Location"] = f"/jobs/{job.id}"
    return job
