"""Performance-class tables in the platform (SQLite and PostgreSQL): only an administrator loads
one, from a file, and activates it; a bad file names its field and stores nothing; a loaded
version is write-once and one table is active per battery category; declarations (passports)
report "not yet defined" until a table is active, then its class.

Every table loaded here is the FIXTURE of tests/compliance/fixture-classes.toml (invented
boundaries, status "fixture"): no EU table exists yet and none is invented.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from class_table_support import FIXTURE_FILE, fixture_table
from passport_support import passport_request
from services_support import Chain
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from batterycarbon.compliance.classes import NOT_YET_DEFINED, classify, load_class_table
from batterycarbon.errors import InputError
from batterycarbon.services import Conflict, NotFound, PermissionDenied
from batterycarbon.services.calculations import CalculationIn, calculate_design
from batterycarbon.services.class_tables import (
    ActivationIn,
    ClassTableQuery,
    activate_class_table,
    active_class_table,
    find_class_tables,
    load_class_table_file,
)
from batterycarbon.services.passports import PassportIn, issue_passport
from batterycarbon.services.products import ProductIn, create_product
from batterycarbon.store import AuditEvent, ClassTableVersion, ImmutableRecordError

DESIGN = {
    "chemistry": "NCM811", "format": "prismatic", "pack": {"cells": 162},
    "cell": {"capacity_ah": 100, "nominal_voltage_v": 3.7}, "year": 2023,
}  # fmt: skip
ISSUED = "2025-06-02"  # after the fixture's classes_apply_from (2024-06-01)
CONFIRM = ActivationIn(confirm_fixture=True)


def _count(session: Session, model: Any, **where: Any) -> int:
    session.rollback()
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return int(session.scalar(query) or 0)


def _passport_class(session: Session, chain: Chain, unit: str) -> tuple[str, float]:
    """(performance class, kg CO2e per kWh delivered) of a passport issued now for ``unit``."""
    product = create_product(session, chain.cell_maker, ProductIn(name=f"Pack {unit}", design=DESIGN))  # fmt: skip
    calc = calculate_design(session, chain.cell_maker, CalculationIn(design_version_id=product.designs[0].id))  # fmt: skip
    body = PassportIn.model_validate(passport_request(calc.id, unit=unit, issued=ISSUED))
    cf = issue_passport(session, chain.cell_maker, body, "https://passports.example.org").document["CarbonFootprintForBatteries"]  # fmt: skip
    return cf["carbonFootprintPerformanceClass"], cf["batteryCarbonFootprint"]


def test_declarations_report_not_yet_defined_until_a_table_is_active_then_its_class(session: Session, chain: Chain) -> None:  # fmt: skip
    before, total = _passport_class(session, chain, "SN-before")
    assert before == NOT_YET_DEFINED
    loaded = load_class_table_file(session, chain.admin, "fixture-classes.toml", fixture_table())
    assert loaded.label == "test-fixture@1" and not loaded.is_active
    # Loaded is not in use: only activation changes what declarations report.
    assert _passport_class(session, chain, "SN-loaded")[0] == NOT_YET_DEFINED
    active = activate_class_table(session, chain.admin, loaded.id, CONFIRM)
    assert active.is_active
    after, total_after = _passport_class(session, chain, "SN-after")
    expected = classify(total_after, load_class_table(FIXTURE_FILE), "ev", dt.date.fromisoformat(ISSUED))  # fmt: skip
    assert expected.performance_class != NOT_YET_DEFINED  # the fixture defines classes on ISSUED
    assert after == expected.performance_class
    assert total_after == pytest.approx(total)  # same design: only the class changed
    # Another category's table changes nothing for EV batteries.
    session.rollback()
    assert active_class_table(session, "lmt").battery_category == "ev"  # the bundled table
    assert active_class_table(session, "ev").label == "test-fixture@1"


def test_stored_as_the_file_states_it_with_who_and_when(session: Session, chain: Chain) -> None:
    content = fixture_table()
    loaded = load_class_table_file(session, chain.admin, "fixture-classes.toml", content)
    session.rollback()
    row = session.get_one(ClassTableVersion, loaded.id)
    assert row.content == load_class_table(FIXTURE_FILE).model_dump(mode="json")
    assert (row.table_id, row.version, row.status, row.battery_category) == ("test-fixture", "1", "fixture", "ev")  # fmt: skip
    assert row.legal_basis == "none: test fixture"  # the citation as the file gives it
    assert (row.published, row.classes_apply_from, row.threshold_applies_from) == (dt.date(2024, 1, 1), dt.date(2024, 6, 1), dt.date(2025, 1, 1))  # fmt: skip
    assert (row.loaded_by, row.loaded_by_user_id) == (chain.admin.label, chain.admin.user_id)
    assert row.file_name == "fixture-classes.toml" and len(row.file_digest) == 64
    # SQLite hands the time back without its (UTC) zone.
    assert loaded.loaded_at.replace(tzinfo=None) == row.created_at.replace(tzinfo=None)
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "class_table.loaded")).one()  # fmt: skip
    assert event.entity_id == str(loaded.id) and event.actor == chain.admin.label
    # JSON files load the same table.
    as_json = json.dumps({**load_class_table(FIXTURE_FILE).model_dump(mode="json"), "version": "json-1"})  # fmt: skip
    other = load_class_table_file(session, chain.admin, "fixture.json", as_json.encode())
    assert other.table.classes == loaded.table.classes and other.label == "test-fixture@json-1"


def test_only_an_administrator_loads_and_activates(session: Session, chain: Chain) -> None:
    for actor in (chain.cell_maker, chain.regulator, chain.verifier):
        with pytest.raises(PermissionDenied):
            load_class_table_file(session, actor, "fixture-classes.toml", fixture_table())
    assert _count(session, ClassTableVersion) == 0
    loaded = load_class_table_file(session, chain.admin, "fixture-classes.toml", fixture_table())
    with pytest.raises(PermissionDenied):
        activate_class_table(session, chain.cell_maker, loaded.id, CONFIRM)
    assert _count(session, ClassTableVersion, is_active=True) == 0
    # Anyone signed in lists them.
    assert [t.id for t in find_class_tables(session, chain.cam_maker).items] == [loaded.id]


MALFORMED = {
    "negative bound": (
        "classes.0.max_kgco2e_per_fu",
        ('{ label = "A", max_kgco2e_per_fu = 0.1 }', '{ label = "A", max_kgco2e_per_fu = -0.1 }'),
    ),  # fmt: skip
    "bounds not increasing": (
        "classes",
        ("max_kgco2e_per_fu = 0.3 }", "max_kgco2e_per_fu = 0.15 }"),
    ),  # fmt: skip
    "classes without a date": ("classes_apply_from", ('classes_apply_from = "2024-06-01"\n', "")),
    "threshold without a date": (
        "threshold_applies_from",
        ('threshold_applies_from = "2025-01-01"\n', ""),
    ),  # fmt: skip
    "unknown category": (
        "battery_category",
        ('battery_category = "ev"', 'battery_category = "bus"'),
    ),  # fmt: skip
    "unknown field": ("colour", ('status = "fixture"', 'status = "fixture"\ncolour = "green"')),
    "no citation": ("legal_basis", ('legal_basis = "none: test fixture"\n', "")),
    "bad date": ("published", ('published = "2024-01-01"', 'published = "January 2024"')),
    "not TOML": ("file", ("classes = [", "classes = [[")),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_file_names_the_field_and_stores_nothing(session: Session, chain: Chain, case: str) -> None:  # fmt: skip
    field, (old, new) = MALFORMED[case]
    content = fixture_table().decode()
    assert old in content
    events = _count(session, AuditEvent)
    with pytest.raises(InputError) as raised:
        load_class_table_file(session, chain.admin, "fixture-classes.toml", content.replace(old, new, 1).encode())  # fmt: skip
    assert any(p.startswith(f"{field}: ") for p in raised.value.problems), raised.value.problems
    assert _count(session, ClassTableVersion) == 0 and _count(session, AuditEvent) == events


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("classes.csv", b"id,version", "expected a .toml or .json file"),
        ("classes.toml", b"", "is empty"),
        ("classes.toml", b"\xff\xfe", "not UTF-8"),
        ("classes.json", b"[1, 2", "not valid JSON"),
    ],
)  # fmt: skip
def test_an_unreadable_file_is_named_file(session: Session, chain: Chain, name: str, content: bytes, message: str) -> None:  # fmt: skip
    with pytest.raises(InputError) as raised:
        load_class_table_file(session, chain.admin, name, content)
    assert raised.value.problems[0].startswith("file: ") and message in raised.value.problems[0]
    assert _count(session, ClassTableVersion) == 0


def test_a_version_is_write_once_and_one_table_is_active_per_category(session: Session, chain: Chain) -> None:  # fmt: skip
    first = load_class_table_file(session, chain.admin, "a.toml", fixture_table("1"))
    with pytest.raises(Conflict, match="version: table test-fixture@1 is loaded already"):
        load_class_table_file(session, chain.admin, "b.toml", fixture_table("1"))
    second = load_class_table_file(session, chain.admin, "b.toml", fixture_table("2"))
    lmt = load_class_table_file(session, chain.admin, "c.toml", fixture_table("3", "lmt"))
    # A fixture is activated only when confirmed.
    with pytest.raises(InputError) as raised:
        activate_class_table(session, chain.admin, first.id)
    assert raised.value.problems[0].startswith("confirm_fixture: ")
    assert _count(session, ClassTableVersion, is_active=True) == 0
    for row in (first, lmt, second):
        activate_class_table(session, chain.admin, row.id, CONFIRM)
    active = find_class_tables(session, chain.cell_maker, ClassTableQuery(active=True)).items
    assert sorted(t.label for t in active) == ["test-fixture@2", "test-fixture@3"]
    assert find_class_tables(session, chain.cell_maker, ClassTableQuery(battery_category="ev")).total == 2  # fmt: skip
    activated = session.scalars(select(AuditEvent).where(AuditEvent.action == "class_table.activated", AuditEvent.entity_id == str(second.id))).one()  # fmt: skip
    assert '"active":"' + str(first.id) + '"' in activated.content  # before: the one it replaced
    with pytest.raises(NotFound):
        activate_class_table(session, chain.admin, chain.admin.user_id, CONFIRM)  # type: ignore[arg-type]

    session.rollback()
    with pytest.raises(ImmutableRecordError), session.begin():
        session.get_one(ClassTableVersion, first.id).legal_basis = "rewritten"
    session.rollback()
    with pytest.raises(ImmutableRecordError), session.begin():
        session.delete(session.get_one(ClassTableVersion, first.id))
    session.rollback()
    # Below the ORM, the database refuses too.
    for statement in ("UPDATE class_tables SET content = '{}'", "UPDATE class_tables SET legal_basis = 'x'", "DELETE FROM class_tables"):  # fmt: skip
        with pytest.raises(DBAPIError), session.begin():
            session.execute(text(statement))
        session.rollback()
    with pytest.raises(IntegrityError), session.begin():
        session.execute(text("UPDATE class_tables SET is_active = TRUE WHERE battery_category = 'ev'"))  # fmt: skip
    session.rollback()
    assert _count(session, ClassTableVersion) == 3
