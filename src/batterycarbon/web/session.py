"""The browser session: a signed cookie holding the CSRF token, the signed-in subject and the
``credentials_version`` of its account at sign-in (a session of an older version was revoked:
``web.common.signed_in_actor`` checks it on every request).

The cookie is HttpOnly and SameSite=Lax (Secure over HTTPS), signed and time-limited with
the application's signing key (itsdangerous). Every form carries the session's CSRF token,
compared in constant time on POST.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, replace

from fastapi import Request
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "batterycarbon_session"
MAX_AGE_SECONDS = 8 * 3600
SALT = "batterycarbon-web-session"


@dataclass(frozen=True)
class WebSession:
    csrf: str
    subject: str | None = None
    version: int | None = None


class CsrfError(Exception):
    """A form arrived without the session's CSRF token."""


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.signing_key, salt=SALT)


def new_session(subject: str | None = None, version: int | None = None) -> WebSession:
    return WebSession(csrf=secrets.token_urlsafe(32), subject=subject, version=version)


def read_session(request: Request) -> WebSession | None:
    """The session of a valid cookie; ``None`` when absent, tampered with or expired."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        data = _serializer(request).loads(raw, max_age=MAX_AGE_SECONDS)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("csrf"), str):
        return None
    subject = data.get("sub")
    version = data.get("ver")
    return WebSession(
        csrf=data["csrf"],
        subject=subject if isinstance(subject, str) else None,
        version=version if isinstance(version, int) and not isinstance(version, bool) else None,
    )


def current_or_new(request: Request) -> WebSession:
    return read_session(request) or new_session()


def write_session(request: Request, response: Response, session: WebSession) -> None:
    value = _serializer(request).dumps(
        {"csrf": session.csrf, "sub": session.subject, "ver": session.version}
    )
    response.set_cookie(
        COOKIE,
        value,
        max_age=MAX_AGE_SECONDS,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def signed_out(session: WebSession) -> WebSession:
    return replace(session, subject=None, version=None, csrf=secrets.token_urlsafe(32))


def check_csrf(request: Request, token: str | None) -> WebSession:
    """The session whose CSRF token ``token`` is; :class:`CsrfError` otherwise."""
    session = read_session(request)
    if session is None or not token or not hmac.compare_digest(session.csrf, token):
        raise CsrfError("missing or invalid CSRF token")
    return session
