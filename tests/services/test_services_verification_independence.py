"""No organization verifies its own work, and a regulator sees a calculation's figure only where
a passport has made it public.

An organization may hold both the manufacturer (or supplier) and the verifier role; it may then
neither verify its own calculation, nor one built on its own supplier dataset, nor review its
own flagged dataset. A request stored before this rule (written here straight to the database,
as an older database holds it) is refused when the verifier acts on it, left out of its queue
and of the regulator's statistics.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from passport_support import passport_request
from services_support import PASSWORD, Chain
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from batterycarbon.services import Actor, PermissionDenied
from batterycarbon.services.accounts import (
    OrganizationIn,
    UserIn,
    authenticate_user,
    register_organization,
    register_user,
)
from batterycarbon.services.calculations import CalculationIn, CalculationOut, calculate_design
from batterycarbon.services.dataset_input import DatasetIn
from batterycarbon.services.dataset_review import AlertAssignmentIn, assign_alert
from batterycarbon.services.datasets import (
    DatasetOut,
    GrantIn,
    get_dataset,
    share_dataset,
    submit_dataset,
)
from batterycarbon.services.declarations import find_declarations
from batterycarbon.services.oversight import footprint_statistics
from batterycarbon.services.passports import PassportIn, issue_passport
from batterycarbon.services.products import ProductIn, create_product
from batterycarbon.services.verifications import (
    DecisionIn,
    FindingIn,
    VerificationIn,
    add_finding,
    decide,
    find_verifications,
    get_verification,
    review_queue,
    start_review,
    submit_for_verification,
)
from batterycarbon.store import Alert, AuditEvent, Verification

DESIGN = {
    "chemistry": "NCM811",
    "format": "prismatic",
    "pack": {"cells": 162},
    "cell": {"capacity_ah": 100, "nominal_voltage_v": 3.7},
    "year": 2023,
}
CAM = DatasetIn(
    flow="cam_ncm811",
    value=28.4,
    region="KR",
    year=2023,
    dqr=1.75,
    evidence=["pcf-2023.pdf"],
    activity_data={"electricity_kwh_per_kg": 22.0},
)


def org(actor: Actor) -> uuid.UUID:
    assert actor.organization_id is not None
    return actor.organization_id


def _org_actor(session: Session, chain: Chain, name: str, roles: list[str]) -> Actor:
    created = register_organization(session, chain.admin, OrganizationIn(name=name, roles=roles))
    username = name.lower().replace(" ", "_")
    register_user(
        session,
        chain.admin,
        UserIn(organization_id=created.id, username=username, password=PASSWORD),
    )
    return authenticate_user(session, username, PASSWORD)


def _calculation(
    session: Session, maker: Actor, name: str = "EV pack", design: dict[str, Any] = DESIGN
) -> CalculationOut:
    product = create_product(session, maker, ProductIn(name=name, design=design))
    return calculate_design(session, maker, CalculationIn(design_version_id=product.designs[0].id))


def _count(session: Session, model: Any, *where: Any) -> int:
    session.rollback()
    return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _legacy(
    session: Session, calc: CalculationOut, organization: uuid.UUID, state: str
) -> uuid.UUID:
    """A self-verification as a database from before the rule may hold it."""
    row = Verification(
        calculation_id=calc.id,
        requester_org_id=organization,
        verifier_org_id=organization,
        state=state,
    )
    session.add(row)
    session.commit()
    return row.id


def test_an_organization_may_not_verify_its_own_calculation(session: Session, chain: Chain) -> None:
    both = _org_actor(session, chain, "Cell and Verify Co", ["manufacturer", "verifier"])
    calc = _calculation(session, both)
    with pytest.raises(
        PermissionDenied,
        match="^verifier_org_id: an organization may not verify its own calculation",
    ):
        submit_for_verification(
            session, both, VerificationIn(calculation_id=calc.id, verifier_org_id=org(both))
        )
    assert _count(session, Verification) == 0
    assert _count(session, AuditEvent, AuditEvent.entity_type == "verification") == 0

    # Stored before the rule: not offered in the queue, refused at every step.
    legacy = _legacy(session, calc, org(both), "submitted")
    assert review_queue(session, both) == []
    with pytest.raises(PermissionDenied, match="own calculation"):
        start_review(session, both, legacy)
    session.execute(
        Verification.__table__.update().where(Verification.id == legacy).values(state="in_review")
    )
    session.commit()
    with pytest.raises(PermissionDenied, match="own calculation"):
        add_finding(session, both, legacy, FindingIn(severity="info", text="Looks fine to us."))
    with pytest.raises(PermissionDenied, match="own calculation"):
        decide(session, both, legacy, DecisionIn(decision="approve"))
    assert session.get_one(Verification, legacy).state == "in_review"

    # An approval recorded so before the rule does not count as verified in the statistics.
    session.execute(
        Verification.__table__.update().where(Verification.id == legacy).values(state="approved")
    )
    session.commit()
    assert footprint_statistics(session, chain.regulator).suppressed_groups == 0

    # An independent verifier may; the request is in its queue, not in the maker's.
    verification = submit_for_verification(
        session, both, VerificationIn(calculation_id=calc.id, verifier_org_id=org(chain.verifier))
    )
    assert [v.id for v in review_queue(session, chain.verifier)] == [verification.id]
    assert review_queue(session, both) == [] and review_queue(session, chain.regulator) == []
    start_review(session, chain.verifier, verification.id)
    assert (
        decide(session, chain.verifier, verification.id, DecisionIn(decision="approve")).state
        == "approved"
    )
    assert footprint_statistics(session, chain.regulator).suppressed_groups == 1


def test_a_verifier_may_not_verify_a_calculation_built_on_its_own_dataset(
    session: Session, chain: Chain
) -> None:
    supplier = _org_actor(session, chain, "Cathode and Verify Co", ["supplier", "verifier"])
    dataset = submit_dataset(session, supplier, CAM)
    assert dataset.status == "approved"
    share_dataset(session, supplier, dataset.id, GrantIn(organization_id=org(chain.cell_maker)))
    supplied = {
        **DESIGN,
        "plants": {"cathode": "KR"},
        "supply": {"cathode_active_material": {"supplier": "Cathode and Verify Co"}},
    }
    calc = _calculation(session, chain.cell_maker, design=supplied)
    assert [f["dataset_id"] for f in calc.result["supplier_datasets"]] == [str(dataset.id)]
    with pytest.raises(
        PermissionDenied,
        match=f"^verifier_org_id: the calculation uses dataset {dataset.id} of the verifier's own organization",
    ):
        submit_for_verification(
            session,
            chain.cell_maker,
            VerificationIn(calculation_id=calc.id, verifier_org_id=org(supplier)),
        )
    assert _count(session, Verification) == 0
    legacy = Verification(
        calculation_id=calc.id,
        requester_org_id=org(chain.cell_maker),
        verifier_org_id=org(supplier),
        state="submitted",
    )
    session.add(legacy)
    session.commit()
    assert review_queue(session, supplier) == []
    with pytest.raises(PermissionDenied, match="own figures"):
        start_review(session, supplier, legacy.id)


def test_an_organization_may_not_review_its_own_flagged_dataset(
    session: Session, chain: Chain
) -> None:
    both = _org_actor(session, chain, "Graphite and Verify Co", ["supplier", "verifier"])
    flagged = submit_dataset(session, both, CAM.model_copy(update={"value": 400.0}))
    (alert,) = flagged.alerts
    with pytest.raises(
        PermissionDenied, match="^verifier_org_id: an organization may not review its own dataset"
    ):
        assign_alert(session, both, alert.id, AlertAssignmentIn(verifier_org_id=org(both)))
    session.rollback()
    stored = session.get_one(Alert, alert.id)
    assert (stored.status, stored.assigned_verifier_org_id) == ("open", None)
    assigned = assign_alert(
        session, both, alert.id, AlertAssignmentIn(verifier_org_id=org(chain.verifier))
    )
    assert assigned.status == "in_review"
    seen = get_dataset(session, chain.verifier, flagged.id)
    assert isinstance(seen, DatasetOut)


def test_regulator_sees_a_figure_only_once_a_passport_made_it_public(
    session: Session, chain: Chain
) -> None:
    calc = _calculation(session, chain.cell_maker)
    verification = submit_for_verification(
        session,
        chain.cell_maker,
        VerificationIn(calculation_id=calc.id, verifier_org_id=org(chain.verifier)),
    )
    start_review(session, chain.verifier, verification.id)
    decide(session, chain.verifier, verification.id, DecisionIn(decision="approve"))

    def regulator_sees() -> set[float | None]:
        (declaration,) = find_declarations(session, chain.regulator).items
        assert declaration.declared_publicly is (declaration.total_kgco2e_per_kwh is not None)
        return {
            get_verification(session, chain.regulator, verification.id).total_kgco2e_per_kwh,
            *(v.total_kgco2e_per_kwh for v in find_verifications(session, chain.regulator).items),
            declaration.total_kgco2e_per_kwh,
        }

    assert regulator_sees() == {None}
    for party in (chain.cell_maker, chain.verifier, chain.admin):
        assert (
            get_verification(session, party, verification.id).total_kgco2e_per_kwh
            == calc.total_kgco2e_per_kwh
        )
    assert (
        find_declarations(session, chain.admin).items[0].total_kgco2e_per_kwh
        == calc.total_kgco2e_per_kwh
    )

    issue_passport(
        session,
        chain.cell_maker,
        PassportIn.model_validate(passport_request(calc.id)),
        "https://passports.example.org",
    )
    assert regulator_sees() == {calc.total_kgco2e_per_kwh}
