"""Request dependencies: one database session per request, and the authenticated actor."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from batterycarbon.api.tokens import InvalidToken, token_subject
from batterycarbon.services import Actor, AuthenticationError
from batterycarbon.services.accounts import actor_for_subject

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_actor(
    request: Request, session: SessionDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Actor:
    """The actor named by the bearer token (401 when missing, invalid or expired)."""
    if not token:
        raise AuthenticationError("missing bearer token; get one from POST /auth/token")
    try:
        subject = token_subject(token, request.app.state.signing_key)
    except InvalidToken as exc:
        raise AuthenticationError(f"invalid token: {exc}") from None
    return actor_for_subject(session, subject)


ActorDep = Annotated[Actor, Depends(get_actor)]
