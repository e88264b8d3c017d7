"""Revoking what an account signed in with: changing one's password, disabling and enabling an
account, signing out.

Each access token and web session carries its account's ``credentials_version`` from sign-in;
requests check it against the account's current one (``services.accounts``). A password change,
a disabled account and a sign-out add one to it, so every token and web session issued before
is refused from then on (the API server's account cache may let one through for up to
``BATTERYCARBON_ACTOR_CACHE_SECONDS`` on another server process: ``api.deps.ActorCache``).
Enabling an account again revokes nothing and restores nothing: its people sign in anew.

Permissions: anyone changes their own password (giving the current one) and signs out their
own account; a platform administrator, or the administrator of the account's organization,
disables and enables a user; nobody disables their own account (the last administrator would be
locked out). Users of other organizations are :class:`NotFound` to an organization's
administrator, as they are to everyone else but a platform administrator.
"""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from batterycarbon.errors import InputError, excerpt
from batterycarbon.services.accounts import UserOut, _user_out
from batterycarbon.services.context import Actor, audit, unit_of_work
from batterycarbon.services.errors import Conflict, NotFound
from batterycarbon.services.login_throttle import LoginThrottle
from batterycarbon.services.lookup import get_visible
from batterycarbon.services.passwords import MAX_PASSWORD_CHARS, POLICY, password_problems
from batterycarbon.services.permissions import require, require_admin_of
from batterycarbon.services.security import hash_secret, verify_secret
from batterycarbon.store import ApiClient, User


class WrongCurrentPassword(InputError):
    """The current password given to change it is not the account's (a failed sign-in)."""


class PasswordChangeIn(BaseModel):
    """One's current password and the new one (which the policy must accept)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "current_password": "the passphrase you sign in with",
                    "new_password": "another long passphrase of your own",
                }
            ]
        },
    )

    current_password: str = Field(min_length=1, max_length=MAX_PASSWORD_CHARS)
    new_password: str = Field(min_length=1, max_length=MAX_PASSWORD_CHARS, description=POLICY)


def _own_user(session: Session, actor: Actor) -> User:
    only_people = (
        "only a person's account has a password and signs out; an API client's tokens end"
        " at their expiry"
    )
    require(actor.kind == "user" and actor.user_id is not None, only_people)
    return get_visible(session, User, actor.user_id, "this account no longer exists")


def change_password(session: Session, actor: Actor, data: PasswordChangeIn) -> int:
    """Set the actor's new password once its current one is confirmed; every token and web
    session of the account ends. Returns the account's new ``credentials_version``, under which
    the caller may start the session it is in anew. :class:`InputError` naming
    ``current_password`` or ``new_password``; nothing changes then."""
    with unit_of_work(session):
        user = _own_user(session, actor)
        if not verify_secret(user.password_hash, data.current_password):
            problem = "current_password: is not your current password"
            raise WrongCurrentPassword("password change", [problem])
        problems = password_problems(data.new_password, user.username, "new_password")
        if data.new_password == data.current_password:
            problems.append("new_password: is the current password; choose a new one")
        if problems:
            raise InputError("password change", problems)
        user.password_hash = hash_secret(data.new_password)
        _end_credentials(session, actor, user, "user.password_changed")
        return user.credentials_version


def throttled_password_change(
    session: Session, actor: Actor, data: PasswordChangeIn, throttle: LoginThrottle, address: str
) -> int:
    """:func:`change_password` behind the sign-in back-off (``services.login_throttle``): a
    wrong current password counts as a failed sign-in of the account from ``address``, and
    while the account or the address must wait, :class:`TooManyAttempts` before the password is
    looked at; so a stolen token or session cannot guess the password faster than the sign-in
    form can."""
    account = f"user:{actor.name}"
    throttle.check(account, address, "current_password")
    try:
        version = change_password(session, actor, data)
    except WrongCurrentPassword:
        throttle.failed(account, address)
        raise
    throttle.succeeded(account)
    return version


def revoke_own_credentials(session: Session, actor: Actor) -> None:
    """Sign out everywhere: every token and web session of the actor's account ends (a user's;
    an API client's tokens too, its secret stays valid for new ones)."""
    with unit_of_work(session):
        if actor.kind == "client":
            client = session.scalar(select(ApiClient).where(ApiClient.client_id == actor.name))
            if client is None:
                raise NotFound("this API client no longer exists")
            _end_credentials(session, actor, client, "api_client.signed_out")
            return
        _end_credentials(session, actor, _own_user(session, actor), "user.signed_out")


def _end_credentials(
    session: Session, actor: Actor, account: User | ApiClient, action: str
) -> None:
    """End every token and web session of ``account`` (its credentials version goes up; what
    carries the old one is refused) and audit it as ``action``."""
    account.credentials_version += 1
    kind = "user" if isinstance(account, User) else "api_client"
    after = {"credentials_version": account.credentials_version}
    audit(session, actor, action, kind, account.id, after=after)


def _managed_user(session: Session, actor: Actor, user_id: uuid.UUID) -> User:
    """A user the actor administers: :class:`NotFound` for another organization's (unless a
    platform administrator), :class:`PermissionDenied` for a non-administrator's own."""
    user = get_visible(
        session,
        User,
        user_id,
        f"user_id: no user {user_id}",
        lambda row: actor.is_admin or row.organization_id == actor.organization_id,
    )
    require_admin_of(actor, user.organization_id)
    return user


def set_user_active(session: Session, actor: Actor, user_id: uuid.UUID, active: bool) -> UserOut:
    """Disable (``active`` false: its tokens and web sessions end, it cannot sign in) or enable
    a user. Asking for the state it is in changes nothing and is not audited again."""
    with unit_of_work(session):
        user = _managed_user(session, actor, user_id)
        if not active and user.id == actor.user_id:
            raise Conflict(
                "user_id: you cannot disable your own account; ask another administrator"
            )
        if user.is_active != active:
            user.is_active = active
            if not active:
                user.credentials_version += 1
            action = "user.enabled" if active else "user.disabled"
            audit(
                session,
                actor,
                action,
                "user",
                user.id,
                after={"is_active": active, "credentials_version": user.credentials_version},
            )
        return _user_out(user)


def revoke_user_credentials(session: Session, actor: Actor, user_id: uuid.UUID) -> UserOut:
    """Sign a user out everywhere on an administrator's behalf (e.g. a lost laptop)."""
    with unit_of_work(session):
        user = _managed_user(session, actor, user_id)
        _end_credentials(session, actor, user, "user.signed_out")
        return _user_out(user)


def user_id_by_name(session: Session, actor: Actor, username: str) -> uuid.UUID:
    """The id of the user ``username`` that ``actor`` administers (for the command line)."""
    with unit_of_work(session):
        user_id = session.scalar(select(User.id).where(User.username == username))
        if user_id is None:
            raise NotFound(f"username: no user {excerpt(username)}")
        return _managed_user(session, actor, user_id).id
