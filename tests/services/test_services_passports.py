"""The passport registry: the maker issues a complete passport per unit or batch from its own
calculation (audited; nothing stored on bad input); a version is write-once and a new one
supersedes it; each reader gets the view its role allows, a stranger only the public one."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from passport_support import AUTHORITIES_ONLY, RESTRICTED, passport_request
from services_support import PASSWORD, Chain
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from batterycarbon.battery import Design
from batterycarbon.compliance.battery_passport import check_aspect
from batterycarbon.compliance.declare import DEFAULT_DECLARATION_RULE_SET
from batterycarbon.compliance.passport import LIFECYCLE_STAGES
from batterycarbon.compliance.standards import account
from batterycarbon.errors import InputError
from batterycarbon.factors import library
from batterycarbon.rules.functional_unit import UseProfile
from batterycarbon.services import Actor, Conflict, NotFound, PermissionDenied
from batterycarbon.services.accounts import (
    OrganizationIn,
    UserIn,
    authenticate_user,
    register_organization,
    register_user,
)
from batterycarbon.services.calculation_sharing import CalculationGrantIn, share_calculation
from batterycarbon.services.calculations import CalculationIn, CalculationOut, calculate_design
from batterycarbon.services.passports import (
    PassportIn,
    PassportQuery,
    find_passports,
    issue_passport,
    passport_qr,
    read_passport,
)
from batterycarbon.services.products import ProductIn, create_product
from batterycarbon.services.verifications import VerificationIn, submit_for_verification
from batterycarbon.store import AuditEvent, ImmutableRecordError, Passport

BASE = "https://passports.example.org"
DESIGN = {
    "chemistry": "NCM811", "format": "prismatic", "pack": {"cells": 162},
    "cell": {"capacity_ah": 100, "nominal_voltage_v": 3.7}, "year": 2023,
}  # fmt: skip


def _org_actor(session: Session, chain: Chain, name: str, role: str) -> Actor:
    org = register_organization(session, chain.admin, OrganizationIn(name=name, roles=[role]))
    username = name.lower().replace(" ", "_")
    register_user(session, chain.admin, UserIn(organization_id=org.id, username=username, password=PASSWORD))  # fmt: skip
    return authenticate_user(session, username, PASSWORD)


def _calculation(session: Session, chain: Chain, maker: Actor | None = None) -> CalculationOut:
    maker = maker or chain.cell_maker
    product = create_product(session, maker, ProductIn(name="EV pack", design=DESIGN))
    return calculate_design(session, maker, CalculationIn(design_version_id=product.designs[0].id))  # fmt: skip


def _issue(session: Session, actor: Actor, calculation_id: uuid.UUID, **extra: Any) -> Any:
    return issue_passport(session, actor, PassportIn.model_validate(passport_request(calculation_id, **extra)), BASE)  # fmt: skip


def _count(session: Session, model: Any, **where: Any) -> int:
    session.rollback()
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return int(session.scalar(query) or 0)


def _assert_hidden(document: dict[str, Any], hidden: dict[str, tuple[str, ...]]) -> None:
    for aspect, attributes in hidden.items():
        for attribute in attributes:
            assert attribute not in document[aspect], f"{aspect}.{attribute} leaked"


def test_issued_passport_is_complete_and_each_reader_gets_its_view(session: Session, chain: Chain) -> None:  # fmt: skip
    calc = _calculation(session, chain)
    issued = _issue(session, chain.cell_maker, calc.id)
    assert (issued.version, issued.status, issued.access, issued.view) == (1, "issued", "issuer", "authorities")  # fmt: skip
    assert issued.public_url == f"{BASE}/p/{issued.id}"
    document = issued.document
    assert document["notProvided"] == [] and document["publicUrl"] == issued.public_url
    assert document["batteryPassportIdentifier"] == issued.identifier
    assert document["GeneralProductInformation"]["batteryPassportIdentifier"] == issued.identifier
    assert document["GeneralProductInformation"]["productIdentifier"] == "SN-0001"
    for aspect in RESTRICTED:  # the issuer reads every attribute, each valid by its schema
        assert check_aspect(aspect, document[aspect]) == []
    # The declared footprint is the stored calculation's design under the declaration rules,
    # in its factor release, per kWh delivered over the request's use profile.
    cf = document["CarbonFootprintForBatteries"]
    assert cf["carbonFootprintPerformanceClass"] == "not yet defined"
    declared = account(
        Design.model_validate(DESIGN),
        library(calc.factor_release),
        DEFAULT_DECLARATION_RULE_SET,
        profile=UseProfile(**passport_request(calc.id)["use"]),
    )
    assert cf["batteryCarbonFootprint"] == pytest.approx(declared.total_kgco2e_per_fu, rel=1e-9)
    stages = {
        LIFECYCLE_STAGES[s]: v
        for s, v in declared.stages_kgco2e_per_fu.items()
        if s in LIFECYCLE_STAGES
    }
    assert {
        stage["lifecycleStage"]: stage["carbonFootprint"]
        for stage in cf["carbonFootprintPerLifecycleStage"]
    } == pytest.approx(stages, rel=1e-9)

    anonymous = read_passport(session, None, issued.id)
    stranger = read_passport(session, _org_actor(session, chain, "Other Maker", "manufacturer"), issued.id)  # fmt: skip
    for public in (anonymous, stranger):
        assert (public.view, public.access, public.calculation_id) == ("public", "public", None)
        _assert_hidden(public.document, RESTRICTED)
        assert public.document["CarbonFootprintForBatteries"] == cf
        assert "batteryChemistry" in public.document["MaterialComposition"]
    assert stranger.document == anonymous.document

    customer = _org_actor(session, chain, "Car Co", "oem")
    assert read_passport(session, customer, issued.id).view == "public"  # not shared yet
    share_calculation(session, chain.cell_maker, calc.id, CalculationGrantIn(organization_id=customer.organization_id))  # type: ignore[arg-type]  # fmt: skip
    assert read_passport(session, chain.verifier, issued.id).view == "public"  # not asked yet
    submit_for_verification(session, chain.cell_maker, VerificationIn(calculation_id=calc.id, verifier_org_id=chain.verifier.organization_id))  # type: ignore[arg-type]  # fmt: skip
    recycler = _org_actor(session, chain, "Recycle Co", "recycler")
    for reader, access in ((customer, "customer"), (chain.verifier, "verifier"), (recycler, "recycler")):  # fmt: skip
        out = read_passport(session, reader, issued.id)
        assert (out.view, out.access) == ("legitimate_interest", access)
        assert "batteryMaterials" in out.document["MaterialComposition"]
        assert "sparePartSources" in out.document["Circularity"]
        _assert_hidden(out.document, AUTHORITIES_ONLY)
    authority = read_passport(session, chain.regulator, issued.id)
    assert (authority.view, authority.access) == ("authorities", "authority")
    assert authority.document["Labeling"]["resultOfTestReport"] == "https://example.org/tests.pdf"

    png = passport_qr(session, issued.id)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    events = session.scalars(select(AuditEvent).where(AuditEvent.entity_id == str(issued.id))).all()
    assert [e.action for e in events] == ["passport.issued"]


def test_incomplete_or_bad_input_is_named_and_nothing_is_stored(session: Session, chain: Chain) -> None:  # fmt: skip
    calc = _calculation(session, chain)
    request = passport_request(calc.id)
    del request["attributes"]["GeneralProductInformation"]["manufacturingDate"]
    del request["attributes"]["Circularity"]["safetyMeasures"]["extinguishingAgent"]
    with pytest.raises(InputError) as caught:
        issue_passport(session, chain.cell_maker, PassportIn.model_validate(request), BASE)
    assert "attributes.GeneralProductInformation.manufacturingDate: required attribute not provided" in caught.value.problems  # fmt: skip
    assert "attributes.Circularity.safetyMeasures.extinguishingAgent: required attribute not provided" in caught.value.problems  # fmt: skip

    for change, field in (
        ({"plant_address": None}, "plant_address: required"),
        ({"use": {"vehicle_category": "M1", "warranty_years": 8}}, "use.usable_capacity_kwh: required"),
        ({"rule_set": "no-such-rules"}, "rule_set: "),
        ({"attributes": {"Warranty": {}}}, "attributes.Warranty: unknown aspect"),
    ):  # fmt: skip
        with pytest.raises(InputError) as caught:
            _issue(session, chain.cell_maker, calc.id, **change)
        assert any(p.startswith(field) for p in caught.value.problems), (field, caught.value.problems)  # fmt: skip
    bad = passport_request(calc.id)
    bad["attributes"]["GeneralProductInformation"]["batteryStatus"] = "Brand new"
    with pytest.raises(InputError, match=r"attributes\.GeneralProductInformation\.batteryStatus"):
        issue_passport(session, chain.cell_maker, PassportIn.model_validate(bad), BASE)
    assert _count(session, Passport) == 0
    assert _count(session, AuditEvent, entity_type="passport") == 0


def test_only_the_maker_issues_from_its_own_calculation(session: Session, chain: Chain) -> None:
    calc = _calculation(session, chain)
    with pytest.raises(PermissionDenied):  # a verifier issues no passports
        _issue(session, chain.verifier, calc.id)
    other = _org_actor(session, chain, "Other Maker", "manufacturer")
    with pytest.raises(NotFound, match="calculation_id"):
        _issue(session, other, calc.id)
    with pytest.raises(NotFound):
        read_passport(session, None, uuid.uuid4())
    assert _count(session, Passport) == 0


def test_new_version_supersedes_and_versions_are_write_once(session: Session, chain: Chain) -> None:  # fmt: skip
    calc = _calculation(session, chain)
    first = _issue(session, chain.cell_maker, calc.id)
    with pytest.raises(Conflict, match="unit_identifier"):  # one passport per unit
        _issue(session, chain.cell_maker, calc.id)
    with pytest.raises(InputError, match="unit_identifier"):
        _issue(session, chain.cell_maker, calc.id, unit="SN-0002", supersedes=str(first.id))
    other = _org_actor(session, chain, "Other Maker", "manufacturer")
    with pytest.raises(NotFound, match="supersedes"):
        _issue(session, other, _calculation(session, chain, other).id, supersedes=str(first.id))

    second = _issue(session, chain.cell_maker, calc.id, supersedes=str(first.id), plant_address="2 Other Road, Ningde, CN")  # fmt: skip
    assert (second.id, second.identifier, second.public_url) == (first.id, first.identifier, first.public_url)  # fmt: skip
    assert second.version == 2 and second.version_id != first.version_id
    current = read_passport(session, None, first.id)
    assert (current.version, current.current_version, current.status) == (2, 2, "issued")
    old = read_passport(session, None, first.id, version=1)
    assert (old.version, old.current_version, old.status) == (1, 2, "superseded")
    with pytest.raises(NotFound, match="version"):
        read_passport(session, None, first.id, version=3)
    with pytest.raises(NotFound, match="supersedes"):  # only the current version is superseded
        _issue(session, chain.cell_maker, calc.id, supersedes=str(uuid.uuid4()))
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == str(first.id)).order_by(AuditEvent.seq)).all()  # fmt: skip
    assert actions == ["passport.issued", "passport.superseded", "passport.issued"]

    page = find_passports(session, chain.cell_maker, PassportQuery(limit=1))
    assert page.total == 2 and [p.version for p in page.items] == [1]
    assert [p.version for p in find_passports(session, chain.cell_maker, PassportQuery(status="issued")).items] == [2]  # fmt: skip
    assert find_passports(session, other, PassportQuery()).total == 0

    # The document as issued never changes: the ORM refuses, and so does the database.
    session.rollback()
    row = session.get_one(Passport, first.version_id)
    row.document = {**row.document, "publicUrl": "https://evil.example"}
    with pytest.raises(ImmutableRecordError):
        session.commit()
    session.rollback()
    key = first.version_id.hex if session.get_bind().dialect.name == "sqlite" else first.version_id
    for statement in (
        "UPDATE passports SET unit_identifier = 'SN-9' WHERE id = :i",
        "UPDATE passports SET status = 'issued' WHERE id = :i",
        "DELETE FROM passports WHERE id = :i",
    ):
        with pytest.raises(DBAPIError):
            session.execute(text(statement), {"i": key})
        session.rollback()
    assert read_passport(session, None, first.id, version=1).status == "superseded"
