"""Calculations, their verification and the alerts raised by data-quality checks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from batterycarbon.store.base import Base, CreatedMixin, IdMixin
from batterycarbon.store.write_once import write_once

#: Verification life cycle; the transitions allowed are in ``services.verifications``.
VERIFICATION_STATES = ("draft", "submitted", "in_review", "approved", "rejected")


@write_once()
class Calculation(IdMixin, CreatedMixin, Base):
    """An immutable footprint result with everything it came from.

    ``inputs`` holds the design, options and the supplier datasets used (ids and figures);
    ``digest`` is the SHA-256 of the canonical JSON of inputs, release, rule set and result, so
    a stored calculation can be checked against a recomputation bit for bit.
    """

    __tablename__ = "calculations"

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    design_version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("design_versions.id"))
    factor_release_id: Mapped[str] = mapped_column(ForeignKey("factor_releases.id"))
    rule_set: Mapped[str] = mapped_column(String(100))
    inputs: Mapped[dict[str, Any]]
    result: Mapped[dict[str, Any]]
    total_kgco2e_per_kwh: Mapped[float] = mapped_column(Float)
    primary_share: Mapped[float] = mapped_column(Float)
    digest: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    datasets_used: Mapped[list[CalculationInput]] = relationship()


class CalculationGrant(IdMixin, CreatedMixin, Base):
    """Permission for ``grantee_org_id`` (a customer) to see a calculation's declared figures
    (total, stages, rule set, release; never the design or the supplier data behind it) until
    ``revoked_at``. Revoked grants stay as history; at most one grant per pair is active."""

    __tablename__ = "calculation_grants"

    calculation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calculations.id"), index=True)
    grantee_org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    granted_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None]

    __table_args__ = (
        # Two concurrent grants of the same calculation to the same customer: one is refused.
        Index(
            "uq_calculation_grants_active",
            "calculation_id",
            "grantee_org_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )


class CalculationInput(Base):
    """A supplier dataset a calculation used, and the flow its figure replaced."""

    __tablename__ = "calculation_inputs"

    calculation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("calculations.id"), primary_key=True
    )
    dataset_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("supplier_datasets.id"), primary_key=True, index=True
    )
    replaced_flow: Mapped[str] = mapped_column(String(100))


class Verification(IdMixin, CreatedMixin, Base):
    """A third party's review of a calculation: state, assigned reviewer, findings, decision."""

    __tablename__ = "verifications"

    calculation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calculations.id"), index=True)
    requester_org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    verifier_org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    reviewer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(20), index=True)
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]

    findings: Mapped[list[Finding]] = relationship(
        back_populates="verification", order_by="Finding.created_at"
    )


class Finding(IdMixin, CreatedMixin, Base):
    """One observation of a reviewer: ``severity`` is ``info``, ``minor`` or ``major``."""

    __tablename__ = "findings"

    verification_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("verifications.id"), index=True)
    severity: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    verification: Mapped[Verification] = relationship(back_populates="findings")


class Alert(IdMixin, CreatedMixin, Base):
    """An early warning: a figure outside the expected range, with that range and its basis."""

    __tablename__ = "alerts"

    kind: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[uuid.UUID] = mapped_column(index=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    message: Mapped[str] = mapped_column(Text)
    observed: Mapped[float | None] = mapped_column(Float)
    expected_min: Mapped[float | None] = mapped_column(Float)
    expected_max: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(50))
    #: ``open`` -> ``in_review`` (a verifier assigned) -> ``resolved``; see ``resolution``.
    status: Mapped[str] = mapped_column(String(20), default="open")
    assigned_verifier_org_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organizations.id")
    )
    #: How it ended: ``cleared`` (verifier approved the figure), ``confirmed`` (verifier rejected
    #: it), ``explained`` (the owner approved it with new evidence), ``superseded`` (revised).
    resolution: Mapped[str | None] = mapped_column(String(20))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    resolved_at: Mapped[datetime | None]
