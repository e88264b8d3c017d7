"""Product-footprint exchange: a battery footprint as a PACT ``ProductFootprint`` and back.

The models follow the field names and constraints of the PACT Technical Specifications for PCF
Data Exchange, version 2 (2.3, ``spec/v2/openapi.yaml`` of ``wbcsd/data-exchange-protocol``):
decimals travel as JSON strings, the declared unit is ``kilowatt hour``, percentages are numbers.
Battery-specific data (rule set, functional unit, stages, inputs digest) travel in a data-model
extension. :func:`to_product_footprint` exports, :func:`from_product_footprint` reads one back
into an :class:`ImportedFootprint` (what a supplier dataset needs).

References
----------
WBCSD PACT, Technical Specifications for PCF Data Exchange, version 2.3 (data model: sections
ProductFootprint, CarbonFootprint, DataModelExtension); PACT Methodology v2.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from batterycarbon.bounds import MAX_DECIMAL_TEXT_CHARS, FiniteFloat, StrictInt
from batterycarbon.compliance.pcf_figures import (
    V2_STANDARDS,
    decimal_string,
    pcf_figures,
)
from batterycarbon.compliance.standards import RuleSetFootprint
from batterycarbon.errors import InputError, validation_problems
from batterycarbon.factors import FactorLibrary

SPEC_VERSION = "2.3.0"
EXTENSION_SCHEMA = "urn:batterycarbon:pact-extension:battery-footprint:1.0.0"
#: Decimal patterns of the specification (PositiveOrZero, PositiveNonZero, any sign).
PositiveOrZeroDecimal = Annotated[
    str, Field(pattern=r"^[+]?\d+(\.\d+)?$", max_length=MAX_DECIMAL_TEXT_CHARS)
]
PositiveNonZeroDecimal = Annotated[
    str,
    Field(
        pattern=r"^[+]?(\d*[1-9]\d*)(\.\d+)?$|^(0+\.\d*[1-9]\d*)$",
        max_length=MAX_DECIMAL_TEXT_CHARS,
    ),
]
Urn = Annotated[str, Field(pattern=r"^([uU][rR][nN]):")]
Percent = Annotated[FiniteFloat, Field(ge=0, le=100)]


class Strict(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, allow_inf_nan=False
    )


class ProductOrSectorSpecificRule(Strict):
    operator: Literal["PEF", "EPD International", "Other"]
    ruleNames: list[Annotated[str, Field(min_length=1)]] = Field(min_length=1)
    otherOperatorName: str | None = Field(default=None, min_length=1)


class EmissionFactorDatabase(Strict):
    name: str = Field(min_length=1)
    version: str = Field(min_length=1)


class DataModelExtension(Strict):
    specVersion: str
    dataSchema: str
    documentation: str | None = None
    data: dict[str, Any]


class CarbonFootprint(Strict):
    declaredUnit: Literal[
        "liter", "kilogram", "cubic meter", "kilowatt hour", "megajoule", "ton kilometer",
        "square meter",
    ]  # fmt: skip
    unitaryProductAmount: PositiveNonZeroDecimal
    pCfExcludingBiogenic: PositiveOrZeroDecimal
    pCfIncludingBiogenic: str | None = None
    fossilGhgEmissions: PositiveOrZeroDecimal
    fossilCarbonContent: PositiveOrZeroDecimal
    biogenicCarbonContent: PositiveOrZeroDecimal
    characterizationFactors: Literal["AR5", "AR6"]  # deprecated in 2.3: the earliest report
    ipccCharacterizationFactorsSources: list[Annotated[str, Field(pattern=r"^AR\d+$")]] = Field(
        min_length=1
    )
    crossSectoralStandardsUsed: list[
        Literal["GHG Protocol Product standard", "ISO Standard 14067", "ISO Standard 14044"]
    ] = Field(min_length=1)
    productOrSectorSpecificRules: list[ProductOrSectorSpecificRule] | None = None
    boundaryProcessesDescription: str
    referencePeriodStart: AwareDatetime
    referencePeriodEnd: AwareDatetime
    geographyCountry: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    secondaryEmissionFactorSources: list[EmissionFactorDatabase] | None = None
    exemptedEmissionsPercent: FiniteFloat = Field(ge=0, le=5)
    exemptedEmissionsDescription: str
    packagingEmissionsIncluded: bool
    allocationRulesDescription: str | None = None
    primaryDataShare: Percent | None = None


class ProductFootprint(Strict):
    id: uuid.UUID
    specVersion: str = Field(pattern=r"^\d+\.\d+\.\d+(-\d{8})?$")
    precedingPfIds: list[uuid.UUID] | None = None
    version: StrictInt = Field(ge=0)
    created: AwareDatetime
    updated: AwareDatetime | None = None
    status: Literal["Active", "Deprecated"]
    statusComment: str | None = None
    validityPeriodStart: AwareDatetime | None = None
    validityPeriodEnd: AwareDatetime | None = None
    companyName: str = Field(min_length=1)
    companyIds: list[Urn] = Field(min_length=1)
    productDescription: str
    productIds: list[Urn] = Field(min_length=1)
    productCategoryCpc: str = Field(min_length=1)
    productNameCompany: str = Field(min_length=1)
    comment: str
    pcf: CarbonFootprint
    extensions: list[DataModelExtension] | None = None


#: UN CPC 2.1 class 4642, electric accumulators (rechargeable batteries); recalled from the CPC
#: structure, not re-read.
CPC_ACCUMULATORS = "46420"


def to_product_footprint(
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
) -> ProductFootprint:
    """A pack's footprint under ``result``'s rule set as a PACT ProductFootprint.

    ``declaredUnit`` is ``kilowatt hour`` (of capacity, or delivered over the service life,
    as the rule set counts: the extension says which) and ``unitaryProductAmount`` the number
    of those kWh in one pack. Raises :class:`InputError` naming every invalid field (e.g. a
    negative total under the CFF, which PACT does not allow; a result resting on AR4 factors,
    whose earliest report the deprecated ``characterizationFactors`` cannot state; a PEF rule
    set, which no v2.3 cross-sectoral standard names: export those as v3).
    """
    fp = result.footprint
    source = f"PACT export of {fp.design}"
    figures = pcf_figures(
        result,
        library,
        reference_year=reference_year,
        graphite_anode=graphite_anode,
        source=source,
    )
    if figures.ipcc_reports[0] not in ("AR5", "AR6"):
        share = figures.gwp_basis_shares[figures.ipcc_reports[0]]
        raise InputError(
            source,
            [
                f"pcf.characterizationFactors: {100 * share:.2g} % of the result rests on "
                f"{figures.ipcc_reports[0]} factors; v2.3 names the earliest report used and "
                "allows only AR5 or AR6: export as PACT v3, which lists every report"
            ],
        )
    year = figures.reference_year
    created = created or dt.datetime.now(dt.UTC).replace(microsecond=0)
    footprint_id = footprint_id or uuid.uuid5(
        uuid.NAMESPACE_URL,
        f"batterycarbon:{fp.inputs_digest}:{result.rule_set.label}:{company_name}",
    )
    total = (
        decimal_string(figures.total_kgco2e_per_fu)
        if figures.total_kgco2e_per_fu >= 0
        else str(figures.total_kgco2e_per_fu)
    )
    data = {
        "id": footprint_id,
        "specVersion": SPEC_VERSION,
        "version": 0,
        "created": created,
        "status": "Active",
        "companyName": company_name,
        "companyIds": company_ids,
        "productDescription": figures.product_description,
        "productIds": product_ids or [f"urn:batterycarbon:design:{fp.design}"],
        "productCategoryCpc": CPC_ACCUMULATORS,
        "productNameCompany": product_name or fp.design,
        "comment": figures.comment + ".",
        "pcf": {
            "declaredUnit": "kilowatt hour",
            "unitaryProductAmount": decimal_string(figures.fu_energy_kwh),
            "pCfExcludingBiogenic": total,
            "fossilGhgEmissions": total,
            "fossilCarbonContent": decimal_string(figures.fossil_carbon_kg_per_fu),
            "biogenicCarbonContent": "0",
            # the earliest report used (2.3 data model); AR4 is no allowed value and is refused
            "characterizationFactors": figures.ipcc_reports[0],
            "ipccCharacterizationFactorsSources": figures.ipcc_reports,
            "crossSectoralStandardsUsed": [
                V2_STANDARDS.get(code, code) for code in figures.standards
            ],
            "productOrSectorSpecificRules": figures.rules,
            "boundaryProcessesDescription": figures.boundary,
            "referencePeriodStart": dt.datetime(year, 1, 1, tzinfo=dt.UTC),
            "referencePeriodEnd": dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC),
            "geographyCountry": figures.country,
            "secondaryEmissionFactorSources": [
                {"name": "batterycarbon factor library", "version": figures.factor_release}
            ],
            "exemptedEmissionsPercent": 0,
            "exemptedEmissionsDescription": "",
            "packagingEmissionsIncluded": False,
            "primaryDataShare": round(figures.primary_share_percent, 6),
        },
        "extensions": [
            {"specVersion": "2.0.0", "dataSchema": EXTENSION_SCHEMA, "data": figures.extension}
        ],
    }
    return parse_product_footprint(data, source)


def parse_product_footprint(data: Any, source: str) -> ProductFootprint:
    """Validate a ProductFootprint document; :class:`InputError` names every bad field."""
    try:
        return ProductFootprint.model_validate(data)
    except ValidationError as exc:
        raise InputError(source, validation_problems(exc)) from None


@dataclass(frozen=True)
class ImportedFootprint:
    """What a received ProductFootprint gives a supplier dataset (kg CO2e per declared unit)."""

    footprint_id: str
    company_name: str
    product_ids: tuple[str, ...]
    declared_unit: str
    unitary_product_amount: float
    kgco2e_per_declared_unit: float
    kgco2e_per_product: float
    primary_data_share_percent: float | None
    reference_period: tuple[str, str]
    extension: dict[str, Any] | None


def from_product_footprint(document: Any, source: str = "ProductFootprint") -> ImportedFootprint:
    """Read a PACT ProductFootprint (a dict, or ``{"data": {...}}`` as the API returns it)."""
    if isinstance(document, dict) and set(document) == {"data"}:
        document = document["data"]
    pf = parse_product_footprint(document, source)
    amount = float(pf.pcf.unitaryProductAmount)
    per_unit = float(pf.pcf.pCfExcludingBiogenic)
    extension = next(
        (e.data for e in pf.extensions or [] if e.dataSchema == EXTENSION_SCHEMA), None
    )
    return ImportedFootprint(
        footprint_id=str(pf.id),
        company_name=pf.companyName,
        product_ids=tuple(pf.productIds),
        declared_unit=pf.pcf.declaredUnit,
        unitary_product_amount=amount,
        kgco2e_per_declared_unit=per_unit,
        kgco2e_per_product=per_unit * amount,
        primary_data_share_percent=pf.pcf.primaryDataShare,
        reference_period=(
            pf.pcf.referencePeriodStart.isoformat(),
            pf.pcf.referencePeriodEnd.isoformat(),
        ),
        extension=extension,
    )


def product_footprint_json(pf: ProductFootprint) -> dict[str, Any]:
    """JSON-ready dict with the specification's names, optional fields left out when empty."""
    return pf.model_dump(mode="json", exclude_none=True)
