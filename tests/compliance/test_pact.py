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


@pytest.fixture(scope="module")
def v2_library(open_library: FactorLibrary) -> FactorLibrary:
    """open-2024.1 without the AR4 basis of the ICE plastics rows (v2.3 cannot state AR4)."""
    bases = {**open_library.release.gwp_basis, "aux-ice-v2-2011": "unknown"}
    return FactorLibrary(open_library.release.model_copy(update={"gwp_basis": bases}))


def test_v2_refuses_a_result_resting_on_ar4_and_v3_lists_every_report(
    ncm811: Design, open_library: FactorLibrary
) -> None:
    """The pack's plastics rest on ICE v2.0 (IPCC 2007 GWPs: AR4), its grid on AR5, its lithium
    and nickel salts on Istrate 2024 (AR6): v3 lists all three, v2.3 (AR5 or AR6 only, the
    earliest used) cannot say it and refuses; it said AR5 whatever the factors were."""
    from batterycarbon.compliance.pact_v3 import to_product_footprint_v3

    result = account(ncm811, open_library, "iso14067-c2g")
    with pytest.raises(InputError, match=r"pcf\.characterizationFactors: .* AR4"):
        to_product_footprint(result, open_library, company_name="A", company_ids=["urn:a"])
    v3 = to_product_footprint_v3(result, open_library, company_name="A", company_ids=["urn:a"])
    assert v3["pcf"]["ipccCharacterizationFactors"] == ["AR4", "AR5", "AR6"]
    shares = v3["extensions"][0]["data"]["gwpBasisShares"]
    assert set(shares) == {"AR4", "AR5", "AR6", "CO2-only", "unknown"}
    assert sum(shares.values()) == pytest.approx(1.0, abs=1e-5)


def test_export_states_the_share_resting_on_fitted_factors(
    ncm811: Design, v2_library: FactorLibrary, whitepaper: FactorLibrary
) -> None:
    """The white-paper release rests on fitted rows (its BMS electronics among them); the
    default release has none left since open-2026.1 sourced the BMS row, and says 0.0 %.
    (PACT v3 for the white-paper release: its plastics rest on AR4, which v2.3 cannot state.)"""
    from batterycarbon.compliance.pact_v3 import to_product_footprint_v3

    result = account(ncm811, whitepaper, "iso14067-c2g")
    data = to_product_footprint_v3(result, whitepaper, company_name="A", company_ids=["urn:a"])
    extension = data["extensions"][0]["data"]
    assert extension["fittedShare"] == round(result.footprint.fitted_share, 6) > 0
    assert extension["fittedFactors"] == list(result.footprint.fitted_factors)
    assert "electronics_bms:GLO:2022" in extension["fittedFactors"]
    assert f"{100 * result.footprint.fitted_share:.1f} % of the result rests on" in data["comment"]
    default = account(ncm811, v2_library, "iso14067-c2g")
    data = product_footprint_json(
        to_product_footprint(default, v2_library, company_name="A", company_ids=["urn:a"])
    )
    assert data["extensions"][0]["data"]["fittedFactors"] == []
    assert data["extensions"][0]["data"]["fittedShare"] == 0
    assert "0.0 % of the result rests on" in data["comment"]


def _export(ncm811: Design, lib: FactorLibrary, rule_set: str = "iso14067-c2g",
            profile: UseProfile | None = None) -> dict[str, object]:  # fmt: skip
    result = account(ncm811, lib, rule_set, profile=profile)
    pf = to_product_footprint(result, lib, company_name="ACME Cells", company_ids=["urn:acme:cells"],
                              created=CREATED)  # fmt: skip
    return product_footprint_json(pf)


def test_export_uses_the_specification_names_and_decimal_strings(
    ncm811: Design, v2_library: FactorLibrary
) -> None:
    doc = _export(ncm811, v2_library)
    pcf = doc["pcf"]
    assert isinstance(pcf, dict)
    assert pcf["declaredUnit"] == "kilowatt hour"
    assert pcf["unitaryProductAmount"] == "59.94"
    for key in ("pCfExcludingBiogenic", "fossilGhgEmissions", "fossilCarbonContent"):
        assert isinstance(pcf[key], str) and float(pcf[key]) >= 0
    total = account(ncm811, v2_library, "iso14067-c2g").total_kgco2e_per_fu
    assert float(pcf["pCfExcludingBiogenic"]) == pytest.approx(total, abs=1e-6)  # 6 places
    uuid.UUID(str(doc["id"]))
    assert doc["specVersion"] == "2.3.0" and doc["status"] == "Active"
    required = {"id", "specVersion", "version", "created", "status", "comment", "companyName",
                "companyIds", "productDescription", "productIds", "productCategoryCpc",
                "productNameCompany", "pcf"}  # fmt: skip
    assert required <= set(doc)


def test_round_trip(ncm811: Design, v2_library: FactorLibrary) -> None:
    doc = _export(ncm811, v2_library)
    imported = from_product_footprint(json.loads(json.dumps({"data": doc})))
    assert imported.footprint_id == doc["id"]
    total = account(ncm811, v2_library, "iso14067-c2g").total_kgco2e_per_fu
    assert imported.kgco2e_per_declared_unit == pytest.approx(total, abs=1e-6)
    assert imported.kgco2e_per_product == pytest.approx(total * 59.94, rel=1e-6)
    assert (
        imported.extension is not None and imported.extension["functionalUnitBasis"] == "capacity"
    )
    assert product_footprint_json(parse_product_footprint(doc, "again")) == doc


def test_a_negative_footprint_cannot_be_exported(ncm811: Design, v2_library: FactorLibrary) -> None:
    result = account(ncm811, v2_library, "eu-draft-2024",
                     profile=UseProfile(usable_capacity_kwh=54, vehicle_category="M1",
                                        warranty_years=8))  # fmt: skip
    object.__setattr__(result, "stages_kgco2e_per_kwh_capacity", {"end_of_life": -1.0})
    with pytest.raises(InputError, match="pCfExcludingBiogenic"):
        to_product_footprint(result, v2_library, company_name="A", company_ids=["urn:a"])


def test_import_rejects_missing_fields_by_name(ncm811: Design, v2_library: FactorLibrary) -> None:
    doc = _export(ncm811, v2_library)
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
    # the default is v3: v2.3 cannot state the AR4 basis of the default release's plastics rows
    result = runner.invoke(app, ["pact-export", "ncm811-prismatic", "--company", "ACME",
                                 "--company-id", "urn:acme:1", "--out", str(path)])  # fmt: skip
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["pact-import", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["declared_unit"] == "kilowatt hour"
