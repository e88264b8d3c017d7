"""One write-once mechanism (``store.write_once``): which models it guards and what it allows.

The mechanism is exercised on a throwaway model of its own (an in-memory SQLite database), so
that each rule is checked once here; the tests of each record (audit events, calculations,
declarations, passports, class tables) check that the record refuses a change."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import ForeignKey, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from batterycarbon.store import (
    AuditEvent,
    Base,
    Calculation,
    ClassTableVersion,
    ImmutableRecordError,
    IssuedDeclaration,
    Passport,
)
from batterycarbon.store.write_once import WRITE_ONCE, write_once


def test_the_written_once_records_and_what_each_may_change() -> None:
    registered = {
        model: mutable for model, mutable in WRITE_ONCE.items() if issubclass(model, Base)
    }
    assert registered == {
        AuditEvent: frozenset(),
        Calculation: frozenset(),
        IssuedDeclaration: frozenset(),
        Passport: frozenset({"status"}),
        ClassTableVersion: frozenset({"is_active"}),
    }


class _Base(DeclarativeBase):
    pass


@write_once("state")
class _Record(_Base):
    __tablename__ = "records"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str]
    state: Mapped[str]
    notes: Mapped[list[_Note]] = relationship()


class _Note(_Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"))


@pytest.fixture
def stored() -> Iterator[tuple[Session, _Record]]:
    engine = create_engine("sqlite://")
    _Base.metadata.create_all(engine)
    with Session(engine) as session:
        record = _Record(id=1, text="as issued", state="issued")
        session.add(record)
        session.commit()
        yield session, record
    engine.dispose()


def test_a_column_not_named_mutable_is_refused_and_nothing_is_stored(
    stored: tuple[Session, _Record],
) -> None:
    session, record = stored
    record.text, record.state = "rewritten", "superseded"
    with pytest.raises(ImmutableRecordError, match=r"_Record 1 is write-once \(changed: text\)"):
        session.commit()
    session.rollback()
    assert (record.text, record.state) == ("as issued", "issued")


def test_a_mutable_column_and_a_collection_may_change(stored: tuple[Session, _Record]) -> None:
    session, record = stored
    record.state = "superseded"
    record.notes.append(_Note(id=1))
    record.text = "as issued"  # the same value: no change
    session.commit()
    assert session.get_one(_Record, 1).state == "superseded"


def test_a_delete_is_refused(stored: tuple[Session, _Record]) -> None:
    session, record = stored
    session.delete(record)
    with pytest.raises(ImmutableRecordError, match="_Record 1 is write-once: it is never deleted"):
        session.commit()
    session.rollback()
    assert session.get(_Record, 1) is not None
