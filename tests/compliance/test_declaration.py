"""EU declaration (Annex II), performance classes as data, and the passport's carbon footprint."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest
from compliance_support import FIXTURE_CLASSES, REFERENCE
from jsonschema import Draft4Validator
from typer.testing import CliRunner

from batterycarbon.battery import Design
from batterycarbon.cli.compliance import app
from batterycarbon.compliance.classes import (
    NOT_YET_DEFINED,
    classify,
    load_class_table,
    parse_class_table,
    regulation_dates,
)
from batterycarbon.compliance.declare import declare
from batterycarbon.compliance.passport import SCHEMA_PATH, aspect_schema, validate_aspect
from batterycarbon.errors import InputError
from batterycarbon.factors import FactorLibrary
from batterycarbon.rules.functional_unit import UseProfile

STUDY = "https://example.com/cfb-study.pdf"
ADDRESS = "2 Works Road, 352100 Ningde"


def test_no_official_classes_exist_yet() -> None:
    table = load_class_table()
    assert table.status == "not-yet-defined" and not table.classes
    assert classify(0.01, table).performance_class == NOT_YET_DEFINED


def test_fixture_table_classes_dates_and_threshold() -> None:
    table = load_class_table(FIXTURE_CLASSES)
    assert classify(0.05, table, on=dt.date(2024, 5, 1)).performance_class == NOT_YET_DEFINED
    assert classify(0.05, table, on=dt.date(2024, 7, 1)).performance_class == "A"
    assert classify(0.15, table, on=dt.date(2024, 7, 1)).performance_class == "B"
    assert classify(0.28, table, on=dt.date(2024, 7, 1)).exceeds_threshold is None
    assert classify(0.28, table, on=dt.date(2025, 7, 1)).exceeds_threshold is True
    assert classify(0.05, table, "lmt").performance_class == NOT_YET_DEFINED


def test_a_table_that_invents_classes_while_not_yet_defined_is_rejected() -> None:
    with pytest.raises(InputError, match="not-yet-defined"):
        parse_class_table({"id": "x", "version": "1", "status": "not-yet-defined",
                           "battery_category": "ev", "published": "2024-01-01",
                           "legal_basis": "none", "classes_apply_from": "2024-01-01",
                           "classes": [{"label": "A", "max_kgco2e_per_fu": 1}]}, "t")  # fmt: skip


def test_regulation_dates_are_data_keyed_by_category() -> None:
    categories = regulation_dates()["categories"]
    ev = categories["ev"]
    assert ev["declaration"]["earliest"] == dt.date(2025, 2, 18)
    assert {"declaration", "performance_class", "maximum_threshold"} <= set(ev)
    # Article 7(1), second subparagraph: 12 months for EV batteries, 18 for (b) and (c).
    assert ev["declaration"]["months_after_delegated_act"] == 12
    assert categories["industrial"]["declaration"]["months_after_delegated_act"] == 18
    assert categories["lmt"]["declaration"]["months_after_delegated_act"] == 18
    for category in categories.values():
        for row in category.values():
            if isinstance(row, dict):
                assert row["source"] and isinstance(row["checked"], bool), row


def test_declaration_holds_the_annex_ii_content(
    ncm811: Design, open_library: FactorLibrary, car: UseProfile
) -> None:
    bundle = declare(ncm811, open_library, manufacturer="ACME Cells", plant_address="1 Road, Ningde",
                     manufacturer_address=ADDRESS,
                     class_table=load_class_table(FIXTURE_CLASSES), use=car, study_url=STUDY,
                     issued=dt.date(2025, 3, 1))  # fmt: skip
    d = bundle.declaration.to_json_dict()
    assert d["manufacturer"]["name"] == "ACME Cells"
    assert d["battery_model"]["id"] == "ncm811-prismatic"
    assert d["manufacturing_plant"]["address"] == "1 Road, Ningde"
    assert d["rule_set"]["id"] == "jrc-cfb-ev-2023" and d["rule_set"]["version"]
    assert d["study_url"] == STUDY and d["declaration_id"].startswith("CFD-")
    cf = d["carbon_footprint"]
    assert [s["stage"] for s in cf["stages"]] == [
        "raw_materials", "production", "distribution", "end_of_life"
    ]  # fmt: skip
    assert sum(s["kgco2e_per_fu"] for s in cf["stages"]) == pytest.approx(cf["total_kgco2e_per_fu"])
    assert cf["delivered_energy_kwh"] == pytest.approx(54 * 60 * 8)
    assert d["performance_class"]["performance_class"] == "B"  # fixture: 0.1785 <= 0.2
    again = declare(ncm811, open_library, manufacturer="ACME Cells", plant_address="1 Road, Ningde",
                     manufacturer_address=ADDRESS,
                    class_table=load_class_table(FIXTURE_CLASSES), use=car, study_url=STUDY,
                    issued=dt.date(2025, 3, 1))  # fmt: skip
    assert again.declaration == bundle.declaration  # same inputs, same declaration


def test_missing_declaration_inputs_are_all_named(
    ncm811: Design, open_library: FactorLibrary, car: UseProfile
) -> None:
    with pytest.raises(InputError) as caught:
        declare(ncm811, open_library, manufacturer=None, plant_address="", use=car,
                class_table=load_class_table())  # fmt: skip
    problems = "\n".join(caught.value.problems)
    assert "--manufacturer" in problems and "--plant" in problems and "--study-url" in problems
    assert "--manufacturer-address: required by Annex II" in problems


def test_a_capacity_rule_set_cannot_declare(
    ncm811: Design, open_library: FactorLibrary, car: UseProfile
) -> None:
    with pytest.raises(InputError, match="per kWh delivered"):
        declare(ncm811, open_library, manufacturer="A", plant_address="B", use=car, manufacturer_address=ADDRESS,
                study_url=STUDY, rule_set_id="iso14067-c2g",
                class_table=load_class_table())  # fmt: skip


def test_passport_aspect_validates_against_the_battery_pass_schema(
    ncm811: Design, open_library: FactorLibrary, car: UseProfile
) -> None:
    bundle = declare(ncm811, open_library, manufacturer="A", plant_address="B", use=car, manufacturer_address=ADDRESS,
                     study_url=STUDY, class_table=load_class_table())  # fmt: skip
    aspect = bundle.passport["CarbonFootprintForBatteries"]
    reference_schema = REFERENCE / "CarbonFootprintForBatteries-schema.json"
    if reference_schema.is_file():  # the bundled copy is the reference, unchanged
        assert json.loads(reference_schema.read_text()) == aspect_schema()
    Draft4Validator(aspect_schema()).validate(aspect)
    assert aspect["carbonFootprintPerformanceClass"] == NOT_YET_DEFINED
    assert set(aspect) <= set(aspect_schema()["properties"])  # no invented attributes
    extension = bundle.passport["extensions"]["batterycarbon"]
    assert extension["functional_unit_inputs"]["delivered_energy_kwh"] == 25_920
    assert extension["electricity_rule"] and "verifier" in extension


def test_an_incomplete_passport_is_rejected_naming_the_missing_attributes(
    ncm811: Design, open_library: FactorLibrary, car: UseProfile
) -> None:
    bundle = declare(ncm811, open_library, manufacturer="A", plant_address="B", use=car, manufacturer_address=ADDRESS,
                     study_url=STUDY, class_table=load_class_table())  # fmt: skip
    aspect = copy.deepcopy(bundle.passport["CarbonFootprintForBatteries"])
    del aspect["carbonFootprintStudy"], aspect["batteryCarbonFootprint"]
    aspect["carbonFootprintPerLifecycleStage"][0]["lifecycleStage"] = "Use"
    with pytest.raises(InputError) as caught:
        validate_aspect(aspect)
    problems = "\n".join(caught.value.problems)
    assert "carbonFootprintStudy: required attribute missing" in problems
    assert "batteryCarbonFootprint: required attribute missing" in problems
    assert "'Use' is not one of" in problems
    assert SCHEMA_PATH.is_file()


def test_declare_command_writes_three_files_and_prints_the_class(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, [
        "declare", "ncm811-prismatic", "--manufacturer", "ACME", "--plant", "1 Road, Ningde",
        "--manufacturer-address", ADDRESS, "--manufacturer-country", "CN", "--plant-country", "CN",
        "--out", str(tmp_path), "--usable-kwh", "54", "--vehicle-category", "M1",
        "--warranty-years", "8", "--study-url", STUDY, "--classes", str(FIXTURE_CLASSES),
        "--issued", "2025-03-01",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "performance class: B" in result.output
    for name in ("declaration.json", "declaration.pdf", "passport.json"):
        assert (tmp_path / name).stat().st_size > 0
    assert (tmp_path / "declaration.pdf").read_bytes().startswith(b"%PDF-")
    declared = json.loads((tmp_path / "declaration.json").read_text())
    assert declared["issued"] == "2025-03-01"
    assert declared["manufacturer"] == {"name": "ACME", "address": ADDRESS, "country": "CN"}
    assert declared["manufacturing_plant"] == {"address": "1 Road, Ningde", "country": "CN"}


def test_declare_command_without_study_link_fails_clearly(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, [
        "declare", "ncm811-prismatic", "--manufacturer", "ACME", "--plant", "X",
        "--manufacturer-address", ADDRESS,
        "--out", str(tmp_path), "--usable-kwh", "54", "--vehicle-category", "M1",
        "--warranty-years", "8",
    ])  # fmt: skip
    assert result.exit_code == 2 and "--study-url" in result.output
    assert not (tmp_path / "declaration.json").exists()
