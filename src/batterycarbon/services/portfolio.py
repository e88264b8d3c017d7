"""Portfolio recomputation after a factor release: every product's latest calculation is
computed again under the release, with the same design version, rule set, level and supplier
datasets, so that the difference is the release's alone; the report lists old and new totals.

A manufacturer recomputes its own portfolio; a platform administrator every organization's (the
batch run after activating a release). Everything happens in one transaction: the new
calculations are stored together or not at all. A product whose inputs no longer fit (a
dataset since superseded or unshared, a flow the release lacks) is reported as skipped, with the
reason, and nothing is stored for it.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from batterycarbon.errors import BatteryCarbonError
from batterycarbon.services.calculations import CalculationIn, compute_calculation
from batterycarbon.services.context import Actor, audit, unit_of_work
from batterycarbon.services.factor_releases import active_release_id, release_library
from batterycarbon.services.permissions import require
from batterycarbon.store import Calculation, DesignVersion, Product


class RecomputeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    factor_release: str | None = Field(default=None, description="Default: the active release")


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


def recompute_portfolio(session: Session, actor: Actor, data: RecomputeIn) -> PortfolioReport:
    """Recompute every product's latest calculation under ``data.factor_release``."""
    with unit_of_work(session):
        require(actor.is_admin or actor.has_role("manufacturer"), "only manufacturers (their own products) and platform administrators recompute a portfolio")  # fmt: skip
        release = release_library(session, data.factor_release).release_id
        changes = []
        for product, old in _latest_calculations(session, None if actor.is_admin else actor.organization_id):  # fmt: skip
            change = _change(product, old, release)
            if old.factor_release_id != release:
                # Access to datasets is the owning organization's, whoever runs the batch.
                on_behalf = replace(actor, organization_id=product.organization_id)
                request = CalculationIn(
                    design_version_id=old.design_version_id, rule_set=old.rule_set,
                    level=old.inputs.get("level", "pack"), factor_release=release,
                    dataset_ids=[uuid.UUID(d["dataset_id"]) for d in old.inputs.get("datasets", [])],
                )  # fmt: skip
                version = session.get_one(DesignVersion, old.design_version_id)
                try:
                    new = compute_calculation(session, on_behalf, version, request)
                except BatteryCarbonError as exc:
                    change.status, change.reason = "skipped", str(exc)
                else:
                    delta = new.total_kgco2e_per_kwh - old.total_kgco2e_per_kwh
                    change.status, change.new_calculation_id = "recomputed", new.id
                    change.new_total_kgco2e_per_kwh, change.change_kgco2e_per_kwh = new.total_kgco2e_per_kwh, delta  # fmt: skip
                    change.change_percent = 100 * delta / old.total_kgco2e_per_kwh if old.total_kgco2e_per_kwh else None  # fmt: skip
            changes.append(change)
        recomputed = sum(c.status == "recomputed" for c in changes)
        skipped = sum(c.status == "skipped" for c in changes)
        audit(session, actor, "portfolio.recomputed", "factor_release", release, after={"recomputed": recomputed, "skipped": skipped, "active_release": active_release_id(session)})  # fmt: skip
        return PortfolioReport(factor_release=release, recomputed=recomputed, skipped=skipped, changes=changes)  # fmt: skip
