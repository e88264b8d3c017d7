"""Performance-class tables loaded by an administrator: one write-once row per table version.

A row keeps the table as validated by :func:`batterycarbon.compliance.classes.parse_class_table`
(``content``), its source or citation as the file states it (``legal_basis``), who loaded it and
when, its battery category and dates. Only ``is_active`` may change (activation), refused
otherwise by the ORM here and by database triggers from migration 0008; at most one table is
active per battery category (a partial unique index).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from batterycarbon.store.base import Base, CreatedMixin, IdMixin
from batterycarbon.store.write_once import write_once

#: What a table's file may say it is (``compliance.classes.ClassTable.status``).
CLASS_TABLE_STATUSES = ("official", "fixture", "not-yet-defined")


@write_once("is_active")
class ClassTableVersion(IdMixin, CreatedMixin, Base):
    """One loaded version of a performance-class table (``created_at``: when it was loaded).

    ``table_id``/``version``: the file's ``id`` and ``version`` (unique together: a version is
    loaded once); ``content``: the whole validated table (every other column is cut from it, for
    queries and for the list); ``content_digest``: SHA-256 of its canonical JSON;
    ``file_name``/``file_digest``: the uploaded file's name and the SHA-256 of its bytes.
    Dates are those of the file: ``published``, ``classes_apply_from``,
    ``threshold_applies_from`` (kg CO2e per functional unit bounds are in ``content``).
    """

    __tablename__ = "class_tables"

    table_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20))
    battery_category: Mapped[str] = mapped_column(String(40))
    legal_basis: Mapped[str] = mapped_column(Text)
    published: Mapped[date]
    classes_apply_from: Mapped[date | None]
    threshold_applies_from: Mapped[date | None]
    content: Mapped[dict[str, Any]]
    content_digest: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(255))
    file_digest: Mapped[str] = mapped_column(String(64))
    loaded_by: Mapped[str] = mapped_column(String(200))
    loaded_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        UniqueConstraint("table_id", "version"),
        CheckConstraint("status IN ('official', 'fixture', 'not-yet-defined')", name="status"),
        # One active table per battery category: a partial unique index on both databases.
        Index(
            "uq_class_tables_one_active",
            "battery_category",
            unique=True,
            sqlite_where=text("is_active"),
            postgresql_where=text("is_active"),
        ),
    )
