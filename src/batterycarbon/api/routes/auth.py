"""``POST /auth/token``: OAuth2 password grant (people) and client-credentials grant (machines).

Client credentials may come as form fields or as HTTP Basic authentication (RFC 6749, 2.3.1).
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from pydantic import BaseModel

from batterycarbon.api.deps import SessionDep
from batterycarbon.api.tokens import issue_token
from batterycarbon.errors import InputError
from batterycarbon.services import AuthenticationError
from batterycarbon.services.accounts import authenticate_client, authenticate_user, token_subject

router = APIRouter(tags=["auth"])


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise AuthenticationError("malformed Basic authorization header") from None
    return client_id, secret


@router.post("/auth/token", response_model=TokenOut)
def token(
    request: Request,
    session: SessionDep,
    grant_type: Annotated[Literal["password", "client_credentials"], Form()],
    username: Annotated[str | None, Form()] = None,
    password: Annotated[str | None, Form()] = None,
    client_id: Annotated[str | None, Form()] = None,
    client_secret: Annotated[str | None, Form()] = None,
    scope: Annotated[str, Form()] = "",
) -> TokenOut:
    if grant_type == "password":
        missing = [n for n, v in (("username", username), ("password", password)) if not v]
        if missing:
            raise InputError("token request", [f"{n}: required for grant_type=password" for n in missing])  # fmt: skip
        actor = authenticate_user(session, username or "", password or "")
    else:
        basic = _basic_credentials(request)
        if basic is not None:
            client_id, client_secret = basic
        missing = [n for n, v in (("client_id", client_id), ("client_secret", client_secret)) if not v]  # fmt: skip
        if missing:
            raise InputError("token request", [f"{n}: required for grant_type=client_credentials" for n in missing])  # fmt: skip
        actor = authenticate_client(session, client_id or "", client_secret or "")
    ttl = request.app.state.settings.token_ttl_seconds
    return TokenOut(
        access_token=issue_token(token_subject(actor), request.app.state.signing_key, ttl),
        expires_in=ttl,
    )
