"""The battery passport registry: one issued passport document per battery unit or batch.

A passport (``passport_id``, the id of its first version) has one row per issued version. The
document of a version is written once: a new version supersedes it (``status`` turns from
``issued`` to ``superseded``, the only change a row allows, refused otherwise by the ORM here and
by database triggers from migration 0007).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from batterycarbon.store.base import Base, CreatedMixin, IdMixin
from batterycarbon.store.write_once import write_once

#: ``issued`` (the current version) -> ``superseded`` (a newer version was issued).
PASSPORT_STATUSES = ("issued", "superseded")
#: What a passport is for: one battery (serial number) or a batch (batch number).
UNIT_KINDS = ("unit", "batch")


@write_once("status")
class Passport(IdMixin, CreatedMixin, Base):
    """One version of the passport of a battery unit or batch, as issued.

    ``identifier`` is the Battery Pass ``batteryPassportIdentifier`` (a URN), the same for every
    version of a passport; ``document`` the whole passport (every view is cut from it);
    ``digest`` the SHA-256 of its canonical JSON.
    """

    __tablename__ = "passports"

    passport_id: Mapped[uuid.UUID] = mapped_column(index=True)
    version: Mapped[int] = mapped_column(Integer)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    calculation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calculations.id"), index=True)
    identifier: Mapped[str] = mapped_column(String(100), index=True)
    unit_kind: Mapped[str] = mapped_column(String(10))
    unit_identifier: Mapped[str] = mapped_column(String(100))
    document: Mapped[dict[str, Any]]
    digest: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), index=True)
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("passports.id"))
    issued_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (
        # Two concurrent new versions of one passport: one is refused.
        UniqueConstraint("passport_id", "version"),
        # One passport per unit (or batch) of an organization; its versions share it.
        UniqueConstraint("organization_id", "unit_kind", "unit_identifier", "version"),
        Index("uq_passports_supersedes_id", "supersedes_id", unique=True),
        CheckConstraint("status IN ('issued', 'superseded')", name="status"),
        CheckConstraint("unit_kind IN ('unit', 'batch')", name="unit_kind"),
    )
