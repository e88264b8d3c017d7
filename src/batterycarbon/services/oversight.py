"""The regulator's view: alerts, complaints and verification states across the chain, and
anonymized statistics of verified footprints.

Statistics count each product once (its latest verified calculation), group them by chemistry,
cell-plant region and design year, and report the count and percentiles of the total
(kg CO2-eq per kWh). A group with fewer than :data:`MIN_GROUP_SIZE` products is suppressed: it
is only counted in ``suppressed_groups``/``suppressed_products``, without its key, so that no
company's figure can be read off a small group.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import numpy as np
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from batterycarbon.services.complaints import ComplaintOut, complaint_out
from batterycarbon.services.context import Actor, unit_of_work
from batterycarbon.services.datasets import AlertOut, alert_out
from batterycarbon.services.permissions import require_oversight
from batterycarbon.store import Alert, Calculation, Complaint, DesignVersion, Verification

#: Smallest group whose statistics are shown (issue 5, section 2: confidentiality).
MIN_GROUP_SIZE = 5
PERCENTILES = (10, 25, 50, 75, 90)


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
    count: int = Field(description="Products (latest verified calculation of each)")
    percentiles_kgco2e_per_kwh: dict[str, float] = Field(examples=[{"p10": 61.2, "p50": 74.0}])


class FootprintStatistics(BaseModel):
    min_group_size: int
    groups: list[FootprintGroup]
    suppressed_groups: int
    suppressed_products: int


def _counts(session: Session, column: Any) -> dict[str, int]:
    rows = session.execute(select(column, func.count()).group_by(column)).all()
    return {str(row[0]): int(row[1]) for row in rows}


def overview(session: Session, actor: Actor) -> OversightOut:
    """Counts by state, and the open alerts and complaints, oldest first."""
    with unit_of_work(session):
        require_oversight(actor)
        alerts = session.scalars(select(Alert).where(Alert.status != "resolved").order_by(Alert.created_at))  # fmt: skip
        complaints = session.scalars(select(Complaint).where(Complaint.status == "open").order_by(Complaint.created_at))  # fmt: skip
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


def percentiles(values: list[float]) -> dict[str, float]:
    """``{"p10": ..., "p90": ...}`` by linear interpolation (NumPy's default method)."""
    points = np.percentile(np.asarray(values, dtype=float), PERCENTILES)
    return {f"p{p}": float(v) for p, v in zip(PERCENTILES, points, strict=True)}


def footprint_statistics(
    session: Session,
    actor: Actor,
    chemistry: str | None = None,
    region: str | None = None,
    year: int | None = None,
) -> FootprintStatistics:
    """Anonymized statistics of verified footprints (regulators and administrators)."""
    with unit_of_work(session):
        require_oversight(actor)
        verified = (
            select(
                DesignVersion.product_id,
                Calculation.created_at,
                Calculation.inputs,
                Calculation.total_kgco2e_per_kwh,
            )  # fmt: skip
            .join(Verification, Verification.calculation_id == Calculation.id)
            .join(DesignVersion, DesignVersion.id == Calculation.design_version_id)
            .where(Verification.state == "approved")
            .order_by(Calculation.created_at)
        )
        latest: dict[Any, tuple[tuple[str, str, int], float]] = {}
        for row in session.execute(verified):
            # Rows come oldest first: a product's later verified calculation replaces earlier.
            latest[row.product_id] = (_group_key(row.inputs), float(row.total_kgco2e_per_kwh))
    groups: dict[tuple[str, str, int], list[float]] = defaultdict(list)
    for key, total in latest.values():
        if all(want is None or want == got for want, got in zip((chemistry, region, year), key, strict=True)):  # fmt: skip
            groups[key].append(total)
    sizes = Counter({key: len(values) for key, values in groups.items()})
    shown = sorted(key for key, n in sizes.items() if n >= MIN_GROUP_SIZE)
    hidden = [n for n in sizes.values() if n < MIN_GROUP_SIZE]
    return FootprintStatistics(
        min_group_size=MIN_GROUP_SIZE,
        groups=[
            FootprintGroup(
                chemistry=c,
                region=r,
                year=y,
                count=sizes[(c, r, y)],
                percentiles_kgco2e_per_kwh=percentiles(groups[(c, r, y)]),
            )  # fmt: skip
            for c, r, y in shown
        ],
        suppressed_groups=len(hidden),
        suppressed_products=sum(hidden),
    )
