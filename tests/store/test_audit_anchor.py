"""The chain head anchored outside the database: deleting the newest event is caught, a crash
before the anchor write is only a lag, and the anchor never moves backwards."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from batterycarbon.cli import app
from batterycarbon.store import AuditEvent, append_event, verify_chain
from batterycarbon.store.audit_anchor import HeadAnchor, anchor_path, read_anchor, write_anchor

runner = CliRunner()


def _events(session: Session, n: int) -> None:
    with session.begin():
        for i in range(n):
            append_event(session, actor="user:alice", organization_id=None, action="thing.changed", entity_type="thing", entity_id=str(i))  # fmt: skip


def _bypass_triggers(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
    else:
        session.execute(text("DROP TRIGGER audit_events_no_delete"))


def test_commit_moves_the_anchor_and_a_rollback_does_not(session: Session) -> None:
    path = anchor_path(session.get_bind().engine.url)
    assert path is not None
    _events(session, 3)
    anchor = read_anchor(path)
    assert anchor is not None and anchor.seq == 3
    session.begin()
    append_event(session, actor="user:alice", organization_id=None, action="x", entity_type="thing", entity_id="9")  # fmt: skip
    session.rollback()
    assert read_anchor(path) == anchor
    report = verify_chain(session)
    assert report.ok and report.anchor_seq == 3 and report.anchor_lag == 0


def test_deleting_the_newest_event_is_detected(session: Session) -> None:
    _events(session, 4)
    assert verify_chain(session).ok
    session.rollback()
    with session.begin():
        _bypass_triggers(session)
        session.execute(text("DELETE FROM audit_events WHERE seq = 4"))
    session.expire_all()
    report = verify_chain(session)
    assert not report.ok and report.first_bad_seq == 4
    assert "newest events were deleted" in (report.problem or "")


def test_an_anchor_behind_the_chain_is_a_lag_and_a_wrong_hash_is_tampering(session: Session) -> None:  # fmt: skip
    _events(session, 2)
    path = anchor_path(session.get_bind().engine.url)
    assert path is not None
    first = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == 1))
    session.rollback()
    path.write_text(f'{{"seq": 1, "hash": "{first}"}}')  # as if the process died after commit 1
    report = verify_chain(session)
    assert report.ok and (report.anchor_seq, report.anchor_lag) == (1, 1)
    session.rollback()
    path.write_text(f'{{"seq": 1, "hash": "{"0" * 64}"}}')
    report = verify_chain(session)
    assert not report.ok and "rewritten" in (report.problem or "")


def test_events_without_their_anchor_fail_verification(session: Session) -> None:
    path = anchor_path(session.get_bind().engine.url)
    assert path is not None and verify_chain(session).ok  # no event yet: nothing to anchor
    session.rollback()
    _events(session, 2)
    session.rollback()
    path.unlink()  # whoever deletes the newest events can delete the anchor as well
    report = verify_chain(session)
    assert not report.ok and report.first_bad_seq is None
    assert f"the chain has 2 events but its head anchor {path} is missing" in (report.problem or "")


def test_the_anchor_never_moves_backwards(tmp_path: Path) -> None:
    path = tmp_path / "anchor.json"
    write_anchor(path, HeadAnchor(seq=5, hash="b" * 64))
    write_anchor(path, HeadAnchor(seq=4, hash="a" * 64))  # a slower process, an older head
    assert read_anchor(path) == HeadAnchor(seq=5, hash="b" * 64)


def test_cli_audit_verify_catches_a_deleted_newest_event(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    url = f"sqlite:///{tmp_path / 'anchored.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert runner.invoke(app, ["demo-data", "--format", "json"]).exit_code == 0
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0
    engine = create_engine(url)
    with engine.begin() as connection:
        newest = connection.execute(text("SELECT max(seq) FROM audit_events")).scalar_one()
        connection.execute(text("DROP TRIGGER audit_events_no_delete"))
        connection.execute(text("DELETE FROM audit_events WHERE seq = :seq"), {"seq": newest})
    engine.dispose()
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert f"audit chain broken at event {newest}" in result.output
    assert "newest events were deleted" in result.output


def test_cli_audit_verify_fails_when_the_anchor_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    database = tmp_path / "unanchored.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    assert runner.invoke(app, ["demo-data", "--format", "json"]).exit_code == 0
    anchor = anchor_path(f"sqlite:///{database}")
    assert anchor is not None
    anchor.unlink()
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert "audit chain not verified: the chain has" in result.output
    assert "head anchor" in result.output and "is missing" in result.output
