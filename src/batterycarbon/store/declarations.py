"""Carbon-footprint declarations as issued: a write-once record of the product.

The declaration document is stored as the exact JSON text that was issued (``document``), so
that downloading it again gives the same bytes (``digest`` is their SHA-256). A row is never
changed or deleted: the ORM refuses it (:func:`~batterycarbon.store.write_once.write_once`), and so do database triggers from
migration 0010. A new calculation of the product makes new declarations possible; it never
changes one issued.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from batterycarbon.store.base import Base, CreatedMixin, IdMixin
from batterycarbon.store.write_once import write_once


@write_once()
class IssuedDeclaration(IdMixin, CreatedMixin, Base):
    """One declaration issued from a calculation of a product, by whom and when (``created_at``).

    ``declaration_id`` is the document's own id (``CFD-...``); ``issued`` its issue date;
    ``issued_by_label`` how the audit log names the issuer (``user:alice``).
    """

    __tablename__ = "issued_declarations"

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"), index=True)
    calculation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calculations.id"), index=True)
    declaration_id: Mapped[str] = mapped_column(String(40))
    rule_set: Mapped[str] = mapped_column(String(100))
    issued: Mapped[date]
    document: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    issued_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    issued_by_label: Mapped[str] = mapped_column(String(300))

    # The same declaration (same inputs, rule set, manufacturer and plant) is issued once.
    __table_args__ = (UniqueConstraint("organization_id", "declaration_id"),)
