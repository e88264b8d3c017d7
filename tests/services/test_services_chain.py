"""Use cases from supplier data to verified calculation, with confidentiality and audit."""

from __future__ import annotations

import pytest
from services_support import CAM_FROM_CATHODE_CO, Chain
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from batterycarbon.errors import InputError
from batterycarbon.services import Conflict, NotFound, PermissionDenied
from batterycarbon.services.audit import verify_audit_chain
from batterycarbon.services.calculations import CalculationIn, calculate_design, get_calculation
from batterycarbon.services.dataset_input import DatasetIn
from batterycarbon.services.datasets import (
    DatasetOut,
    GrantIn,
    SharedFigureOut,
    get_dataset,
    list_alerts,
    revoke_share,
    share_dataset,
    submit_dataset,
    submit_datasets_csv,
)
from batterycarbon.services.products import ProductIn, create_product
from batterycarbon.services.verifications import (
    DecisionIn,
    FindingIn,
    VerificationIn,
    add_finding,
    decide,
    get_verification,
    start_review,
    submit_for_verification,
)
from batterycarbon.store import AuditEvent, SupplierDataset

CAM = DatasetIn(
    flow="cam_ncm811", value=28.4, region="KR", year=2023, dqr=1.75,
    evidence=["iso14067-2023.pdf"], activity_data={"electricity_kwh_per_kg": 22.0},
)  # fmt: skip
DESIGN = {
    "chemistry": "NCM811", "format": "prismatic", "pack": {"cells": 162},
    "cell": {"capacity_ah": 100, "nominal_voltage_v": 3.7}, "year": 2023,
}  # fmt: skip


def count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_plausible_dataset_is_approved_and_implausible_one_raises_alert(session: Session, chain: Chain) -> None:  # fmt: skip
    ok = submit_dataset(session, chain.cam_maker, CAM)
    assert ok.status == "approved" and ok.alerts == []

    implausible = submit_dataset(session, chain.cam_maker, CAM.model_copy(update={"value": 400.0}))
    assert implausible.status == "flagged"
    (alert,) = implausible.alerts
    # cam_ncm811 for KR falls back to GLO, triangular 21.6 .. 62.1 kg CO2e/kg (open-2024.1).
    assert (alert.expected_min, alert.expected_max) == (21.6, 62.1)
    assert "400" in alert.message and "cam_ncm811:GLO:2023" in alert.message
    assert [a.id for a in list_alerts(session, chain.regulator)] == [alert.id]
    assert list_alerts(session, chain.other_supplier) == []


def test_unit_conversion_enters_the_plausibility_check(session: Session, chain: Chain) -> None:
    grams = CAM.model_copy(update={"value": 28.4, "unit": "g CO2e / g"})
    assert submit_dataset(session, chain.cam_maker, grams).status == "approved"
    tonnes = CAM.model_copy(update={"value": 28.4, "unit": "kg CO2e / t"})
    assert submit_dataset(session, chain.cam_maker, tonnes).status == "flagged"


def test_bad_inputs_name_the_field_and_store_nothing(session: Session, chain: Chain) -> None:
    with pytest.raises(InputError, match="flow: 'unobtainium'"):
        submit_dataset(session, chain.cam_maker, CAM.model_copy(update={"flow": "unobtainium"}))
    with pytest.raises(InputError, match="unit: 'kg CO2e / kWh' does not convert"):
        submit_dataset(session, chain.cam_maker, CAM.model_copy(update={"unit": "kg CO2e / kWh"}))
    with pytest.raises(PermissionDenied):
        submit_dataset(session, chain.cell_maker, CAM)
    assert count(session, SupplierDataset) == 0


def test_csv_upload_is_all_or_nothing_with_row_level_errors(session: Session, chain: Chain) -> None:
    events_before = count(session, AuditEvent)
    bad = (
        "flow,value,unit,region,year,dqr,evidence,activity.electricity_kwh_per_kg\n"
        "cam_ncm811,28.4,kg CO2e / kg,KR,2023,1.8,a.pdf;b.pdf,22\n"
        "cam_ncm811,-3,kg CO2e / kg,KR,2023,1.8,,\n"
        "pcam_ncm811,17,kg CO2e / kg,Korea,2023,9,,\n"
        "cobalt_sulfate,5,kg CO2e / kg,CN,2023,2,,\n"
    )
    with pytest.raises(InputError) as error:
        submit_datasets_csv(session, chain.cam_maker, bad)
    problems = error.value.problems
    assert any(p.startswith("row 3, value:") for p in problems)
    assert any(p.startswith("row 4, region:") for p in problems)
    assert any(p.startswith("row 4, dqr:") for p in problems)
    assert count(session, SupplierDataset) == 0
    assert count(session, AuditEvent) == events_before

    stored = submit_datasets_csv(session, chain.cam_maker, bad.replace(",-3,", ",27,").replace("Korea,2023,9", "KR,2023,2").replace(",,\n", ",pcf.pdf,\n"))  # fmt: skip
    assert [d.flow for d in stored] == ["cam_ncm811", "cam_ncm811", "pcam_ncm811", "cobalt_sulfate"]
    assert stored[0].evidence == ["a.pdf", "b.pdf"]
    assert stored[0].activity_data == {"electricity_kwh_per_kg": 22.0}


def test_csv_header_problems(session: Session, chain: Chain) -> None:
    with pytest.raises(InputError, match="missing column"):
        submit_datasets_csv(session, chain.cam_maker, "flow,value\ncam_ncm811,3\n")
    with pytest.raises(InputError, match="unknown column"):
        submit_datasets_csv(session, chain.cam_maker, "flow,value,unit,region,year,dqr,secret\n")


def test_sharing_shows_the_figure_never_the_activity_data(session: Session, chain: Chain) -> None:
    dataset = submit_dataset(session, chain.cam_maker, CAM)
    cell_org = chain.cell_maker.organization_id
    assert cell_org is not None
    for outsider in (chain.cell_maker, chain.regulator, chain.verifier, chain.other_supplier):
        with pytest.raises(NotFound):
            get_dataset(session, outsider, dataset.id)
    share_dataset(session, chain.cam_maker, dataset.id, GrantIn(organization_id=cell_org))
    seen = get_dataset(session, chain.cell_maker, dataset.id)
    assert isinstance(seen, SharedFigureOut) and seen.value == 28.4
    assert "activity_data" not in seen.model_dump()
    with pytest.raises(PermissionDenied):
        share_dataset(session, chain.cell_maker, dataset.id, GrantIn(organization_id=cell_org))
    revoke_share(session, chain.cam_maker, dataset.id, cell_org)
    with pytest.raises(NotFound):
        get_dataset(session, chain.cell_maker, dataset.id)


def _shared_cam_and_product(session: Session, chain: Chain) -> tuple[DatasetOut, str]:
    dataset = submit_dataset(session, chain.cam_maker, CAM)
    assert chain.cell_maker.organization_id is not None
    share_dataset(session, chain.cam_maker, dataset.id, GrantIn(organization_id=chain.cell_maker.organization_id))  # fmt: skip
    design = {**DESIGN, **CAM_FROM_CATHODE_CO}
    product = create_product(session, chain.cell_maker, ProductIn(name="Pack 60", design=design))
    return dataset, str(product.designs[0].id)


def test_calculation_uses_shared_approved_supplier_data(session: Session, chain: Chain) -> None:
    dataset, version_id = _shared_cam_and_product(session, chain)
    library = create_product(
        session,
        chain.cell_maker,
        ProductIn(name="Library pack", design={**DESIGN, "plants": {"cathode": "KR"}}),
    )
    library_only = calculate_design(
        session, chain.cell_maker, CalculationIn(design_version_id=library.designs[0].id)
    )
    with_supplier = calculate_design(session, chain.cell_maker, CalculationIn(design_version_id=version_id))  # fmt: skip
    assert library_only.primary_share == 0
    assert with_supplier.primary_share > 0
    used = with_supplier.result["supplier_datasets"]
    assert used == [
        {
            "material": "cathode_active_material", "supplier": "Cathode Co",
            "supplier_org_id": str(chain.cam_maker.organization_id), "plant": "KR",
            "dataset_id": str(dataset.id), "version": 1, "year": 2023, "status": "approved",
            "cleared_by_verifier": False, "dqr": 1.75, "flow": "cam_ncm811",
            "replaces": "cathode_active_material", "value": 28.4, "unit": "kg CO2e / kg",
            "region": "KR",
        }
    ]  # fmt: skip
    assert with_supplier.result["primary_data"][0]["process"] == "cathode_active_material"
    assert with_supplier.total_kgco2e_per_kwh != library_only.total_kgco2e_per_kwh
    assert get_calculation(session, chain.cell_maker, with_supplier.id).digest == with_supplier.digest  # fmt: skip
    # The same inputs give the same digest, bit for bit: the stored calculation is returned.
    again = calculate_design(session, chain.cell_maker, CalculationIn(design_version_id=version_id))
    assert again.digest == with_supplier.digest and again.id == with_supplier.id
    with pytest.raises(NotFound):
        get_calculation(session, chain.regulator, with_supplier.id)


def test_flagged_or_foreign_datasets_are_refused(session: Session, chain: Chain) -> None:
    _, version_id = _shared_cam_and_product(session, chain)
    foreign = submit_dataset(session, chain.other_supplier, CAM)
    pinned = {
        **DESIGN,
        "plants": {"cathode": "KR"},
        "supply": {
            "cathode_active_material": {"supplier": "Graphite Co", "dataset": str(foreign.id)}
        },
    }
    product = create_product(session, chain.cell_maker, ProductIn(name="Foreign", design=pinned))
    with pytest.raises(
        InputError, match=f"supply.cathode_active_material.dataset: no dataset {foreign.id}"
    ):
        calculate_design(
            session, chain.cell_maker, CalculationIn(design_version_id=product.designs[0].id)
        )
    with pytest.raises(InputError, match="rule_set"):
        calculate_design(session, chain.cell_maker, CalculationIn(design_version_id=version_id, rule_set="nope"))  # fmt: skip


def test_verification_workflow_and_verifier_access(session: Session, chain: Chain) -> None:
    dataset, version_id = _shared_cam_and_product(session, chain)
    calc = calculate_design(session, chain.cell_maker, CalculationIn(design_version_id=version_id))
    assert chain.verifier.organization_id is not None
    request = VerificationIn(calculation_id=calc.id, verifier_org_id=chain.verifier.organization_id)  # fmt: skip
    verification = submit_for_verification(session, chain.cell_maker, request)
    assert verification.state == "submitted"
    with pytest.raises(Conflict, match="already under verification"):
        submit_for_verification(session, chain.cell_maker, request)
    # The assigned verifier reads the activity data while the review is open.
    full = get_dataset(session, chain.verifier, dataset.id)
    assert isinstance(full, DatasetOut) and full.activity_data == {"electricity_kwh_per_kg": 22.0}
    with pytest.raises(Conflict, match="findings are added in review"):
        add_finding(session, chain.verifier, verification.id, FindingIn(severity="info", text="early"))  # fmt: skip
    start_review(session, chain.verifier, verification.id)
    add_finding(session, chain.verifier, verification.id, FindingIn(severity="major", text="CAM energy unproven"))  # fmt: skip
    with pytest.raises(Conflict, match="major finding"):
        decide(session, chain.verifier, verification.id, DecisionIn(decision="approve"))
    with pytest.raises(PermissionDenied):
        decide(session, chain.cell_maker, verification.id, DecisionIn(decision="approve"))
    rejected = decide(session, chain.verifier, verification.id, DecisionIn(decision="reject"))
    assert rejected.state == "rejected" and rejected.decided_at is not None
    # Review closed: the verifier no longer reads the supplier's data.
    with pytest.raises(NotFound):
        get_dataset(session, chain.verifier, dataset.id)
    seen_by_regulator = get_verification(session, chain.regulator, verification.id)
    assert seen_by_regulator.state == "rejected" and seen_by_regulator.findings is None
    assert seen_by_regulator.findings_count == 1
    with pytest.raises(NotFound):
        get_verification(session, chain.other_supplier, verification.id)


def test_audit_chain_records_every_change_and_verifies(session: Session, chain: Chain) -> None:
    _shared_cam_and_product(session, chain)
    report = verify_audit_chain(session)
    assert report.ok and report.events_checked == count(session, AuditEvent)
    actions = set(session.scalars(select(AuditEvent.action)))
    assert {"dataset.submitted", "dataset.shared", "product.created", "design.created"} <= actions


def test_energy_flows_are_not_supplier_datasets(session: Session, chain: Chain) -> None:
    grid = DatasetIn(flow="electricity_grid", value=0.5, unit="kg CO2e / kWh", region="CN", year=2023, dqr=2)  # fmt: skip
    with pytest.raises(InputError, match="flow: 'electricity_grid' is not a material"):
        submit_dataset(session, chain.cam_maker, grid)


def test_a_replaced_step_makes_its_inputs_unused(session: Session, chain: Chain) -> None:
    """CAM replaced as a whole: a precursor or lithium figure named beside it would be inside it
    and counted twice, so naming one is an error, not silently dropped; the graphite figure
    replaces the anode material step."""
    assert chain.cell_maker.organization_id is not None
    grant = GrantIn(organization_id=chain.cell_maker.organization_id)
    for flow, value, region in [
        ("cam_ncm811", 28.4, "KR"),
        ("pcam_ncm811", 17.0, "CN"),
        ("lithium_hydroxide_spodumene", 20.0, "KR"),
    ]:
        dataset = submit_dataset(
            session,
            chain.cam_maker,
            CAM.model_copy(update={"flow": flow, "value": value, "region": region}),
        )
        share_dataset(session, chain.cam_maker, dataset.id, grant)
    graphite = submit_dataset(session, chain.other_supplier, CAM.model_copy(update={"flow": "graphite_synthetic", "value": 15.0, "region": "CN"}))  # fmt: skip
    share_dataset(session, chain.other_supplier, graphite.id, grant)
    design = {**DESIGN, **CAM_FROM_CATHODE_CO}
    design["supply"] = {**design["supply"], "anode_active_material": {"supplier": "Graphite Co"}}
    product = create_product(session, chain.cell_maker, ProductIn(name="Pack 60", design=design))
    calc = calculate_design(session, chain.cell_maker, CalculationIn(design_version_id=product.designs[0].id))  # fmt: skip
    replaced = {f["flow"]: f["replaces"] for f in calc.result["supplier_datasets"]}
    assert replaced == {"cam_ncm811": "cathode_active_material", "graphite_synthetic": "anode_active_material"}  # fmt: skip
    for material, source in [
        ("precursor", {"supplier": "Cathode Co"}),
        ("lithium_salt", {"supplier": "Cathode Co", "plant": "KR"}),
    ]:
        both = create_product(
            session,
            chain.cell_maker,
            ProductIn(
                name=f"With {material}",
                design={**design, "supply": {**design["supply"], material: source}},
            ),
        )
        with pytest.raises(InputError, match=f"supply.{material}: this design does not use"):
            calculate_design(
                session, chain.cell_maker, CalculationIn(design_version_id=both.designs[0].id)
            )
