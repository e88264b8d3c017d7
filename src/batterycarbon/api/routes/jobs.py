"""Background jobs of the caller's organization: state, progress, result or error."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from batterycarbon.api.deps import ActorDep, SessionDep
from batterycarbon.api.paging import PAGED_RESPONSES, paged
from batterycarbon.services import jobs
from batterycarbon.services.jobs import JobOut, JobQuery

router = APIRouter(tags=["jobs"])


@router.get("/jobs", response_model=list[JobOut], responses=PAGED_RESPONSES)
def list_jobs(session: SessionDep, actor: ActorDep, request: Request, response: Response, filters: Annotated[JobQuery, Query()]) -> list[JobOut]:  # fmt: skip
    """Your organization's jobs, oldest first."""
    return paged(request, response, jobs.find_jobs(session, actor, filters))


@router.get("/jobs/{job_id}", response_model=JobOut)
def get_job(session: SessionDep, actor: ActorDep, job_id: uuid.UUID) -> JobOut:
    """A job of your organization: ``queued``, ``running`` (``done`` of ``total`` steps,
    ``progress`` 0 to 1), then ``succeeded`` with its ``result`` or ``failed`` with its
    ``error``. Another organization's job is 404, as an unknown id."""
    return jobs.get_job(session, actor, job_id)
