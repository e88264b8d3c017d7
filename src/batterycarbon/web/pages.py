"""Pages: sign-in/out, the dashboard per role, bundled design footprints, the factor library.

Adapter only: each page reads the session, calls services (or the engine for the bundled,
data-free designs) and renders a template. No SQL here.
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import plotly
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from batterycarbon.battery import bundled_design_ids, footprint, load_design
from batterycarbon.errors import InputError, excerpt
from batterycarbon.rules import DEFAULT_RULE_SET
from batterycarbon.services import Actor, AuthenticationError
from batterycarbon.services.accounts import authenticate_user, token_subject
from batterycarbon.services.calculation_sharing import find_shared_with_me
from batterycarbon.services.calculations import list_calculations
from batterycarbon.services.credentials import revoke_own_credentials
from batterycarbon.services.datasets import list_datasets
from batterycarbon.services.errors import NotFound, RetryLater, TooManyAttempts
from batterycarbon.services.factor_releases import release_library
from batterycarbon.services.login_throttle import throttled_sign_in
from batterycarbon.services.oversight import overview
from batterycarbon.services.products import list_products
from batterycarbon.services.verifications import review_queue
from batterycarbon.web import charts
from batterycarbon.web.account import forget_signed_in
from batterycarbon.web.common import (
    HERE,
    DbSession,
    SignedIn,
    csrf_rejected,
    error_page,
    render,
    signed_in_actor,
)
from batterycarbon.web.session import (
    CsrfError,
    check_csrf,
    new_session,
    signed_out,
    write_session,
)

STATIC_FILES = {
    "plotly.min.js": (
        Path(plotly.__file__).parent / "package_data" / "plotly.min.js",
        "text/javascript",
    ),
    **{
        name: (HERE / "static" / name, "text/css" if name.endswith(".css") else "text/javascript")
        for name in (
            "style.css",
            "design-chart.js",
            "editor.js",
            "scenario.js",
            "product-charts.js",
            "job.js",
        )
    },
}
MAX_FACTOR_HITS = 200

router = APIRouter(include_in_schema=False)
_csrf_rejected = csrf_rejected


@router.get("/static/{name}")
def static(name: str) -> Response:
    if name not in STATIC_FILES:
        return Response("not found", status_code=404, media_type="text/plain")
    path, media_type = STATIC_FILES[name]
    return FileResponse(
        path, media_type=media_type, headers={"Cache-Control": "public, max-age=3600"}
    )


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/dashboard", status_code=303)


@router.get("/sign-in")
def sign_in_form(request: Request, db: DbSession) -> Response:
    actor = signed_in_actor(request, db)
    return render(
        request, "sign_in.html", {"title": "Sign in", "error": None, "username": ""}, actor=actor
    )


@router.post("/sign-in")
async def sign_in(
    request: Request,
    db: DbSession,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Throttled like ``POST /auth/token`` (``services.login_throttle``): while the account or
    the address must wait, the form again with the wait, 429 and Retry-After (503 when the
    password hashing is saturated); the password is checked on the hashing workers."""
    try:
        check_csrf(request, csrf_token)
    except CsrfError:
        return _csrf_rejected(request)
    throttle = request.app.state.login_throttle
    address = request.client.host if request.client else "unknown"
    check = partial(authenticate_user, db, username, password)
    try:
        actor = await throttled_sign_in(throttle, f"user:{username}", address, "username", check)
    except (AuthenticationError, InputError):
        error = "Unknown user name or wrong password."
        context = {"title": "Sign in", "error": error, "username": username}
        return render(request, "sign_in.html", context, status_code=401)
    except RetryLater as exc:
        error = str(exc).removeprefix("username: ").capitalize() + "."
        context = {"title": "Sign in", "error": error, "username": username}
        status = 429 if isinstance(exc, TooManyAttempts) else 503
        response = render(request, "sign_in.html", context, status_code=status)
        response.headers["Retry-After"] = str(exc.retry_after_seconds)
        return response
    response = RedirectResponse("/dashboard", status_code=303)
    write_session(request, response, new_session(token_subject(actor), actor.credentials_version))
    return response


@router.post("/sign-out")
def sign_out(request: Request, db: DbSession, csrf_token: Annotated[str, Form()] = "") -> Response:
    """End this session and revoke the account's other sessions and tokens as well
    (``services.credentials.revoke_own_credentials``): signing out is signing out everywhere."""
    try:
        web = check_csrf(request, csrf_token)
    except CsrfError:
        return _csrf_rejected(request)
    actor = signed_in_actor(request, db)
    if actor is not None:
        revoke_own_credentials(db, actor)
        forget_signed_in(request, actor)
    response = RedirectResponse("/sign-in", status_code=303)
    write_session(request, response, signed_out(web))
    return response


def _manufacturer(db: Session, actor: Actor) -> dict[str, Any]:
    products = list_products(db, actor)
    latest: dict[Any, Any] = {}
    for calc in list_calculations(db, actor):  # oldest first: the last one wins
        latest[calc.design_version_id] = calc
    rows = []
    for product in products:
        calcs = [latest[d.id] for d in product.designs if d.id in latest]
        newest = max(calcs, key=lambda c: c.created_at) if calcs else None
        rows.append({"product": product, "calculation": newest})
    return {"products": rows}


@router.get("/dashboard")
def dashboard(request: Request, db: DbSession, actor: SignedIn) -> Response:
    context: dict[str, Any] = {"title": "Dashboard", "roles": sorted(actor.roles)}
    if actor.has_role("manufacturer"):
        context.update(_manufacturer(db, actor))
    if actor.has_role("supplier"):
        context["datasets"] = list_datasets(db, actor).own
    if actor.has_role("verifier"):
        context["review_queue"] = review_queue(db, actor)
    if actor.has_role("regulator"):
        context["oversight"] = overview(db, actor)
    shared = find_shared_with_me(db, actor).items
    if shared or actor.has_role("oem"):
        context["shared"] = shared
    return render(request, "dashboard.html", context, actor=actor)


@router.get("/designs")
def designs(request: Request, db: DbSession) -> Response:
    actor = signed_in_actor(request, db)
    items = [{"id": d, "name": load_design(d).name or d} for d in bundled_design_ids()]
    return render(
        request, "designs.html", {"title": "Reference designs", "designs": items}, actor=actor
    )


@router.get("/designs/{design_id}")
def design_page(request: Request, db: DbSession, design_id: str) -> Response:
    actor = signed_in_actor(request, db)
    if design_id not in bundled_design_ids():
        message = f"There is no reference design {excerpt(design_id)}."
        return error_page(request, actor, "Design not found", message, 404)
    design = load_design(design_id)
    result = footprint(design, release_library(db, None), rule_set_id=DEFAULT_RULE_SET)
    context = {
        "title": design.name or design_id,
        "design_id": design_id,
        "design": design,
        "fp": result,
        "chart_json": json.dumps(charts.stacked_breakdown(result.processes)),
    }
    return render(request, "design.html", context, actor=actor)


@router.get("/factors")
def factors(
    request: Request,
    db: DbSession,
    q: Annotated[str, Query(max_length=200)] = "",
    release: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    actor = signed_in_actor(request, db)
    try:
        lib = release_library(db, release or None)
    except NotFound as exc:
        return error_page(request, actor, "Unknown release", str(exc), 404)
    hits = lib.search(q) if q.strip() else []
    context = {
        "title": "Factor library",
        "q": q,
        "release": lib.release_id,
        "hits": hits[:MAX_FACTOR_HITS],
        "total": len(hits),
        "limit": MAX_FACTOR_HITS,
    }
    return render(request, "factors.html", context, actor=actor)
