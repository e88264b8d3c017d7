"""PACT v2 ProductFootprint export and import (field names and constraints of spec v2.3)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from batterycarbon.battery import Design
from batterycarbon.cli.compliance import app
from batterycarbon.compliance.pact import (
    decimal_string,
    from_product_footprint,
    parse_product_footprint,
    product_footprint_json,
    to_product_footprint,
)
from batterycarbon.compliance.standards import account
from batterycarbon.errors import InputError
from batterycarbon.factors import FactorLibrary
from batterycarbon.rules.functional_unit import UseProfile

CREATED = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)


def _export(ncm811: Design, lib: FactorLibrary, rule_set: str = "iso14067-c2g",
            profile: UseProfile | None = None) -> dict[str, object]:  # fmt: skip
    result = account(ncm811, lib, rule_set, profile=profile)
    pf = to_product_footprint(result, company_name="ACME Cells", company_ids=["urn:acme:cells"],
                              created=CREATED)  # fmt: skip
    return product_footprint_json(pf)


def test_export_uses_the_specification_names_and_decimal_strings(
    ncm811: Design, open_library: FactorLibrary
) -> None:
    doc = _export(ncm811, open_library)
    pcf = doc["pcf"]
    assert isinstance(pcf, dict)
    assert pcf["declaredUnit"] == "kilowatt hour"
    assert pcf["unitaryProductAmount"] == "59.94"
    for key in ("pCfExcludingBiogenic", "fossilGhgEmissions", "fossilCarbonContent"):
        assert isinstance(pcf[key], str) and float(pcf[key]) >= 0
    assert float(pcf["pCfExcludingBiogenic"]) == pytest.approx(122.5828, abs=1e-3)
    uuid.UUID(str(doc["id"]))
    assert doc["specVersion"] == "2.3.0" and doc["status"] == "Active"
    required = {"id", "specVersion", "version", "created", "status", "comment", "companyName",
                "companyIds", "productDescription", "productIds", "productCategoryCpc",
                "productNameCompany", "pcf"}  # fmt: skip
    assert required <= set(doc)


def test_round_trip(ncm811: Design, open_library: FactorLibrary) -> None:
    doc = _export(ncm811, open_library)
    imported = from_product_footprint(json.loads(json.dumps({"data": doc})))
    assert imported.footprint_id == doc["id"]
    assert imported.kgco2e_per_declared_unit == pytest.approx(122.5828, abs=1e-3)
    assert imported.kgco2e_per_product == pytest.approx(122.5828 * 59.94, rel=1e-6)
    assert (
        imported.extension is not None and imported.extension["functionalUnitBasis"] == "capacity"
    )
    assert product_footprint_json(parse_product_footprint(doc, "again")) == doc


def test_a_negative_footprint_cannot_be_exported(
    ncm811: Design, open_library: FactorLibrary
) -> None:
    result = account(ncm811, open_library, "eu-draft-2024",
                     profile=UseProfile(usable_capacity_kwh=54, vehicle_category="M1",
                                        warranty_years=8))  # fmt: skip
    object.__setattr__(result, "stages_kgco2e_per_kwh_capacity", {"end_of_life": -1.0})
    with pytest.raises(InputError, match="pCfExcludingBiogenic"):
        to_product_footprint(result, company_name="A", company_ids=["urn:a"])


def test_import_rejects_missing_fields_by_name(ncm811: Design, open_library: FactorLibrary) -> None:
    doc = _export(ncm811, open_library)
    del doc["companyIds"]
    pcf = doc["pcf"]
    assert isinstance(pcf, dict)
    pcf["declaredUnit"] = "piece"
    with pytest.raises(InputError) as caught:
        from_product_footprint(doc)
    problems = "\n".join(caught.value.problems)
    assert "companyIds" in problems and "pcf.declaredUnit" in problems


def test_decimal_strings_have_no_exponent() -> None:
    assert decimal_string(1e-7, 9) == "0.0000001"
    assert decimal_string(25920.0) == "25920"


def test_cli_export_then_import(tmp_path: Path) -> None:
    path = tmp_path / "pf.json"
    runner = CliRunner()
    result = runner.invoke(app, ["pact-export", "ncm811-prismatic", "--company", "ACME",
                                 "--company-id", "urn:acme:1", "--out", str(path)])  # fmt: skip
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["pact-import", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["declared_unit"] == "kilowatt hour"
