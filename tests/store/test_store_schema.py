"""Migrations up and down on SQLite and PostgreSQL; the models match them; write-once tables;
the audit hash chain detects tampering and names the event."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from batterycarbon.store import (
    AuditEvent,
    Base,
    FactorRelease,
    ImmutableRecordError,
    Organization,
    User,
    append_event,
    downgrade,
    make_engine,
    upgrade,
    verify_chain,
)
from batterycarbon.store.db import database_url
from batterycarbon.store.migrate import current_revision

TABLES = {
    "organizations", "users", "api_clients", "products", "design_versions", "supplier_datasets",
    "sharing_grants", "factor_releases", "calculations", "calculation_inputs", "verifications",
    "findings", "alerts", "audit_events", "data_requests", "complaints", "idempotency_keys",
    "calculation_grants", "jobs", "passports", "class_tables", "issued_declarations",
}  # fmt: skip
HEAD = "0010"


def test_upgrade_downgrade_upgrade(db_url: str) -> None:
    assert current_revision(db_url) == HEAD
    downgrade(db_url, "base")
    engine = make_engine(db_url)
    try:
        assert current_revision(db_url) is None
        assert TABLES.isdisjoint(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    upgrade(db_url)
    engine = make_engine(db_url)
    try:
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()


def test_step_downgrades_remove_class_tables_passports_jobs_then_calculation_grants(
    db_url: str,
) -> None:
    """0008, 0007, 0006 and 0005 go down one at a time and come back, keeping the other tables' rows."""
    from datetime import date

    engine = make_engine(db_url)
    try:
        with Session(engine) as session, session.begin():
            session.add(FactorRelease(id="kept", title="kept", published=date(2024, 1, 1), factor_count=0, content_digest="0" * 64))  # fmt: skip
        for revision, gone in (
            ("0007", "class_tables"),
            ("0006", "passports"),
            ("0005", "jobs"),
            ("0004", "calculation_grants"),
        ):
            downgrade(db_url, revision)
            assert current_revision(db_url) == revision
            inspect(engine).clear_cache()
            tables = set(inspect(engine).get_table_names())
            assert gone not in tables and "calculations" in tables
        upgrade(db_url)
        assert current_revision(db_url) == HEAD
        names = set(inspect(engine).get_table_names())
        assert {"class_tables", "passports", "jobs", "calculation_grants"} <= names
        with Session(engine) as session:
            assert session.get(FactorRelease, "kept") is not None
    finally:
        engine.dispose()


def test_models_match_migrations(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_postgres_urls_get_the_psycopg_driver() -> None:
    assert database_url("postgresql://u@h/db").startswith("postgresql+psycopg://")


def _events(session: Session, n: int) -> list[AuditEvent]:
    with session.begin():
        return [
            append_event(
                session, actor="user:alice", organization_id=None, action="thing.changed",
                entity_type="thing", entity_id=str(i), before={"v": i}, after={"v": i + 1},
            )
            for i in range(n)
        ]  # fmt: skip


def _bypass_triggers(session: Session) -> None:
    """What an attacker with database rights would do before editing the log."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
    else:
        session.execute(text("DROP TRIGGER audit_events_no_update"))
        session.execute(text("DROP TRIGGER audit_events_no_delete"))


def test_chain_verifies_and_names_the_tampered_event(session: Session) -> None:
    events = _events(session, 5)
    assert verify_chain(session).ok
    session.rollback()
    with session.begin():
        _bypass_triggers(session)
        tampered = events[2]
        content = tampered.content.replace('"after":{"v":3}', '"after":{"v":300}')
        session.execute(
            text("UPDATE audit_events SET content = :c WHERE id = :i"),
            {
                "c": content,
                "i": tampered.id.hex
                if session.get_bind().dialect.name == "sqlite"
                else tampered.id,
            },  # fmt: skip
        )
    session.expire_all()
    report = verify_chain(session)
    assert not report.ok
    assert (report.first_bad_seq, report.first_bad_id) == (3, str(tampered.id))
    assert "modified" in (report.problem or "")


def test_chain_detects_a_deleted_event(session: Session) -> None:
    events = _events(session, 4)
    session.rollback()
    with session.begin():
        _bypass_triggers(session)
        session.execute(text("DELETE FROM audit_events WHERE seq = 2"))
    session.expire_all()
    report = verify_chain(session)
    assert not report.ok and report.first_bad_seq == 3 and "missing" in (report.problem or "")
    assert report.first_bad_id == str(events[2].id)


def test_audit_events_are_write_once(session: Session) -> None:
    (event,) = _events(session, 1)
    with pytest.raises(ImmutableRecordError), session.begin():
        event.action = "rewritten"
    session.rollback()
    with pytest.raises(DBAPIError), session.begin():
        session.execute(text("UPDATE audit_events SET action = 'x'"))
    session.rollback()
    with pytest.raises(DBAPIError), session.begin():
        session.execute(text("DELETE FROM audit_events"))


def test_only_one_factor_release_is_active(session: Session) -> None:
    from datetime import date

    with session.begin():
        for rid in ("a", "b"):
            session.add(FactorRelease(id=rid, title=rid, published=date(2024, 1, 1), factor_count=0, content_digest="0" * 64, is_active=False))  # fmt: skip
    with session.begin():
        session.get_one(FactorRelease, "a").is_active = True
    with pytest.raises(IntegrityError), session.begin():
        session.get_one(FactorRelease, "b").is_active = True


def test_0009_adds_credentials_versions_and_keeps_the_accounts(db_url: str) -> None:
    """Down to 0008 drops the column of users and API clients, keeping their rows; up again
    gives every account version 0."""
    engine = make_engine(db_url)
    try:
        with Session(engine) as session, session.begin():
            org = Organization(name="Kept Co", roles=["supplier"])
            session.add(org)
            session.flush()
            session.add(User(organization_id=org.id, username="kept", password_hash="x", credentials_version=3))  # fmt: skip
        downgrade(db_url, "0008")
        inspect(engine).clear_cache()
        assert "credentials_version" not in {c["name"] for c in inspect(engine).get_columns("users")}  # fmt: skip
        upgrade(db_url)
        inspect(engine).clear_cache()
        for table in ("users", "api_clients"):
            assert "credentials_version" in {c["name"] for c in inspect(engine).get_columns(table)}
        with engine.begin() as connection:
            versions = connection.execute(text("SELECT username, credentials_version FROM users"))
            assert list(versions) == [("kept", 0)]
    finally:
        engine.dispose()
