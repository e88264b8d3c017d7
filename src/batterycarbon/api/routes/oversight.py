"""The regulator's view of alerts and complaints, and anonymized footprint statistics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from batterycarbon.api.deps import ActorDep, SessionDep
from batterycarbon.services import oversight
from batterycarbon.services.oversight import FootprintStatistics, OversightOut

router = APIRouter(tags=["oversight"])


@router.get("/oversight", response_model=OversightOut)
def overview(session: SessionDep, actor: ActorDep) -> OversightOut:
    """Counts by state and the open alerts and complaints (regulators, administrators)."""
    return oversight.overview(session, actor)


@router.get("/statistics/footprints", response_model=FootprintStatistics)
def footprint_statistics(
    session: SessionDep,
    actor: ActorDep,
    chemistry: Annotated[str | None, Query(max_length=20)] = None,
    region: Annotated[str | None, Query(max_length=10)] = None,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
) -> FootprintStatistics:
    """Verified footprints by chemistry, cell-plant country and design year, under
    statistical disclosure control: a group with too few organizations, or one that a single
    organization dominates, is suppressed (counted, without its key or size); a shown group
    gives its product count as a band and its mean and quartiles rounded to a coarse step
    (``method`` in the response gives the thresholds and the reference)."""
    return oversight.footprint_statistics(session, actor, chemistry, region, year)
