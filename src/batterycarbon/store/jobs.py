"""Background jobs: a long use case (portfolio recomputation, ...) run off the request, with its
state, progress, result or error. See :mod:`batterycarbon.services.jobs` for the life cycle."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from batterycarbon.store.base import Base, CreatedMixin, IdMixin, utcnow

#: ``queued`` -> ``running`` -> ``succeeded`` (``result`` set) or ``failed`` (``error`` set).
JOB_STATES = ("queued", "running", "succeeded", "failed")


class Job(IdMixin, CreatedMixin, Base):
    """One background job of an organization; ``progress_done`` of ``progress_total`` steps."""

    __tablename__ = "jobs"

    kind: Mapped[str] = mapped_column(String(50))
    organization_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organizations.id"), index=True)  # fmt: skip
    submitted_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(150))
    params: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(String(20), index=True)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None]
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
