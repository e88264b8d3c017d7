"""Data requests, complaints, the regulator's view and anonymized statistics."""

from __future__ import annotations

import uuid

import pytest
from services_support import PASSWORD, Chain
from sqlalchemy.orm import Session

from batterycarbon.services import Actor, Conflict, NotFound, PermissionDenied
from batterycarbon.services.accounts import (
    OrganizationIn,
    UserIn,
    authenticate_user,
    register_organization,
    register_user,
)
from batterycarbon.services.calculations import CalculationIn, calculate_design
from batterycarbon.services.complaints import (
    ComplaintIn,
    ComplaintResolutionIn,
    file_complaint,
    get_complaint,
    list_complaints,
    resolve_complaint,
)
from batterycarbon.services.data_requests import (
    DataRequestIn,
    DeclineIn,
    FulfilIn,
    decline_request,
    fulfil_request,
    get_request,
    list_requests,
    request_data,
)
from batterycarbon.services.dataset_input import DatasetIn
from batterycarbon.services.datasets import SharedFigureOut, get_dataset, submit_dataset
from batterycarbon.services.oversight import footprint_statistics, overview
from batterycarbon.services.products import ProductIn, create_product
from batterycarbon.services.verifications import (
    DecisionIn,
    VerificationIn,
    decide,
    start_review,
    submit_for_verification,
)

CAM = DatasetIn(flow="cam_ncm811", value=28.4, region="KR", year=2023, dqr=1.75, evidence=["pcf-2023.pdf"], activity_data={"electricity_kwh_per_kg": 22.0})  # fmt: skip
DESIGN = {
    "chemistry": "NCM811", "format": "prismatic", "pack": {"cells": 162},
    "cell": {"capacity_ah": 100, "nominal_voltage_v": 3.7}, "year": 2023,
    "plants": {"cell": "HU"},
}  # fmt: skip


def org(actor: object) -> uuid.UUID:
    value = getattr(actor, "organization_id", None)
    assert isinstance(value, uuid.UUID)
    return value


def test_request_fulfilled_shares_the_dataset(session: Session, chain: Chain) -> None:
    asked = request_data(session, chain.cell_maker, DataRequestIn(supplier_org_id=org(chain.cam_maker), flow="cam_ncm811", region="KR"))  # fmt: skip
    assert asked.status == "open"
    assert [r.id for r in list_requests(session, chain.cam_maker, "incoming")] == [asked.id]
    assert list_requests(session, chain.cam_maker, "outgoing") == []
    for outsider in (chain.other_supplier, chain.regulator, chain.verifier):
        with pytest.raises(NotFound):
            get_request(session, outsider, asked.id)
    dataset = submit_dataset(session, chain.cam_maker, CAM)
    with pytest.raises(PermissionDenied):
        fulfil_request(session, chain.cell_maker, asked.id, FulfilIn(dataset_id=dataset.id))
    pcam = submit_dataset(session, chain.cam_maker, CAM.model_copy(update={"flow": "pcam_ncm811", "value": 17.0}))  # fmt: skip
    with pytest.raises(Conflict, match="'cam_ncm811' was asked"):
        fulfil_request(session, chain.cam_maker, asked.id, FulfilIn(dataset_id=pcam.id))
    foreign = submit_dataset(session, chain.other_supplier, CAM)
    with pytest.raises(NotFound, match="dataset_id"):
        fulfil_request(session, chain.cam_maker, asked.id, FulfilIn(dataset_id=foreign.id))
    done = fulfil_request(session, chain.cam_maker, asked.id, FulfilIn(dataset_id=dataset.id))
    assert done.status == "fulfilled" and done.dataset_id == dataset.id
    seen = get_dataset(session, chain.cell_maker, dataset.id)
    assert isinstance(seen, SharedFigureOut) and seen.value == 28.4
    with pytest.raises(Conflict, match="only open requests"):
        decline_request(session, chain.cam_maker, asked.id, DeclineIn(reason="changed our mind"))


def test_request_declined_and_bad_requests(session: Session, chain: Chain) -> None:
    asked = request_data(session, chain.cell_maker, DataRequestIn(supplier_org_id=org(chain.cam_maker), flow="cam_ncm811"))  # fmt: skip
    declined = decline_request(session, chain.cam_maker, asked.id, DeclineIn(reason="No 2023 study yet."))  # fmt: skip
    assert declined.status == "declined" and declined.response_note == "No 2023 study yet."
    assert list_requests(session, chain.cell_maker, "outgoing", "declined")[0].id == asked.id
    with pytest.raises(NotFound, match="supplier_org_id"):  # a manufacturer is not a supplier
        request_data(session, chain.cam_maker, DataRequestIn(supplier_org_id=org(chain.cell_maker), flow="cam_ncm811"))  # fmt: skip
    with pytest.raises(Conflict, match="itself"):
        request_data(session, chain.cam_maker, DataRequestIn(supplier_org_id=org(chain.cam_maker), flow="cam_ncm811"))  # fmt: skip
    with pytest.raises(PermissionDenied):
        request_data(session, chain.verifier, DataRequestIn(supplier_org_id=org(chain.cam_maker), flow="cam_ncm811"))  # fmt: skip


def test_complaint_workflow(session: Session, chain: Chain) -> None:
    dataset = submit_dataset(session, chain.cam_maker, CAM)
    with pytest.raises(NotFound):  # the cell maker cannot see the dataset yet
        file_complaint(session, chain.cell_maker, ComplaintIn(subject_type="dataset", subject_id=dataset.id, text="Too low for NCM811 from KR."))  # fmt: skip
    filed = file_complaint(session, chain.regulator, ComplaintIn(subject_type="dataset", subject_id=dataset.id, text="Too low for NCM811 from KR."))  # fmt: skip
    assert filed.subject_org_id == org(chain.cam_maker) and filed.status == "open"
    # The owner sees the complaint about its data, not who filed it.
    as_owner = get_complaint(session, chain.cam_maker, filed.id)
    assert as_owner.complainant_org_id is None and as_owner.text == filed.text
    with pytest.raises(NotFound):
        get_complaint(session, chain.other_supplier, filed.id)
    assert list_complaints(session, chain.other_supplier) == []
    with pytest.raises(PermissionDenied):
        resolve_complaint(session, chain.cam_maker, filed.id, ComplaintResolutionIn(outcome="dismissed", note="not ours"))  # fmt: skip
    view = overview(session, chain.regulator)
    assert [c.id for c in view.open_complaints] == [filed.id]
    done = resolve_complaint(session, chain.regulator, filed.id, ComplaintResolutionIn(outcome="upheld", note="Asked for a revision."))  # fmt: skip
    assert done.status == "upheld" and done.resolved_at is not None
    with pytest.raises(Conflict):
        resolve_complaint(session, chain.regulator, filed.id, ComplaintResolutionIn(outcome="dismissed", note="again"))  # fmt: skip
    assert overview(session, chain.regulator).complaints_by_status == {"upheld": 1}
    with pytest.raises(PermissionDenied):
        overview(session, chain.cam_maker)


def test_regulator_view_lists_open_alerts(session: Session, chain: Chain) -> None:
    flagged = submit_dataset(session, chain.cam_maker, CAM.model_copy(update={"value": 400.0}))
    view = overview(session, chain.regulator)
    assert view.alerts_by_status == {"open": 1}
    assert [a.subject_id for a in view.open_alerts] == [flagged.id]


def _manufacturer(session: Session, chain: Chain, name: str) -> Actor:
    """Another manufacturer organization of its own, with one user."""
    org = register_organization(session, chain.admin, OrganizationIn(name=name, roles=["manufacturer"]))  # fmt: skip
    username = name.lower().replace(" ", "_")
    register_user(session, chain.admin, UserIn(organization_id=org.id, username=username, password=PASSWORD))  # fmt: skip
    return authenticate_user(session, username, PASSWORD)


def _verified_products(session: Session, chain: Chain, makers: list[Actor], designs: list[dict[str, object]]) -> list[float]:  # fmt: skip
    """Each design made into a product by its maker, calculated and approved; the totals."""
    totals = []
    for number, (maker, design) in enumerate(zip(makers, designs, strict=True)):
        name = f"Pack {design.get('plants')} {number}"
        product = create_product(session, maker, ProductIn(name=name, design=design))
        calc = calculate_design(session, maker, CalculationIn(design_version_id=product.designs[0].id))  # fmt: skip
        verification = submit_for_verification(session, maker, VerificationIn(calculation_id=calc.id, verifier_org_id=org(chain.verifier)))  # fmt: skip
        start_review(session, chain.verifier, verification.id)
        decide(session, chain.verifier, verification.id, DecisionIn(decision="approve"))
        totals.append(calc.total_kgco2e_per_kwh)
    return totals


def test_statistics_count_organizations_and_reveal_no_member(session: Session, chain: Chain) -> None:  # fmt: skip
    others = [_manufacturer(session, chain, f"Maker {n}") for n in range(4)]
    # Hungary: five products, four of them one company's (formerly shown: five products).
    hungary = [{**DESIGN, "pack": {"cells": 150 + 4 * n}} for n in range(5)]
    hu_totals = _verified_products(session, chain, [chain.cell_maker] * 4 + others[:1], hungary)
    # Poland: five products of five companies.
    poland = [{**DESIGN, "pack": {"cells": 150 + 4 * n}, "plants": {"cell": "PL"}} for n in range(5)]  # fmt: skip
    pl_totals = _verified_products(session, chain, [chain.cell_maker, *others], poland)
    stats = footprint_statistics(session, chain.regulator)
    (group,) = stats.groups
    assert (group.chemistry, group.region, group.year, group.products) == ("NCM811", "PL", 2023, "5-9")  # fmt: skip
    assert stats.suppressed_groups == 1 and stats.min_organizations == 5
    published = [group.mean_kgco2e_per_kwh, *group.percentiles_kgco2e_per_kwh.values()]
    assert set(group.percentiles_kgco2e_per_kwh) == {"p25", "p50", "p75"}  # no extremes
    assert all(value % stats.rounding_step_kgco2e_per_kwh == 0 for value in published)
    assert not set(published) & set(hu_totals + pl_totals)
    # Nothing else in the answer carries a member's figure or a suppressed group's size.
    text = stats.model_dump_json()
    assert not any(f"{total:g}" in text or f"{total:.1f}" in text for total in hu_totals + pl_totals)  # fmt: skip
    assert set(stats.model_dump()) == {"method", "min_organizations", "max_organization_share", "rounding_step_kgco2e_per_kwh", "groups", "suppressed_groups"}  # fmt: skip
    # A filter on the suppressed group says only that it is suppressed.
    only_hungary = footprint_statistics(session, chain.regulator, region="HU")
    assert (only_hungary.groups, only_hungary.suppressed_groups) == ([], 1)
    assert footprint_statistics(session, chain.regulator, chemistry="LFP").suppressed_groups == 0
    with pytest.raises(PermissionDenied):
        footprint_statistics(session, chain.cell_maker)
