"""Flagged datasets decided by an assigned verifier or by the owner with evidence; revisions."""

from __future__ import annotations

import uuid

import pytest
from services_support import CAM_FROM_CATHODE_CO, Chain
from sqlalchemy import select
from sqlalchemy.orm import Session

from batterycarbon.errors import InputError
from batterycarbon.services import Conflict, NotFound, PermissionDenied
from batterycarbon.services.calculations import CalculationIn, calculate_design
from batterycarbon.services.dataset_input import DatasetIn
from batterycarbon.services.dataset_review import (
    AlertAssignmentIn,
    DatasetDecisionIn,
    assign_alert,
    decide_dataset,
    revise_dataset,
)
from batterycarbon.services.datasets import (
    DatasetOut,
    GrantIn,
    get_dataset,
    share_dataset,
    submit_dataset,
)
from batterycarbon.services.products import ProductIn, create_product
from batterycarbon.store import AuditEvent

CAM = DatasetIn(flow="cam_ncm811", value=400.0, region="KR", year=2023, dqr=2, evidence=["pcf.pdf"], activity_data={"electricity_kwh_per_kg": 90.0})  # fmt: skip
DESIGN = {
    "chemistry": "NCM811", "format": "prismatic", "pack": {"cells": 162},
    "cell": {"capacity_ah": 100, "nominal_voltage_v": 3.7}, "year": 2023, **CAM_FROM_CATHODE_CO,
}  # fmt: skip
APPROVE = DatasetDecisionIn(decision="approve", note="Metered electricity confirms it.")


def _flagged_and_shared(session: Session, chain: Chain) -> DatasetOut:
    flagged = submit_dataset(session, chain.cam_maker, CAM)
    assert flagged.status == "flagged"
    assert chain.cell_maker.organization_id is not None
    share_dataset(session, chain.cam_maker, flagged.id, GrantIn(organization_id=chain.cell_maker.organization_id))  # fmt: skip
    return flagged


def _calculate(session: Session, chain: Chain) -> list[str]:
    product = create_product(session, chain.cell_maker, ProductIn(name=f"Pack {uuid.uuid4().hex[:8]}", design=DESIGN))  # fmt: skip
    calc = calculate_design(session, chain.cell_maker, CalculationIn(design_version_id=product.designs[0].id))  # fmt: skip
    return [f["dataset_id"] for f in calc.result["supplier_datasets"]]


def test_assigned_verifier_clears_a_flagged_dataset_then_it_is_used(session: Session, chain: Chain) -> None:  # fmt: skip
    flagged = _flagged_and_shared(session, chain)
    with pytest.raises(InputError, match=f"dataset {flagged.id} is flagged, not approved"):
        _calculate(session, chain)  # flagged data are never used, nor replaced by the library
    (alert,) = flagged.alerts
    with pytest.raises(NotFound):  # not assigned yet: the verifier cannot see the data
        get_dataset(session, chain.verifier, flagged.id)
    assert chain.verifier.organization_id is not None
    with pytest.raises(NotFound):
        assign_alert(session, chain.cell_maker, alert.id, AlertAssignmentIn(verifier_org_id=chain.verifier.organization_id))  # fmt: skip
    assigned = assign_alert(session, chain.cam_maker, alert.id, AlertAssignmentIn(verifier_org_id=chain.verifier.organization_id))  # fmt: skip
    assert assigned.status == "in_review"
    seen = get_dataset(session, chain.verifier, flagged.id)
    assert isinstance(seen, DatasetOut) and seen.activity_data == {"electricity_kwh_per_kg": 90.0}
    with pytest.raises(PermissionDenied):  # the grantee sees the figure but does not decide
        decide_dataset(session, chain.cell_maker, flagged.id, APPROVE)
    with pytest.raises(PermissionDenied, match="in review"):  # nor does the owner, past the review
        decide_dataset(session, chain.cam_maker, flagged.id, APPROVE.model_copy(update={"evidence": ["meters.pdf"]}))  # fmt: skip
    approved = decide_dataset(session, chain.verifier, flagged.id, APPROVE)
    assert approved.status == "approved"
    (resolved,) = approved.alerts
    assert (resolved.status, resolved.resolution) == ("resolved", "cleared")
    assert resolved.resolved_at is not None
    assert _calculate(session, chain) == [str(flagged.id)]
    with pytest.raises(Conflict, match="only flagged"):
        decide_dataset(session, chain.cam_maker, flagged.id, APPROVE)
    with pytest.raises(NotFound):  # the review is over
        get_dataset(session, chain.verifier, flagged.id)


def test_owner_approves_only_with_new_evidence(session: Session, chain: Chain) -> None:
    flagged = submit_dataset(session, chain.cam_maker, CAM)
    with pytest.raises(InputError, match="evidence"):
        decide_dataset(session, chain.cam_maker, flagged.id, APPROVE.model_copy(update={"evidence": ["pcf.pdf"]}))  # fmt: skip
    explained = decide_dataset(session, chain.cam_maker, flagged.id, APPROVE.model_copy(update={"evidence": ["meters.pdf"]}))  # fmt: skip
    assert explained.status == "approved" and explained.evidence == ["pcf.pdf", "meters.pdf"]
    assert explained.alerts[0].resolution == "explained"
    rejected = decide_dataset(session, chain.cam_maker, submit_dataset(session, chain.cam_maker, CAM).id, DatasetDecisionIn(decision="reject", note="typo"))  # fmt: skip
    assert rejected.status == "rejected" and rejected.alerts[0].resolution == "withdrawn"


def test_revision_supersedes_keeps_grants_and_is_audited(session: Session, chain: Chain) -> None:
    flagged = _flagged_and_shared(session, chain)
    with pytest.raises(InputError, match="flow"):
        revise_dataset(session, chain.cam_maker, flagged.id, CAM.model_copy(update={"flow": "pcam_ncm811"}))  # fmt: skip
    with pytest.raises(NotFound):
        revise_dataset(session, chain.other_supplier, flagged.id, CAM)
    revised = revise_dataset(session, chain.cam_maker, flagged.id, CAM.model_copy(update={"value": 40.0}))  # fmt: skip
    assert revised.status == "approved" and revised.supersedes_id == flagged.id
    assert revised.shared_with == [chain.cell_maker.organization_id]
    old = get_dataset(session, chain.cam_maker, flagged.id)
    assert isinstance(old, DatasetOut) and old.status == "superseded"
    assert old.alerts[0].resolution == "superseded"
    assert _calculate(session, chain) == [str(revised.id)]
    with pytest.raises(Conflict, match="superseded"):
        revise_dataset(session, chain.cam_maker, flagged.id, CAM)
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == str(flagged.id)).order_by(AuditEvent.seq)).all()  # fmt: skip
    assert list(actions) == ["dataset.submitted", "dataset.shared", "dataset.superseded"]
