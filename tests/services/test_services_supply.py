"""The bill of materials with sources (issue 13 §1): a supplier dataset is used only where the
design names that supplier for that material, its plant and year must fit, every result lists
the datasets used, identical inputs are not stored twice, newer data is reported."""

from __future__ import annotations

from typing import Any

import pytest
from services_support import Chain
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from batterycarbon.battery import Design, Options, footprint
from batterycarbon.battery.design import parse_design
from batterycarbon.errors import InputError
from batterycarbon.factors import library
from batterycarbon.recycling.remanufacture import remanufacture
from batterycarbon.services import Actor
from batterycarbon.services.calculations import CalculationIn, CalculationOut, calculate_design
from batterycarbon.services.data_requests import (
    DataRequestIn,
    FulfilIn,
    fulfil_request,
    request_data,
)
from batterycarbon.services.dataset_input import DatasetIn
from batterycarbon.services.datasets import DatasetOut, GrantIn, share_dataset, submit_dataset
from batterycarbon.services.products import DesignIn, ProductIn, add_design_version, create_product
from batterycarbon.services.supply import newer_data, supply_choices
from batterycarbon.store import Calculation

CAM = DatasetIn(
    flow="cam_ncm811",
    value=28.4,
    region="KR",
    year=2023,
    dqr=1.75,
    evidence=["iso14067-2023.pdf"],
    activity_data={"electricity_kwh_per_kg": 22.0},
)
DESIGN: dict[str, Any] = {
    "chemistry": "NCM811",
    "format": "prismatic",
    "pack": {"cells": 162},
    "cell": {"capacity_ah": 100, "nominal_voltage_v": 3.7},
    "year": 2023,
    "plants": {"cathode": "KR"},
}


def shared(session: Session, supplier: Actor, chain: Chain, data: DatasetIn) -> DatasetOut:
    dataset = submit_dataset(session, supplier, data)
    assert chain.cell_maker.organization_id is not None and dataset.status == "approved"
    share_dataset(
        session, supplier, dataset.id, GrantIn(organization_id=chain.cell_maker.organization_id)
    )
    return dataset


def calculate(
    session: Session, chain: Chain, design: dict[str, Any], name: str = "Pack"
) -> CalculationOut:
    product = create_product(session, chain.cell_maker, ProductIn(name=name, design=design))
    return calculate_design(
        session, chain.cell_maker, CalculationIn(design_version_id=product.designs[0].id)
    )


def calculations(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Calculation)) or 0)


def test_a_library_cathode_follows_its_plant_even_when_a_supplier_shares_a_figure(
    session: Session, chain: Chain
) -> None:
    """Observed: moving the cathode plant KR -> HU with 100 % green power kept the same result,
    because a shared cathode figure nobody named replaced the step."""
    shared(session, chain.cam_maker, chain, CAM)
    korea = calculate(session, chain, DESIGN, "Korea")
    hungary = calculate(
        session,
        chain,
        {**DESIGN, "plants": {"cathode": "HU"}, "green_electricity": {"cathode": 1.0}},
        "Hungary",
    )
    assert korea.result["supplier_datasets"] == [] and korea.primary_share == 0
    assert hungary.total_kgco2e_per_kwh < korea.total_kgco2e_per_kwh


def test_only_the_supplier_the_design_names_is_used(session: Session, chain: Chain) -> None:
    a = shared(session, chain.cam_maker, chain, CAM)
    b = shared(session, chain.other_supplier, chain, CAM.model_copy(update={"value": 24.0}))
    library = calculate(session, chain, DESIGN, "Library")
    from_a = calculate(
        session,
        chain,
        {**DESIGN, "supply": {"cathode_active_material": {"supplier": "Cathode Co"}}},
        "From A",
    )
    from_b = calculate(
        session,
        chain,
        {**DESIGN, "supply": {"cathode_active_material": {"supplier": "Graphite Co"}}},
        "From B",
    )
    (used_a,) = from_a.result["supplier_datasets"]
    (used_b,) = from_b.result["supplier_datasets"]
    assert (used_a["dataset_id"], used_a["value"]) == (str(a.id), 28.4)
    assert (used_b["dataset_id"], used_b["value"]) == (str(b.id), 24.0)
    assert used_a["supplier"] == "Cathode Co" and used_a["plant"] == "KR" and used_a["version"] == 1
    assert used_a["year"] == 2023 and used_a["status"] == "approved" and used_a["dqr"] == 1.75
    assert used_a["replaces"] == "cathode_active_material" and used_a["flow"] == "cam_ncm811"
    assert used_a["cleared_by_verifier"] is False
    assert [c["dataset_id"] for c in from_a.inputs["datasets"]] == [str(a.id)]
    assert from_b.total_kgco2e_per_kwh < from_a.total_kgco2e_per_kwh
    assert library.total_kgco2e_per_kwh not in (
        from_a.total_kgco2e_per_kwh,
        from_b.total_kgco2e_per_kwh,
    )
    assert from_a.primary_share > 0 and library.primary_share == 0


def test_a_bought_material_replaces_its_flow_in_that_material_only(
    session: Session, chain: Chain
) -> None:
    aluminium = CAM.model_copy(
        update={"flow": "aluminium_wrought_alloy", "value": 4.0, "region": "DE", "dqr": 2.0}
    )
    dataset = shared(session, chain.other_supplier, chain, aluminium)
    library = calculate(session, chain, DESIGN, "Library")
    casing = calculate(
        session,
        chain,
        {**DESIGN, "supply": {"casing": {"supplier": "Graphite Co", "plant": "DE"}}},
        "Casing",
    )
    (used,) = casing.result["supplier_datasets"]
    assert (
        used["dataset_id"] == str(dataset.id)
        and used["replaces"] == "aluminium_wrought_alloy in casing_other"
    )
    # The pack housing uses the same flow and keeps the library factor.
    assert casing.result["components"]["module_pack"] == library.result["components"]["module_pack"]
    assert (
        casing.result["components"]["casing_other"] != library.result["components"]["casing_other"]
    )


def test_no_fitting_dataset_is_refused_naming_why(session: Session, chain: Chain) -> None:
    korea = shared(session, chain.cam_maker, chain, CAM)
    future = shared(
        session, chain.cam_maker, chain, CAM.model_copy(update={"region": "HU", "year": 2025})
    )
    old = shared(
        session, chain.cam_maker, chain, CAM.model_copy(update={"region": "HU", "year": 2019})
    )
    submit_dataset(session, chain.cam_maker, CAM.model_copy(update={"region": "HU"}))  # not shared
    before = calculations(session)
    design = {
        **DESIGN,
        "plants": {"cathode": "HU"},
        "supply": {"cathode_active_material": {"supplier": "Cathode Co"}},
    }
    with pytest.raises(InputError) as refused:
        calculate(session, chain, design)
    text = str(refused.value)
    assert f"dataset {korea.id} is for plant KR, the design's cathode plant is HU" in text
    assert f"dataset {future.id} is for 2025, after the design's year 2023" in text
    assert f"dataset {old.id} is for 2019, more than 2 years before" in text
    assert "1 dataset(s) of this supplier for it are not shared with your organization" in text
    assert "supply.cathode_active_material" in text
    with pytest.raises(
        InputError, match="supply.separator.supplier: no organization named 'Nobody'"
    ):
        calculate(
            session,
            chain,
            {**DESIGN, "supply": {"separator": {"supplier": "Nobody", "plant": "KR"}}},
            "Other",
        )
    assert calculations(session) == before


def test_a_pinned_dataset_is_that_version(session: Session, chain: Chain) -> None:
    first = shared(session, chain.cam_maker, chain, CAM.model_copy(update={"year": 2022}))
    shared(session, chain.cam_maker, chain, CAM)
    pinned = {
        **DESIGN,
        "supply": {"cathode_active_material": {"supplier": "Cathode Co", "dataset": str(first.id)}},
    }
    (used,) = calculate(session, chain, pinned).result["supplier_datasets"]
    assert used["dataset_id"] == str(first.id) and used["year"] == 2022
    foreign = submit_dataset(session, chain.other_supplier, CAM)
    wrong = {
        **DESIGN,
        "supply": {
            "cathode_active_material": {"supplier": "Cathode Co", "dataset": str(foreign.id)}
        },
    }
    with pytest.raises(
        InputError, match=f"supply.cathode_active_material.dataset: no dataset {foreign.id}"
    ):
        calculate(session, chain, wrong, "Wrong")


def test_newer_data_and_recalculation_without_duplicates(session: Session, chain: Chain) -> None:
    """Observed: after a fulfilled request with a 2024 dataset, the recalculation still used
    the 2023 one and stored a second row with the same digest."""
    old = shared(session, chain.cam_maker, chain, CAM)
    design = {
        **DESIGN,
        "year": 2024,
        "supply": {"cathode_active_material": {"supplier": "Cathode Co"}},
    }
    product = create_product(session, chain.cell_maker, ProductIn(name="Pack", design=design))
    request = CalculationIn(design_version_id=product.designs[0].id)
    first = calculate_design(session, chain.cell_maker, request)
    assert first.result["supplier_datasets"][0]["dataset_id"] == str(old.id)
    assert newer_data(session, chain.cell_maker, first.id) == []
    again = calculate_design(session, chain.cell_maker, request)
    assert (again.id, again.already_stored, first.already_stored) == (first.id, True, False)
    assert calculations(session) == 1

    assert chain.cam_maker.organization_id is not None
    asked = request_data(
        session,
        chain.cell_maker,
        DataRequestIn(
            supplier_org_id=chain.cam_maker.organization_id,
            flow="cam_ncm811",
            region="KR",
            year=2024,
        ),
    )
    newer = submit_dataset(
        session, chain.cam_maker, CAM.model_copy(update={"year": 2024, "value": 26.0})
    )
    fulfil_request(session, chain.cam_maker, asked.id, FulfilIn(dataset_id=newer.id))
    (line,) = newer_data(session, chain.cell_maker, first.id)
    assert "cathode_active_material" in line and str(newer.id) in line and "(2024)" in line
    assert line.endswith(f"this calculation used dataset {old.id} version 1 (2023)"), line
    recalculated = calculate_design(session, chain.cell_maker, request)
    assert recalculated.id != first.id and not recalculated.already_stored
    assert recalculated.result["supplier_datasets"][0]["dataset_id"] == str(newer.id)
    assert recalculated.total_kgco2e_per_kwh < first.total_kgco2e_per_kwh
    assert newer_data(session, chain.cell_maker, recalculated.id) == []
    add_design_version(
        session, chain.cell_maker, product.id, DesignIn(design={**design, "pack": {"cells": 160}})
    )
    assert newer_data(session, chain.cell_maker, recalculated.id) == [
        "design version 2 is newer than version 1 calculated"
    ]


def test_supply_choices_list_what_the_maker_can_name(session: Session, chain: Chain) -> None:
    dataset = shared(session, chain.cam_maker, chain, CAM)
    submit_dataset(session, chain.other_supplier, CAM)  # not shared: not a choice
    choices = supply_choices(session, chain.cell_maker, Design.model_validate(DESIGN))
    (cam,) = choices["cathode_active_material"]
    assert cam.supplier == "Cathode Co" and cam.plants == ["KR"]
    assert [(d.id, d.version, d.year, d.region, d.status) for d in cam.datasets] == [
        (dataset.id, 1, 2023, "KR", "approved")
    ]
    assert choices["separator"] == [] and "pack_parts" in choices


def test_the_engine_refuses_a_supplier_it_was_not_given() -> None:
    """A design file naming a supplier (CLI, scenario explorer, sweeps) is never computed with
    the library in the supplier's place."""
    design = Design.model_validate(
        {**DESIGN, "supply": {"cathode_active_material": {"supplier": "Cathode Co"}}}
    )
    with pytest.raises(InputError, match=r"supply.cathode_active_material: .*--product"):
        footprint(design, library())


def test_dataset_ids_are_refused_naming_the_field() -> None:
    with pytest.raises(ValueError, match=r"dataset_ids\n.*no longer accepted"):
        CalculationIn.model_validate(
            {"design_version_id": "5b0f0d53-8c8b-4f43-9c6e-2f7e9b1f6d11", "dataset_ids": []}
        )


def test_a_lever_on_a_step_a_supplier_makes_is_refused(session: Session, chain: Chain) -> None:
    """Moving the plant of (or adding green power to) a step whose figure is a supplier's would
    leave the result unchanged: the lever is refused, naming it, not silently ignored."""
    shared(session, chain.cam_maker, chain, CAM)
    calc = calculate(
        session,
        chain,
        {**DESIGN, "supply": {"cathode_active_material": {"supplier": "Cathode Co"}}},
    )
    stored = Design.model_validate(calc.inputs["design"])
    assert footprint(stored, library()).total_kgco2e_per_kwh == calc.total_kgco2e_per_kwh
    for options, lever in (
        (Options(plants={"cathode": "HU"}), "plant cathode"),
        (Options(green={"cathode": 1.0}), "green cathode"),
    ):
        with pytest.raises(
            InputError,
            match=f"{lever}: cathode_active_material is the figure of supplier 'Cathode Co'",
        ):
            footprint(stored, library(), options)
    # Levers on the maker's own steps still act.
    green_cell = footprint(stored, library(), Options(green={"cell": 1.0}))
    assert green_cell.total_kgco2e_per_kwh < calc.total_kgco2e_per_kwh


def test_green_power_at_a_step_a_supplier_makes_is_refused_in_the_design() -> None:
    design = {
        **DESIGN,
        "green_electricity": {"cathode": 1.0},
        "supply": {"cathode_active_material": {"supplier": "Cathode Co"}},
    }
    with pytest.raises(
        InputError,
        match="green_electricity.cathode: cathode_active_material is bought from 'Cathode Co'",
    ):
        parse_design(design, "design")
    assert parse_design({**design, "supply": {}}, "design").green_electricity == {"cathode": 1.0}


def test_remanufacturing_replaces_a_supplier_s_material_it_recovers() -> None:
    """The recovered cathode material replaces the supplier's as it replaces the library's."""
    figure = {
        "flow": "cam_ncm811",
        "value": 28.4,
        "supplier": "Cathode Co",
        "material": "cathode_active_material",
    }
    stored = parse_design(
        {
            **DESIGN,
            "supply": {"cathode_active_material": {"supplier": "Cathode Co"}},
            "supplier_overrides": [figure],
        },
        "design",
    )
    change = remanufacture("direct", stored, library())
    assert "cathode_active_material" in {s.target for s in change.substitutions}
    assert change.remanufactured.total_kgco2e_per_kwh < change.virgin.total_kgco2e_per_kwh


def test_a_typed_figure_for_a_step_a_supplier_makes_is_refused() -> None:
    figure = {"flow": "cam_ncm811", "value": 28.4, "supplier": "Cathode Co"}
    typed = {"flow": "cathode_active_material", "value": 20.0, "supplier": "Someone"}
    both = parse_design(
        {
            **DESIGN,
            "supply": {"cathode_active_material": {"supplier": "Cathode Co"}},
            "supplier_overrides": [{**figure, "material": "cathode_active_material"}, typed],
        },
        "design",
    )
    with pytest.raises(InputError, match="one source per material"):
        footprint(both, library())
