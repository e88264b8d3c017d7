"""``POST /auth/token``: OAuth2 password grant (people) and client-credentials grant (machines).

Client credentials come by HTTP Basic authentication (RFC 6749 section 2.3.1, the way PACT v3
Action Authenticate sends them) or as the form fields ``client_id`` and ``client_secret``, not
both. The optional ``scope`` (space-separated) asks for a subset of
:data:`~batterycarbon.api.tokens.SCOPES`; without it the token gets all of them.

Errors of the client-credentials grant, of the grant type and of the scope are the JSON object
of RFC 6749 section 5.2 (``{"error", "error_description"}``): ``invalid_request`` 400
(``grant_type`` missing, two ways of authenticating the client), ``unsupported_grant_type``
400, ``invalid_scope`` 400, ``invalid_client`` 401 with ``WWW-Authenticate: Basic`` when the
client authenticated (or tried to) by the Authorization header or sent no credentials at all,
400 when it sent wrong credentials in the form. The password grant keeps the platform's error
format (``{"detail", "errors"}``: 422 for a missing field, 401 for wrong credentials).

Both grants are throttled (``services.login_throttle``): after repeated failures for an account or
from an address, 429 with Retry-After (the platform's error format), even for the right
password, until the wait is over. The secret is verified on the hashing workers
(``services.security``), not on a request handler's thread; when they are saturated, 503 with
Retry-After.

References
----------
RFC 6749, The OAuth 2.0 Authorization Framework: sections 2.3.1, 3.3, 4.4, 5.1 and 5.2.
WBCSD PACT Technical Specifications v3.0, Action Authenticate (spec/v3/rest-api.md).
"""

from __future__ import annotations

import base64
import binascii
from functools import partial
from typing import Annotated, Any, Literal
from urllib.parse import unquote_plus

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from batterycarbon.api.deps import SessionDep
from batterycarbon.api.tokens import UnknownScope, issue_token, parse_scope
from batterycarbon.errors import InputError, excerpt
from batterycarbon.services import AuthenticationError
from batterycarbon.services.accounts import authenticate_client, authenticate_user, token_subject
from batterycarbon.services.login_throttle import LoginThrottle, throttled_sign_in

router = APIRouter(tags=["auth"])
GRANT_TYPES = ("password", "client_credentials")
#: RFC 6749 section 5.1: token responses (and so their errors) must not be cached.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
BASIC_CHALLENGE = 'Basic realm="batterycarbon", charset="UTF-8"'


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    scope: str


class OAuthErrorOut(BaseModel):
    """RFC 6749 section 5.2 error response."""

    error: Literal["invalid_request", "invalid_client", "unsupported_grant_type", "invalid_scope"]
    error_description: str


def oauth_error(
    error: str, description: str, status: int = 400, challenge: bool = False
) -> JSONResponse:
    headers = {**NO_STORE, **({"WWW-Authenticate": BASIC_CHALLENGE} if challenge else {})}
    return JSONResponse(
        status_code=status,
        content={"error": error, "error_description": description},
        headers=headers,
    )


def login_throttle(request: Request) -> LoginThrottle:
    throttle: LoginThrottle = request.app.state.login_throttle
    return throttle


def client_address(request: Request) -> str:
    """The address sign-ins are counted by: the TCP peer (see ``services.login_throttle`` for
    servers behind a proxy)."""
    return request.client.host if request.client else "unknown"


class _MalformedBasic(Exception):
    pass


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    """The client id and secret of an ``Authorization: Basic`` header (both form-url-decoded,
    RFC 6749 section 2.3.1), ``None`` without one; :class:`_MalformedBasic` if unreadable."""
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise _MalformedBasic from None
    if ":" not in decoded:
        raise _MalformedBasic
    client_id, _, secret = decoded.partition(":")
    return unquote_plus(client_id), unquote_plus(secret)


@router.post(
    "/auth/token",
    response_model=TokenOut,
    responses={
        400: {
            "model": OAuthErrorOut,
            "description": "RFC 6749 5.2 error (client credentials, grant type, scope)",
        },
        401: {
            "model": OAuthErrorOut,
            "description": "invalid_client: client authentication failed",
        },
        429: {
            "description": "Too many failed sign-ins for the account or from the address: "
            "retry after the Retry-After header's seconds"
        },
        503: {"description": "Password hashing saturated: retry after Retry-After's seconds"},
    },
)
async def token(
    request: Request,
    session: SessionDep,
    grant_type: Annotated[str | None, Form(description="password or client_credentials")] = None,
    username: Annotated[str | None, Form()] = None,
    password: Annotated[str | None, Form()] = None,
    client_id: Annotated[str | None, Form()] = None,
    client_secret: Annotated[str | None, Form()] = None,
    scope: Annotated[str | None, Form(description="Space-separated scopes; default all")] = None,
) -> Any:
    if not grant_type:
        return oauth_error("invalid_request", f"grant_type: required ({' or '.join(GRANT_TYPES)})")
    if grant_type not in GRANT_TYPES:
        return oauth_error(
            "unsupported_grant_type",
            f"grant_type: {excerpt(grant_type)} is not supported; use {' or '.join(GRANT_TYPES)}",
        )
    try:
        scopes = parse_scope(scope)
    except UnknownScope as exc:
        return oauth_error("invalid_scope", str(exc))
    if grant_type == "password":
        missing = [n for n, v in (("username", username), ("password", password)) if not v]
        if missing:
            raise InputError(
                "token request", [f"{n}: required for grant_type=password" for n in missing]
            )
        user = f"user:{username}"
        check = partial(authenticate_user, session, username or "", password or "")
        throttle, address = login_throttle(request), client_address(request)
        actor = await throttled_sign_in(throttle, user, address, "username", check)
    else:
        try:
            basic = _basic_credentials(request)
        except _MalformedBasic:
            return oauth_error(
                "invalid_client",
                "authorization: malformed Basic credentials (expected base64 of client_id:client_secret)",
                401,
                challenge=True,
            )
        if basic is not None:
            if client_secret is not None or (client_id is not None and client_id != basic[0]):
                return oauth_error(
                    "invalid_request",
                    "client_id/client_secret: the client authenticated by HTTP Basic; do not send credentials in the form too",
                )
            client_id, client_secret = basic
        missing = [
            n for n, v in (("client_id", client_id), ("client_secret", client_secret)) if not v
        ]
        if missing:
            # No (complete) client authentication: tell the client how to authenticate.
            return oauth_error(
                "invalid_client",
                f"{', '.join(missing)}: required for grant_type=client_credentials (HTTP Basic authentication)",
                401,
                challenge=True,
            )
        try:
            client = f"client:{client_id}"
            check = partial(authenticate_client, session, client_id or "", client_secret or "")
            throttle, address = login_throttle(request), client_address(request)
            actor = await throttled_sign_in(throttle, client, address, "client_id", check)
        except AuthenticationError as exc:
            if basic is not None:
                return oauth_error("invalid_client", f"authorization: {exc}", 401, challenge=True)
            return oauth_error("invalid_client", f"client_id/client_secret: {exc}")
    ttl = request.app.state.settings.token_ttl_seconds
    body = TokenOut(
        access_token=issue_token(
            token_subject(actor),
            request.app.state.signing_key,
            ttl,
            scopes,
            actor.credentials_version,
        ),
        expires_in=ttl,
        scope=" ".join(scopes),
    )
    return JSONResponse(body.model_dump(), headers=NO_STORE)
