"""Background jobs: a long use case run off the request, with progress, result and error.

Life cycle: ``queued`` -> ``running`` -> ``succeeded`` (``result``) or ``failed`` (``error``).
A job belongs to the organization of the actor who submitted it; only that organization sees it
(:func:`get_job`, :func:`find_jobs`); anyone else gets :class:`NotFound`, as for an unknown id.

How an adapter (API route, web page) uses it::

    job = submit_job(session, actor, "portfolio.recompute", params, work, runner)  # queued
    ...
    get_job(session, actor, job.id)  # state, progress (done/total, fraction), result or error

- ``work(context)`` is the use case's body: it receives a :class:`JobContext` (the actor, the
  parameters, a session factory, :meth:`JobContext.progress` and :meth:`JobContext.map`) and
  returns a JSON-serializable dict, the job's result. It opens its own transactions. A
  :class:`~batterycarbon.errors.BatteryCarbonError` it raises becomes the job's ``error`` (the
  message a user can act on); any other exception is reported as an internal error.
- Checks that can fail at once (permission, bad input) belong before :func:`submit_job`, or in
  its ``check`` argument, so that the request gets its 403/404/422 and no job is stored.
- :class:`JobRunner` runs jobs one at a time per process on a worker thread (a server has one,
  ``app.state.jobs``). :meth:`JobContext.map` runs a pure function over items in that thread
  or, when the runner has a Dask scheduler address (``BATTERYCARBON_DASK_SCHEDULER``), on the
  Dask cluster (``dask.distributed.Client``), with progress reported as items complete.

Lease: while a runner holds a job (queued in its process or running), its heartbeat thread
refreshes the job's ``updated_at`` every ``heartbeat_seconds``. A ``queued`` or ``running`` job
silent for longer than ``lease_seconds`` belongs to a process that stopped (killed, crashed,
its machine gone): any runner's heartbeat (every server's, also once at start) marks it
``failed`` with an error saying so and since when, audited as ``job.abandoned`` by the system.
Finished states are final: a job given up that its process later finishes anyway stays
``failed``. Runners on several machines need synchronized clocks (the lease is wall time).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from batterycarbon.errors import BatteryCarbonError
from batterycarbon.services.context import SYSTEM, Actor, audit, unit_of_work
from batterycarbon.services.lookup import get_visible
from batterycarbon.services.paging import ListQuery, Page, page_of, paginate, within
from batterycarbon.store.base import utcnow
from batterycarbon.store.jobs import Job

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")
JobState = Literal["queued", "running", "succeeded", "failed"]
UNFINISHED = ("queued", "running")


class JobOut(BaseModel):
    id: uuid.UUID
    kind: str = Field(examples=["portfolio.recompute"])
    state: JobState
    organization_id: uuid.UUID | None
    params: dict[str, Any]
    progress: float | None = Field(description="Fraction done, 0 to 1 (none before it is known)")
    done: int = Field(description="Steps done")
    total: int | None = Field(description="Steps in all, once known")
    message: str | None = Field(description="What the job is doing, or did last")
    result: dict[str, Any] | None = Field(description="The use case's result once succeeded")
    error: str | None = Field(description="Why it failed")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def job_out(row: Job) -> JobOut:
    total = row.progress_total
    return JobOut(
        id=row.id,
        kind=row.kind,
        state=row.state,
        organization_id=row.organization_id,
        params=dict(row.params),
        progress=(
            min(1.0, row.progress_done / total)
            if total
            else (1.0 if row.state == "succeeded" else None)
        ),
        done=row.progress_done,
        total=total,
        message=row.message,
        result=row.result,
        error=row.error,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


@dataclass
class JobContext:
    """What a job's ``work`` function is given: who runs it, with what, and how to report."""

    job_id: uuid.UUID
    actor: Actor
    params: dict[str, Any]
    sessions: sessionmaker[Session]
    dask_scheduler: str | None = None
    _last_done: int = field(default=-1, repr=False)

    def progress(self, done: int, total: int | None, message: str | None = None) -> None:
        """Record progress in its own short transaction (visible at once to readers)."""
        with self.sessions() as session, session.begin():
            row = session.get_one(Job, self.job_id)
            if row.state != "running":  # given up meanwhile (see the lease): a final state
                return
            row.progress_done, row.progress_total = done, total
            if message is not None:
                row.message = message
            row.updated_at = utcnow()
        self._last_done = done

    def map(
        self, function: Callable[[T], R], items: Sequence[T], describe: str = "items"
    ) -> list[R]:
        """``[function(item) for item in items]``, in order, with progress after each item.

        ``function`` must be a pure, importable (module-level) function of picklable items:
        on a Dask scheduler it runs in the workers' processes, which have no database.
        """
        total = len(items)
        self.progress(0, total, f"0 of {total} {describe} done")
        if not items:
            return []
        if self.dask_scheduler is None:
            results = []
            for index, item in enumerate(items, start=1):
                results.append(function(item))
                self.progress(index, total, f"{index} of {total} {describe} done")
            return results
        return self._map_on_dask(function, items, describe)

    def _map_on_dask(
        self, function: Callable[[T], R], items: Sequence[T], describe: str
    ) -> list[R]:
        from dask.distributed import Client, as_completed

        total = len(items)
        with Client(self.dask_scheduler, set_as_default=False, timeout=30) as client:  # type: ignore[no-untyped-call]
            futures = client.map(function, list(items), pure=False)
            finished = as_completed(futures, loop=client.loop)  # type: ignore[no-untyped-call]
            for done, _ in enumerate(finished, start=1):
                self.progress(
                    done,
                    total,
                    f"{done} of {total} {describe} done on Dask ({self.dask_scheduler})",
                )
            return list(client.gather(futures))


Work = Callable[[JobContext], dict[str, Any]]


class JobRunner:
    """Runs submitted jobs on one worker thread of this process (so that two heavy jobs do not
    compete for the cores), optionally sending :meth:`JobContext.map` work to Dask.

    ``dask_scheduler``: address of a Dask scheduler (``tcp://host:8786``); ``None`` computes
    in-process. ``max_workers`` > 1 runs that many jobs at once. ``lease_seconds``: how long a
    queued or running job may stay silent before it is given up (module docstring);
    ``heartbeat_seconds``: how often :meth:`start_heartbeat`'s thread renews this runner's jobs
    (default: a sixth of the lease, so that five beats may be missed).
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        dask_scheduler: str | None = None,
        max_workers: int = 1,
        lease_seconds: float = 60.0,
        heartbeat_seconds: float | None = None,
    ) -> None:
        if lease_seconds <= 0:
            raise ValueError(f"lease_seconds must be positive, got {lease_seconds}")
        self.sessions = sessions
        self.dask_scheduler = dask_scheduler or None
        self.lease_seconds = lease_seconds
        self.heartbeat_seconds = heartbeat_seconds or lease_seconds / 6
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="job")
        self._futures: dict[uuid.UUID, Future[None]] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._heartbeat: threading.Thread | None = None

    def start_heartbeat(self) -> None:
        """Beat once now (giving up jobs left by a stopped process), then every
        ``heartbeat_seconds`` on a daemon thread until :meth:`shutdown`."""
        self.beat()
        if self._heartbeat is None:
            self._heartbeat = threading.Thread(
                target=self._beat_until_stopped, name="job-heartbeat", daemon=True
            )
            self._heartbeat.start()

    def _beat_until_stopped(self) -> None:
        while not self._stopping.wait(self.heartbeat_seconds):
            try:
                self.beat()
            except Exception:  # the database is unreachable for now: try again next beat
                log.exception("job heartbeat failed")

    def beat(self) -> list[uuid.UUID]:
        """Renew the lease of this runner's unfinished jobs and give up every other queued or
        running job silent for longer than ``lease_seconds``; the ids given up."""
        with self._lock:
            mine = [job_id for job_id, future in self._futures.items() if not future.done()]
        now = utcnow()
        with self.sessions() as session, session.begin():
            if mine:
                session.execute(
                    update(Job)
                    .where(Job.id.in_(mine), Job.state.in_(UNFINISHED))
                    .values(updated_at=now)
                )
            silent = select(Job).where(
                Job.state.in_(UNFINISHED),
                Job.updated_at < now - timedelta(seconds=self.lease_seconds),
            )
            abandoned = list(session.scalars(silent.with_for_update()))
            for row in abandoned:
                before = {"state": row.state, "updated_at": row.updated_at.isoformat()}
                row.state, row.message, row.finished_at, row.updated_at = (
                    "failed",
                    "interrupted",
                    now,
                    now,
                )
                row.error = (
                    f"interrupted: the server process running this job stopped (no sign of life "
                    f"since {before['updated_at']} UTC, lease {self.lease_seconds:g} s); submit "
                    "it again"
                )
                audit(
                    session,
                    SYSTEM,
                    "job.abandoned",
                    "job",
                    row.id,
                    before=before,
                    after={"state": "failed"},
                )
        for row in abandoned:
            log.warning("job %s given up: %s", row.id, row.error)
        return [row.id for row in abandoned]

    def start(self, job_id: uuid.UUID, actor: Actor, params: dict[str, Any], work: Work) -> None:
        """Queue a stored (``queued``) job to run ``work``."""
        context = JobContext(job_id, actor, params, self.sessions, self.dask_scheduler)
        future = self._executor.submit(_run, context, work)
        with self._lock:
            self._futures[job_id] = future

    def wait(self, job_id: uuid.UUID, timeout: float | None = None) -> None:
        """Block until the job has finished here (tests, the CLI); no-op for unknown jobs."""
        with self._lock:
            future = self._futures.get(job_id)
        if future is not None:
            future.result(timeout)

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking jobs; with ``wait``, let the running and queued ones finish (the
        heartbeat goes on until they have)."""
        self._executor.shutdown(wait=wait, cancel_futures=not wait)
        self._stopping.set()
        if self._heartbeat is not None:
            self._heartbeat.join()


def _set_state(
    sessions: sessionmaker[Session], job_id: uuid.UUID, expected: str, **values: Any
) -> bool:
    """Set ``values`` if the job is still in state ``expected``; whether it was (a job given up
    meanwhile keeps its final state)."""
    with sessions() as session, session.begin():
        row = session.get_one(Job, job_id, with_for_update=True)
        if row.state != expected:
            log.warning("job %s is %s, not %s: left as it is", job_id, row.state, expected)
            return False
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = utcnow()
        return True


def _run(context: JobContext, work: Work) -> None:
    """The worker thread's body: running -> succeeded / failed; never raises."""
    sessions, job_id = context.sessions, context.job_id
    try:
        if not _set_state(
            sessions, job_id, "queued", state="running", started_at=utcnow(), message="started"
        ):
            return
        result = work(context)
    except BatteryCarbonError as exc:
        _finish(sessions, job_id, state="failed", error=str(exc), message="failed")
    except Exception as exc:  # a bug: the job says so, the log keeps the traceback
        log.exception("job %s failed", job_id)
        _finish(
            sessions,
            job_id,
            state="failed",
            error=f"internal error ({type(exc).__name__}): {exc}",
            message="failed",
        )
    else:
        _finish(sessions, job_id, state="succeeded", result=result, message="done")


def _finish(sessions: sessionmaker[Session], job_id: uuid.UUID, **values: Any) -> None:
    try:
        _set_state(sessions, job_id, "running", finished_at=utcnow(), **values)
    except Exception:  # the database is gone (shutdown); nothing else to tell
        log.exception("job %s: could not record its end", job_id)


def add_job(session: Session, actor: Actor, kind: str, params: dict[str, Any]) -> Job:
    """Store a ``queued`` job of ``actor``'s organization, in the caller's transaction."""
    row = Job(
        kind=kind,
        organization_id=actor.organization_id,
        submitted_by=actor.user_id,
        actor=actor.label,
        params=params,
        state="queued",
        progress_done=0,
        message="queued",
    )
    session.add(row)
    session.flush()
    audit(session, actor, "job.submitted", "job", row.id, after={"kind": kind, "params": params})
    return row


def submit_job(
    session: Session,
    actor: Actor,
    kind: str,
    params: dict[str, Any],
    work: Work,
    runner: JobRunner,
    check: Callable[[Session], None] | None = None,
) -> JobOut:
    """Store a job (after ``check(session)``, in the same transaction) and start it on
    ``runner``; the job as queued. If ``check`` raises, nothing is stored."""
    with unit_of_work(session):
        if check is not None:
            check(session)
        row = add_job(session, actor, kind, params)
        out = job_out(row)
    runner.start(row.id, actor, params, work)
    return out


def visible_job(session: Session, actor: Actor, job_id: uuid.UUID) -> Job:
    return get_visible(
        session,
        Job,
        job_id,
        f"job {job_id} not found",
        lambda row: (
            actor.organization_id is not None and row.organization_id == actor.organization_id
        ),
    )


def get_job(session: Session, actor: Actor, job_id: uuid.UUID) -> JobOut:
    """The job, if it belongs to the actor's organization; :class:`NotFound` otherwise."""
    with unit_of_work(session):
        return job_out(visible_job(session, actor, job_id))


class JobQuery(ListQuery):
    kind: str | None = Field(default=None, max_length=50, examples=["portfolio.recompute"])
    state: JobState | None = None


def find_jobs(session: Session, actor: Actor, filters: JobQuery | None = None) -> Page[JobOut]:
    """The actor's organization's jobs, oldest first."""
    with unit_of_work(session):
        query = select(Job).where(Job.organization_id == actor.organization_id)
        if filters is not None:
            query = within(query, Job.created_at, filters)
            if filters.kind is not None:
                query = query.where(Job.kind == filters.kind)
            if filters.state is not None:
                query = query.where(Job.state == filters.state)
        rows, total = paginate(session, query, filters, (Job.created_at, Job.id))
        return page_of([job_out(r) for r in rows], total, filters)
