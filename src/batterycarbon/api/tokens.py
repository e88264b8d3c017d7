"""Short-lived signed access tokens (JWT, HS256) naming the actor's account and its scopes.

The token carries the subject (``user:<uuid>`` or ``client:<id>``), its expiry and the granted
scopes (claim ``scope``, space-separated, as RFC 8693 section 4.2 and RFC 9068 section 2.2.3
write it); the actor's organization and roles are reloaded from the database, at most
``actor_cache_seconds`` (default 5 s) after the server last loaded them (see ``api.deps``).

Scopes restrict the PACT routes (``/3/...``): ``footprint:list`` and ``footprint:read`` are
the two scopes of the PACT v3 OpenAPI document (components.securitySchemes.BearerAuth);
``events:write`` is this host's own scope for ``POST /3/events``, for which the specification
names none. A token request without ``scope`` gets all of them (RFC 6749 section 3.3 lets the
server apply a default); the platform's other routes do not look at scopes.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from batterycarbon.errors import InputError, excerpt

ALGORITHM = "HS256"
AUDIENCE = "batterycarbon-api"
#: Shortest signing key accepted, in bytes (UTF-8). RFC 7518 section 3.2 requires an HS256 key
#: of at least the hash output size, 256 bits; a shorter or empty key lets anyone who guesses it
#: forge access tokens and web sessions (both are signed with it), an administrator's included.
MIN_SIGNING_KEY_BYTES = 32

FOOTPRINT_LIST = "footprint:list"
FOOTPRINT_READ = "footprint:read"
EVENTS_WRITE = "events:write"
#: Every scope a token may carry, with what it allows.
SCOPES = {
    FOOTPRINT_LIST: "GET /3/footprints (PACT Action ListFootprints)",
    FOOTPRINT_READ: "GET /3/footprints/{id} (PACT Action GetFootprint)",
    EVENTS_WRITE: "POST /3/events (PACT Action Events)",
}
DEFAULT_SCOPES = tuple(SCOPES)


def checked_signing_key(key: str, source: str) -> str:
    """``key`` if it holds at least :data:`MIN_SIGNING_KEY_BYTES` bytes; else
    :class:`InputError` naming ``source`` (the variable or file it came from) and its length,
    never the key itself."""
    size = len(key.encode())
    if size < MIN_SIGNING_KEY_BYTES:
        expected = f"a random secret of at least {MIN_SIGNING_KEY_BYTES} bytes (RFC 7518 3.2)"
        example = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        problem = f"{source}: holds {size} bytes; expected {expected}, e.g. from {example}"
        raise InputError("signing key", [problem])
    return key


class InvalidToken(Exception):
    """The bearer token is malformed, badly signed or expired."""


class UnknownScope(ValueError):
    """A token request named a scope this server does not grant."""


@dataclass(frozen=True)
class TokenGrant:
    """What a valid token says: who, until when (POSIX seconds), and which scopes."""

    subject: str
    expires: float
    scopes: frozenset[str]
    #: The account's ``credentials_version`` when the token was issued (claim ``ver``); ``None``
    #: for a token without one, which no account accepts.
    version: int | None = None


def parse_scope(text: str | None) -> tuple[str, ...]:
    """The scopes of a request's ``scope`` parameter (space-separated, RFC 6749 section 3.3),
    in the order given, without repeats; :data:`DEFAULT_SCOPES` when absent or empty;
    :class:`UnknownScope` naming each scope not in :data:`SCOPES`."""
    names = list(dict.fromkeys((text or "").split()))
    if not names:
        return DEFAULT_SCOPES
    unknown = [n for n in names if n not in SCOPES]
    if unknown:
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        shown = ", ".join(map(excerpt, unknown[:5])) + more
        raise UnknownScope(f"scope: unknown {shown}; this server grants {', '.join(SCOPES)}")
    return tuple(names)


def issue_token(
    subject: str,
    key: str,
    ttl_seconds: int,
    scopes: Iterable[str] = DEFAULT_SCOPES,
    version: int | None = None,
) -> str:
    """A signed token for ``subject``; ``version`` (the account's ``credentials_version``)
    goes into claim ``ver``, so that revoking the account's credentials ends the token."""
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": subject, "iat": now, "exp": now + timedelta(seconds=ttl_seconds), "aud": AUDIENCE,
        "scope": " ".join(scopes),
    }  # fmt: skip
    if version is not None:
        claims["ver"] = version
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def token_grant(token: str, key: str) -> TokenGrant:
    """Subject, expiry and scopes of a valid token (a token without a ``scope`` claim has
    none); :class:`InvalidToken` otherwise, caused by :class:`jwt.ExpiredSignatureError` when
    only the expiry is wrong."""
    try:
        claims = jwt.decode(
            token, key, algorithms=[ALGORITHM], audience=AUDIENCE,
            options={"require": ["sub", "exp", "aud"]},
        )  # fmt: skip
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    scope = claims.get("scope", "")
    scopes = frozenset(scope.split()) if isinstance(scope, str) else frozenset()
    version = claims.get("ver")
    version = version if isinstance(version, int) and not isinstance(version, bool) else None
    return TokenGrant(str(claims["sub"]), float(claims["exp"]), scopes, version)


class TokenVerifier:
    """:func:`token_grant` with ``key``, remembering the tokens it has verified.

    A token is immutable and its signature is checked once; a remembered token is still
    refused once its expiry has passed (checked on every call, as PyJWT checks it: expired when
    ``exp`` <= now). Checking an HS256 signature through PyJWT costs about a tenth of a cheap
    request's CPU (benchmarks/api_load.py), which every request with a bearer token paid.
    At most ``max_entries`` tokens are kept; when full, expired ones are dropped first, then all.
    """

    def __init__(self, key: str, max_entries: int = 4096) -> None:
        self.key = key
        self.max_entries = max_entries
        self._verified: dict[str, TokenGrant] = {}

    def grant(self, token: str) -> TokenGrant:
        grant = self._verified.get(token)
        if grant is None:
            grant = token_grant(token, self.key)
            self._remember(token, grant)
        if grant.expires <= time.time():
            self._verified.pop(token, None)
            expired = jwt.ExpiredSignatureError("Signature has expired")
            raise InvalidToken(str(expired)) from expired
        return grant

    def _remember(self, token: str, grant: TokenGrant) -> None:
        if len(self._verified) >= self.max_entries:
            now = time.time()
            self._verified = {t: g for t, g in self._verified.items() if g.expires > now}
            if len(self._verified) >= self.max_entries:
                self._verified.clear()
        self._verified[token] = grant
