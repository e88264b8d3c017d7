"""Organizations, their users and API clients."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from batterycarbon.api.deps import ActorDep, SessionDep
from batterycarbon.api.idempotency import IdempotencyKey, respond
from batterycarbon.services import accounts
from batterycarbon.services.accounts import (
    ApiClientCreated,
    ApiClientIn,
    OrganizationIn,
    OrganizationOut,
    UserIn,
    UserOut,
)

router = APIRouter(tags=["organizations"])


@router.get("/organizations", response_model=list[OrganizationOut])
def list_organizations(session: SessionDep, actor: ActorDep) -> list[OrganizationOut]:
    return accounts.list_organizations(session, actor)


@router.post("/organizations", response_model=OrganizationOut, status_code=status.HTTP_201_CREATED)
def register_organization(session: SessionDep, actor: ActorDep, body: OrganizationIn, idempotency_key: IdempotencyKey = None) -> Response:  # fmt: skip
    return respond(session, actor, idempotency_key, "POST /organizations", body, lambda: accounts.register_organization(session, actor, body))  # fmt: skip


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED)
def register_user(session: SessionDep, actor: ActorDep, body: UserIn) -> UserOut:
    return accounts.register_user(session, actor, body)


@router.post("/api-clients", response_model=ApiClientCreated, status_code=status.HTTP_201_CREATED)
def create_api_client(session: SessionDep, actor: ActorDep, body: ApiClientIn) -> ApiClientCreated:
    return accounts.create_api_client(session, actor, body)
