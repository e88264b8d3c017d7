"""Input checks that were incomplete (issue 13 §2): a data request for a flow the factor library
does not know was accepted and opened; an upload row with two problems showed the second only
after the first was fixed."""

from __future__ import annotations

import uuid

import pytest
from passport_support import passport_request
from services_support import Chain
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from batterycarbon.errors import InputError
from batterycarbon.factors import DEFAULT_RELEASE
from batterycarbon.services import Actor
from batterycarbon.services.calculations import CalculationIn, calculate_design
from batterycarbon.services.data_requests import DataRequestIn, request_data
from batterycarbon.services.dataset_input import MAX_LISTED_PROBLEMS
from batterycarbon.services.datasets import submit_datasets_csv
from batterycarbon.services.pact_exchange import product_footprint
from batterycarbon.services.passports import PassportIn, build_document
from batterycarbon.services.products import ProductIn, create_product
from batterycarbon.services.supply import newer_data
from batterycarbon.services.uncertainty import stored_inputs
from batterycarbon.store import Calculation, DataRequest, DesignVersion, SupplierDataset

HEADER = "flow,value,unit,region,year,dqr,evidence\n"


def _org(actor: Actor) -> uuid.UUID:
    assert actor.organization_id is not None
    return actor.organization_id


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize(
    ("flow", "expected"),
    [
        (
            "cam_ncm81",
            f"is not a flow of factor release {DEFAULT_RELEASE}; did you mean cam_ncm811",
        ),
        ("unobtainium", f"is not a flow of factor release {DEFAULT_RELEASE}"),
        ("electricity_grid", "is not a material"),
    ],
)
def test_a_data_request_for_a_flow_no_supplier_can_give_is_refused(
    session: Session, chain: Chain, flow: str, expected: str
) -> None:
    asked = DataRequestIn(supplier_org_id=_org(chain.cam_maker), flow=flow)
    with pytest.raises(InputError) as caught:
        request_data(session, chain.cell_maker, asked)
    (problem,) = caught.value.problems
    assert problem.startswith(f"flow: '{flow}' ") and expected in problem, problem
    assert _count(session, DataRequest) == 0


def test_every_problem_of_every_row_is_listed_at_once(session: Session, chain: Chain) -> None:
    upload = HEADER + (
        "cam_ncm811,28.4,kg CO2e / kg,KR,2023,1.8,a.pdf\n"  # fine
        "cam_ncm811,-3,kg CO2e / kg,KR,2023,1.8,\n"  # a bad value and no evidence for dqr 1.8
        "unobtainium,5,kg CO2e / kg,KR,1800,2,pcf.pdf\n"  # a bad year and an unknown flow
        "cam_ncm811,5,kg CO2e / kWh,Korea,2023,2,pcf.pdf\n"  # a bad region, a unit not per kg
    )
    with pytest.raises(InputError) as caught:
        submit_datasets_csv(session, chain.cam_maker, upload)
    fields = [p.split(":")[0] for p in caught.value.problems]
    assert fields == [
        "row 3, value",
        "row 3, evidence",
        "row 4, year",
        "row 4, flow",
        "row 5, region",
        "row 5, unit",
    ], caught.value.problems
    assert _count(session, SupplierDataset) == 0


def test_the_listed_problems_are_bounded_and_say_how_many_more(
    session: Session, chain: Chain
) -> None:
    rows = MAX_LISTED_PROBLEMS + 7
    upload = HEADER + "cam_ncm811,-3,kg CO2e / kg,KR,2023,2,pcf.pdf\n" * rows
    with pytest.raises(InputError) as caught:
        submit_datasets_csv(session, chain.cam_maker, upload)
    problems = caught.value.problems
    assert len(problems) == MAX_LISTED_PROBLEMS + 1
    assert problems[-1] == "(document): 7 more problems not listed; fix these and upload again"
    assert _count(session, SupplierDataset) == 0


def test_a_stored_design_with_a_category_now_refused_is_an_input_error_at_calculation(
    session: Session, chain: Chain
) -> None:
    use = {"usable_capacity_kwh": 54, "vehicle_category": "car_van", "warranty_years": 8}
    design = {"chemistry": "LFP", "format": "prismatic", "cell": {"capacity_ah": 100}, "use": use}
    product = create_product(session, chain.cell_maker, ProductIn(name="Old pack", design=design))
    version = product.designs[0]
    # Stored before the design applied the declaration's rule (the editor took "car" then).
    old = {**version.design, "use": {**use, "vehicle_category": "car"}}
    session.execute(update(DesignVersion).where(DesignVersion.id == version.id).values(design=old))
    session.commit()
    with pytest.raises(InputError) as caught:
        calculate_design(session, chain.cell_maker, CalculationIn(design_version_id=version.id))
    (problem,) = caught.value.problems
    assert problem.startswith("use.vehicle_category: expected one of car_van"), problem
    assert "(got 'car')" in problem and _count(session, Calculation) == 0


def test_a_stored_calculation_with_a_category_now_refused_is_still_read(
    session: Session, chain: Chain
) -> None:
    use = {"usable_capacity_kwh": 54, "vehicle_category": "car", "warranty_years": 8}
    design = {"chemistry": "LFP", "format": "prismatic", "cell": {"capacity_ah": 100}, "use": use}
    # As a calculation made before the design applied the declaration's rule holds it.
    stored = Calculation(
        id=uuid.uuid4(),
        inputs={"design": design, "level": "pack"},
        rule_set="whitepaper-c2g",
        factor_release_id="open-2024.1",
        total_kgco2e_per_kwh=1.0,
    )
    read = stored_inputs(session, stored).design  # what a Monte Carlo job of it reads
    assert read.use is not None and read.use.vehicle_category == "car"
    with pytest.raises(InputError) as caught:  # the exchange needs the category: it says so
        product_footprint(session, stored)
    assert caught.value.problems[0].startswith("vehicle_category: expected one of car_van")


def test_a_passport_of_such_a_calculation_takes_the_category_the_request_gives(
    session: Session, chain: Chain
) -> None:
    design = {"chemistry": "NCM811", "format": "prismatic", "cell": {"capacity_ah": 100}}
    product = create_product(session, chain.cell_maker, ProductIn(name="Old pack", design=design))
    old = {**design, "use": {"vehicle_category": "car", "warranty_years": 8}}
    stored = Calculation(
        id=uuid.uuid4(),
        design_version_id=product.designs[0].id,
        inputs={"design": old, "level": "pack"},
        rule_set="whitepaper-c2g",
        factor_release_id="open-2024.1",
        total_kgco2e_per_kwh=1.0,
    )
    request = PassportIn.model_validate(passport_request(stored.id))  # its use says M1
    document = build_document(session, stored, request, "Cell Co", "urn:x:sn0001", "https://x")
    assert document["GeneralProductInformation"]["productIdentifier"] == "SN-0001"


def test_what_changed_since_a_calculation_of_such_a_design_is_still_read(
    session: Session, chain: Chain
) -> None:
    design = {"chemistry": "LFP", "format": "prismatic", "cell": {"capacity_ah": 100}}
    product = create_product(session, chain.cell_maker, ProductIn(name="Old pack", design=design))
    version = product.designs[0]
    calc = calculate_design(session, chain.cell_maker, CalculationIn(design_version_id=version.id))
    old = {**design, "use": {"vehicle_category": "car"}}  # as the editor stored it before
    session.execute(update(DesignVersion).where(DesignVersion.id == version.id).values(design=old))
    session.commit()
    assert newer_data(session, chain.cell_maker, calc.id) == []
