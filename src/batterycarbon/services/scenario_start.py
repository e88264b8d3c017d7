"""Where the scenario explorer starts for a stored product: its latest stored calculation.

The starting point is that calculation's inputs as stored: the design with the supplier figures
it used (``supplier_overrides``), its factor release, rule set and level, so the explorer's first
bar is the product's stored figure exactly, and every lever is a change from it. A product not
calculated yet starts from its latest design version with the active release, and says so.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from batterycarbon.battery import Design, load_design
from batterycarbon.battery.design import read_stored_design
from batterycarbon.rules import DEFAULT_RULE_SET
from batterycarbon.services.context import Actor, unit_of_work
from batterycarbon.services.errors import NotFound
from batterycarbon.services.factor_releases import active_release_id
from batterycarbon.services.products import own_product
from batterycarbon.services.uncertainty import stored_inputs
from batterycarbon.store import Calculation, DesignVersion


@dataclass(frozen=True)
class ScenarioStart:
    """What a pathway starts from, and in words which record that is."""

    design: Design
    factor_release: str
    rule_set: str
    level: Literal["pack", "cell"]
    calculation_id: uuid.UUID | None
    stored_total_kgco2e_per_kwh: float | None
    description: str


def product_start(session: Session, actor: Actor, product_id: uuid.UUID) -> ScenarioStart:
    """The starting point of ``product_id`` (one of the actor's organization's products)."""
    with unit_of_work(session):
        product = own_product(session, actor, product_id)
        latest = session.scalars(
            select(Calculation)
            .join(DesignVersion, Calculation.design_version_id == DesignVersion.id)
            .where(
                DesignVersion.product_id == product.id,
                Calculation.organization_id == actor.organization_id,
            )
            .order_by(Calculation.created_at.desc(), Calculation.id.desc())
            .limit(1)
        ).first()
        if latest is not None:
            version = session.get_one(DesignVersion, latest.design_version_id)
            stored = stored_inputs(session, latest)
            return ScenarioStart(
                design=stored.design.model_copy(update={"id": product.name}),
                factor_release=stored.factor_release,
                rule_set=stored.rule_set,
                level=stored.level,
                calculation_id=latest.id,
                stored_total_kgco2e_per_kwh=latest.total_kgco2e_per_kwh,
                description=(
                    f"the stored calculation {latest.id} of {product.name} (design version "
                    f"{version.version}, {latest.created_at:%Y-%m-%d %H:%M} UTC) with the "
                    f"supplier figures it used, factor release {latest.factor_release_id} and "
                    f"rule set {latest.rule_set}"
                ),
            )
        if not product.designs:
            raise NotFound(f"product {product_id} has no design version")
        version = product.designs[-1]
        release = active_release_id(session)
        return ScenarioStart(
            design=read_stored_design({**version.design, "id": product.name}),
            factor_release=release,
            rule_set=DEFAULT_RULE_SET,
            level="pack",
            calculation_id=None,
            stored_total_kgco2e_per_kwh=None,
            description=(
                f"design version {version.version} of {product.name}, not calculated yet: "
                f"library figures only, the active factor release {release}"
            ),
        )


def reference_start(session: Session, design_id: str) -> ScenarioStart:
    """The starting point of the bundled reference design ``design_id``: library figures, the
    active factor release and the default rule set."""
    release = active_release_id(session)
    return ScenarioStart(
        design=load_design(design_id),
        factor_release=release,
        rule_set=DEFAULT_RULE_SET,
        level="pack",
        calculation_id=None,
        stored_total_kgco2e_per_kwh=None,
        description=(
            f"the reference design {design_id}: library figures, the active factor release "
            f"{release}"
        ),
    )
