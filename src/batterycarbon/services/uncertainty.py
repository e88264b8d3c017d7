"""A larger Monte Carlo of a stored calculation, run as a background job with progress.

The product page shows a 1 000-run uncertainty band computed on the request; a user who wants a
tighter estimate of the percentiles asks for up to 1 000 000 runs, which take seconds
(measured for the demo pack: about 3 s for 200 000 runs, 14 s and 1.6 GB for 1 000 000), so
they run as a job (:mod:`batterycarbon.services.jobs`) whose page shows a progress bar.

The job re-runs the calculation exactly as stored: its design (supplier figures already in
place, see :func:`~batterycarbon.services.calculations.store_calculation`), its factor release,
rule set and level, through :func:`batterycarbon.battery.uncertainty.monte_carlo`. Same seed
and runs, same numbers: the job's chunking (for progress) does not change them.

Who: the organization that made the calculation (a verifier asked to verify it sees it, but runs
no job for it; anyone else is told it does not exist).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from batterycarbon.battery import Design
from batterycarbon.battery.design import read_stored_design
from batterycarbon.battery.uncertainty import MonteCarloSamples, monte_carlo, summary
from batterycarbon.bounds import StrictInt
from batterycarbon.errors import InputError, excerpt
from batterycarbon.factors import FactorLibrary
from batterycarbon.services.calculations import visible_calculation
from batterycarbon.services.context import Actor, unit_of_work
from batterycarbon.services.errors import NotFound, PermissionDenied
from batterycarbon.services.factor_releases import release_library
from batterycarbon.services.jobs import JobContext, JobOut, JobRunner, submit_job
from batterycarbon.store import Calculation

JOB_KIND = "calculation.uncertainty"
MIN_RUNS = 100
MAX_RUNS = 1_000_000
#: The job reports progress about this many times (once per chunk of runs) ...
PROGRESS_STEPS = 20
#: ... with chunks of at least this many runs (smaller ones cost more in overhead than they
#: tell; memory grows with the chunk: 1 000 000 runs in chunks of 50 000 peak at about 1.6 GB).
MIN_CHUNK = 1_000
#: Largest seed: NumPy takes any non-negative integer, but 2**63 seeds are more than anyone can
#: use, and the bound keeps the job's stored parameters and error messages short.
MAX_SEED = 2**63 - 1


class UncertaintyIn(BaseModel):
    """A request for a larger Monte Carlo of a stored calculation."""

    runs: StrictInt = Field(
        default=100_000,
        ge=MIN_RUNS,
        le=MAX_RUNS,
        description=f"Monte Carlo runs, {MIN_RUNS} to {MAX_RUNS}",
    )
    seed: StrictInt = Field(
        default=42, ge=0, le=MAX_SEED, description="Random seed: same seed and runs, same numbers"
    )


class Statistics(BaseModel):
    """Monte Carlo statistics of one figure, kg CO2e per kWh of pack capacity."""

    mean: float
    median: float
    p2_5: float = Field(description="2.5th percentile")
    p97_5: float = Field(description="97.5th percentile")
    deterministic: float = Field(description="Every input at its library value")


class UncertaintyReport(BaseModel):
    """The job's result: the total's and each life-cycle stage's statistics."""

    calculation_id: uuid.UUID
    runs: int
    seed: int
    chunk: int = Field(description="Runs per chunk (progress step); does not change the numbers")
    level: str
    rule_set: str
    factor_release: str
    unit: str = "kg CO2e/kWh"
    total: Statistics
    stages: dict[str, Statistics]


def chunk_for(runs: int) -> int:
    """Runs per chunk: a twentieth of the runs (rounded up), at least :data:`MIN_CHUNK`."""
    return max(MIN_CHUNK, -(-runs // PROGRESS_STEPS))


def _check_input(runs: int, seed: int) -> None:
    problems = []
    if not MIN_RUNS <= runs <= MAX_RUNS:
        problems.append(f"runs: must be between {MIN_RUNS} and {MAX_RUNS} (got {excerpt(runs)})")
    if seed < 0:
        problems.append(f"seed: must be 0 or more (got {excerpt(seed)})")
    if problems:
        raise InputError("uncertainty", problems)


def own_calculation(session: Session, actor: Actor, calculation_id: uuid.UUID) -> Calculation:
    """The calculation, if the actor's organization made it (call inside a transaction)."""
    try:
        row = visible_calculation(session, actor, calculation_id)
    except NotFound:
        raise NotFound(f"calculation_id: calculation {calculation_id} not found") from None
    if row.organization_id != actor.organization_id:  # a verifier asked to verify it
        raise PermissionDenied(
            f"calculation_id: only the organization that made calculation {calculation_id} "
            "runs a Monte Carlo of it"
        )
    return row


@dataclass(frozen=True)
class StoredInputs:
    """What a stored calculation was computed from, as plain data (no database needed)."""

    calculation_id: uuid.UUID
    design: Design
    library: FactorLibrary
    factor_release: str
    rule_set: str
    level: Literal["pack", "cell"]


def stored_inputs(session: Session, calculation: Calculation) -> StoredInputs:
    """The design (supplier figures in place), release, rule set and level it was stored with."""
    return StoredInputs(
        calculation_id=calculation.id, design=read_stored_design(calculation.inputs["design"]),
        library=release_library(session, calculation.factor_release_id),
        factor_release=calculation.factor_release_id, rule_set=calculation.rule_set,
        level=calculation.inputs.get("level", "pack"),
    )  # fmt: skip


def report_of(samples: MonteCarloSamples, calculation: StoredInputs, chunk: int) -> UncertaintyReport:  # fmt: skip
    """The statistics of ``samples``, a Monte Carlo of ``calculation``."""

    def statistics(values: NDArray[np.float64], deterministic: float) -> Statistics:
        return Statistics(**summary(values), deterministic=deterministic)

    return UncertaintyReport(
        calculation_id=calculation.calculation_id, runs=samples.runs, seed=samples.seed,
        chunk=chunk, level=samples.level, rule_set=calculation.rule_set,
        factor_release=calculation.factor_release,
        total=statistics(samples.total, samples.deterministic["total"]),
        stages={stage: statistics(values, samples.point("stages", stage)) for stage, values in samples.stages.items()},
    )  # fmt: skip


def run_uncertainty_job(context: JobContext) -> dict[str, Any]:
    """A job's body: read the stored calculation (re-checked), sample it, the statistics."""
    calculation_id = uuid.UUID(context.params["calculation_id"])
    runs, seed = int(context.params["runs"]), int(context.params["seed"])
    _check_input(runs, seed)
    with context.sessions() as session, unit_of_work(session):
        stored = stored_inputs(session, own_calculation(session, context.actor, calculation_id))
    # The database is not held while sampling (seconds to tens of seconds).
    chunk = chunk_for(runs)
    context.progress(0, runs, f"drawing {runs:,} samples")

    def progress(done: int, total: int) -> None:
        context.progress(done, total, f"{done:,} of {total:,} runs done")

    samples = monte_carlo(
        stored.design, stored.library, runs=runs, seed=seed, level=stored.level,
        rule_set_id=stored.rule_set, chunk=chunk, progress=progress,
    )  # fmt: skip
    return report_of(samples, stored, chunk).model_dump(mode="json")


def submit_uncertainty(
    session: Session,
    actor: Actor,
    calculation_id: uuid.UUID,
    runs: int,
    seed: int,
    runner: JobRunner,
) -> JobOut:
    """Queue a Monte Carlo of ``runs`` runs (``seed``) of a calculation the actor's organization
    made; poll it with :func:`~.jobs.get_job`. Checked now, storing no job if refused:
    :class:`InputError` naming ``runs`` (100 to 1 000 000) or ``seed`` (>= 0),
    :class:`NotFound` or :class:`PermissionDenied` naming ``calculation_id``."""

    def check(session: Session) -> None:
        _check_input(runs, seed)
        own_calculation(session, actor, calculation_id)

    params = {"calculation_id": str(calculation_id), "runs": runs, "seed": seed}
    return submit_job(session, actor, JOB_KIND, params, run_uncertainty_job, runner, check)
