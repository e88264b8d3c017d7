"""Factor-library releases (import, activate) and the portfolio recalculation after a release."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from batterycarbon.api.deps import ActorDep, SessionDep
from batterycarbon.api.paging import PAGED_RESPONSES, paged
from batterycarbon.services import factor_releases, portfolio
from batterycarbon.services.factor_releases import FactorReleaseOut, ReleaseQuery
from batterycarbon.services.portfolio import PortfolioReport, RecomputeIn

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


@router.post("/portfolio/recalculations", response_model=PortfolioReport, tags=["portfolio"])
def recompute(session: SessionDep, actor: ActorDep, body: RecomputeIn) -> PortfolioReport:
    """Recompute every product's latest calculation under a release; old vs new totals."""
    return portfolio.recompute_portfolio(session, actor, body)
