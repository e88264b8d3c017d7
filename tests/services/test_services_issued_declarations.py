"""Declarations issued as records of a product (issue 13 §3): issuing stores the document as
issued with who, when, which calculation and rule set; the JSON comes back byte for byte; a new
calculation changes no issued declaration; bad input stores nothing; only the product's own
organization sees them and only its manufacturers issue; the record is write-once."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import pytest
from services_support import Chain
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from batterycarbon.errors import InputError
from batterycarbon.services.calculations import CalculationIn, CalculationOut, calculate_design
from batterycarbon.services.errors import Conflict, NotFound, PermissionDenied
from batterycarbon.services.issued_declarations import (
    IssueDeclarationIn,
    get_issued_declaration,
    issue_declaration,
    issued_declaration_file,
    issued_declarations,
)
from batterycarbon.services.products import DesignIn, ProductIn, add_design_version, create_product
from batterycarbon.store import AuditEvent, ImmutableRecordError, IssuedDeclaration

NAME = "EV pack 60 kWh NCM811"
DESIGN = {
    "chemistry": "NCM811",
    "format": "prismatic",
    "pack": {"cells": 162},
    "cell": {"capacity_ah": 100, "nominal_voltage_v": 3.7},
    "year": 2023,
    "plants": {"cell": "HU", "pack": "HU"},
}
FORM = {
    "manufacturer_address": "2 Works Road, 9027 Győr",
    "manufacturer_country": "HU",
    "plant_address": "1 Cell Street, 9027 Győr",
    "plant_country": "HU",
    "study_url": "https://example.org/cfb-study.pdf",
    "issued": "2025-03-01",
    "use": {"usable_capacity_kwh": 56, "vehicle_category": "M1", "warranty_years": 8},
}


def _product(session: Session, chain: Chain) -> tuple[uuid.UUID, CalculationOut]:
    product = create_product(session, chain.cell_maker, ProductIn(name=NAME, design=DESIGN))
    version = product.designs[0].id
    calc = calculate_design(session, chain.cell_maker, CalculationIn(design_version_id=version))
    return product.id, calc


def _request(calculation_id: uuid.UUID, **extra: Any) -> IssueDeclarationIn:
    return IssueDeclarationIn.model_validate(
        {**FORM, "calculation_id": str(calculation_id), **extra}
    )


def _rows(session: Session) -> int:
    session.rollback()
    return int(session.scalar(select(func.count()).select_from(IssuedDeclaration)) or 0)


def test_an_issued_declaration_is_a_record_of_the_product(session: Session, chain: Chain) -> None:
    product_id, calc = _product(session, chain)
    issued = issue_declaration(session, chain.cell_maker, product_id, _request(calc.id))
    assert issued.calculation_id == calc.id and issued.product_id == product_id
    assert issued.rule_set == "jrc-cfb-ev-2023" and str(issued.issued) == "2025-03-01"
    assert issued.issued_by == "user:cell_maker"
    document = issued.document
    assert document["battery_model"] == {
        **document["battery_model"],
        "name": NAME,
        "id": str(product_id),
    }
    assert document["manufacturer"]["name"] == "Cell Co"  # the organization's, not given
    assert document["manufacturing_plant"] == {"address": FORM["plant_address"], "country": "HU"}
    (listed,) = issued_declarations(session, chain.cell_maker, product_id)
    assert listed.id == issued.id and listed.declaration_id == document["declaration_id"]
    name, content = issued_declaration_file(
        session, chain.cell_maker, product_id, issued.id, "json"
    )
    assert name == f"{document['declaration_id']}.json"
    assert hashlib.sha256(content).hexdigest() == issued.digest
    assert json.loads(content) == document
    name, pdf = issued_declaration_file(session, chain.cell_maker, product_id, issued.id, "pdf")
    assert pdf.startswith(b"%PDF") and name.endswith(".pdf")
    session.rollback()
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "declaration.issued"))
    assert event is not None and event.entity_id == str(issued.id)
    assert str(calc.id) in event.content and issued.digest in event.content
    with pytest.raises(Conflict, match="already issued"):
        issue_declaration(session, chain.cell_maker, product_id, _request(calc.id))
    assert _rows(session) == 1


def test_a_new_calculation_changes_no_issued_declaration(session: Session, chain: Chain) -> None:
    product_id, calc = _product(session, chain)
    issued = issue_declaration(session, chain.cell_maker, product_id, _request(calc.id))
    _, before = issued_declaration_file(session, chain.cell_maker, product_id, issued.id, "json")
    greener = {**DESIGN, "green_electricity": {"cell": 1.0}}
    version = add_design_version(session, chain.cell_maker, product_id, DesignIn(design=greener))
    newer = calculate_design(session, chain.cell_maker, CalculationIn(design_version_id=version.id))
    assert newer.total_kgco2e_per_kwh < calc.total_kgco2e_per_kwh
    _, after = issued_declaration_file(session, chain.cell_maker, product_id, issued.id, "json")
    assert after == before
    again = get_issued_declaration(session, chain.cell_maker, product_id, issued.id)
    assert again.document == issued.document and again.calculation_id == calc.id
    # The newer calculation gives a new declaration; the first stays as it was.
    second = issue_declaration(session, chain.cell_maker, product_id, _request(newer.id))
    assert second.document["carbon_footprint"] != issued.document["carbon_footprint"]
    listed = issued_declarations(session, chain.cell_maker, product_id)
    assert [d.id for d in listed] == [second.id, issued.id]


#: A bad input of each kind, and what the refusal names.
BAD_INPUTS: list[tuple[dict[str, Any], str]] = [
    ({"plant_country": "SW"}, "plant_country: 'SW' is not an ISO 3166-1"),
    ({"plant_country": "DE"}, "plant_country: DE is not the country of the pack plant"),
    ({"manufacturer_address": None}, "manufacturer_address: required by Annex II"),
    ({"plant_address": None}, "plant_address: required by Annex II"),
    ({"rule_set": "iso14067-c2g"}, "rule_set: iso14067-c2g counts per kWh of capacity"),
    ({"use": {"usable_capacity_kwh": 56}}, "vehicle_category"),
]


def test_bad_input_is_named_and_stores_nothing(session: Session, chain: Chain) -> None:
    product_id, calc = _product(session, chain)
    for extra, field in BAD_INPUTS:
        with pytest.raises(InputError) as caught:
            issue_declaration(session, chain.cell_maker, product_id, _request(calc.id, **extra))
        assert any(field in p for p in caught.value.problems), (field, caught.value.problems)
    assert _rows(session) == 0


def test_only_the_products_organization_sees_and_its_manufacturers_issue(
    session: Session, chain: Chain
) -> None:
    product_id, calc = _product(session, chain)
    issued = issue_declaration(session, chain.cell_maker, product_id, _request(calc.id))
    for outsider in (chain.cam_maker, chain.verifier, chain.regulator):
        with pytest.raises(NotFound):
            issued_declarations(session, outsider, product_id)
        with pytest.raises(NotFound):
            get_issued_declaration(session, outsider, product_id, issued.id)
        with pytest.raises((NotFound, PermissionDenied)):
            issue_declaration(session, outsider, product_id, _request(calc.id, issued="2025-04-01"))
    # Another product's calculation cannot be declared as this product's.
    other = create_product(session, chain.cell_maker, ProductIn(name="Other pack", design=DESIGN))
    with pytest.raises(NotFound, match="calculation_id"):
        issue_declaration(session, chain.cell_maker, other.id, _request(calc.id))
    assert _rows(session) == 1


def test_an_issued_declaration_is_write_once(session: Session, chain: Chain) -> None:
    product_id, calc = _product(session, chain)
    issue_declaration(session, chain.cell_maker, product_id, _request(calc.id))
    session.rollback()
    with pytest.raises(ImmutableRecordError), session.begin():
        row = session.scalars(select(IssuedDeclaration)).one()
        row.document = "{}"
    session.rollback()
    for statement in (
        "UPDATE issued_declarations SET rule_set = 'x'",
        "DELETE FROM issued_declarations",
    ):
        with pytest.raises(DBAPIError), session.begin():
            session.execute(text(statement))
        session.rollback()
    assert _rows(session) == 1


def test_an_empty_form_names_every_missing_field_at_once(session: Session, chain: Chain) -> None:
    """Observed in the browser: the use profile's three fields were named first, and the
    addresses and study link only once those were given; and the use fields' message told a
    form user to give command-line options."""
    product_id, calc = _product(session, chain)
    empty = IssueDeclarationIn.model_validate({"calculation_id": str(calc.id)})
    with pytest.raises(InputError) as caught:
        issue_declaration(session, chain.cell_maker, product_id, empty)
    named = {p.partition(":")[0] for p in caught.value.problems}
    expected = {"manufacturer_address", "plant_address", "study_url"}
    expected |= {"use.usable_capacity_kwh", "use.vehicle_category", "use.warranty_years"}
    assert expected <= named, caught.value.problems
    assert not any("--" in p for p in caught.value.problems), caught.value.problems
    assert _rows(session) == 0
