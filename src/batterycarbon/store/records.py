"""What the chain exchanges: products and their designs, suppliers' datasets, sharing grants and
the factor-library releases calculations are pinned to.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from batterycarbon.store.base import Base, CreatedMixin, IdMixin

#: Life cycle of a supplier dataset. ``approved`` data may replace library factors; ``flagged``
#: data failed the plausibility check and wait for a verifier; ``superseded`` by a revision.
DATASET_STATUSES = ("approved", "flagged", "rejected", "superseded")


class Product(IdMixin, CreatedMixin, Base):
    """A battery model of a manufacturer; its designs are versioned beneath it."""

    __tablename__ = "products"

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    designs: Mapped[list[DesignVersion]] = relationship(
        back_populates="product", order_by="DesignVersion.version"
    )
    __table_args__ = (UniqueConstraint("organization_id", "name"),)


class DesignVersion(IdMixin, CreatedMixin, Base):
    """One immutable version of a product's design, stored as the validated design document."""

    __tablename__ = "design_versions"

    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    design: Mapped[dict[str, Any]]
    digest: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    product: Mapped[Product] = relationship(back_populates="designs")
    __table_args__ = (UniqueConstraint("product_id", "version"),)


class SupplierDataset(IdMixin, CreatedMixin, Base):
    """A supplier's own cradle-to-gate figure for a flow, with the activity data behind it.

    ``value``/``unit`` is the footprint figure a supplier may share; ``activity_data`` and
    ``evidence`` are confidential: only the owner and an assigned verifier read them.
    ``dqr`` is the PEF data-quality rating (1 best, 5 worst).
    """

    __tablename__ = "supplier_datasets"

    owner_org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    flow: Mapped[str] = mapped_column(String(100), index=True)
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(50))
    region: Mapped[str] = mapped_column(String(10))
    year: Mapped[int] = mapped_column(Integer)
    dqr: Mapped[float] = mapped_column(Float)
    evidence: Mapped[list[Any]]
    activity_data: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(20), index=True)
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("supplier_datasets.id"))
    submitted_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    grants: Mapped[list[SharingGrant]] = relationship(back_populates="dataset")
    # A dataset is revised at most once (then it is superseded): two concurrent revisions of
    # the same dataset cannot both be stored.
    __table_args__ = (Index("uq_supplier_datasets_supersedes_id", "supersedes_id", unique=True),)


class SharingGrant(IdMixin, CreatedMixin, Base):
    """Permission for ``grantee_org_id`` to see and use a dataset's figure until revoked."""

    __tablename__ = "sharing_grants"

    dataset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("supplier_datasets.id"), index=True)
    grantee_org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    granted_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None]

    dataset: Mapped[SupplierDataset] = relationship(back_populates="grants")


class FactorRelease(CreatedMixin, Base):
    """A factor-library release imported from the bundled files; at most one is active."""

    __tablename__ = "factor_releases"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    published: Mapped[date]
    factor_count: Mapped[int] = mapped_column(Integer)
    content_digest: Mapped[str] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        # One active release: a partial unique index on both SQLite and PostgreSQL.
        Index(
            "uq_factor_releases_one_active",
            "is_active",
            unique=True,
            sqlite_where=text("is_active"),
            postgresql_where=text("is_active"),
        ),
    )
