"""Sharing a calculation with a customer: grant, revoke, list grants; what a grantee reads.

A manufacturer shows a calculation to a customer organization (an OEM buying the pack) by
granting it; the customer then reads the calculation's declared figures
(:class:`SharedCalculationOut`: total per kWh and per pack, stages, functional unit, rule set,
factor release, primary-data share, digest and verification state) through
``GET /calculations/{id}`` and as a PACT ProductFootprint over ``GET /3/footprints``. It never
reads the design document, the result's process and factor breakdown, or the supplier figures
the calculation used (suppliers shared those with the manufacturer, not with its customers).
Only the organization that made the calculation grants and revokes; both are audited. Revoking
takes effect on the next request.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from batterycarbon.services.calculations import CalculationOut, calculation_out, product_of
from batterycarbon.services.context import Actor, audit, unit_of_work
from batterycarbon.services.errors import Conflict, NotFound
from batterycarbon.services.lookup import get_organization, get_with_access
from batterycarbon.services.paging import ListQuery, Page, page_of, paginate, within
from batterycarbon.services.permissions import CalculationAccess, calculation_access, require
from batterycarbon.services.verifications import independent
from batterycarbon.store import Calculation, CalculationGrant, Organization, Verification
from batterycarbon.store.base import utcnow
from batterycarbon.store.locks import serialize


class CalculationGrantIn(BaseModel):
    organization_id: uuid.UUID = Field(description="The customer organization to show it to")


class CalculationGrantOut(BaseModel):
    id: uuid.UUID
    calculation_id: uuid.UUID
    grantee_org_id: uuid.UUID
    grantee: str
    created_at: datetime
    revoked_at: datetime | None


class SharedCalculationOut(BaseModel):
    """What a customer a calculation was shared with reads: the declared figures only."""

    id: uuid.UUID
    manufacturer_org_id: uuid.UUID
    manufacturer: str
    product_id: uuid.UUID
    product: str
    chemistry: str | None
    level: str
    functional_unit: str | None
    total_kgco2e_per_kwh: float
    total_kgco2e_per_pack: float | None
    capacity_kwh: float | None
    stages_kgco2e_per_kwh: dict[str, float]
    primary_share: float = Field(description="Share of emissions from suppliers' primary data")
    factor_release: str
    rule_set: str
    digest: str
    verification_state: str | None = Field(
        description="State of the newest verification request to an independent verifier, if "
        "any (approved = verified); one by the maker's own organization, stored before such "
        "requests were refused, is no verification and is left out"
    )
    created_at: datetime


def shared_calculation_out(session: Session, row: Calculation) -> SharedCalculationOut:
    owner = session.get_one(Organization, row.organization_id)
    product = product_of(session, row)
    result: dict[str, Any] = row.result
    state = session.scalar(
        select(Verification.state)
        .join(Calculation, Calculation.id == Verification.calculation_id)
        .where(Verification.calculation_id == row.id, independent())
        .order_by(Verification.created_at.desc())
        .limit(1)
    )
    return SharedCalculationOut(
        id=row.id,
        manufacturer_org_id=owner.id,
        manufacturer=owner.name,
        product_id=product.id,
        product=product.name,
        chemistry=row.inputs.get("design", {}).get("chemistry"),
        level=str(row.inputs.get("level", "pack")),
        functional_unit=result.get("functional_unit"),
        total_kgco2e_per_kwh=row.total_kgco2e_per_kwh,
        total_kgco2e_per_pack=result.get("total_kgco2e_per_pack"),
        capacity_kwh=result.get("capacity_kwh"),
        stages_kgco2e_per_kwh={str(k): float(v) for k, v in result.get("stages", {}).items()},
        primary_share=row.primary_share,
        factor_release=row.factor_release_id,
        rule_set=row.rule_set,
        digest=row.digest,
        verification_state=state,
        created_at=row.created_at,
    )


def readable_calculation(
    session: Session, actor: Actor, calculation_id: uuid.UUID
) -> tuple[Calculation, CalculationAccess]:
    """The calculation and how the actor may read it; :class:`NotFound` if not at all."""
    return get_with_access(
        session,
        Calculation,
        calculation_id,
        f"calculation {calculation_id} not found",
        lambda row: calculation_access(session, actor, row),
    )


def read_calculation(
    session: Session, actor: Actor, calculation_id: uuid.UUID
) -> CalculationOut | SharedCalculationOut:
    """The whole calculation for its maker and its verifier; the declared figures for a
    customer it was shared with; :class:`NotFound` for anyone else."""
    with unit_of_work(session):
        row, access = readable_calculation(session, actor, calculation_id)
        if access == "grantee":
            return shared_calculation_out(session, row)
        return calculation_out(row)


def _owned(session: Session, actor: Actor, calculation_id: uuid.UUID, doing: str) -> Calculation:
    row, access = readable_calculation(session, actor, calculation_id)
    require(access == "owner", f"only the organization that made the calculation may {doing}")
    return row


def _grant_out(session: Session, grant: CalculationGrant) -> CalculationGrantOut:
    grantee = session.get_one(Organization, grant.grantee_org_id)
    return CalculationGrantOut(
        id=grant.id,
        calculation_id=grant.calculation_id,
        grantee_org_id=grant.grantee_org_id,
        grantee=grantee.name,
        created_at=grant.created_at,
        revoked_at=grant.revoked_at,
    )


def _active_grant(
    session: Session, calculation_id: uuid.UUID, org_id: uuid.UUID
) -> CalculationGrant | None:
    return session.scalar(
        select(CalculationGrant).where(
            CalculationGrant.calculation_id == calculation_id,
            CalculationGrant.grantee_org_id == org_id,
            CalculationGrant.revoked_at.is_(None),
        )
    )


def share_calculation(
    session: Session, actor: Actor, calculation_id: uuid.UUID, data: CalculationGrantIn
) -> CalculationGrantOut:
    """Show the calculation's declared figures to ``data.organization_id`` (the maker only;
    idempotent: an active grant is returned as it is, also to identical concurrent requests)."""
    with unit_of_work(session):
        row = _owned(session, actor, calculation_id, "share it")
        if data.organization_id == row.organization_id:
            raise Conflict("organization_id: a calculation cannot be shared with its own maker")
        get_organization(session, "organization_id", data.organization_id)
        # Identical grants sent at once wait for each other: the second one finds the first's.
        serialize(session, f"calculation-grant:{row.id}:{data.organization_id}")
        grant = _active_grant(session, row.id, data.organization_id)
        if grant is None:
            grant = CalculationGrant(
                calculation_id=row.id, grantee_org_id=data.organization_id, granted_by=actor.user_id
            )
            session.add(grant)
            session.flush()
            audit(
                session,
                actor,
                "calculation.shared",
                "calculation",
                row.id,
                after={"grantee_org_id": str(data.organization_id)},
            )
        return _grant_out(session, grant)


def revoke_calculation_share(
    session: Session, actor: Actor, calculation_id: uuid.UUID, organization_id: uuid.UUID
) -> CalculationGrantOut:
    """End the customer's grant (the maker only); the grant stays listed as revoked."""
    with unit_of_work(session):
        row = _owned(session, actor, calculation_id, "revoke its sharing")
        grant = _active_grant(session, row.id, organization_id)
        if grant is None:
            raise NotFound(
                f"organization_id: calculation {calculation_id} is not shared with "
                f"{organization_id}"
            )
        grant.revoked_at = utcnow()
        session.flush()
        audit(
            session,
            actor,
            "calculation.share_revoked",
            "calculation",
            row.id,
            before={"grantee_org_id": str(organization_id)},
        )
        return _grant_out(session, grant)


def find_calculation_grants(
    session: Session, actor: Actor, calculation_id: uuid.UUID, filters: ListQuery | None = None
) -> Page[CalculationGrantOut]:
    """Every grant of the calculation, active and revoked, oldest first (the maker only)."""
    with unit_of_work(session):
        row = _owned(session, actor, calculation_id, "list who it is shared with")
        query = select(CalculationGrant).where(CalculationGrant.calculation_id == row.id)
        if filters is not None:
            query = within(query, CalculationGrant.created_at, filters)
        order = (CalculationGrant.created_at, CalculationGrant.id)
        grants, total = paginate(session, query, filters, order)
        return page_of([_grant_out(session, g) for g in grants], total, filters)


def list_calculation_grants(
    session: Session, actor: Actor, calculation_id: uuid.UUID
) -> list[CalculationGrantOut]:
    """Every grant of the calculation, active and revoked, oldest first (the maker only)."""
    return find_calculation_grants(session, actor, calculation_id).items


def find_shared_with_me(
    session: Session, actor: Actor, filters: ListQuery | None = None
) -> Page[SharedCalculationOut]:
    """The calculations other organizations share with the actor's organization (active grants
    only), newest grant first: the declared figures, as a customer reads them."""
    with unit_of_work(session):
        if actor.organization_id is None:
            return page_of([], 0, filters)
        query = (
            select(Calculation)
            .join(CalculationGrant, CalculationGrant.calculation_id == Calculation.id)
            .where(
                CalculationGrant.grantee_org_id == actor.organization_id,
                CalculationGrant.revoked_at.is_(None),
            )
        )
        if filters is not None:
            query = within(query, CalculationGrant.created_at, filters)
        order = (CalculationGrant.created_at.desc(), Calculation.id)
        rows, total = paginate(session, query, filters, order)
        return page_of([shared_calculation_out(session, row) for row in rows], total, filters)
