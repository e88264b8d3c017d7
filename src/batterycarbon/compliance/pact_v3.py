"""Product-footprint exchange, PACT Technical Specifications version 3 (beside v2 in :mod:`.pact`).

Version 3 renames and re-types much of the data model: the declared unit is
``declaredUnitOfMeasurement`` x ``declaredUnitAmount`` and every emission figure is per that
declared unit; ``productMassPerDeclaredUnit`` becomes mandatory; the totals are
``pcfExcludingBiogenicUptake`` / ``pcfIncludingBiogenicUptake``; percentages and data-quality
ratings travel as decimal strings; ``productClassifications`` (URNs) replaces
``productCategoryCpc``; ``ipccCharacterizationFactors`` and ``crossSectoralStandards`` take the
short codes (``AR5``, ``ISO14067``, ``GHGP-Product``); ``version`` and ``comment`` are optional.
The figures both versions share (GWP bases from the release, standards from the rule set) come
from :mod:`.pcf_figures`.

The export declares **1 kilowatt hour** of the rule set's functional unit (capacity, or energy
delivered over the service life): the figures are those of the EU declaration, and the kWh in
one pack travel in the battery extension (``fuEnergyKwhPerPack``) with the stages. The
distribution stage, where the rule set counts it, is reported as
``outboundLogisticsGhgEmissions``; ``dqi`` is the contribution-weighted PEF rating of the
library factors used (technological, time and geographical criteria; primary data and process
emissions carry no rating and are left out). A document is checked against
``data/pact-3/product-footprint.schema.json``, written for this project from the specification,
plus the cross-field rules the schema cannot say (one geography level, DQR in 1..5, primary
share in 0..100, validity period).

References
----------
WBCSD PACT, Technical Specifications for PCF Data Exchange, version 3.0 (data model: sections
ProductFootprint, CarbonFootprint, DataQualityIndicators, DataModelExtension; repository
wbcsd/data-exchange-protocol, spec/v3/openapi.yaml and spec/v3/examples).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from batterycarbon.compliance.pact import CPC_ACCUMULATORS, EXTENSION_SCHEMA, ImportedFootprint
from batterycarbon.compliance.pcf_figures import decimal_string, pcf_figures, signed_decimal
from batterycarbon.compliance.standards import RuleSetFootprint
from batterycarbon.errors import InputError, excerpt
from batterycarbon.factors import FactorLibrary

SPEC_VERSION_V3 = "3.0.0"
SCHEMA_PATH = Path(__file__).parent / "data" / "pact-3" / "product-footprint.schema.json"
#: Product classification URN of UN CPC 2.1 class 4642 (electric accumulators), in the
#: ``urn:pact:productclassification:`` form the specification recommends.
CPC_URN = f"urn:pact:productclassification:un-cpc:{CPC_ACCUMULATORS}"
#: PEF criterion (factors/model.py DataQuality) behind each PACT data-quality indicator.
DQI_CRITERIA = {
    "technologicalDQR": "technological",
    "temporalDQR": "time",
    "geographicalDQR": "geographical",
}


@cache
def product_footprint_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def data_quality_indicators(
    result: RuleSetFootprint, library: FactorLibrary
) -> dict[str, float] | None:
    """PACT DQIs as the contribution-weighted PEF ratings of the library factors (1..5)."""
    weighted = dict.fromkeys(DQI_CRITERIA, 0.0)
    weight = 0.0
    for row in result.footprint.factors:
        source_id, value = str(row["id"]), float(row["kgco2e_per_kwh"])
        if row["primary"] or source_id.startswith("process:") or value <= 0:
            continue
        quality = library.get(source_id).quality
        weight += value
        for indicator, criterion in DQI_CRITERIA.items():
            weighted[indicator] += value * getattr(quality, criterion)
    if weight == 0:
        return None
    return {k: v / weight for k, v in weighted.items()}


def to_product_footprint_v3(
    result: RuleSetFootprint,
    library: FactorLibrary,
    *,
    company_name: str,
    company_ids: list[str],
    product_ids: list[str] | None = None,
    product_name: str | None = None,
    created: dt.datetime | None = None,
    reference_year: int | None = None,
    footprint_id: uuid.UUID | None = None,
    graphite_anode: bool = True,
) -> dict[str, Any]:
    """A pack's footprint under ``result``'s rule set as a PACT v3 ProductFootprint (JSON).

    Raises :class:`InputError` naming every field the specification rejects (e.g. a company id
    that is not a URN, or negative fossil emissions from a CFF credit larger than the burdens).
    """
    fp = result.footprint
    rs = result.rule_set
    source = f"PACT v3 export of {fp.design}"
    figures = pcf_figures(
        result,
        library,
        reference_year=reference_year,
        graphite_anode=graphite_anode,
        source=source,
    )
    year = figures.reference_year
    created = created or dt.datetime.now(dt.UTC).replace(microsecond=0)
    footprint_id = footprint_id or uuid.uuid5(
        uuid.NAMESPACE_URL, f"batterycarbon:pact3:{fp.inputs_digest}:{rs.label}:{company_name}"
    )
    per_kwh = 1.0 / figures.fu_energy_kwh
    total = signed_decimal(figures.total_kgco2e_per_fu)
    pcf: dict[str, Any] = {
        "declaredUnitOfMeasurement": "kilowatt hour",
        "declaredUnitAmount": "1",
        "productMassPerDeclaredUnit": decimal_string(float(fp.pack["pack_mass_kg"]) * per_kwh, 9),
        "referencePeriodStart": f"{year}-01-01T00:00:00Z",
        "referencePeriodEnd": f"{year + 1}-01-01T00:00:00Z",
        "pcfExcludingBiogenicUptake": total,
        "pcfIncludingBiogenicUptake": total,
        "fossilGhgEmissions": total,
        "fossilCarbonContent": decimal_string(figures.fossil_carbon_kg_per_fu, 9),
        "biogenicCarbonContent": "0",
        "packagingEmissionsIncluded": False,
        "ipccCharacterizationFactors": figures.ipcc_reports,
        "crossSectoralStandards": figures.standards,
        "productOrSectorSpecificRules": figures.rules,
        "boundaryProcessesDescription": figures.boundary,
        "secondaryEmissionFactorSources": [
            {"name": "batterycarbon factor library", "version": figures.factor_release}
        ],
        "exemptedEmissionsPercent": "0",
        "exemptedEmissionsDescription": "",
        "primaryDataShare": decimal_string(figures.primary_share_percent, 6),
    }
    if figures.country:
        pcf["geographyCountry"] = figures.country
    if "distribution" in result.stages_kgco2e_per_fu:
        pcf["outboundLogisticsGhgEmissions"] = signed_decimal(
            result.stages_kgco2e_per_fu["distribution"]
        )
    dqi = data_quality_indicators(result, library)
    if dqi is not None:
        pcf["dqi"] = {k: decimal_string(v, 3) for k, v in dqi.items()}
    extension = {
        **figures.extension,
        "fuEnergyKwhPerPack": decimal_string(figures.fu_energy_kwh, 6),
    }
    document = {
        "id": str(footprint_id),
        "specVersion": SPEC_VERSION_V3,
        "created": created.isoformat().replace("+00:00", "Z"),
        "status": "Active",
        "companyName": company_name,
        "companyIds": list(company_ids),
        "productDescription": figures.product_description,
        "productIds": list(product_ids or [f"urn:batterycarbon:design:{fp.design}"]),
        "productClassifications": [CPC_URN],
        "productNameCompany": product_name or fp.design,
        "comment": f"{figures.comment}; per kWh of {rs.functional_unit_basis.replace('_', ' ')}.",
        "pcf": pcf,
        "extensions": [{"specVersion": "2.0.0", "dataSchema": EXTENSION_SCHEMA, "data": extension}],
    }
    validate_product_footprint_v3(document, f"PACT v3 export of {fp.design}")
    return document


def _path(parts: Any) -> str:
    return ".".join(str(p) for p in parts) or "(document)"


def _decimal(text: Any) -> Decimal | None:
    try:
        return Decimal(str(text))
    except InvalidOperation:
        return None


def _cross_field_problems(document: dict[str, Any]) -> list[str]:
    problems = []
    pcf = document.get("pcf", {})
    levels = [k for k in ("geographyRegionOrSubregion", "geographyCountry",
                          "geographyCountrySubdivision") if k in pcf]  # fmt: skip
    if len(levels) > 1:
        problems.append(f"pcf: give one geography level, not {', '.join(levels)}")
    for key, value in (pcf.get("dqi") or {}).items():
        number = _decimal(value)
        if number is not None and not 1 <= number <= 5:
            problems.append(f"pcf.dqi.{key}: {excerpt(value)} is outside 1..5")
    share = _decimal(pcf.get("primaryDataShare"))
    if share is not None and not 0 <= share <= 100:
        problems.append(
            f"pcf.primaryDataShare: {excerpt(pcf['primaryDataShare'])} is outside 0..100"
        )
    start, end = document.get("validityPeriodStart"), document.get("validityPeriodEnd")
    if (start is None) != (end is None):
        problems.append("validityPeriodStart/validityPeriodEnd: give both or neither")
    elif start and end and start >= end:
        problems.append("validityPeriodEnd: must be after validityPeriodStart")
    return problems


def validate_product_footprint_v3(document: Any, source: str) -> dict[str, Any]:
    """Check a v3 ProductFootprint; :class:`InputError` names every bad field by its path."""
    validator = Draft202012Validator(product_footprint_schema())
    problems = [
        f"{_path(e.absolute_path)}: {e.message}"
        for e in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    ]
    if not problems and isinstance(document, dict):
        problems = _cross_field_problems(document)
    if problems:
        raise InputError(source, problems)
    assert isinstance(document, dict)
    return document


def from_product_footprint_v3(document: Any, source: str = "ProductFootprint") -> ImportedFootprint:
    """Read a PACT v3 ProductFootprint (a dict, or ``{"data": {...}}`` as the API returns it).

    ``kgco2e_per_declared_unit`` is per one unit of measurement (the PCF divided by
    ``declaredUnitAmount``); the amount in one product is the battery extension's
    ``fuEnergyKwhPerPack`` where present, else ``declaredUnitAmount``.
    """
    if isinstance(document, dict) and set(document) == {"data"}:
        document = document["data"]
    pf = validate_product_footprint_v3(document, source)
    pcf = pf["pcf"]
    declared_amount = float(pcf["declaredUnitAmount"])
    per_unit = float(pcf["pcfExcludingBiogenicUptake"]) / declared_amount
    extension = next(
        (e["data"] for e in pf.get("extensions", []) if e["dataSchema"] == EXTENSION_SCHEMA), None
    )
    amount = (
        float(extension["fuEnergyKwhPerPack"])
        if extension and "fuEnergyKwhPerPack" in extension
        else declared_amount
    )
    share = pcf.get("primaryDataShare")
    return ImportedFootprint(
        footprint_id=pf["id"],
        company_name=pf["companyName"],
        product_ids=tuple(pf["productIds"]),
        declared_unit=pcf["declaredUnitOfMeasurement"],
        unitary_product_amount=amount,
        kgco2e_per_declared_unit=per_unit,
        kgco2e_per_product=per_unit * amount,
        primary_data_share_percent=None if share is None else float(share),
        reference_period=(pcf["referencePeriodStart"], pcf["referencePeriodEnd"]),
        extension=extension,
    )


def spec_major_version(document: Any) -> int | None:
    """The major version of a ProductFootprint's ``specVersion`` (``None`` if unreadable)."""
    if isinstance(document, dict) and set(document) == {"data"}:
        document = document["data"]
    version = document.get("specVersion") if isinstance(document, dict) else None
    head = str(version).split(".", 1)[0] if version else ""
    return int(head) if head.isdigit() else None
