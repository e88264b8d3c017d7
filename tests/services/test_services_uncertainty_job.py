"""A larger Monte Carlo of a stored calculation as a background job: its result is exactly a
direct ``monte_carlo`` of the stored design, release, rule set and level with the same seed and
runs (the job's chunking for progress changes nothing), progress reaches the runs, and bad
input or someone else's calculation is refused at once with the field named and no job stored."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

import pytest
from services_support import Chain
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from batterycarbon.battery import Design
from batterycarbon.battery.uncertainty import monte_carlo, summary
from batterycarbon.errors import InputError
from batterycarbon.services import NotFound, PermissionDenied
from batterycarbon.services.calculations import CalculationIn, CalculationOut, calculate_design
from batterycarbon.services.factor_releases import library_for
from batterycarbon.services.jobs import JobContext, JobRunner, get_job
from batterycarbon.services.products import ProductIn, create_product
from batterycarbon.services.uncertainty import (
    JOB_KIND,
    chunk_for,
    run_uncertainty_job,
    submit_uncertainty,
)
from batterycarbon.services.verifications import VerificationIn, submit_for_verification
from batterycarbon.store import Job, session_factory

DESIGN = {
    "chemistry": "NCM811", "format": "prismatic", "pack": {"cells": 162},
    "cell": {"capacity_ah": 100, "nominal_voltage_v": 3.7}, "year": 2023,
}  # fmt: skip


@pytest.fixture
def runner(engine: Engine) -> Iterator[JobRunner]:
    runner = JobRunner(session_factory(engine))
    yield runner
    runner.shutdown(wait=True)


def _calculation(session: Session, chain: Chain, level: Literal["pack", "cell"] = "pack") -> CalculationOut:  # fmt: skip
    product = create_product(session, chain.cell_maker, ProductIn(name="NCM pack", design=DESIGN))
    request = CalculationIn(design_version_id=product.designs[0].id, level=level)
    return calculate_design(session, chain.cell_maker, request)


def _jobs(session: Session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(Job).where(Job.kind == JOB_KIND)) or 0


def _direct(calc: CalculationOut, runs: int, seed: int) -> dict[str, object]:
    """What the job must give: ``monte_carlo`` called here on the stored inputs (its default
    chunk of 2 000 runs, not the job's), summarized the same way."""
    samples = monte_carlo(
        Design.model_validate(calc.inputs["design"]), library_for(calc.factor_release),
        runs=runs, seed=seed, level=calc.inputs["level"], rule_set_id=calc.rule_set,
    )  # fmt: skip
    return {
        "total": {**summary(samples.total), "deterministic": samples.deterministic["total"]},
        "stages": {
            stage: {**summary(values), "deterministic": samples.deterministic[f"stages:{stage}"]}
            for stage, values in samples.stages.items()
        },
    }


@pytest.mark.parametrize("level", ["pack", "cell"])
def test_the_job_gives_a_direct_monte_carlo_of_the_stored_calculation(session: Session, chain: Chain, runner: JobRunner, level: Literal["pack", "cell"]) -> None:  # fmt: skip
    calc = _calculation(session, chain, level)
    runs, seed = 3_000, 11
    job = submit_uncertainty(session, chain.cell_maker, calc.id, runs, seed, runner)
    assert job.state == "queued" and job.kind == JOB_KIND
    assert job.params == {"calculation_id": str(calc.id), "runs": runs, "seed": seed}
    runner.wait(job.id, timeout=120)
    done = get_job(session, chain.cell_maker, job.id)
    assert done.state == "succeeded", done.error
    assert (done.done, done.total, done.progress) == (runs, runs, 1.0)
    result = done.result
    assert result is not None
    assert (result["runs"], result["seed"], result["chunk"]) == (runs, seed, 1_000)
    assert result["calculation_id"] == str(calc.id) and result["level"] == level
    assert (result["rule_set"], result["factor_release"]) == (calc.rule_set, calc.factor_release)
    expected = _direct(calc, runs, seed)
    # Bit for bit (through the job's JSON column), although the job solved chunks of 1 000.
    assert result["total"] == expected["total"]
    assert result["stages"] == expected["stages"] and set(result["stages"]) == {"raw_materials", "production"}  # fmt: skip
    # The deterministic value is the stored calculation's total (pack and cell level alike are
    # reported per kWh of pack capacity).
    assert result["total"]["deterministic"] == pytest.approx(calc.total_kgco2e_per_kwh, rel=1e-9)
    stats = result["total"]
    assert stats["p2_5"] < stats["median"] < stats["p97_5"]
    # Another seed, other numbers: the seed is used, not a constant.
    other = submit_uncertainty(session, chain.cell_maker, calc.id, runs, seed + 1, runner)
    runner.wait(other.id, timeout=120)
    other_result = get_job(session, chain.cell_maker, other.id).result
    assert other_result is not None and other_result["total"]["mean"] != stats["mean"]
    assert other_result["total"]["deterministic"] == stats["deterministic"]


@dataclass
class RecordingContext(JobContext):
    """A job context that also keeps every progress report."""

    reports: list[tuple[int, int | None, str | None]] = field(default_factory=list)

    def progress(self, done: int, total: int | None, message: str | None = None) -> None:
        self.reports.append((done, total, message))
        super().progress(done, total, message)


def test_progress_is_reported_after_each_chunk_up_to_the_runs(session: Session, engine: Engine, chain: Chain, runner: JobRunner) -> None:  # fmt: skip
    calc = _calculation(session, chain)
    runs = 21_000  # chunks of 1 050 (a twentieth): 20 reports after the first one, at 0
    assert chunk_for(runs) == 1_050 and chunk_for(300) == 1_000 and chunk_for(1_000_000) == 50_000
    job = submit_uncertainty(session, chain.cell_maker, calc.id, runs, 5, runner)
    runner.wait(job.id, timeout=120)  # the runner's own run; the job row exists for ours
    params = {"calculation_id": str(calc.id), "runs": runs, "seed": 5}
    context = RecordingContext(job.id, chain.cell_maker, params, session_factory(engine))
    result = run_uncertainty_job(context)
    done = [d for d, _, _ in context.reports]
    assert done == [0, *range(1_050, runs + 1, 1_050)]
    assert all(total == runs for _, total, _ in context.reports)
    assert context.reports[-1][2] == "21,000 of 21,000 runs done"
    assert result == get_job(session, chain.cell_maker, job.id).result


def test_monte_carlo_progress_does_not_change_the_numbers(open_library) -> None:  # type: ignore[no-untyped-def]
    design = Design.model_validate(DESIGN)
    calls: list[tuple[int, int]] = []
    with_progress = monte_carlo(design, open_library, runs=2_500, seed=3, chunk=1_000, progress=lambda d, t: calls.append((d, t)))  # fmt: skip
    plain = monte_carlo(design, open_library, runs=2_500, seed=3, chunk=700)
    assert calls == [(1_000, 2_500), (2_000, 2_500), (2_500, 2_500)]
    assert with_progress.total.tobytes() == plain.total.tobytes()
    for stage in plain.stages:
        assert with_progress.stages[stage].tobytes() == plain.stages[stage].tobytes()


@pytest.mark.parametrize(
    ("runs", "seed", "fields"),
    [(99, 0, ["runs"]), (1_000_001, 0, ["runs"]), (100, -1, ["seed"]), (0, -5, ["runs", "seed"])],
)
def test_bad_runs_or_seed_are_named_and_store_no_job(session: Session, chain: Chain, runner: JobRunner, runs: int, seed: int, fields: list[str]) -> None:  # fmt: skip
    calc = _calculation(session, chain)
    with pytest.raises(InputError) as refused:
        submit_uncertainty(session, chain.cell_maker, calc.id, runs, seed, runner)
    assert [p.split(":")[0] for p in refused.value.problems] == fields
    assert _jobs(session) == 0


def test_someone_elses_calculation_is_refused_and_stores_no_job(session: Session, chain: Chain, runner: JobRunner) -> None:  # fmt: skip
    calc = _calculation(session, chain)
    for stranger in (chain.cam_maker, chain.regulator, chain.verifier, chain.admin):
        with pytest.raises(NotFound, match=f"calculation_id: calculation {calc.id} not found"):
            submit_uncertainty(session, stranger, calc.id, 1_000, 1, runner)
    with pytest.raises(NotFound, match="calculation_id"):
        submit_uncertainty(session, chain.cell_maker, uuid.uuid4(), 1_000, 1, runner)
    # A verifier asked to verify it sees the calculation, but it is not its organization's.
    assert chain.verifier.organization_id is not None
    submit_for_verification(session, chain.cell_maker, VerificationIn(calculation_id=calc.id, verifier_org_id=chain.verifier.organization_id))  # fmt: skip
    with pytest.raises(PermissionDenied, match="calculation_id: only the organization"):
        submit_uncertainty(session, chain.verifier, calc.id, 1_000, 1, runner)
    assert _jobs(session) == 0
