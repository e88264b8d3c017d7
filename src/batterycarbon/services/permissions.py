"""Object-level permissions, in one place.

Role rules say what an organization's kind may do; relation rules (owner, grantee, assigned
verifier) say which records it may see. When an actor may not know a record exists, services
answer :class:`NotFound`, the same as for a record that does not exist.
"""

from __future__ import annotations

import uuid
from typing import Literal

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from batterycarbon.services.context import Actor
from batterycarbon.services.errors import PermissionDenied
from batterycarbon.store import CalculationInput, SharingGrant, SupplierDataset, Verification

#: Verification states in which the verifier may read the activity data under review.
OPEN_REVIEW_STATES = ("submitted", "in_review")

DatasetAccess = Literal["owner", "verifier", "grantee"]


def require(condition: bool, message: str) -> None:
    """Raise :class:`PermissionDenied` with ``message`` unless ``condition``."""
    if not condition:
        raise PermissionDenied(message)


def require_role(actor: Actor, *roles: str) -> None:
    require(
        actor.has_role(*roles) or actor.kind == "system",
        f"this needs an organization with role {' or '.join(roles)}; yours has "
        f"{', '.join(sorted(actor.roles)) or 'none'}",
    )


def require_admin_of(actor: Actor, organization_id: uuid.UUID) -> None:
    """Platform administrators, or administrators of ``organization_id`` itself."""
    require(
        actor.is_admin or (actor.is_org_admin and actor.organization_id == organization_id),
        "only a platform administrator or this organization's administrator may do this",
    )


def dataset_access(
    session: Session, actor: Actor, dataset: SupplierDataset
) -> DatasetAccess | None:
    """How ``actor`` may see ``dataset``: all of it (owner, assigned verifier), its shared
    figure only (grantee), or not at all (``None``)."""
    if actor.organization_id is None:
        return None
    if dataset.owner_org_id == actor.organization_id:
        return "owner"
    if actor.has_role("verifier") and session.scalar(
        select(
            exists()
            .where(CalculationInput.dataset_id == dataset.id)
            .where(Verification.calculation_id == CalculationInput.calculation_id)
            .where(Verification.verifier_org_id == actor.organization_id)
            .where(Verification.state.in_(OPEN_REVIEW_STATES))
        )
    ):
        return "verifier"
    if has_active_grant(session, dataset.id, actor.organization_id):
        return "grantee"
    return None


def has_active_grant(session: Session, dataset_id: uuid.UUID, org_id: uuid.UUID) -> bool:
    return bool(
        session.scalar(
            select(
                exists()
                .where(SharingGrant.dataset_id == dataset_id)
                .where(SharingGrant.grantee_org_id == org_id)
                .where(SharingGrant.revoked_at.is_(None))
            )
        )
    )
