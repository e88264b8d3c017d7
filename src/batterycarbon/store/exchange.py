"""Requests and complaints between organizations: a buyer asks a supplier for a figure (data
request); anyone files a complaint about a dataset or a calculation, which a regulator resolves.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from batterycarbon.store.base import Base, CreatedMixin, IdMixin

#: ``open`` until the supplier answers: ``fulfilled`` (a dataset shared) or ``declined``.
DATA_REQUEST_STATUSES = ("open", "fulfilled", "declined")
#: ``open`` until a regulator closes it: ``upheld`` (the complaint was right) or ``dismissed``.
COMPLAINT_STATUSES = ("open", "upheld", "dismissed")


class DataRequest(IdMixin, CreatedMixin, Base):
    """A buyer's request for a supplier's figure of one flow (optionally region and year)."""

    __tablename__ = "data_requests"

    requester_org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    supplier_org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    flow: Mapped[str] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(10))
    year: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)
    dataset_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("supplier_datasets.id"))
    response_note: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime | None]
    requested_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class Complaint(IdMixin, CreatedMixin, Base):
    """A complaint about a dataset or a calculation; ``subject_org_id`` owns the subject."""

    __tablename__ = "complaints"

    complainant_org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)  # fmt: skip
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[uuid.UUID] = mapped_column(index=True)
    subject_org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)
    resolution_note: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    resolved_at: Mapped[datetime | None]
    filed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
