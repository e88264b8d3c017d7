"""409 only for a real concurrency conflict: a refusal of the database is told apart.

A uniqueness failure (another request stored the same key first) is 409, and sent again the
request meets the state the other one left. Data the database cannot store (a missing value, a
reference to nothing, a value a constraint refuses, a number out of range, a text too long) is
422 naming the column where the database names it: sending it again would fail again, so
"retry" would have had a client retry forever. Each refusal here is a real one, raised by SQLite
and by PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from batterycarbon.errors import InputError
from batterycarbon.store import (
    AuditEvent,
    Organization,
    Passport,
    User,
    append_event,
    session_factory,
)
from batterycarbon.store.refusals import refusal_of
from batterycarbon.text import text_problem


def _refused(session: Session, write: Callable[[Session], object]) -> DBAPIError:
    session.rollback()
    with pytest.raises(DBAPIError) as caught, session.begin():
        write(session)
        session.flush()
    session.rollback()
    return caught.value


def _organization(session: Session, name: str = "Cathode Co") -> Organization:
    with session.begin():
        org = Organization(name=name, roles=["supplier"])
        session.add(org)
    return org


def _unique(session: Session) -> object:
    session.add(Organization(name="Cathode Co", roles=["supplier"]))
    return None


def _not_null(session: Session) -> object:
    session.add(Organization(name=None, roles=["supplier"]))
    return None


def _dangling_reference(session: Session) -> object:
    session.add(User(organization_id=uuid.uuid4(), username="nobody", password_hash="x"))
    return None


def _too_large(session: Session) -> object:
    # SQLite binds 64-bit integers, PostgreSQL's INTEGER column holds 32 bits: 2**63 is
    # beyond both.
    return session.execute(select(AuditEvent).where(AuditEvent.seq > 2**63)).all()


def _surrogate(session: Session) -> object:
    # No driver can send it: it is no UTF-8 (the API refuses it in requests before this).
    return session.execute(select(Organization).where(Organization.name == "a\ud800")).all()


def test_each_refusal_is_a_conflict_or_invalid_data(session: Session) -> None:
    _organization(session)
    conflict = refusal_of(_refused(session, _unique))
    assert conflict is not None and conflict.kind == "conflict" and conflict.field is None
    assert "concurrent change" in conflict.message

    missing = refusal_of(_refused(session, _not_null))
    assert missing is not None and missing.kind == "invalid" and missing.field == "name"

    dangling = refusal_of(_refused(session, _dangling_reference))
    assert dangling is not None and dangling.kind == "invalid"
    assert "does not exist" in dangling.message

    overflow = refusal_of(_refused(session, _too_large))
    assert overflow is not None and overflow.kind == "invalid"
    assert "outside the range the database stores" in overflow.message

    surrogate = refusal_of(_refused(session, _surrogate))
    assert surrogate is not None and surrogate.kind == "invalid"
    assert "no Unicode text" in surrogate.message


def test_postgresql_refusals_of_values_it_cannot_store(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite stores these values (no length limit, NUL kept, no CHECK here)")
    long_country = Organization(name="Graphite Co", country="KOR", roles=["supplier"])
    too_long = refusal_of(_refused(session, lambda s: s.add(long_country)))
    assert too_long is not None and too_long.kind == "invalid"
    assert "longer than the database column holds" in too_long.message
    with_nul = Organization(name="A\x00B", roles=["supplier"])
    nul = refusal_of(_refused(session, lambda s: s.add(with_nul)))
    assert nul is not None and nul.kind == "invalid"


def _unknown_status(session: Session) -> object:
    # Checked as the row is written, before its (dangling) references at the statement's end.
    ids = {name: uuid.uuid4() for name in ("passport_id", "organization_id", "calculation_id")}
    fields = {"version": 1, "identifier": "urn:test", "unit_kind": "unit", "unit_identifier": "u1"}
    session.add(Passport(**ids, **fields, document={}, digest="0" * 64, status="lost"))
    return None


def test_check_constraint_is_named(session: Session) -> None:
    check = refusal_of(_refused(session, _unknown_status))
    assert check is not None and check.kind == "invalid"
    assert check.field == "ck_passports_status", check


def test_the_api_answers_409_for_a_race_and_422_for_data_it_cannot_store(
    client: TestClient,
) -> None:
    app = client.app
    sessions = session_factory(app.state.engine)  # type: ignore[attr-defined]
    with sessions() as session:
        _organization(session, "Raced Co")

    def raced() -> None:
        with sessions() as session, session.begin():
            _unique_named(session, "Raced Co")

    def overflowing() -> None:
        with sessions() as session:
            _too_large(session)

    def missing() -> None:
        with sessions() as session, session.begin():
            _not_null(session)
            session.flush()

    app.add_api_route("/test/raced", raced, methods=["POST"])  # type: ignore[attr-defined]
    app.add_api_route("/test/overflowing", overflowing, methods=["POST"])  # type: ignore[attr-defined]
    app.add_api_route("/test/missing", missing, methods=["POST"])  # type: ignore[attr-defined]

    race = client.post("/test/raced")
    assert race.status_code == 409, race.text
    assert race.json()["errors"] == [{"field": None, "message": race.json()["detail"]}]
    overflow = client.post("/test/overflowing")
    assert overflow.status_code == 422, overflow.text
    assert "outside the range the database stores" in overflow.json()["detail"]
    assert "nothing was stored" in overflow.json()["detail"]
    # The old answer to every IntegrityError was 409 "retry": this one fails every time.
    refused = client.post("/test/missing")
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "name"


def _unique_named(session: Session, name: str) -> None:
    session.add(Organization(name=name, roles=["supplier"]))
    session.flush()


def test_an_audit_entry_that_cannot_be_hashed_is_named(session: Session) -> None:
    """A lone surrogate is no UTF-8: the entry cannot be hashed. It failed there (a 500); it is
    input that names where it is, and nothing is stored."""
    name = "Cell\ud800Co"
    with pytest.raises(InputError) as caught, session.begin():
        event = {"action": "test.named", "entity_type": "test", "entity_id": "1"}
        append_event(session, actor="system", organization_id=None, **event, after={"name": name})
    assert caught.value.problems == [f"after.name: {text_problem(name)}"]
    session.rollback()
    assert session.scalar(select(AuditEvent.seq).where(AuditEvent.action == "test.named")) is None
