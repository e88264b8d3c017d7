"""Portfolio recomputation after a factor release: every product's latest calculation is
computed again under the release, with the same design version, rule set, level and supplier
datasets, so that the difference is the release's alone; the report lists old and new totals.

A manufacturer recomputes its own portfolio; a platform administrator every organization's (the
batch run after activating a release). Three steps: :func:`plan_recomputation` reads and checks
the inputs of each product (one read transaction); :func:`evaluate_planned` computes them with
no database (so a Dask cluster may do it, see :func:`submit_recomputation`); and
:func:`store_recomputation` stores the new calculations in one transaction, together or not at
all, after checking that nothing they depend on changed meanwhile (a newer calculation of the
product, a dataset superseded or unshared: that product is skipped with the reason). A product
whose inputs no longer fit (a dataset since superseded or unshared, a flow the release lacks) is
reported as skipped, with the reason, and nothing is stored for it.

:func:`recompute_portfolio` does the three at once (the CLI); :func:`submit_recomputation`
runs them as a background job (:mod:`batterycarbon.services.jobs`) whose result is the report.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from batterycarbon.bounds import MAX_NAME_CHARS
from batterycarbon.errors import BatteryCarbonError
from batterycarbon.services.calculations import (
    CalculationIn,
    PreparedCalculation,
    evaluate_calculation,
    prepare_calculation,
    store_calculation,
)
from batterycarbon.services.context import Actor, audit, unit_of_work
from batterycarbon.services.factor_releases import active_release_id, release_library
from batterycarbon.services.jobs import JobContext, JobOut, JobRunner, submit_job
from batterycarbon.services.permissions import dataset_access, require
from batterycarbon.store import Calculation, DesignVersion, Product, SupplierDataset


class RecomputeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    factor_release: str | None = Field(
        default=None, max_length=MAX_NAME_CHARS, description="Default: the active release"
    )


class ProductChange(BaseModel):
    product_id: uuid.UUID
    product: str
    organization_id: uuid.UUID
    status: Literal["recomputed", "unchanged", "skipped"]
    reason: str | None = None
    old_calculation_id: uuid.UUID
    new_calculation_id: uuid.UUID | None = None
    old_release: str
    new_release: str
    old_total_kgco2e_per_kwh: float
    new_total_kgco2e_per_kwh: float | None = None
    change_kgco2e_per_kwh: float | None = None
    change_percent: float | None = None


class PortfolioReport(BaseModel):
    factor_release: str
    recomputed: int
    skipped: int
    changes: list[ProductChange]


def _latest_calculations(session: Session, org_id: uuid.UUID | None) -> list[tuple[Product, Calculation]]:  # fmt: skip
    """(product, its newest calculation) for every product of ``org_id`` (all if ``None``)."""
    query = (
        select(Product, Calculation)
        .join(DesignVersion, DesignVersion.product_id == Product.id)
        .join(Calculation, Calculation.design_version_id == DesignVersion.id)
        .order_by(Calculation.created_at)
    )
    if org_id is not None:
        query = query.where(Product.organization_id == org_id)
    latest: dict[uuid.UUID, tuple[Product, Calculation]] = {}
    for product, calculation in session.execute(query):
        latest[product.id] = (product, calculation)  # oldest first: the newest stays
    return sorted(latest.values(), key=lambda pair: (str(pair[0].organization_id), pair[0].name))


def _change(product: Product, old: Calculation, release: str) -> ProductChange:
    return ProductChange(
        product_id=product.id, product=product.name, organization_id=product.organization_id,
        status="unchanged", old_calculation_id=old.id, old_release=old.factor_release_id,
        new_release=release, old_total_kgco2e_per_kwh=old.total_kgco2e_per_kwh,
    )  # fmt: skip


@dataclass(frozen=True)
class PlannedProduct:
    """One product to recompute: its change (filled in when stored), who it is computed for
    (the owning organization) and its prepared inputs."""

    index: int
    organization_id: uuid.UUID
    prepared: PreparedCalculation


@dataclass
class RecomputationPlan:
    release: str
    changes: list[ProductChange]
    pending: list[PlannedProduct] = field(default_factory=list)


def _require_may_recompute(actor: Actor) -> None:
    require(actor.is_admin or actor.has_role("manufacturer"), "only manufacturers (their own products) and platform administrators recompute a portfolio")  # fmt: skip


def plan_recomputation(session: Session, actor: Actor, data: RecomputeIn) -> RecomputationPlan:
    """Read and check every product's inputs under the release (in the caller's transaction)."""
    _require_may_recompute(actor)
    release = release_library(session, data.factor_release).release_id
    plan = RecomputationPlan(release=release, changes=[])
    for product, old in _latest_calculations(session, None if actor.is_admin else actor.organization_id):  # fmt: skip
        change = _change(product, old, release)
        plan.changes.append(change)
        if old.factor_release_id == release:
            continue
        # Access to datasets is the owning organization's, whoever runs the batch.
        on_behalf = replace(actor, organization_id=product.organization_id)
        version = session.get_one(DesignVersion, old.design_version_id)
        try:
            prepared = prepare_calculation(session, on_behalf, version, _request(old, release))
        except BatteryCarbonError as exc:
            change.status, change.reason = "skipped", str(exc)
            continue
        plan.pending.append(PlannedProduct(len(plan.changes) - 1, product.organization_id, prepared))  # fmt: skip
    return plan


def _request(old: Calculation, release: str) -> CalculationIn:
    return CalculationIn(
        design_version_id=old.design_version_id, rule_set=old.rule_set,
        level=old.inputs.get("level", "pack"), factor_release=release,
    )  # fmt: skip


Evaluation = tuple[dict[str, Any] | None, str | None]


def evaluate_planned(prepared: PreparedCalculation) -> Evaluation:
    """(result, None), or (None, why not) when the release cannot compute this design. Pure and
    module-level: it is what a Dask worker runs."""
    try:
        return evaluate_calculation(prepared), None
    except BatteryCarbonError as exc:
        return None, str(exc)


def _changed_since_planned(session: Session, actor: Actor, item: PlannedProduct, old_id: uuid.UUID) -> str | None:  # fmt: skip
    """Why the planned inputs no longer hold (``None`` if they do)."""
    product_id = session.get_one(DesignVersion, item.prepared.design_version_id).product_id
    versions = select(DesignVersion.id).where(DesignVersion.product_id == product_id)
    newest = session.scalar(
        select(Calculation.id)
        .where(Calculation.design_version_id.in_(versions))
        .order_by(Calculation.created_at.desc())
        .limit(1)
    )
    if newest != old_id:
        return "a newer calculation of this product was stored during the recomputation; run it again"  # fmt: skip
    on_behalf = replace(actor, organization_id=item.organization_id)
    for dataset_id, _ in item.prepared.datasets_used:
        row = session.get(SupplierDataset, dataset_id)
        if row is None or row.status != "approved" or dataset_access(session, on_behalf, row) not in ("owner", "grantee"):  # fmt: skip
            return f"dataset {dataset_id} was superseded, rejected or unshared during the recomputation"
    return None


def store_recomputation(
    session: Session, actor: Actor, plan: RecomputationPlan, evaluations: list[Evaluation]
) -> PortfolioReport:
    """Store the new calculations of ``plan`` (in the caller's transaction) and the report."""
    _require_may_recompute(actor)
    for item, (result, problem) in zip(plan.pending, evaluations, strict=True):
        change = plan.changes[item.index]
        problem = problem or _changed_since_planned(session, actor, item, change.old_calculation_id)  # fmt: skip
        if problem is not None or result is None:
            change.status, change.reason = "skipped", problem
            continue
        on_behalf = replace(actor, organization_id=item.organization_id)
        new, _ = store_calculation(session, on_behalf, item.prepared, result)
        delta = new.total_kgco2e_per_kwh - change.old_total_kgco2e_per_kwh
        change.status, change.new_calculation_id = "recomputed", new.id
        change.new_total_kgco2e_per_kwh, change.change_kgco2e_per_kwh = new.total_kgco2e_per_kwh, delta  # fmt: skip
        change.change_percent = 100 * delta / change.old_total_kgco2e_per_kwh if change.old_total_kgco2e_per_kwh else None  # fmt: skip
    recomputed = sum(c.status == "recomputed" for c in plan.changes)
    skipped = sum(c.status == "skipped" for c in plan.changes)
    audit(session, actor, "portfolio.recomputed", "factor_release", plan.release, after={"recomputed": recomputed, "skipped": skipped, "active_release": active_release_id(session)})  # fmt: skip
    return PortfolioReport(factor_release=plan.release, recomputed=recomputed, skipped=skipped, changes=plan.changes)  # fmt: skip


def recompute_portfolio(session: Session, actor: Actor, data: RecomputeIn) -> PortfolioReport:
    """Recompute every product's latest calculation under ``data.factor_release``, here and now
    (the CLI; the API runs :func:`submit_recomputation`)."""
    with unit_of_work(session):
        plan = plan_recomputation(session, actor, data)
    evaluations = [evaluate_planned(item.prepared) for item in plan.pending]
    with unit_of_work(session):
        return store_recomputation(session, actor, plan, evaluations)


JOB_KIND = "portfolio.recompute"


def run_recomputation_job(context: JobContext) -> dict[str, Any]:
    """A job's body: plan, evaluate (in-process or on Dask, with progress), store; the report."""
    data = RecomputeIn.model_validate(context.params)
    with context.sessions() as session:
        with unit_of_work(session):
            plan = plan_recomputation(session, context.actor, data)
        prepared = [item.prepared for item in plan.pending]
        evaluations = context.map(evaluate_planned, prepared, "products")
        context.progress(len(prepared), len(prepared), "storing the new calculations")
        with unit_of_work(session):
            report = store_recomputation(session, context.actor, plan, evaluations)
    return report.model_dump(mode="json")


def submit_recomputation(
    session: Session, actor: Actor, data: RecomputeIn, runner: JobRunner
) -> JobOut:
    """Queue the recomputation as a job of the actor's organization (permission and release
    checked now: a refusal stores no job); poll it with :func:`~.jobs.get_job`."""

    def check(session: Session) -> None:
        _require_may_recompute(actor)
        release_library(session, data.factor_release)

    return submit_job(session, actor, JOB_KIND, data.model_dump(mode="json"), run_recomputation_job, runner, check)  # fmt: skip
