"""Who acts: organizations with their roles, their people (users) and their machines (API clients).

Secrets are never stored: ``password_hash`` and ``secret_hash`` hold argon2 hashes made by
:mod:`batterycarbon.services.security`. ``credentials_version`` counts the revocations of an
account's tokens and web sessions (password changed, account disabled, signed out): each carries
the version it was issued under and is refused once the account's version has moved on.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from batterycarbon.store.base import Base, CreatedMixin, IdMixin

#: Roles an organization can hold in the chain (issue 5, section 1).
ROLES = ("manufacturer", "supplier", "oem", "recycler", "verifier", "regulator", "admin")


class Organization(IdMixin, CreatedMixin, Base):
    """A company or authority. ``roles`` is a list drawn from :data:`ROLES`."""

    __tablename__ = "organizations"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    country: Mapped[str | None] = mapped_column(String(2))
    roles: Mapped[list[Any]]

    users: Mapped[list[User]] = relationship(back_populates="organization")


class User(IdMixin, CreatedMixin, Base):
    """A person who signs in with a password (OAuth2 password grant)."""

    __tablename__ = "users"

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_org_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    credentials_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    organization: Mapped[Organization] = relationship(back_populates="users")


class ApiClient(IdMixin, CreatedMixin, Base):
    """A machine that signs in with client id and secret (OAuth2 client-credentials grant)."""

    __tablename__ = "api_clients"

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    credentials_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    organization: Mapped[Organization] = relationship()
