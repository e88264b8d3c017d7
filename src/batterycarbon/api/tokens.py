"""Short-lived signed access tokens (JWT, HS256) naming the actor's account.

The token carries only the subject (``user:<uuid>`` or ``client:<id>``) and its expiry; the
actor's organization and roles are reloaded from the database, at most
``actor_cache_seconds`` (default 5 s) after the server last loaded them (see ``api.deps``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt

ALGORITHM = "HS256"
AUDIENCE = "batterycarbon-api"


class InvalidToken(Exception):
    """The bearer token is malformed, badly signed or expired."""


def issue_token(subject: str, key: str, ttl_seconds: int) -> str:
    now = datetime.now(UTC)
    claims = {"sub": subject, "iat": now, "exp": now + timedelta(seconds=ttl_seconds), "aud": AUDIENCE}  # fmt: skip
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def token_subject(token: str, key: str) -> str:
    """The subject of a valid token; :class:`InvalidToken` otherwise."""
    return token_claims(token, key)[0]


def token_claims(token: str, key: str) -> tuple[str, float]:
    """The subject and expiry (POSIX seconds) of a valid token; :class:`InvalidToken` otherwise."""
    try:
        claims = jwt.decode(
            token, key, algorithms=[ALGORITHM], audience=AUDIENCE,
            options={"require": ["sub", "exp", "aud"]},
        )  # fmt: skip
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    return str(claims["sub"]), float(claims["exp"])
