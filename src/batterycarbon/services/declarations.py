"""The regulator's query of declarations: every calculation submitted for third-party
verification, with its declared figure and verification state, filtered and paged.

A declaration here is one verification request: the manufacturer's product, the declared
footprint (kg CO2-eq per kWh), what it was computed with (factor release, rule set, digest) and
where it stands (submitted, in review, approved, rejected). What it never carries: the design
document, the result breakdown, the supplier figures and their activity data, and the
verifier's findings (they may quote confidential data). Regulators and platform administrators
only.

The footprint itself is shown to a regulator only where the declaration is public by law: a
passport has been issued from the calculation, and the passport's carbon footprint is public
(Regulation (EU) 2023/1542, Art. 77(2), Annex XIII point 1). Before that, the figure is the
manufacturer's confidential data; it reaches the regulator only through the anonymized
statistics (``total_kgco2e_per_kwh`` and ``primary_share`` are null and ``declared_publicly``
false).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from batterycarbon.services.context import Actor, unit_of_work
from batterycarbon.services.paging import Page, json_text, page_of, paginate
from batterycarbon.services.permissions import require_oversight
from batterycarbon.services.verifications import (
    VerificationQuery,
    declared_publicly,
    filtered_verifications,
)
from batterycarbon.store import Calculation, DesignVersion, Organization, Product, Verification


class DeclarationQuery(VerificationQuery):
    """Verification filters (state, chemistry, organization, time) plus the cell plant's
    region, the design year and the manufacturer."""

    region: str | None = Field(default=None, max_length=10, description="Country of the cell plant", examples=["HU"])  # fmt: skip
    year: int | None = Field(default=None, ge=1990, le=2100, description="Design year")
    manufacturer_org_id: uuid.UUID | None = None


class DeclarationOut(BaseModel):
    verification_id: uuid.UUID
    calculation_id: uuid.UUID
    product: str
    manufacturer_org_id: uuid.UUID
    manufacturer: str
    verifier_org_id: uuid.UUID
    verifier: str
    chemistry: str | None
    region: str | None = Field(description="Country of the cell plant")
    year: int | None = Field(description="Design year")
    declared_publicly: bool = Field(description="A passport has been issued from the calculation")
    total_kgco2e_per_kwh: float | None = Field(
        description="Null for regulators unless declared publicly"
    )
    primary_share: float | None = Field(
        description="Share of emissions from suppliers' primary data; null for regulators unless "
        "declared publicly (it is part of the confidential study, like the figure itself)"
    )
    factor_release: str
    rule_set: str
    calculation_digest: str
    state: Literal["draft", "submitted", "in_review", "approved", "rejected"]
    submitted_at: datetime
    decided_at: datetime | None


def _design_fact(inputs: dict[str, Any], *path: str) -> Any:
    value: Any = inputs.get("design", {})
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def find_declarations(
    session: Session, actor: Actor, filters: DeclarationQuery | None = None
) -> Page[DeclarationOut]:
    """Declarations across the chain, oldest first (regulators and administrators)."""
    filters = filters or DeclarationQuery()
    with unit_of_work(session):
        require_oversight(actor)
        query = filtered_verifications(select(Verification), filters)
        calc = select(Calculation.id)
        if filters.region is not None:
            calc = calc.where(json_text(Calculation.inputs, "design", "plants", "cell") == filters.region)  # fmt: skip
        if filters.year is not None:
            calc = calc.where(Calculation.inputs[("design", "year")].as_integer() == filters.year)  # fmt: skip
        if filters.manufacturer_org_id is not None:
            calc = calc.where(Calculation.organization_id == filters.manufacturer_org_id)
        if calc.whereclause is not None:
            query = query.where(Verification.calculation_id.in_(calc))
        rows, total = paginate(session, query, filters, (Verification.created_at, Verification.id))
        names = {
            row[0]: row[1] for row in session.execute(select(Organization.id, Organization.name))
        }
        items = []
        for row in rows:
            calculation = session.get_one(Calculation, row.calculation_id)
            version = session.get_one(DesignVersion, calculation.design_version_id)
            product = session.get_one(Product, version.product_id)
            year = _design_fact(calculation.inputs, "year")
            public = declared_publicly(session, calculation.id)
            figure = calculation.total_kgco2e_per_kwh if public or actor.is_admin else None
            items.append(
                DeclarationOut(
                    verification_id=row.id, calculation_id=calculation.id, product=product.name,
                    manufacturer_org_id=calculation.organization_id,
                    manufacturer=names.get(calculation.organization_id, "?"),
                    verifier_org_id=row.verifier_org_id, verifier=names.get(row.verifier_org_id, "?"),
                    chemistry=_design_fact(calculation.inputs, "chemistry"),
                    region=_design_fact(calculation.inputs, "plants", "cell"),
                    year=int(year) if year is not None else None,
                    declared_publicly=public, total_kgco2e_per_kwh=figure,
                    primary_share=calculation.primary_share if public or actor.is_admin else None,
                    factor_release=calculation.factor_release_id, rule_set=calculation.rule_set,
                    calculation_digest=calculation.digest, state=row.state,
                    submitted_at=row.created_at, decided_at=row.decided_at,
                )
            )  # fmt: skip
        return page_of(items, total, filters)
