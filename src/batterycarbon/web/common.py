"""What every page module shares: templates, the database session, the signed-in actor, CSRF,
error pages, and turning service errors into field-named messages.

No business rule here: field names and messages come from the services' own validation.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from sqlalchemy.orm import Session

from batterycarbon.errors import BatteryCarbonError, InputError, excerpt, validation_problems
from batterycarbon.services import Actor, AuthenticationError, Conflict, NotFound, PermissionDenied
from batterycarbon.services.accounts import actor_for_subject, check_credentials_version
from batterycarbon.services.jobs import JobRunner
from batterycarbon.text import text_problem
from batterycarbon.web.session import (
    CsrfError,
    WebSession,
    check_csrf,
    current_or_new,
    write_session,
)

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
#: Word boundaries of a camelCase key: before a capital that follows a lower-case letter or a
#: digit, and before the last capital of a run of capitals followed by lower case ("EUDeclaration").
WORD_BREAK = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def label(key: str) -> str:
    """A Battery Pass attribute name as words: ``batteryCarbonFootprint`` -> "Battery carbon
    footprint"; acronyms stay as they are (``EUDeclaration`` -> "EU declaration")."""
    words = [w if len(w) > 1 and w.isupper() else w.lower() for w in WORD_BREAK.split(key) if w]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def is_record_list(value: Any) -> bool:
    """A non-empty list of objects with the same keys: shown as a table."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, dict) and v for v in value)
        and all(v.keys() == value[0].keys() for v in value)
    )


# Used by the passport page to show the nested values of a Battery Pass document.
templates.env.filters["label"] = label
templates.env.tests["record_list"] = is_record_list
templates.env.tests["mapping_value"] = lambda value: isinstance(value, dict)
templates.env.tests["list_value"] = lambda value: isinstance(value, list)

#: ``field.path: message`` (a problem line of :func:`validation_problems` or a service error).
PROBLEM = re.compile(
    r"^(?:row (?P<row>\d+), )?(?P<field>[A-Za-z_][\w.\[\]]*|\(document\)): (?P<message>.*)$", re.S
)


def db_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


DbSession = Annotated[Session, Depends(db_session)]


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    status_code: int = 200,
    actor: Actor | None = None,
    session: WebSession | None = None,
) -> Response:
    """Render ``name`` with the session's CSRF token; (re)sets the session cookie."""
    web = session or current_or_new(request)
    response = templates.TemplateResponse(
        request, name, {**context, "csrf_token": web.csrf, "actor": actor}, status_code=status_code
    )
    write_session(request, response, web)
    return response


def signed_in_actor(request: Request, db: Session) -> Actor | None:
    """The session's account, loaded on every request; ``None`` when signed out, or when the
    account is gone, disabled or its credentials were revoked since the session began."""
    web = current_or_new(request)
    if web.subject is None:
        return None
    try:
        return check_credentials_version(actor_for_subject(db, web.subject), web.version)
    except AuthenticationError:
        return None


def require_actor(request: Request, db: DbSession) -> Actor:
    """The signed-in account of a page that needs one (:func:`signed_in_actor`). Signed out,
    the page does not run: the browser is sent to the sign-in page (303, ``Location:
    /sign-in``) before any of the request's fields are read or checked."""
    actor = signed_in_actor(request, db)
    if actor is None:
        raise HTTPException(303, headers={"Location": "/sign-in"})
    return actor


#: A page parameter for the signed-in account (:func:`require_actor`): the one sign-in guard.
SignedIn = Annotated[Actor, Depends(require_actor)]


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def csrf_ok(request: Request, token: str) -> bool:
    try:
        check_csrf(request, token)
    except CsrfError:
        return False
    return True


FORM_EXPIRED = (
    "The form was missing its security token or it had expired. "
    "Go back, reload the page and try again."
)


def csrf_rejected(request: Request, actor: Actor | None = None) -> Response:
    return render(
        request,
        "error.html",
        {"title": "Form expired", "message": FORM_EXPIRED},
        status_code=403,
        actor=actor,
    )


def error_page(
    request: Request, actor: Actor | None, title: str, message: str, status_code: int
) -> Response:
    return render(
        request,
        "error.html",
        {"title": title, "message": message},
        status_code=status_code,
        actor=actor,
    )


#: Longest ``Referer`` an error page links back to, in characters. A browser's own is the address
#: of one of this site's pages: a path and a query of a few hundred characters at most (the
#: longest query a page takes is the factor comparison's two release names); anything longer
#: is no page of this site and the link goes to the home page instead.
MAX_BACK_LINK_CHARS = 2000


def back_link(request: Request) -> str:
    """Where an error page's "back" link leads: the page the form was sent from (the request's
    ``Referer``, which browsers send for this site's own pages: ``Referrer-Policy:
    same-origin``), as a path on this site; the home page ``/`` when there is none, or when it
    names another host, is longer than :data:`MAX_BACK_LINK_CHARS` or is no plain address. Only
    the path and query are kept, so the link never leads to another site."""
    referer = request.headers.get("referer", "")
    if not referer or len(referer) > MAX_BACK_LINK_CHARS:
        return "/"
    try:
        address = urlsplit(referer)
    except ValueError:
        return "/"
    path = address.path
    same_host = address.netloc == request.headers.get("host", "")
    # "//host" and "/\\host" are read by browsers as another site's address.
    if not same_host or not path.startswith("/") or path[1:2] in ("/", "\\"):
        return "/"
    link = f"{path}?{address.query}" if address.query else path
    return "/" if text_problem(link, multiline=False) else link


def refused_request_page(
    request: Request, title: str, message: str, problems: list[str], status_code: int
) -> Response:
    """The error page for a request refused before any page handler ran (a form field with a
    control character, a missing field): ``problems`` listed under ``message``, and a link back
    to the form. Loads the signed-in account for the navigation: call it from a worker thread,
    not from the event loop."""
    with request.app.state.sessions() as db:
        actor = signed_in_actor(request, db)
    context = {"title": title, "message": message, "problems": problems, "back": back_link(request)}
    return render(request, "error.html", context, status_code=status_code, actor=actor)


class Unavailable(BatteryCarbonError):
    """Something this server was started without (answered 503)."""


STATUS = (
    (NotFound, 404, "Not found"),
    (PermissionDenied, 403, "Not allowed"),
    (Conflict, 409, "Not possible now"),
    (InputError, 422, "Invalid input"),
    (Unavailable, 503, "Not available"),
)


def job_runner(request: Request) -> JobRunner:
    """The server's background-job runner; :class:`Unavailable` when it has none."""
    runner: JobRunner | None = getattr(request.app.state, "jobs", None)
    if runner is None:
        raise Unavailable("This server runs no background jobs (app.state.jobs is not set).")
    return runner


def error_status(exc: BatteryCarbonError | ValidationError) -> int:
    """The HTTP status the API gives ``exc`` (:data:`STATUS`): 403 for a permission refusal,
    404, 409 for a state that does not allow it now, 422 for bad input (a model's too)."""
    if isinstance(exc, ValidationError):
        return 422
    return next((status for kind, status, _ in STATUS if isinstance(exc, kind)), 400)


def service_error(request: Request, actor: Actor | None, exc: BatteryCarbonError) -> Response:
    """The error page for a service's error, with the HTTP status an API would give."""
    for kind, status, title in STATUS:
        if isinstance(exc, kind):
            message = "; ".join(exc.problems) if isinstance(exc, InputError) else str(exc)
            return error_page(request, actor, title, message, status)
    return error_page(request, actor, "Error", str(exc), 400)


def form_action(
    request: Request,
    db: Session,
    csrf_token: str,
    action: Callable[[Actor], str],
    on_error: Callable[[Actor, BatteryCarbonError | ValidationError], Response] | None = None,
) -> Response:
    """A form post that changes something: signed in (else to the sign-in page), a valid CSRF
    token (else 403), then ``action(actor)``, which calls a service and returns where to go
    next. A service's or a model's error goes to ``on_error(actor, error)`` (typically the same
    page with the problems in place), else to the error page with the service's status; a
    permission refusal is answered 403 either way."""
    actor = require_actor(request, db)
    if not csrf_ok(request, csrf_token):
        return csrf_rejected(request, actor)
    try:
        return redirect(action(actor))
    except (BatteryCarbonError, ValidationError) as exc:
        if on_error is not None:
            try:
                page = on_error(actor, exc)
            except BatteryCarbonError as inner:  # the page itself is not the actor's to see
                return service_error(request, actor, inner)
            if isinstance(exc, PermissionDenied):  # whatever status the page chose for input
                page.status_code = error_status(exc)
            return page
        if isinstance(exc, ValidationError):  # a model built from the form: bad input
            return error_page(request, actor, "Invalid input", "; ".join(problems_of(exc)), 422)
        return service_error(request, actor, exc)


def form_uuid(field: str, value: str, what: str) -> uuid.UUID:
    """A form field holding an id; :class:`InputError` naming the field otherwise."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InputError(field, [f"{field}: {excerpt(value)} is not {what}"]) from None


def problems_of(exc: BatteryCarbonError | ValidationError) -> list[str]:
    """One ``field: message`` line per problem, whichever layer raised it."""
    if isinstance(exc, ValidationError):
        return validation_problems(exc)
    if isinstance(exc, InputError):
        return list(exc.problems)
    return [str(exc)]


def field_errors(problems: list[str]) -> dict[str, list[str]]:
    """Problem lines grouped by the field they name (``(document)`` for the rest)."""
    errors: dict[str, list[str]] = {}
    for line in problems:
        match = PROBLEM.match(line)
        field = match.group("field") if match else "(document)"
        errors.setdefault(field, []).append(match.group("message") if match else line)
    return errors


def row_errors(problems: list[str]) -> tuple[dict[int, list[str]], list[str]]:
    """Upload problems by CSV line (``row 3, value: ...``), and those of no row."""
    rows: dict[int, list[str]] = {}
    other: list[str] = []
    for line in problems:
        match = PROBLEM.match(line)
        if match and match.group("row"):
            rows.setdefault(int(match.group("row")), []).append(
                f"{match.group('field')}: {match.group('message')}"
            )
        else:
            other.append(line)
    return rows, other


def unflatten(fields: Mapping[str, str]) -> dict[str, Any]:
    """``{"cell.capacity_ah": "100"}`` -> ``{"cell": {"capacity_ah": "100"}}``; blanks dropped.

    Values stay text: the model's own (lax) validation turns them into numbers or names the
    field that is not one.
    """
    document: dict[str, Any] = {}
    for name, value in fields.items():
        if value.strip() == "":
            continue
        *parents, leaf = name.split(".")
        node = document
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value.strip()
    return document
