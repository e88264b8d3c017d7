"""Sharing a calculation with a customer: only its maker grants and revokes (audited); the
customer reads the declared figures, never the design or the supplier data; revoking ends it."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from services_support import CAM_FROM_CATHODE_CO, PASSWORD, Chain
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from batterycarbon.services import Actor, Conflict, NotFound, PermissionDenied
from batterycarbon.services.accounts import (
    OrganizationIn,
    UserIn,
    authenticate_user,
    register_organization,
    register_user,
)
from batterycarbon.services.calculation_sharing import (
    CalculationGrantIn,
    SharedCalculationOut,
    find_shared_with_me,
    list_calculation_grants,
    read_calculation,
    revoke_calculation_share,
    share_calculation,
)
from batterycarbon.services.calculations import (
    CalculationIn,
    CalculationOut,
    calculate_design,
    get_calculation,
)
from batterycarbon.services.dataset_input import DatasetIn
from batterycarbon.services.datasets import GrantIn, share_dataset, submit_dataset
from batterycarbon.services.products import ProductIn, create_product
from batterycarbon.services.verifications import VerificationIn, submit_for_verification
from batterycarbon.store import AuditEvent, CalculationGrant, Verification

DESIGN = {
    "chemistry": "NCM811", "format": "prismatic", "pack": {"cells": 162},
    "cell": {"capacity_ah": 100, "nominal_voltage_v": 3.7}, "year": 2023, **CAM_FROM_CATHODE_CO,
}  # fmt: skip
CAM = DatasetIn(flow="cam_ncm811", value=28.4, region="KR", year=2023, dqr=1.75, evidence=["pcf-2023.pdf"], activity_data={"electricity_kwh_per_kg": 22.0})  # fmt: skip


def _customer(session: Session, chain: Chain, name: str = "Car Co") -> Actor:
    org = register_organization(session, chain.admin, OrganizationIn(name=name, roles=["oem"]))
    username = name.lower().replace(" ", "_")
    register_user(session, chain.admin, UserIn(organization_id=org.id, username=username, password=PASSWORD))  # fmt: skip
    return authenticate_user(session, username, PASSWORD)


def _calculation_with_supplier_data(session: Session, chain: Chain) -> CalculationOut:
    cam = submit_dataset(session, chain.cam_maker, CAM)
    assert chain.cell_maker.organization_id is not None
    share_dataset(session, chain.cam_maker, cam.id, GrantIn(organization_id=chain.cell_maker.organization_id))  # fmt: skip
    product = create_product(session, chain.cell_maker, ProductIn(name="EV pack", design=DESIGN))
    calc = calculate_design(session, chain.cell_maker, CalculationIn(design_version_id=product.designs[0].id))  # fmt: skip
    assert calc.inputs["datasets"], "the calculation uses the supplier's figure"
    return calc


def _grant_count(session: Session) -> int:
    session.rollback()
    return int(session.scalar(select(func.count()).select_from(CalculationGrant)) or 0)


def test_customer_reads_declared_figures_only_until_revoked(session: Session, chain: Chain) -> None:  # fmt: skip
    calc = _calculation_with_supplier_data(session, chain)
    customer = _customer(session, chain)
    assert customer.organization_id is not None
    with pytest.raises(NotFound):
        read_calculation(session, customer, calc.id)

    grant = share_calculation(session, chain.cell_maker, calc.id, CalculationGrantIn(organization_id=customer.organization_id))  # fmt: skip
    assert grant.grantee == "Car Co" and grant.revoked_at is None
    # Sharing again is idempotent: the same active grant, no second row or audit event.
    again = share_calculation(session, chain.cell_maker, calc.id, CalculationGrantIn(organization_id=customer.organization_id))  # fmt: skip
    assert again.id == grant.id and _grant_count(session) == 1

    shared = read_calculation(session, customer, calc.id)
    assert isinstance(shared, SharedCalculationOut)
    assert shared.total_kgco2e_per_kwh == calc.total_kgco2e_per_kwh
    assert shared.stages_kgco2e_per_kwh == calc.result["stages"]
    assert shared.total_kgco2e_per_pack == calc.result["total_kgco2e_per_pack"]
    assert shared.primary_share == calc.primary_share > 0
    assert (shared.factor_release, shared.rule_set, shared.digest) == (calc.factor_release, calc.rule_set, calc.digest)  # fmt: skip
    assert shared.manufacturer_org_id == calc.organization_id and shared.product == "EV pack"
    assert shared.verification_state is None
    # No design, no process or factor breakdown, no supplier figure or supplier name.
    body = shared.model_dump_json()
    for secret in ("supplier", "cam_ncm811", "28.4", "capacity_ah", "electricity_kwh_per_kg", "Cathode Co"):  # fmt: skip
        assert secret not in body, secret
    # The whole calculation stays the maker's (and its verifier's): get_calculation refuses.
    with pytest.raises(NotFound):
        get_calculation(session, customer, calc.id)
    assert isinstance(read_calculation(session, chain.cell_maker, calc.id), CalculationOut)
    # A customer cannot pass the calculation on, nor send it for verification.
    with pytest.raises(PermissionDenied):
        share_calculation(session, customer, calc.id, CalculationGrantIn(organization_id=chain.regulator.organization_id))  # type: ignore[arg-type]  # fmt: skip
    with pytest.raises(PermissionDenied):  # an OEM does not submit calculations
        submit_for_verification(session, customer, VerificationIn(calculation_id=calc.id, verifier_org_id=chain.verifier.organization_id))  # type: ignore[arg-type]  # fmt: skip

    submit_for_verification(session, chain.cell_maker, VerificationIn(calculation_id=calc.id, verifier_org_id=chain.verifier.organization_id))  # type: ignore[arg-type]  # fmt: skip
    after_submission = read_calculation(session, customer, calc.id)
    assert isinstance(after_submission, SharedCalculationOut)
    assert after_submission.verification_state == "submitted"

    revoked = revoke_calculation_share(session, chain.cell_maker, calc.id, customer.organization_id)
    assert revoked.revoked_at is not None
    with pytest.raises(NotFound):
        read_calculation(session, customer, calc.id)
    with pytest.raises(NotFound):  # nothing active left to revoke
        revoke_calculation_share(session, chain.cell_maker, calc.id, customer.organization_id)
    # Sharing again makes a new grant; the history keeps both.
    share_calculation(session, chain.cell_maker, calc.id, CalculationGrantIn(organization_id=customer.organization_id))  # fmt: skip
    history = list_calculation_grants(session, chain.cell_maker, calc.id)
    assert [g.revoked_at is None for g in history] == [False, True]

    session.rollback()
    actions = session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.entity_type == "calculation", AuditEvent.entity_id == str(calc.id))
        .order_by(AuditEvent.seq)  # fmt: skip
    ).all()
    assert [a for a in actions if a.startswith("calculation.share")] == ["calculation.shared", "calculation.share_revoked", "calculation.shared"]  # fmt: skip


def test_only_the_maker_shares_and_bad_grants_store_nothing(session: Session, chain: Chain) -> None:  # fmt: skip
    calc = _calculation_with_supplier_data(session, chain)
    customer = _customer(session, chain)
    assert customer.organization_id is not None
    grant = CalculationGrantIn(organization_id=customer.organization_id)
    # Strangers do not learn it exists; the assigned verifier knows it but may not share it.
    for stranger in (chain.cam_maker, chain.regulator, customer, chain.admin):
        with pytest.raises(NotFound):
            share_calculation(session, stranger, calc.id, grant)
        with pytest.raises(NotFound):
            list_calculation_grants(session, stranger, calc.id)
    submit_for_verification(session, chain.cell_maker, VerificationIn(calculation_id=calc.id, verifier_org_id=chain.verifier.organization_id))  # type: ignore[arg-type]  # fmt: skip
    with pytest.raises(PermissionDenied):
        share_calculation(session, chain.verifier, calc.id, grant)
    with pytest.raises(PermissionDenied):
        list_calculation_grants(session, chain.verifier, calc.id)
    with pytest.raises(Conflict, match="organization_id"):
        share_calculation(session, chain.cell_maker, calc.id, CalculationGrantIn(organization_id=calc.organization_id))  # fmt: skip
    with pytest.raises(NotFound, match="organization_id"):
        share_calculation(session, chain.cell_maker, calc.id, CalculationGrantIn(organization_id=uuid.uuid4()))  # fmt: skip
    with pytest.raises(NotFound):
        share_calculation(session, chain.cell_maker, uuid.uuid4(), grant)
    assert _grant_count(session) == 0
    assert list_calculation_grants(session, chain.cell_maker, calc.id) == []


def test_a_self_given_approval_is_no_verification_to_the_customer(session: Session, chain: Chain) -> None:  # fmt: skip
    """An approval by the calculation's own organization (stored before the no-self-verification
    rule; written here straight to the database, as an older one holds it) was shown to the
    customer as "approved", while the regulator's statistics already ignored it."""
    calc = _calculation_with_supplier_data(session, chain)
    customer = _customer(session, chain)
    maker = chain.cell_maker.organization_id
    assert customer.organization_id is not None and maker is not None
    share_calculation(session, chain.cell_maker, calc.id, CalculationGrantIn(organization_id=customer.organization_id))  # fmt: skip
    session.add(Verification(calculation_id=calc.id, requester_org_id=maker, verifier_org_id=maker, state="approved"))  # fmt: skip
    session.commit()

    shared = read_calculation(session, customer, calc.id)
    assert isinstance(shared, SharedCalculationOut)
    assert shared.verification_state is None
    assert [c.verification_state for c in find_shared_with_me(session, customer).items] == [None]

    # A request to an independent verifier is what the customer sees, newest or not.
    independent = submit_for_verification(session, chain.cell_maker, VerificationIn(calculation_id=calc.id, verifier_org_id=chain.verifier.organization_id))  # type: ignore[arg-type]  # fmt: skip
    session.execute(
        Verification.__table__.update()
        .where(Verification.id == independent.id)
        .values(created_at=session.get_one(Verification, independent.id).created_at - timedelta(days=1))
    )  # fmt: skip
    session.commit()
    shared = read_calculation(session, customer, calc.id)
    assert isinstance(shared, SharedCalculationOut) and shared.verification_state == "submitted"
