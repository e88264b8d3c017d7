"""One's own account: the page to change one's password.

A change ends every other session and access token of the account (``services.credentials``);
the browser that made it goes on under the account's new ``credentials_version``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError

from batterycarbon.errors import BatteryCarbonError, InputError
from batterycarbon.services import Actor
from batterycarbon.services.accounts import token_subject
from batterycarbon.services.credentials import PasswordChangeIn, throttled_password_change
from batterycarbon.services.errors import RetryLater, TooManyAttempts
from batterycarbon.services.passwords import MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, POLICY
from batterycarbon.web.common import (
    DbSession,
    SignedIn,
    csrf_rejected,
    error_status,
    field_errors,
    problems_of,
    render,
)
from batterycarbon.web.session import CsrfError, check_csrf, new_session, write_session

router = APIRouter(include_in_schema=False)
PAGE = "/web/account/password"


def forget_signed_in(request: Request, actor: Actor) -> None:
    """Drop the API server's cached account of ``actor`` (``api.deps.ActorCache``), so that its
    revoked tokens are refused on this process at once."""
    cache = getattr(request.app.state, "actor_cache", None)
    if cache is not None:
        cache.forget(token_subject(actor))


def _page(
    request: Request,
    actor: Actor,
    problems: list[str] | None = None,
    status_code: int = 200,
    changed: bool = False,
) -> Response:
    context = {
        "title": "Change your password",
        "problems": problems or [],
        "errors": field_errors(problems or []),
        "changed": changed,
        "policy": POLICY,
        "min_chars": MIN_PASSWORD_CHARS,
        "max_chars": MAX_PASSWORD_CHARS,
    }
    return render(request, "password.html", context, status_code=status_code, actor=actor)


@router.get(PAGE)
def password_page(request: Request, actor: SignedIn, changed: bool = False) -> Response:
    return _page(request, actor, changed=changed)


@router.post(PAGE)
def change_password_page(
    request: Request,
    db: DbSession,
    actor: SignedIn,
    current_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
    new_password_again: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Signed in and a valid CSRF token (else 403); each problem shown at its field (422),
    never the passwords. On success the session goes on under the new version."""
    try:
        check_csrf(request, csrf_token)
    except CsrfError:
        return csrf_rejected(request, actor)
    try:
        if new_password != new_password_again:
            raise InputError(
                "password change", ["new_password_again: does not match the new password"]
            )
        data = PasswordChangeIn(current_password=current_password, new_password=new_password)
        throttle = request.app.state.login_throttle
        address = request.client.host if request.client else "unknown"
        version = throttled_password_change(db, actor, data, throttle, address)
    except RetryLater as exc:  # too many wrong current passwords: the sign-in back-off
        page = _page(request, actor, [str(exc)], 429 if isinstance(exc, TooManyAttempts) else 503)
        page.headers["Retry-After"] = str(exc.retry_after_seconds)
        return page
    except (BatteryCarbonError, ValidationError) as exc:
        return _page(request, actor, problems_of(exc), error_status(exc))
    forget_signed_in(request, actor)
    response = Response(status_code=303, headers={"Location": f"{PAGE}?changed=true"})
    write_session(request, response, new_session(token_subject(actor), version))
    return response
