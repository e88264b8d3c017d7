"""Background jobs: life cycle with progress, result and error, visible to their organization
only; the portfolio recomputation as a job, in-process and on a Dask cluster (a LocalCluster of
two worker processes) with exactly the same results as computed in-process."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from dependency_support import require_module
from services_support import Chain
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from batterycarbon.errors import InputError
from batterycarbon.services import NotFound, PermissionDenied
from batterycarbon.services.calculations import (
    CalculationIn,
    calculate_design,
    evaluate_calculation,
    list_calculations,
)
from batterycarbon.services.context import unit_of_work
from batterycarbon.services.dataset_input import DatasetIn
from batterycarbon.services.datasets import GrantIn, share_dataset, submit_dataset
from batterycarbon.services.factor_releases import activate_release
from batterycarbon.services.jobs import JobContext, JobRunner, find_jobs, get_job, submit_job
from batterycarbon.services.portfolio import (
    RecomputeIn,
    plan_recomputation,
    submit_recomputation,
)
from batterycarbon.services.products import ProductIn, create_product
from batterycarbon.store import Calculation, Job, session_factory

DESIGN = {
    "chemistry": "NCM811", "format": "prismatic", "pack": {"cells": 162},
    "cell": {"capacity_ah": 100, "nominal_voltage_v": 3.7}, "year": 2023,
}  # fmt: skip
LFP = {**DESIGN, "chemistry": "LFP", "cell": {"capacity_ah": 280, "nominal_voltage_v": 3.2}}
OTHER = "whitepaper-2023"


@pytest.fixture
def runner(engine: Engine) -> Iterator[JobRunner]:
    runner = JobRunner(session_factory(engine))
    yield runner
    runner.shutdown(wait=True)


def square_all(context: JobContext) -> dict[str, Any]:
    numbers = context.params["numbers"]
    return {"squares": context.map(_square, numbers, "numbers")}


def _square(n: int) -> int:
    return n * n


def test_job_progress_result_and_visibility(session: Session, chain: Chain, runner: JobRunner) -> None:  # fmt: skip
    job = submit_job(session, chain.cell_maker, "test.squares", {"numbers": [1, 2, 3]}, square_all, runner)  # fmt: skip
    assert job.state == "queued" and job.organization_id == chain.cell_maker.organization_id
    runner.wait(job.id, timeout=60)
    done = get_job(session, chain.cell_maker, job.id)
    assert done.state == "succeeded" and done.result == {"squares": [1, 4, 9]}
    assert (done.done, done.total, done.progress) == (3, 3, 1.0)
    assert done.started_at is not None and done.finished_at is not None and done.error is None
    # Only the submitting organization sees it; for others it does not exist.
    for other in (chain.cam_maker, chain.regulator, chain.admin, chain.verifier):
        with pytest.raises(NotFound):
            get_job(session, other, job.id)
        assert find_jobs(session, other).items == []
    with pytest.raises(NotFound):
        get_job(session, chain.cell_maker, uuid.uuid4())
    assert [j.id for j in find_jobs(session, chain.cell_maker).items] == [job.id]


def test_failed_jobs_say_why_and_refused_jobs_store_nothing(session: Session, chain: Chain, runner: JobRunner) -> None:  # fmt: skip
    def bad_input(context: JobContext) -> dict[str, Any]:
        raise InputError("recompute", ["factor_release: gone"])

    def bug(context: JobContext) -> dict[str, Any]:
        return {"x": 1 / 0}

    first = submit_job(session, chain.cell_maker, "test.bad", {}, bad_input, runner)
    second = submit_job(session, chain.cell_maker, "test.bug", {}, bug, runner)
    runner.wait(first.id, 60)
    runner.wait(second.id, 60)
    failed = get_job(session, chain.cell_maker, first.id)
    assert failed.state == "failed" and "factor_release: gone" in (failed.error or "") and failed.result is None  # fmt: skip
    crashed = get_job(session, chain.cell_maker, second.id)
    assert crashed.state == "failed" and "ZeroDivisionError" in (crashed.error or "")

    def refuse(session: Session) -> None:
        raise PermissionDenied("not you")

    with pytest.raises(PermissionDenied):
        submit_job(session, chain.cell_maker, "test.refused", {}, bug, runner, check=refuse)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Job).where(Job.kind == "test.refused")) == 0  # fmt: skip


def _portfolio(session: Session, chain: Chain) -> dict[str, float]:
    cam = submit_dataset(session, chain.cam_maker, DatasetIn(flow="cam_ncm811", value=28.4, region="KR", year=2023, dqr=1.75, evidence=["pcf-2023.pdf"]))  # fmt: skip
    assert chain.cell_maker.organization_id is not None
    share_dataset(session, chain.cam_maker, cam.id, GrantIn(organization_id=chain.cell_maker.organization_id))  # fmt: skip
    totals = {}
    for name, design in (("NCM pack", DESIGN), ("LFP pack", LFP)):
        product = create_product(session, chain.cell_maker, ProductIn(name=name, design=design))
        calc = calculate_design(session, chain.cell_maker, CalculationIn(design_version_id=product.designs[0].id))  # fmt: skip
        totals[name] = calc.total_kgco2e_per_kwh
    activate_release(session, chain.admin, OTHER)
    return totals


def test_portfolio_recomputation_as_a_job(session: Session, chain: Chain, runner: JobRunner) -> None:  # fmt: skip
    totals = _portfolio(session, chain)
    with pytest.raises(PermissionDenied):
        submit_recomputation(session, chain.cam_maker, RecomputeIn(), runner)
    with pytest.raises(NotFound, match="factor_release"):
        submit_recomputation(session, chain.cell_maker, RecomputeIn(factor_release="nope"), runner)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Job)) == 0

    job = submit_recomputation(session, chain.cell_maker, RecomputeIn(), runner)
    runner.wait(job.id, timeout=300)
    done = get_job(session, chain.cell_maker, job.id)
    assert done.state == "succeeded", done.error
    assert (done.done, done.total) == (2, 2)
    report = done.result
    assert report is not None and report["factor_release"] == OTHER
    assert (report["recomputed"], report["skipped"]) == (2, 0)
    for change in report["changes"]:
        assert change["old_total_kgco2e_per_kwh"] == totals[change["product"]]
        stored = session.get_one(Calculation, uuid.UUID(change["new_calculation_id"]))
        assert stored.factor_release_id == OTHER
        assert stored.total_kgco2e_per_kwh == change["new_total_kgco2e_per_kwh"] != totals[change["product"]]  # fmt: skip
    assert len(list_calculations(session, chain.cell_maker)) == 4


@pytest.fixture(scope="module")
def dask_cluster() -> Iterator[Any]:
    distributed = require_module("dask.distributed", "test")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:  # fmt: skip
        yield cluster


def test_recomputation_on_dask_gives_the_in_process_results(session: Session, engine: Engine, chain: Chain, dask_cluster: Any) -> None:  # fmt: skip
    if engine.dialect.name != "sqlite":
        pytest.skip("the Dask part does not touch the database: once is enough")
    _portfolio(session, chain)
    with unit_of_work(session):
        plan = plan_recomputation(session, chain.cell_maker, RecomputeIn())
    in_process = [evaluate_calculation(item.prepared) for item in plan.pending]
    assert len(in_process) == 2

    runner = JobRunner(session_factory(engine), dask_scheduler=dask_cluster.scheduler_address)
    try:
        job = submit_recomputation(session, chain.cell_maker, RecomputeIn(), runner)
        runner.wait(job.id, timeout=300)
    finally:
        runner.shutdown(wait=True)
    done = get_job(session, chain.cell_maker, job.id)
    assert done.state == "succeeded", done.error
    # The two evaluations ran as tasks on the cluster's scheduler, not in this process.
    assert "evaluate_planned" in dask_cluster.scheduler.task_prefixes
    assert done.message == "done" and (done.done, done.total) == (2, 2)
    assert done.result is not None and done.result["recomputed"] == 2
    stored = {
        c["product"]: session.get_one(Calculation, uuid.UUID(c["new_calculation_id"]))
        for c in done.result["changes"]
    }
    for item, expected in zip(plan.pending, in_process, strict=True):
        calc = next(c for c in stored.values() if c.design_version_id == item.prepared.design_version_id)  # fmt: skip
        # Bit for bit: the stored (Dask-computed) result is the in-process one.
        assert calc.result == expected
        assert calc.total_kgco2e_per_kwh == expected["total_kgco2e_per_kwh"]
