"""PACT v3 ProductFootprint export and import, written from the v3 data model (WBCSD PACT
Technical Specifications 3.0: ProductFootprint, CarbonFootprint, DataQualityIndicators)."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from batterycarbon.battery import Design
from batterycarbon.cli.compliance import app
from batterycarbon.compliance.pact import (
    from_product_footprint,
    product_footprint_json,
    to_product_footprint,
)
from batterycarbon.compliance.pact_v3 import (
    SCHEMA_PATH,
    from_product_footprint_v3,
    to_product_footprint_v3,
    validate_product_footprint_v3,
)
from batterycarbon.compliance.pcf_figures import pcf_figures
from batterycarbon.compliance.standards import RuleSetFootprint, account
from batterycarbon.errors import InputError
from batterycarbon.factors import DEFAULT_RELEASE, FactorLibrary
from batterycarbon.rules.functional_unit import UseProfile

CREATED = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
#: Mandatory properties of the v3 data model (ProductFootprint, then CarbonFootprint).
REQUIRED_PF = ("id", "specVersion", "created", "status", "companyName", "companyIds",
               "productDescription", "productIds", "productNameCompany", "pcf")  # fmt: skip
REQUIRED_PCF = ("declaredUnitOfMeasurement", "declaredUnitAmount", "productMassPerDeclaredUnit",
                "referencePeriodStart", "referencePeriodEnd", "pcfExcludingBiogenicUptake",
                "pcfIncludingBiogenicUptake", "fossilGhgEmissions", "fossilCarbonContent",
                "biogenicCarbonContent", "ipccCharacterizationFactors", "crossSectoralStandards",
                "exemptedEmissionsPercent")  # fmt: skip


@pytest.fixture(scope="module")
def eu_result(ncm811: Design, open_library: FactorLibrary, car: UseProfile) -> RuleSetFootprint:
    return account(ncm811, open_library, "jrc-cfb-ev-2023", profile=car)


def _export(result: RuleSetFootprint, lib: FactorLibrary) -> dict[str, Any]:
    return to_product_footprint_v3(result, lib, company_name="ACME Cells",
                                   company_ids=["urn:acme:cells"], created=CREATED)  # fmt: skip


def test_export_validates_against_the_schema_with_v3_names(
    eu_result: RuleSetFootprint, open_library: FactorLibrary
) -> None:
    doc = _export(eu_result, open_library)
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert list(Draft202012Validator(schema).iter_errors(doc)) == []
    pcf = doc["pcf"]
    assert set(REQUIRED_PF) <= set(doc) and set(REQUIRED_PCF) <= set(pcf)
    assert doc["specVersion"].startswith("3.")
    assert pcf["declaredUnitOfMeasurement"] == "kilowatt hour"
    assert doc["productClassifications"] == ["urn:pact:productclassification:un-cpc:46420"]
    for v2_name in ("declaredUnit", "unitaryProductAmount", "pCfExcludingBiogenic",
                    "characterizationFactors", "crossSectoralStandardsUsed"):  # fmt: skip
        assert v2_name not in pcf
    assert "productCategoryCpc" not in doc
    for key in ("declaredUnitAmount", "pcfExcludingBiogenicUptake", "fossilGhgEmissions",
                "exemptedEmissionsPercent", "primaryDataShare", "productMassPerDeclaredUnit"):  # fmt: skip
        assert isinstance(pcf[key], str), key
    # jrc-cfb-ev-2023 follows the PEF method (its references), not ISO 14067
    assert pcf["crossSectoralStandards"] == ["PEF"]


def test_figures_are_the_results(eu_result: RuleSetFootprint, open_library: FactorLibrary) -> None:
    doc = _export(eu_result, open_library)
    pcf = doc["pcf"]
    assert pcf["declaredUnitAmount"] == "1"
    assert float(pcf["pcfExcludingBiogenicUptake"]) == pytest.approx(
        eu_result.total_kgco2e_per_fu, abs=1e-9
    )
    assert float(pcf["outboundLogisticsGhgEmissions"]) == pytest.approx(
        eu_result.stages_kgco2e_per_fu["distribution"], abs=1e-9
    )
    pack = eu_result.footprint.pack
    assert float(pcf["productMassPerDeclaredUnit"]) == pytest.approx(
        pack["pack_mass_kg"] / eu_result.fu_energy_kwh, abs=1e-9
    )
    # dqi: the library factors' PEF ratings weighted by their contribution, recomputed here.
    rated = [(open_library.get(f["id"]).quality, f["kgco2e_per_kwh"])
             for f in eu_result.footprint.factors
             if not f["primary"] and not str(f["id"]).startswith("process:")
             and f["kgco2e_per_kwh"] > 0]  # fmt: skip
    weight = sum(c for _, c in rated)
    for key, criterion in (("technologicalDQR", "technological"), ("temporalDQR", "time"),
                           ("geographicalDQR", "geographical")):  # fmt: skip
        expected = sum(getattr(q, criterion) * c for q, c in rated) / weight
        assert float(pcf["dqi"][key]) == pytest.approx(expected, abs=5e-4)
        assert 1 <= float(pcf["dqi"][key]) <= 5


def test_capacity_rule_set_has_no_outbound_logistics(
    ncm811: Design, open_library: FactorLibrary
) -> None:
    result = account(ncm811, open_library, "iso14067-c2g")
    pcf = _export(result, open_library)["pcf"]
    assert "outboundLogisticsGhgEmissions" not in pcf
    assert float(pcf["pcfExcludingBiogenicUptake"]) == pytest.approx(
        result.total_kgco2e_per_kwh_capacity, abs=1e-6
    )


def test_round_trip_agrees_with_the_v2_reading(ncm811: Design, open_library: FactorLibrary) -> None:
    # v2.3 names no PEF standard, so the PEF-based rule sets export as v3 only
    iso_result = account(ncm811, open_library, "iso14067-c2g")
    doc = _export(iso_result, open_library)
    v3 = from_product_footprint_v3(json.loads(json.dumps({"data": doc})))
    bases = {**open_library.release.gwp_basis, "aux-ice-v2-2011": "unknown"}  # v2.3: no AR4
    v2_library = FactorLibrary(open_library.release.model_copy(update={"gwp_basis": bases}))
    v2_doc = product_footprint_json(to_product_footprint(
        iso_result, v2_library, company_name="ACME Cells", company_ids=["urn:acme:cells"], created=CREATED))  # fmt: skip
    v2 = from_product_footprint(json.loads(json.dumps(v2_doc)))
    assert v3.footprint_id == doc["id"] and v3.company_name == "ACME Cells"
    assert v3.declared_unit == v2.declared_unit == "kilowatt hour"
    assert v3.unitary_product_amount == pytest.approx(iso_result.fu_energy_kwh)
    assert v3.kgco2e_per_declared_unit == pytest.approx(iso_result.total_kgco2e_per_fu, abs=1e-9)
    # v2 writes decimals to 6 places (decimal_string's default), v3 to 9.
    assert v3.kgco2e_per_declared_unit == pytest.approx(v2.kgco2e_per_declared_unit, abs=5e-7)
    assert v3.kgco2e_per_product == pytest.approx(iso_result.total_kgco2e_per_pack, rel=1e-8)
    assert v3.extension is not None
    assert v3.extension["inputsDigest"] == iso_result.footprint.inputs_digest
    assert v3.reference_period == (doc["pcf"]["referencePeriodStart"],
                                   doc["pcf"]["referencePeriodEnd"])  # fmt: skip


@pytest.mark.parametrize("field", [*REQUIRED_PF, *(f"pcf.{k}" for k in REQUIRED_PCF)])
def test_each_missing_required_field_is_named(
    eu_result: RuleSetFootprint, open_library: FactorLibrary, field: str
) -> None:
    doc = copy.deepcopy(_export(eu_result, open_library))
    parent, _, key = field.rpartition(".")
    del (doc[parent] if parent else doc)[key]
    with pytest.raises(InputError) as info:
        validate_product_footprint_v3(doc, "received.json")
    assert f"'{key}' is a required property" in str(info.value)
    assert "received.json" in str(info.value)


@pytest.mark.parametrize(
    ("path", "value", "named"),
    [
        ("pcf.pcfExcludingBiogenicUptake", 0.19, "pcf.pcfExcludingBiogenicUptake"),
        ("pcf.fossilGhgEmissions", "-0.1", "pcf.fossilGhgEmissions"),
        ("pcf.declaredUnitAmount", "0", "pcf.declaredUnitAmount"),
        ("pcf.declaredUnitOfMeasurement", "kWh", "pcf.declaredUnitOfMeasurement"),
        ("companyIds", ["acme"], "companyIds.0"),
        ("specVersion", "2.3.0", "specVersion"),
        ("pcf.ipccCharacterizationFactors", ["5th"], "pcf.ipccCharacterizationFactors.0"),
        ("pcf.dqi.temporalDQR", "6", "pcf.dqi.temporalDQR"),
        ("pcf.primaryDataShare", "150", "pcf.primaryDataShare"),
        ("pcf.geographyRegionOrSubregion", "Eastern Asia", "geography level"),
        ("validityPeriodStart", "2026-01-01T00:00:00Z", "validityPeriodEnd"),
    ],
)
def test_invalid_values_are_named(
    eu_result: RuleSetFootprint, open_library: FactorLibrary, path: str, value: Any, named: str
) -> None:
    doc = copy.deepcopy(_export(eu_result, open_library))
    *parents, key = path.split(".")
    target = doc
    for p in parents:
        target = target[p]
    target[key] = value
    with pytest.raises(InputError) as info:
        from_product_footprint_v3(doc)
    assert named in str(info.value)


def test_cli_exports_v3_and_imports_it_back(tmp_path: Path, eu_result: RuleSetFootprint) -> None:
    out = tmp_path / "pf.json"
    runner = CliRunner()
    done = runner.invoke(app, [
        "pact-export", "ncm811-prismatic", "--company", "ACME", "--company-id", "urn:acme:x",
        "--rule-set", "jrc-cfb-ev-2023", "--usable-kwh", "54", "--vehicle-category", "M1",
        "--warranty-years", "8", "--factors", DEFAULT_RELEASE, "--version", "3", "--out", str(out),
    ])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert json.loads(out.read_text())["specVersion"] == "3.0.0"
    read = runner.invoke(app, ["pact-import", str(out), "--format", "json"])
    assert read.exit_code == 0, read.output
    imported = json.loads(read.output)
    assert imported["kgco2e_per_product"] == pytest.approx(eu_result.total_kgco2e_per_pack, 1e-8)
    bad = runner.invoke(app, ["pact-export", "ncm811-prismatic", "--company", "ACME",
                              "--company-id", "urn:acme:x", "--version", "4"])  # fmt: skip
    assert bad.exit_code == 2 and "--version" in bad.output


def test_the_standards_come_from_the_rule_set_s_data(
    eu_result: RuleSetFootprint, open_library: FactorLibrary
) -> None:
    iso = eu_result.rule_set.model_copy(update={"pact_standards": ("ISO14067", "GHGP-Product")})
    figures = pcf_figures(dataclasses.replace(eu_result, rule_set=iso), open_library)
    assert figures.standards == ["ISO14067", "GHGP-Product"]
    none = eu_result.rule_set.model_copy(update={"pact_standards": ()})
    with pytest.raises(InputError, match="follows no cross-sectoral standard PACT knows"):
        pcf_figures(dataclasses.replace(eu_result, rule_set=none), open_library)
