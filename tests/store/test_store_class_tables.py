"""Migration 0008 (SQLite and PostgreSQL): down to 0007 and up again; a loaded class table may
only be (de)activated, never edited or deleted, by the ORM or below it; one active table per
battery category. The row is a FIXTURE table (tests/compliance/fixture-classes.toml)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from class_table_support import FIXTURE_FILE
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from batterycarbon.compliance.classes import load_class_table
from batterycarbon.store import ClassTableVersion, downgrade, make_engine, upgrade
from batterycarbon.store.migrate import current_revision


def _row(version: str, category: str = "ev") -> ClassTableVersion:
    table = load_class_table(FIXTURE_FILE)
    return ClassTableVersion(
        id=uuid.uuid4(), table_id=table.id, version=version, status=table.status,
        battery_category=category, legal_basis=table.legal_basis, published=table.published,
        classes_apply_from=table.classes_apply_from, threshold_applies_from=table.threshold_applies_from,
        content=table.model_dump(mode="json"), content_digest="0" * 64, file_name="fixture-classes.toml",
        file_digest="0" * 64, loaded_by="system", is_active=False,
    )  # fmt: skip


def test_down_and_up_again_with_the_write_once_triggers(db_url: str) -> None:
    downgrade(db_url, "0007")
    engine = make_engine(db_url)
    try:
        assert current_revision(db_url) == "0007"
        assert "class_tables" not in inspect(engine).get_table_names()
        upgrade(db_url)
        assert current_revision(db_url) == "0010"
        with Session(engine) as session:
            with session.begin():
                first, second = _row("1"), _row("2")
                session.add_all([first, second, _row("3", "lmt")])
            with session.begin():  # activation is the one change allowed
                session.execute(text("UPDATE class_tables SET is_active = TRUE WHERE version = '1'"))  # fmt: skip
            with pytest.raises(IntegrityError), session.begin():  # a second active EV table
                session.execute(text("UPDATE class_tables SET is_active = TRUE WHERE version = '2'"))  # fmt: skip
            session.rollback()
            with session.begin():  # another category's table may be active beside it
                session.execute(text("UPDATE class_tables SET is_active = TRUE WHERE version = '3'"))  # fmt: skip
            for statement in (
                "UPDATE class_tables SET published = '2020-01-01'",
                "UPDATE class_tables SET version = 'x' WHERE version = '2'",
                "DELETE FROM class_tables WHERE version = '2'",
            ):
                with pytest.raises(DBAPIError), session.begin():
                    session.execute(text(statement))
                session.rollback()
            row = session.get_one(ClassTableVersion, first.id)
            assert row.is_active and row.published == date(2024, 1, 1) and row.version == "1"
    finally:
        engine.dispose()
