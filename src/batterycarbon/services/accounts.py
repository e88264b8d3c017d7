"""Organizations, users and API clients: registration and sign-in.

Permissions: a platform administrator (member of an ``admin`` organization) registers
organizations and anyone's users and clients; an organization's own administrators
(``is_org_admin``) register users and clients of their organization only.
"""

from __future__ import annotations

import re
import uuid
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from batterycarbon.countries import country_problem
from batterycarbon.errors import InputError, excerpt, validation_problems
from batterycarbon.services.context import SYSTEM, Actor, audit, unit_of_work
from batterycarbon.services.errors import AuthenticationError, Conflict
from batterycarbon.services.lookup import get_organization
from batterycarbon.services.paging import ListQuery, Page, holds_role, page_of, paginate, within
from batterycarbon.services.passwords import MAX_PASSWORD_CHARS, POLICY, password_problems
from batterycarbon.services.permissions import require, require_admin_of
from batterycarbon.services.security import generate_secret, hash_secret, verify_secret
from batterycarbon.store import ApiClient, Organization, User
from batterycarbon.text import Line

Role = Literal["manufacturer", "supplier", "oem", "recycler", "verifier", "regulator", "admin"]
USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.@-]{1,99}$")

#: Most roles in one organization's registration: each of the seven roles at most once, so a
#: longer list can only repeat one. Unbounded, a list of any length was validated item by item
#: and written whole into the audit entry, though only the distinct roles are stored.
MAX_ROLES = len(get_args(Role))


class OrganizationIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "Cathode Co", "country": "KR", "roles": ["supplier"]}]
        },
    )

    name: Line = Field(min_length=2, max_length=200)
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    roles: list[Role] = Field(min_length=1, max_length=MAX_ROLES)

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        problem = None if value is None else country_problem(value)
        if problem is not None:  # the pattern lets any two capitals through, "ZZ" included
            raise ValueError(problem)
        return value


class OrganizationOut(BaseModel):
    id: uuid.UUID
    name: str
    country: str | None
    roles: list[str]


class UserIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "organization_id": "5b0f0d53-8c8b-4f43-9c6e-2f7e9b1f6d11",
                    "username": "jin.park",
                    "password": "a long passphrase of your own",
                    "full_name": "Jin Park",
                }
            ]
        },
    )

    organization_id: uuid.UUID
    username: Line
    password: str = Field(max_length=MAX_PASSWORD_CHARS, description=POLICY)
    full_name: Line | None = Field(default=None, max_length=200)
    is_org_admin: bool = False

    @field_validator("username")
    @classmethod
    def _username(cls, value: str) -> str:
        if not USERNAME.match(value):
            raise ValueError("use 2-100 lower-case letters, digits and _ . @ -, starting alnum")
        return value

    @field_validator("password")
    @classmethod
    def _password(cls, value: str, info: ValidationInfo) -> str:
        problems = password_problems(value, info.data.get("username"))
        if problems:
            raise ValueError("; ".join(p.removeprefix("password: ") for p in problems))
        return value


class UserOut(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    username: str
    full_name: str | None
    is_org_admin: bool
    is_active: bool = True


class ApiClientIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organization_id: uuid.UUID
    name: Line = Field(min_length=2, max_length=200)


class ApiClientCreated(BaseModel):
    """The client's secret is shown once, here; only its hash is stored."""

    id: uuid.UUID
    organization_id: uuid.UUID
    name: str
    client_id: str
    client_secret: str


def _org_out(org: Organization) -> OrganizationOut:
    return OrganizationOut(id=org.id, name=org.name, country=org.country, roles=list(org.roles))


def _user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        organization_id=user.organization_id,
        username=user.username,
        full_name=user.full_name,
        is_org_admin=user.is_org_admin,
        is_active=user.is_active,
    )


def bootstrap_admin(session: Session, username: str, password: str) -> UserOut:
    """Create the platform's ``admin`` organization and its first user on an empty database."""
    try:
        data = UserIn(
            organization_id=uuid.uuid4(), username=username, password=password, is_org_admin=True
        )
    except ValidationError as exc:  # e.g. a password the policy refuses
        raise InputError("administrator", validation_problems(exc)) from None
    with unit_of_work(session):
        if session.scalar(select(func.count()).select_from(Organization)):
            raise Conflict("the database already has organizations; bootstrap runs only once")
        org = Organization(name="Platform administration", roles=["admin"])
        session.add(org)
        session.flush()
        user = _insert_user(session, data.model_copy(update={"organization_id": org.id}))
        audit(session, SYSTEM, "organization.registered", "organization", org.id, after=org.name)
        audit(session, SYSTEM, "user.registered", "user", user.id, after=user.username)
        return _user_out(user)


def register_organization(session: Session, actor: Actor, data: OrganizationIn) -> OrganizationOut:
    with unit_of_work(session):
        require(actor.is_admin, "only a platform administrator registers organizations")
        if session.scalar(select(Organization.id).where(Organization.name == data.name)):
            raise Conflict(f"name: an organization named {excerpt(data.name)} already exists")
        org = Organization(name=data.name, country=data.country, roles=sorted(set(data.roles)))
        session.add(org)
        session.flush()
        audit(
            session,
            actor,
            "organization.registered",
            "organization",
            org.id,
            after=data.model_dump(mode="json"),
        )
        return _org_out(org)


class OrganizationQuery(ListQuery):
    role: Role | None = None
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$", examples=["KR"])


def find_organizations(
    session: Session, actor: Actor, query: OrganizationQuery | None = None
) -> Page[OrganizationOut]:
    """The directory of organizations (names and roles), so partners can be chosen to share with;
    by name."""
    with unit_of_work(session):
        statement = select(Organization)
        if query is not None:
            statement = within(statement, Organization.created_at, query)
            if query.role is not None:
                statement = statement.where(holds_role(Organization.roles, query.role))
            if query.country is not None:
                statement = statement.where(Organization.country == query.country)
        rows, total = paginate(session, statement, query, (Organization.name, Organization.id))
        return page_of([_org_out(org) for org in rows], total, query)


def list_organizations(session: Session, actor: Actor) -> list[OrganizationOut]:
    return find_organizations(session, actor).items


def _insert_user(session: Session, data: UserIn) -> User:
    if session.scalar(select(User.id).where(User.username == data.username)):
        raise Conflict(f"username: {excerpt(data.username)} is taken")
    user = User(
        organization_id=data.organization_id,
        username=data.username,
        full_name=data.full_name,
        password_hash=hash_secret(data.password),
        is_org_admin=data.is_org_admin,
    )
    session.add(user)
    session.flush()
    return user


def register_user(session: Session, actor: Actor, data: UserIn) -> UserOut:
    with unit_of_work(session):
        require_admin_of(actor, data.organization_id)
        get_organization(session, "organization_id", data.organization_id)
        user = _insert_user(session, data)
        audit(
            session,
            actor,
            "user.registered",
            "user",
            user.id,
            after=_user_out(user).model_dump(mode="json"),
        )
        return _user_out(user)


def create_api_client(session: Session, actor: Actor, data: ApiClientIn) -> ApiClientCreated:
    with unit_of_work(session):
        require_admin_of(actor, data.organization_id)
        get_organization(session, "organization_id", data.organization_id)
        secret = generate_secret()
        client = ApiClient(
            organization_id=data.organization_id,
            name=data.name,
            client_id=f"bc_{uuid.uuid4().hex[:20]}",
            secret_hash=hash_secret(secret),
        )
        session.add(client)
        session.flush()
        audit(
            session,
            actor,
            "api_client.created",
            "api_client",
            client.id,
            after={"client_id": client.client_id, "name": client.name},
        )
        return ApiClientCreated(
            id=client.id,
            organization_id=client.organization_id,
            name=client.name,
            client_id=client.client_id,
            client_secret=secret,
        )


def _user_actor(user: User) -> Actor:
    return Actor(
        kind="user",
        name=user.username,
        organization_id=user.organization_id,
        roles=frozenset(user.organization.roles),
        user_id=user.id,
        is_org_admin=user.is_org_admin,
        credentials_version=user.credentials_version,
    )


def _client_actor(client: ApiClient) -> Actor:
    return Actor(
        kind="client",
        name=client.client_id,
        organization_id=client.organization_id,
        roles=frozenset(client.organization.roles),
        credentials_version=client.credentials_version,
    )


def authenticate_user(session: Session, username: str, password: str) -> Actor:
    """The actor for a username and password; :class:`AuthenticationError` otherwise."""
    with unit_of_work(session):
        user = session.scalar(select(User).where(User.username == username))
        if not verify_secret(user.password_hash if user else None, password) or user is None:
            raise AuthenticationError("wrong username or password")
        if not user.is_active:
            raise AuthenticationError("wrong username or password")
        return _user_actor(user)


def authenticate_client(session: Session, client_id: str, secret: str) -> Actor:
    """The actor for API client credentials; :class:`AuthenticationError` otherwise."""
    with unit_of_work(session):
        client = session.scalar(select(ApiClient).where(ApiClient.client_id == client_id))
        if not verify_secret(client.secret_hash if client else None, secret) or client is None:
            raise AuthenticationError("wrong client id or secret")
        if not client.is_active:
            raise AuthenticationError("wrong client id or secret")
        return _client_actor(client)


def actor_for_subject(session: Session, subject: str) -> Actor:
    """Reload a token's subject (``user:<uuid>`` or ``client:<client id>``) from the database,
    so a deactivated account or a changed role takes effect before the token expires."""
    kind, _, ident = subject.partition(":")
    with unit_of_work(session):
        if kind == "user":
            try:
                user = session.get(User, uuid.UUID(ident))
            except ValueError:
                user = None
            if user is not None and user.is_active:
                return _user_actor(user)
        elif kind == "client":
            client = session.scalar(select(ApiClient).where(ApiClient.client_id == ident))
            if client is not None and client.is_active:
                return _client_actor(client)
    raise AuthenticationError("the token's account no longer exists or is inactive")


def check_credentials_version(actor: Actor, version: int | None) -> Actor:
    """``actor`` if a token or web session issued under ``version`` is still valid for it;
    :class:`AuthenticationError` once the account's credentials were revoked since (a password
    change, the account disabled, a sign-out: ``services.credentials``)."""
    if version != actor.credentials_version:
        raise AuthenticationError(
            "this sign-in was revoked (password changed, account disabled or signed out); sign "
            "in again"
        )
    return actor


def token_subject(actor: Actor) -> str:
    """The ``sub`` claim naming ``actor`` in a token."""
    return f"user:{actor.user_id}" if actor.kind == "user" else f"client:{actor.name}"
