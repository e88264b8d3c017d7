"""Timestamps read back timezone-aware UTC on both databases (store/base.py promises it; SQLite
keeps no offset, so its values came back naive and the API sent them without one, which the
OpenAPI document's date-time format does not allow)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from batterycarbon.store import Organization


def test_a_stored_timestamp_reads_back_in_utc_with_its_offset(session: Session) -> None:
    # 09:30 at UTC+02:00 is 07:30 UTC: stored as that instant, read back with tzinfo UTC.
    written = datetime(2024, 5, 1, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    organization = Organization(name="Clock Co", roles=["supplier"], created_at=written)
    session.add(organization)
    session.commit()
    session.expunge_all()
    read = session.scalar(select(Organization.created_at).where(Organization.name == "Clock Co"))
    assert read is not None and read.utcoffset() == timedelta(0)
    assert read == datetime(2024, 5, 1, 7, 30, tzinfo=UTC)
