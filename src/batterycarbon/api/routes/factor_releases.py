"""Factor-library releases (import, activate) and the portfolio recalculation after a release."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status

from batterycarbon.api.deps import ActorDep, SessionDep
from batterycarbon.api.paging import PAGED_RESPONSES, paged
from batterycarbon.services import factor_releases, portfolio
from batterycarbon.services.factor_releases import FactorReleaseOut, ReleaseQuery
from batterycarbon.services.jobs import JobOut
from batterycarbon.services.portfolio import RecomputeIn

router = APIRouter(tags=["factor releases"])
ReleaseId = Annotated[str, Path(max_length=64, examples=["open-2024.1"])]


@router.get("/factor-releases", response_model=list[FactorReleaseOut], responses=PAGED_RESPONSES)
def list_releases(session: SessionDep, actor: ActorDep, request: Request, response: Response, filters: Annotated[ReleaseQuery, Query()]) -> list[FactorReleaseOut]:  # fmt: skip
    return paged(request, response, factor_releases.find_releases(session, actor, filters))


@router.post("/factor-releases/import", response_model=list[FactorReleaseOut])
def import_releases(session: SessionDep, actor: ActorDep) -> list[FactorReleaseOut]:
    """Record the bundled releases not yet imported (administrators and regulators)."""
    return factor_releases.import_bundled_releases(session, actor)


@router.post("/factor-releases/{release_id}/activation", response_model=FactorReleaseOut)
def activate(session: SessionDep, actor: ActorDep, release_id: ReleaseId) -> FactorReleaseOut:
    """Make the release the default for new calculations (platform administrators)."""
    return factor_releases.activate_release(session, actor, release_id)


@router.post(
    "/portfolio/recalculations", response_model=JobOut, status_code=status.HTTP_202_ACCEPTED,
    tags=["portfolio"], responses={202: {"headers": {"Location": {"description": "The job: GET it for state, progress and the report", "schema": {"type": "string"}}}}},
)  # fmt: skip
def recompute(request: Request, response: Response, session: SessionDep, actor: ActorDep, body: RecomputeIn) -> JobOut:  # fmt: skip
    """Recompute every product's latest calculation under a release, as a background job: the
    answer is the queued job; ``GET /jobs/{id}`` reports progress, then the report (old vs new
    totals per product) as its ``result``."""
    job = portfolio.submit_recomputation(session, actor, body, request.app.state.jobs)
    response.headers["Location"] = f"/jobs/{job.id}"
    return job
