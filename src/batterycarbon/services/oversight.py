"""The regulator's view: alerts, complaints and verification states across the chain, and
anonymized statistics of verified footprints.

Statistics count each product once (its latest verified calculation) and group them by
chemistry, cell-plant country and design year. A group is published only if it passes the
sensitivity rules of :mod:`batterycarbon.services.disclosure_control` (at least
:data:`~batterycarbon.services.disclosure_control.MIN_ORGANIZATIONS` distinct organizations, none
dominating, the p% rule), and then only as a band of its product count, its mean and its
quartiles rounded to a coarse step, never an exact order statistic. A suppressed group is only
counted in ``suppressed_groups``: neither its key nor how many products it holds is shown.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from batterycarbon.services.complaints import ComplaintOut, complaint_out
from batterycarbon.services.context import Actor, unit_of_work
from batterycarbon.services.datasets import AlertOut, alert_out
from batterycarbon.services.disclosure_control import (
    MAX_ORGANIZATION_SHARE,
    MIN_ORGANIZATIONS,
    P_PERCENT,
    ROUNDING_STEP_KGCO2E_PER_KWH,
    Contribution,
    publish,
)
from batterycarbon.services.permissions import require_oversight
from batterycarbon.services.verifications import independent
from batterycarbon.store import Alert, Calculation, Complaint, DesignVersion, Verification

#: How the statistics are protected, in one line for the reader of the response.
METHOD = (
    "Statistical disclosure control (Hundepool et al., Handbook on Statistical Disclosure "
    f"Control, ch. 4): groups of fewer than {MIN_ORGANIZATIONS} organizations, with one "
    f"organization holding more than {MAX_ORGANIZATION_SHARE:.0%} of the products or of the "
    f"summed figure, or failing the p% rule (p = {P_PERCENT:g}) are suppressed; published are "
    f"the product count as a band, the mean and the quartiles rounded to "
    f"{ROUNDING_STEP_KGCO2E_PER_KWH:g} kg CO2e/kWh."
)


class OversightOut(BaseModel):
    alerts_by_status: dict[str, int]
    complaints_by_status: dict[str, int]
    verifications_by_state: dict[str, int]
    open_alerts: list[AlertOut]
    open_complaints: list[ComplaintOut]


class FootprintGroup(BaseModel):
    chemistry: str
    region: str = Field(description="Country of the cell plant")
    year: int
    products: str = Field(
        description="Number of products (latest verified calculation of each), as a band",
        examples=["5-9"],
    )
    mean_kgco2e_per_kwh: float = Field(description="Rounded to the published step")
    percentiles_kgco2e_per_kwh: dict[str, float] = Field(
        description="Interpolated quartiles, rounded to the published step",
        examples=[{"p25": 60.0, "p50": 70.0, "p75": 80.0}],
    )


class FootprintStatistics(BaseModel):
    method: str = Field(description="The disclosure control applied, with its reference")
    min_organizations: int = Field(description="Fewest distinct organizations in a shown group")
    max_organization_share: float = Field(
        description="Largest share of a shown group's products or summed figure one "
        "organization may hold"
    )
    rounding_step_kgco2e_per_kwh: float
    groups: list[FootprintGroup]
    suppressed_groups: int = Field(
        description="Groups not shown; neither their keys nor their sizes are given"
    )


def _counts(session: Session, column: Any) -> dict[str, int]:
    rows = session.execute(select(column, func.count()).group_by(column)).all()
    return {str(row[0]): int(row[1]) for row in rows}


def overview(session: Session, actor: Actor) -> OversightOut:
    """Counts by state, and the open alerts and complaints, oldest first."""
    with unit_of_work(session):
        require_oversight(actor)
        alerts = session.scalars(
            select(Alert).where(Alert.status != "resolved").order_by(Alert.created_at)
        )
        complaints = session.scalars(
            select(Complaint).where(Complaint.status == "open").order_by(Complaint.created_at)
        )
        return OversightOut(
            alerts_by_status=_counts(session, Alert.status),
            complaints_by_status=_counts(session, Complaint.status),
            verifications_by_state=_counts(session, Verification.state),
            open_alerts=[alert_out(a) for a in alerts],
            open_complaints=[complaint_out(c) for c in complaints],
        )


def _group_key(inputs: dict[str, Any]) -> tuple[str, str, int]:
    design = inputs.get("design", {})
    return (
        str(design.get("chemistry", "?")),
        str((design.get("plants") or {}).get("cell") or "?"),
        int(design.get("year") or 0),
    )


def footprint_statistics(
    session: Session,
    actor: Actor,
    chemistry: str | None = None,
    region: str | None = None,
    year: int | None = None,
) -> FootprintStatistics:
    """Anonymized statistics of verified footprints (regulators and administrators), under the
    disclosure control of :mod:`batterycarbon.services.disclosure_control`."""
    with unit_of_work(session):
        require_oversight(actor)
        verified = (
            select(
                DesignVersion.product_id,
                Calculation.organization_id,
                Calculation.inputs,
                Calculation.total_kgco2e_per_kwh,
            )
            .join(Verification, Verification.calculation_id == Calculation.id)
            .join(DesignVersion, DesignVersion.id == Calculation.design_version_id)
            .where(Verification.state == "approved")
            # A verification by the calculation's own organization is no verification.
            .where(independent())
            .order_by(Calculation.created_at)
        )
        latest: dict[Any, tuple[tuple[str, str, int], Contribution]] = {}
        for row in session.execute(verified):
            # Rows come oldest first: a product's later verified calculation replaces earlier.
            figure = Contribution(row.organization_id, float(row.total_kgco2e_per_kwh))
            latest[row.product_id] = (_group_key(row.inputs), figure)
    wanted = (chemistry, region, year)
    groups: dict[tuple[str, str, int], list[Contribution]] = defaultdict(list)
    for key, figure in latest.values():
        if all(want is None or want == got for want, got in zip(wanted, key, strict=True)):
            groups[key].append(figure)
    shown, suppressed = [], 0
    for (c, r, y), members in sorted(groups.items()):
        published = publish(members)
        if published is None:
            suppressed += 1
            continue
        shown.append(
            FootprintGroup(
                chemistry=c,
                region=r,
                year=y,
                products=published.products_band,
                mean_kgco2e_per_kwh=published.mean_kgco2e_per_kwh,
                percentiles_kgco2e_per_kwh=published.percentiles_kgco2e_per_kwh,
            )
        )
    return FootprintStatistics(
        method=METHOD,
        min_organizations=MIN_ORGANIZATIONS,
        max_organization_share=MAX_ORGANIZATION_SHARE,
        rounding_step_kgco2e_per_kwh=ROUNDING_STEP_KGCO2E_PER_KWH,
        groups=shown,
        suppressed_groups=suppressed,
    )
