"""Revoking sign-ins: sign out (``POST /auth/revoke``), change one's password, disable and
enable a user. Each revocation ends the account's access tokens and web sessions at once on this
server process and within ``BATTERYCARBON_ACTOR_CACHE_SECONDS`` on the others
(``services.credentials``, ``api.deps.ActorCache``)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response, status

from batterycarbon.api.deps import ActorCache, ActorDep, SessionDep
from batterycarbon.services.accounts import UserOut, token_subject
from batterycarbon.services.credentials import (
    PasswordChangeIn,
    revoke_own_credentials,
    set_user_active,
    throttled_password_change,
)

router = APIRouter(tags=["auth"])


def _forget(request: Request, subject: str) -> None:
    cache: ActorCache = request.app.state.actor_cache
    cache.forget(subject)


@router.post("/auth/revoke", status_code=status.HTTP_204_NO_CONTENT)
def revoke(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    """Sign out everywhere: this token and every other token and web session of its account
    stop working (an API client keeps its secret and may ask for a new token)."""
    revoke_own_credentials(session, actor)
    _forget(request, token_subject(actor))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/users/me/password", status_code=status.HTTP_204_NO_CONTENT)
def change_own_password(
    request: Request, session: SessionDep, actor: ActorDep, body: PasswordChangeIn
) -> Response:
    """Change your password, giving the current one; every token and web session of your
    account ends, this one too (ask ``POST /auth/token`` for a new one). A wrong current
    password counts as a failed sign-in (429 with Retry-After after repeated ones)."""
    throttle = request.app.state.login_throttle
    address = request.client.host if request.client else "unknown"
    throttled_password_change(session, actor, body, throttle, address)
    _forget(request, token_subject(actor))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/users/{user_id}/deactivation", response_model=UserOut)
def disable_user(
    request: Request, session: SessionDep, actor: ActorDep, user_id: uuid.UUID
) -> UserOut:
    """Disable a user of your organization (platform administrators: anyone's): it can no
    longer sign in and its tokens and web sessions end. Not your own account."""
    user = set_user_active(session, actor, user_id, active=False)
    _forget(request, f"user:{user.id}")
    return user


@router.post("/users/{user_id}/activation", response_model=UserOut)
def enable_user(session: SessionDep, actor: ActorDep, user_id: uuid.UUID) -> UserOut:
    """Enable a disabled user again; it signs in anew (its old tokens stay revoked)."""
    return set_user_active(session, actor, user_id, active=True)
