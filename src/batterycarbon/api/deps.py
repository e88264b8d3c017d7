"""Request dependencies: one database session per request, and the authenticated actor.

Both dependencies are ``async def`` so resolving them costs no threadpool hop; the blocking
work (loading the account, closing a session still holding a connection) is sent to the
threadpool explicitly. The actor behind a token subject is cached per process for
``Settings.actor_cache_seconds`` (see :class:`ActorCache`) and loaded on the request's session.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from batterycarbon.api.tokens import InvalidToken, TokenVerifier
from batterycarbon.services import Actor, AuthenticationError
from batterycarbon.services.accounts import actor_for_subject, check_credentials_version

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


class ActorCache:
    """Actors by (token subject, token expiry), each kept for at most ``seconds``.

    Staleness bound: a deactivated account, changed roles or revoked credentials (a password
    change, a sign-out: the account's ``credentials_version``) take effect on this process at
    most ``seconds`` after they were loaded, and never after the token expires (the token's
    expiry is checked on every request before the cache is consulted). The process that made a
    revocation drops the account (:meth:`forget`) at once; other server processes follow within
    ``seconds``. Only found, active accounts are cached; a failed lookup is retried on the next
    request. ``seconds`` = 0 disables the cache.
    """

    MAX_ENTRIES = 4096

    def __init__(self, seconds: float, clock: Callable[[], float] | None = None) -> None:
        self.seconds = seconds
        #: Monotonic seconds (tests pass their own); ``time.monotonic`` by default.
        self.clock = clock
        self._entries: dict[tuple[str, float], tuple[Actor, float]] = {}

    def get(self, subject: str, expires: float) -> Actor | None:
        entry = self._entries.get((subject, expires))
        if entry is None:
            return None
        if entry[1] <= self._now():
            self._entries.pop((subject, expires), None)
            return None
        return entry[0]

    def _now(self) -> float:
        return self.clock() if self.clock is not None else time.monotonic()

    def forget(self, subject: str) -> None:
        """Drop every entry of ``subject`` (its credentials were just revoked or changed)."""
        self._entries = {k: v for k, v in self._entries.items() if k[0] != subject}

    def put(self, subject: str, expires: float, actor: Actor) -> None:
        if self.seconds <= 0:
            return
        now = self._now()
        if len(self._entries) >= self.MAX_ENTRIES:
            self._entries = {k: v for k, v in self._entries.items() if v[1] > now}
            if len(self._entries) >= self.MAX_ENTRIES:
                self._entries.clear()
        deadline = now + min(self.seconds, max(0.0, expires - time.time()))
        self._entries[(subject, expires)] = (actor, deadline)


async def get_session(request: Request) -> AsyncIterator[Session]:
    session: Session = request.app.state.sessions()  # no I/O: connections are taken lazily
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)  # may roll back and return a connection
        else:
            session.close()


SessionDep = Annotated[Session, Depends(get_session)]


async def get_actor(
    request: Request, session: SessionDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Actor:
    """The actor named by the bearer token (401 when missing, invalid, expired or revoked)."""
    if not token:
        raise AuthenticationError("missing bearer token; get one from POST /auth/token")
    try:
        verifier: TokenVerifier = request.app.state.tokens
        grant = verifier.grant(token)
    except InvalidToken as exc:
        raise AuthenticationError(f"invalid token: {exc}") from None
    cache: ActorCache = request.app.state.actor_cache
    actor = cache.get(grant.subject, grant.expires)
    if actor is None:
        actor = await run_in_threadpool(actor_for_subject, session, grant.subject)
        cache.put(grant.subject, grant.expires, actor)
    return check_credentials_version(actor, grant.version)


ActorDep = Annotated[Actor, Depends(get_actor)]
