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

References
----------
RFC 6749, The OAuth 2.0 Authorization Framework: sections 2.3.1, 3.3, 4.4, 5.1 and 5.2.
WBCSD PACT Technical Specifications v3.0, Action Authenticate (spec/v3/rest-api.md).
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Literal
from urllib.parse import unquote_plus

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from batterycarbon.api.deps import SessionDep
from batterycarbon.api.tokens import UnknownScope, issue_token, parse_scope
from batterycarbon.errors import InputError
from batterycarbon.services import AuthenticationError
from batterycarbon.services.accounts import authenticate_client, authenticate_user, token_subject

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


def oauth_error(error: str, description: str, status: int = 400, challenge: bool = False) -> JSONResponse:  # fmt: skip
    headers = {**NO_STORE, **({"WWW-Authenticate": BASIC_CHALLENGE} if challenge else {})}
    return JSONResponse(status_code=status, content={"error": error, "error_description": description}, headers=headers)  # fmt: skip


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
        },  # fmt: skip
        401: {
            "model": OAuthErrorOut,
            "description": "invalid_client: client authentication failed",
        },  # fmt: skip
    },
)
def token(
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
        return oauth_error("unsupported_grant_type", f"grant_type: {grant_type!r} is not supported; use {' or '.join(GRANT_TYPES)}")  # fmt: skip
    try:
        scopes = parse_scope(scope)
    except UnknownScope as exc:
        return oauth_error("invalid_scope", str(exc))
    if grant_type == "password":
        missing = [n for n, v in (("username", username), ("password", password)) if not v]
        if missing:
            raise InputError("token request", [f"{n}: required for grant_type=password" for n in missing])  # fmt: skip
        actor = authenticate_user(session, username or "", password or "")
    else:
        try:
            basic = _basic_credentials(request)
        except _MalformedBasic:
            return oauth_error("invalid_client", "authorization: malformed Basic credentials (expected base64 of client_id:client_secret)", 401, challenge=True)  # fmt: skip
        if basic is not None:
            if client_secret is not None or (client_id is not None and client_id != basic[0]):
                return oauth_error("invalid_request", "client_id/client_secret: the client authenticated by HTTP Basic; do not send credentials in the form too")  # fmt: skip
            client_id, client_secret = basic
        missing = [n for n, v in (("client_id", client_id), ("client_secret", client_secret)) if not v]  # fmt: skip
        if missing:
            # No (complete) client authentication: tell the client how to authenticate.
            return oauth_error("invalid_client", f"{', '.join(missing)}: required for grant_type=client_credentials (HTTP Basic authentication)", 401, challenge=True)  # fmt: skip
        try:
            actor = authenticate_client(session, client_id or "", client_secret or "")
        except AuthenticationError as exc:
            if basic is not None:
                return oauth_error("invalid_client", f"authorization: {exc}", 401, challenge=True)
            return oauth_error("invalid_client", f"client_id/client_secret: {exc}")
    ttl = request.app.state.settings.token_ttl_seconds
    body = TokenOut(
        access_token=issue_token(token_subject(actor), request.app.state.signing_key, ttl, scopes),
        expires_in=ttl,
        scope=" ".join(scopes),
    )
    return JSONResponse(body.model_dump(), headers=NO_STORE)
