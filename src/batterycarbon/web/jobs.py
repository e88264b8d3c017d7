"""Long work in the background: start the portfolio recomputation, follow a job's progress
(the recomputation's, or a larger Monte Carlo's started from a product page: ``web.products``).

Adapter only: ``services.portfolio.submit_recomputation`` checks the permission and the release
and queues the job on the server's runner (``app.state.jobs``); ``services.jobs.get_job`` reads
it. The job page shows the state as stored and ``static/job.js`` polls
``/web/jobs/{id}/status`` (the JSON of ``JobOut``, as the API's ``GET /jobs/{id}``) to update the
progress bar, then reloads the page to show the result.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from batterycarbon.errors import BatteryCarbonError, InputError
from batterycarbon.services import Actor, NotFound
from batterycarbon.services.factor_releases import list_releases
from batterycarbon.services.jobs import JobOut, JobQuery, find_jobs, get_job
from batterycarbon.services.portfolio import JOB_KIND, RecomputeIn, submit_recomputation
from batterycarbon.services.uncertainty import JOB_KIND as UNCERTAINTY_KIND
from batterycarbon.web.common import (
    DbSession,
    SignedIn,
    error_page,
    field_errors,
    form_action,
    job_runner,
    problems_of,
    render,
    service_error,
    signed_in_actor,
)
from batterycarbon.web.products import get_product_id

router = APIRouter(include_in_schema=False)
#: Newest jobs listed on the recompute page.
RECENT_JOBS = 10
#: How often the job page asks for the job's state while it is queued or running.
POLL_MS = 700


def _may_recompute(actor: Actor) -> bool:
    return actor.is_admin or actor.has_role("manufacturer")


def _portfolio_page(
    request: Request,
    db: DbSession,
    actor: Actor,
    *,
    release: str = "",
    problems: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    recent = find_jobs(db, actor, JobQuery(kind=JOB_KIND)).items
    context: dict[str, Any] = {
        "title": "Portfolio recomputation",
        "releases": list_releases(db, actor),
        "release": release,
        "jobs": list(reversed(recent))[:RECENT_JOBS],
        "problems": problems or [],
        "errors": field_errors(problems or []),
        "everyone": actor.is_admin,
    }
    return render(request, "portfolio.html", context, status_code=status_code, actor=actor)


@router.get("/web/portfolio")
def portfolio_page(request: Request, db: DbSession, actor: SignedIn) -> Response:
    if not _may_recompute(actor):
        return error_page(
            request,
            actor,
            "Not allowed",
            "Only manufacturers (their own products) and platform administrators recompute a portfolio.",
            403,
        )
    return _portfolio_page(request, db, actor)


@router.post("/web/portfolio/recompute")
def start_recomputation(
    request: Request,
    db: DbSession,
    factor_release: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    release = factor_release.strip()

    def start(actor: Actor) -> str:
        runner = job_runner(request)
        data = RecomputeIn.model_validate({"factor_release": release or None})
        return f"/web/jobs/{submit_recomputation(db, actor, data, runner).id}"

    def again(actor: Actor, exc: BatteryCarbonError | ValidationError) -> Response:
        if isinstance(exc, InputError | ValidationError | NotFound):  # NotFound: the release
            return _portfolio_page(
                request, db, actor, release=release, problems=problems_of(exc), status_code=422
            )
        return service_error(request, actor, exc)

    return form_action(request, db, csrf_token, start, again)


@router.get("/web/jobs/{job_id}")
def job_page(request: Request, db: DbSession, actor: SignedIn, job_id: uuid.UUID) -> Response:
    try:
        job = get_job(db, actor, job_id)
    except BatteryCarbonError as exc:
        return service_error(request, actor, exc)
    context = {
        "title": TITLES.get(job.kind, f"Job {job.kind}"),
        "job": job,
        "poll_ms": POLL_MS,
        "back": _back_link(db, actor, job),
    }
    return render(request, "job.html", context, actor=actor)


#: The job page's heading per kind of job (others: "Job <kind>").
TITLES = {JOB_KIND: "Portfolio recomputation", UNCERTAINTY_KIND: "Monte Carlo of a calculation"}


def _back_link(db: Session, actor: Actor, job: JobOut) -> tuple[str, str] | None:
    """Where the job was started from: (address, text), if the actor can still go there."""
    if job.kind == JOB_KIND:
        return "/web/portfolio", "Portfolio recomputation"
    if job.kind == UNCERTAINTY_KIND:
        calculation_id = uuid.UUID(job.params["calculation_id"])
        try:
            product_id = get_product_id(db, actor, calculation_id)
        except BatteryCarbonError:
            return None
        return f"/web/products/{product_id}?calculation={calculation_id}", "The calculation"
    return None


@router.get("/web/jobs/{job_id}/status")
def job_status(request: Request, db: DbSession, job_id: uuid.UUID) -> Response:
    """The job as JSON for the page's polling (the session cookie, not a bearer token)."""
    actor = signed_in_actor(request, db)
    if actor is None:
        return JSONResponse({"detail": "sign in first"}, status_code=401)
    try:
        job = get_job(db, actor, job_id)
    except BatteryCarbonError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=404)
    return JSONResponse(job.model_dump(mode="json"), headers={"Cache-Control": "no-store"})
