"""Organizations, their users and API clients."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from batterycarbon.api.deps import ActorDep, SessionDep
from batterycarbon.api.idempotency import IdempotencyKey, respond
from batterycarbon.api.paging import PAGED_RESPONSES, paged
from batterycarbon.services import accounts
from batterycarbon.services.accounts import (
    ApiClientCreated,
    ApiClientIn,
    OrganizationIn,
    OrganizationOut,
    OrganizationQuery,
    UserIn,
    UserOut,
)

router = APIRouter(tags=["organizations"])


@router.get("/organizations", response_model=list[OrganizationOut], responses=PAGED_RESPONSES)
def list_organizations(session: SessionDep, actor: ActorDep, request: Request, response: Response, filters: Annotated[OrganizationQuery, Query()]) -> list[OrganizationOut]:  # fmt: skip
    """The directory, by name; filter by role and country."""
    return paged(request, response, accounts.find_organizations(session, actor, filters))


@router.post("/organizations", response_model=OrganizationOut, status_code=status.HTTP_201_CREATED)
def register_organization(session: SessionDep, actor: ActorDep, body: OrganizationIn, idempotency_key: IdempotencyKey = None) -> Response:  # fmt: skip
    return respond(session, actor, idempotency_key, "POST /organizations", body, lambda: accounts.register_organization(session, actor, body))  # fmt: skip


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED)
def register_user(session: SessionDep, actor: ActorDep, body: UserIn) -> UserOut:
    return accounts.register_user(session, actor, body)


@router.post("/api-clients", response_model=ApiClientCreated, status_code=status.HTTP_201_CREATED)
def create_api_client(session: SessionDep, actor: ActorDep, body: ApiClientIn) -> ApiClientCreated:
    return accounts.create_api_client(session, actor, body)
