"""The regulator's query of declarations and their verification states (no activity data)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from batterycarbon.api.deps import ActorDep, SessionDep
from batterycarbon.api.paging import PAGED_RESPONSES, paged
from batterycarbon.services import declarations
from batterycarbon.services.declarations import DeclarationOut, DeclarationQuery

router = APIRouter(tags=["oversight"])


@router.get("/declarations", response_model=list[DeclarationOut], responses=PAGED_RESPONSES)
def list_declarations(session: SessionDep, actor: ActorDep, request: Request, response: Response, filters: Annotated[DeclarationQuery, Query()]) -> list[DeclarationOut]:  # fmt: skip
    """Declared footprints submitted for verification, with their state; filter by state,
    chemistry, region, year, manufacturer or organization (regulators, administrators)."""
    return paged(request, response, declarations.find_declarations(session, actor, filters))
