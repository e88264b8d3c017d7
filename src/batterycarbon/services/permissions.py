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
from batterycarbon.store import (
    Alert,
    Calculation,
    CalculationGrant,
    CalculationInput,
    Complaint,
    DataRequest,
    SharingGrant,
    SupplierDataset,
    Verification,
)

#: Verification states in which the verifier may read the activity data under review.
OPEN_REVIEW_STATES = ("submitted", "in_review")

#: Roles that buy materials and so may ask a supplier for a figure.
BUYER_ROLES = ("manufacturer", "oem", "supplier", "recycler")

DatasetAccess = Literal["owner", "verifier", "grantee"]
CalculationAccess = Literal["owner", "verifier", "grantee"]
RequestParty = Literal["requester", "supplier"]
ComplaintAccess = Literal["oversight", "complainant", "subject_owner"]


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
    if actor.has_role("verifier") and _assigned_to_dataset(session, actor.organization_id, dataset):
        return "verifier"
    if has_active_grant(session, dataset.id, actor.organization_id):
        return "grantee"
    return None


def _assigned_to_dataset(
    session: Session, verifier_org_id: uuid.UUID, dataset: SupplierDataset
) -> bool:
    """Whether the verifier organization reviews the dataset now: an open review of a
    calculation that used it, or an open alert about it assigned to that organization."""
    if session.scalar(
        select(
            exists()
            .where(CalculationInput.dataset_id == dataset.id)
            .where(Verification.calculation_id == CalculationInput.calculation_id)
            .where(Verification.verifier_org_id == verifier_org_id)
            .where(Verification.state.in_(OPEN_REVIEW_STATES))
        )
    ):
        return True
    return reviews_alert_of(session, verifier_org_id, dataset)


def reviews_alert_of(
    session: Session, verifier_org_id: uuid.UUID, dataset: SupplierDataset
) -> bool:
    """Whether an alert about ``dataset`` is in review by the verifier organization."""
    return bool(
        session.scalar(
            select(
                exists()
                .where(Alert.subject_type == "dataset", Alert.subject_id == dataset.id)
                .where(Alert.assigned_verifier_org_id == verifier_org_id)
                .where(Alert.status == "in_review")
            )
        )
    )


def assigned_alert_reviewer(session: Session, actor: Actor, dataset: SupplierDataset) -> bool:
    """Whether ``actor`` is the verifier assigned to an open alert about ``dataset``."""
    return (
        actor.organization_id is not None
        and actor.has_role("verifier")
        and reviews_alert_of(session, actor.organization_id, dataset)
    )


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


def calculation_access(
    session: Session, actor: Actor, calculation: Calculation
) -> CalculationAccess | None:
    """How ``actor`` may see ``calculation``: all of it (the organization that made it, a
    verifier asked to verify it), its declared figures only (a customer it was shared with:
    total, stages, rule set and release, never the design or the supplier data behind it), or
    not at all (``None``)."""
    if actor.organization_id is None:
        return None
    if calculation.organization_id == actor.organization_id:
        return "owner"
    if actor.has_role("verifier") and session.scalar(
        select(
            exists()
            .where(Verification.calculation_id == calculation.id)
            .where(Verification.verifier_org_id == actor.organization_id)
        )
    ):
        return "verifier"
    if has_active_calculation_grant(session, calculation.id, actor.organization_id):
        return "grantee"
    return None


def has_active_calculation_grant(
    session: Session, calculation_id: uuid.UUID, org_id: uuid.UUID
) -> bool:
    return bool(
        session.scalar(
            select(
                exists()
                .where(CalculationGrant.calculation_id == calculation_id)
                .where(CalculationGrant.grantee_org_id == org_id)
                .where(CalculationGrant.revoked_at.is_(None))
            )
        )
    )


def has_oversight(actor: Actor) -> bool:
    """Regulators and platform administrators oversee the whole chain (alerts, complaints,
    verification states, anonymized statistics), never the activity data."""
    return actor.is_admin or actor.has_role("regulator")


def require_oversight(actor: Actor) -> None:
    require(has_oversight(actor), "only regulators and platform administrators may see this")


def data_request_party(actor: Actor, request: DataRequest) -> RequestParty | None:
    """The actor's side of a data request; ``None`` for anyone else (they get NotFound)."""
    if actor.organization_id == request.requester_org_id:
        return "requester"
    if actor.organization_id == request.supplier_org_id:
        return "supplier"
    return None


def complaint_access(actor: Actor, complaint: Complaint) -> ComplaintAccess | None:
    """Regulators see every complaint; the complainant its own; the owner of the subject the
    complaints about its record (without learning who filed them)."""
    if has_oversight(actor):
        return "oversight"
    if actor.organization_id == complaint.complainant_org_id:
        return "complainant"
    if actor.organization_id == complaint.subject_org_id:
        return "subject_owner"
    return None


def complaint_subject_owner(
    session: Session, actor: Actor, subject_type: str, subject_id: uuid.UUID
) -> uuid.UUID | None:
    """The organization owning the record a complaint is about, if ``actor`` may know the
    record: a dataset it can read (or oversees); a calculation it made or verifies, or (for
    oversight) one submitted for verification. ``None`` means "no such record" to the actor."""
    if subject_type == "dataset":
        dataset = session.get(SupplierDataset, subject_id)
        if dataset is None:
            return None
        if has_oversight(actor) or dataset_access(session, actor, dataset) is not None:
            return dataset.owner_org_id
        return None
    calculation = session.get(Calculation, subject_id)
    if calculation is None:
        return None
    if actor.organization_id == calculation.organization_id:
        return calculation.organization_id
    verifiers = select(Verification.verifier_org_id).where(
        Verification.calculation_id == calculation.id
    )
    assigned = set(session.scalars(verifiers))
    if assigned and (has_oversight(actor) or actor.organization_id in assigned):
        return calculation.organization_id
    return None
