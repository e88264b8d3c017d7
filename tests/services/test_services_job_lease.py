"""The job lease: a queued or running job whose process stopped is given up as ``failed``
(saying since when, audited); a live runner's heartbeat keeps its long jobs alive; a job given
up stays failed even if its process finishes it after all."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from services_support import Chain
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from batterycarbon.services.context import unit_of_work
from batterycarbon.services.jobs import JobContext, JobRunner, add_job, get_job, submit_job
from batterycarbon.store import AuditEvent, Job, session_factory
from batterycarbon.store.audit import verify_chain
from batterycarbon.store.base import utcnow


def _stored_job(session: Session, chain: Chain, state: str, silent_for: float) -> uuid.UUID:
    """A job as another process would have left it: ``state``, last heard of ``silent_for``
    seconds ago."""
    with unit_of_work(session):
        row = add_job(session, chain.cell_maker, "test.left", {})
        row.state = state
        row.updated_at = utcnow() - timedelta(seconds=silent_for)
        return row.id


def _blocking(release: threading.Event) -> Callable[[JobContext], dict[str, Any]]:
    def work(context: JobContext) -> dict[str, Any]:
        context.progress(1, 3, "started")
        if not release.wait(30):
            raise RuntimeError("never released")
        context.progress(2, 3, "released")
        return {"finished": True}

    return work


def _state_of(engine: Engine, job_id: uuid.UUID) -> str:
    with session_factory(engine)() as session:
        return session.get_one(Job, job_id).state


def _until(condition: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def test_jobs_left_by_a_stopped_process_are_given_up(session: Session, engine: Engine, chain: Chain) -> None:  # fmt: skip
    running = _stored_job(session, chain, "running", silent_for=120)
    queued = _stored_job(session, chain, "queued", silent_for=61)
    recent = _stored_job(session, chain, "running", silent_for=5)
    finished = _stored_job(session, chain, "succeeded", silent_for=3600)
    runner = JobRunner(session_factory(engine), lease_seconds=60)
    try:
        assert sorted(runner.beat(), key=str) == sorted([running, queued], key=str)
        assert runner.beat() == []  # given up once
    finally:
        runner.shutdown()
    for job_id in (running, queued):
        out = get_job(session, chain.cell_maker, job_id)
        assert out.state == "failed" and out.finished_at is not None
        assert out.error is not None and "stopped" in out.error and "lease 60 s" in out.error
    assert _state_of(engine, recent) == "running"
    assert _state_of(engine, finished) == "succeeded"
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "job.abandoned")).all()
    assert sorted(e.entity_id for e in events) == sorted([str(running), str(queued)])
    assert {e.actor for e in events} == {"system"}
    assert verify_chain(session).ok


def test_a_live_runner_keeps_its_long_job_alive(session: Session, engine: Engine, chain: Chain) -> None:  # fmt: skip
    runner = JobRunner(session_factory(engine), lease_seconds=0.6, heartbeat_seconds=0.05)
    other_process = JobRunner(session_factory(engine), lease_seconds=0.6)
    release = threading.Event()
    try:
        runner.start_heartbeat()
        job = submit_job(session, chain.cell_maker, "test.long", {}, _blocking(release), runner)
        _until(lambda: _state_of(engine, job.id) == "running")
        for _ in range(6):  # 1.8 s: three leases
            time.sleep(0.3)
            assert other_process.beat() == []
        release.set()
        runner.wait(job.id, 30)
    finally:
        release.set()
        runner.shutdown()
        other_process.shutdown()
    done = get_job(session, chain.cell_maker, job.id)
    assert done.state == "succeeded" and done.result == {"finished": True}


def test_a_job_given_up_stays_failed_when_its_process_finishes_it(session: Session, engine: Engine, chain: Chain) -> None:  # fmt: skip
    silent = JobRunner(session_factory(engine), lease_seconds=0.3)  # never beats: as if hung
    reaper = JobRunner(session_factory(engine), lease_seconds=0.3)
    release = threading.Event()
    try:
        job = submit_job(session, chain.cell_maker, "test.hung", {}, _blocking(release), silent)
        _until(lambda: _state_of(engine, job.id) == "running")
        time.sleep(0.5)
        assert reaper.beat() == [job.id]
        release.set()
        silent.wait(job.id, 30)
    finally:
        release.set()
        silent.shutdown()
        reaper.shutdown()
    out = get_job(session, chain.cell_maker, job.id)
    assert out.state == "failed" and out.result is None and "interrupted" in (out.error or "")
    assert out.done == 1  # the progress after it was given up was not recorded
