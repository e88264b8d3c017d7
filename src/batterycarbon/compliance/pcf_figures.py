"""The figures of a PACT ``CarbonFootprint`` that versions 2 and 3 share, built once.

Both versions state the same facts in different names and types: the total per declared unit,
the fossil carbon content, the IPCC reports whose GWPs the result rests on, the standards the
rule set follows, the boundary, the reference period and the data behind the result (primary
share, fitted share). :func:`pcf_figures` computes them; :mod:`.pact` (v2.3) and
:mod:`.pact_v3` only rename and re-type them.

GWP basis: each library factor's source states the IPCC assessment report of its 100-year GWPs
(release.toml ``[gwp_basis]``: ``AR4``, ``AR5``, ``AR6``, ``CO2-only`` or ``unknown``). The
export lists every report the result rests on, as the specification asks when several are used
("include the set of all characterization factors used", ``ipccCharacterizationFactors``);
CO2-only figures need no characterization factor; the share resting on factors whose basis is
unknown (and on supplier and process figures, which state none) travels in the battery
extension, so no single basis is claimed for them. A result resting on no stated basis cannot
be exported: the specification requires a non-empty list.

References
----------
WBCSD PACT, Technical Specifications for PCF Data Exchange 2.3 and 3.0, data model, properties
``characterizationFactors``, ``ipccCharacterizationFactorsSources`` /
``ipccCharacterizationFactors``, ``crossSectoralStandardsUsed`` / ``crossSectoralStandards``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from batterycarbon.compliance.standards import RuleSetFootprint
from batterycarbon.errors import InputError
from batterycarbon.factors import FactorLibrary

#: kg of carbon per kg of the cell parts that contain it, for ``fossilCarbonContent``: graphite
#: and carbon black 1.0; PVDF 0.375; electrolyte 0.356 (EC:DMC 1:1 at 0.4046, 88 % of the
#: electrolyte beside 12 % LiPF6); PE/PP separator 0.856 (IUPAC atomic weights, as in
#: recycling/data/routes.toml). Pack plastics and the anode binder are not counted.
CARBON_FRACTIONS = {
    "conductive_carbon": 1.0,
    "cathode_binder": 0.375,
    "electrolyte": 0.356,
    "separator": 0.856,
}
#: v3 code -> v2.3 name of the standards both versions know.
V2_STANDARDS = {
    "ISO14067": "ISO Standard 14067",
    "GHGP-Product": "GHG Protocol Product standard",
    "ISO14040-44": "ISO Standard 14044",
}


def decimal_string(value: float, places: int = 6) -> str:
    """A float as the specification's decimal string (fixed point, no exponent)."""
    text = f"{Decimal(repr(value)).quantize(Decimal(10) ** -places):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def signed_decimal(value: float, places: int = 9) -> str:
    """:func:`decimal_string` of any sign."""
    return decimal_string(value, places) if value >= 0 else f"-{decimal_string(-value, places)}"


def fossil_carbon_kg_per_pack(result: RuleSetFootprint, graphite_anode: bool = True) -> float:
    """Fossil carbon in the cells of a pack, kg (see :data:`CARBON_FRACTIONS`).

    ``graphite_anode``: the anode active material is graphite (carbon fraction 1.0), not
    lithium metal.
    """
    pack = result.footprint.pack
    masses: dict[str, float] = pack["cell_masses_kg"]
    per_cell = sum(masses.get(part, 0.0) * f for part, f in CARBON_FRACTIONS.items())
    per_cell += masses.get("anode_active_material", 0.0) if graphite_anode else 0.0
    return per_cell * int(pack["cells"])


def gwp_basis_shares(result: RuleSetFootprint, library: FactorLibrary) -> dict[str, float]:
    """Share (0..1) of the result's positive direct emissions per GWP basis.

    Library factors take their source's basis (``Release.gwp_basis_of``); supplier figures and
    process emissions state none and count as ``unknown``.
    """
    by_basis: dict[str, float] = {}
    for row in result.footprint.factors:
        source_id, value = str(row["id"]), float(row["kgco2e_per_kwh"])
        if value <= 0:
            continue
        known = not row["primary"] and source_id in library.release.factors
        basis = library.release.gwp_basis_of(source_id) if known else "unknown"
        by_basis[basis] = by_basis.get(basis, 0.0) + value
    total = sum(by_basis.values())
    return {basis: value / total for basis, value in sorted(by_basis.items())} if total else {}


def ipcc_reports(shares: dict[str, float]) -> list[str]:
    """The IPCC reports (``AR<n>``) among ``shares``, oldest first."""
    return sorted((b for b in shares if b.startswith("AR")), key=lambda b: int(b[2:]))


@dataclass(frozen=True)
class PcfFigures:
    """What PACT v2.3 and v3 both say about a pack's footprint (per kWh of the rule set's unit)."""

    total_kgco2e_per_fu: float
    fu_energy_kwh: float
    fossil_carbon_kg_per_fu: float
    ipcc_reports: list[str]
    gwp_basis_shares: dict[str, float]
    standards: list[str]  # v3 codes
    rules: list[dict[str, Any]]
    boundary: str
    reference_year: int
    country: str | None
    factor_release: str
    primary_share_percent: float
    product_description: str
    comment: str
    extension: dict[str, Any]


def pcf_figures(
    result: RuleSetFootprint,
    library: FactorLibrary,
    *,
    reference_year: int | None = None,
    graphite_anode: bool = True,
    source: str = "PACT export",
) -> PcfFigures:
    """The shared figures; :class:`InputError` if the result rests on no stated IPCC report."""
    fp = result.footprint
    rs = result.rule_set
    shares = gwp_basis_shares(result, library)
    reports = ipcc_reports(shares)
    problems = []
    if not reports:
        problems.append(
            "pcf.ipccCharacterizationFactors: no factor of this result states the IPCC report "
            f"of its GWPs (release {fp.factor_release} [gwp_basis]); PACT needs at least one"
        )
    if not rs.pact_standards:
        problems.append(
            f"pcf.crossSectoralStandards: rule set {rs.id} follows no cross-sectoral standard "
            "PACT knows; PACT needs at least one (choose e.g. iso14067-c2g)"
        )
    if problems:
        raise InputError(source, problems)
    extension = battery_extension(result)
    extension["gwpBasisShares"] = {b: round(s, 6) for b, s in shares.items()}
    return PcfFigures(
        total_kgco2e_per_fu=result.total_kgco2e_per_fu,
        fu_energy_kwh=result.fu_energy_kwh,
        fossil_carbon_kg_per_fu=fossil_carbon_kg_per_pack(result, graphite_anode)
        / result.fu_energy_kwh,
        ipcc_reports=reports,
        gwp_basis_shares=shares,
        standards=list(rs.pact_standards),
        rules=[
            {
                "operator": "Other",
                "ruleNames": [rs.title],
                "otherOperatorName": f"batterycarbon rule set {rs.id}",
            }
        ],
        boundary=f"{rs.boundary}: " + "; ".join(rs.stage_names[s] for s in rs.stages),
        reference_year=reference_year or int(fp.pack["year"]),
        country=fp.pack["plants"].get("cell"),
        factor_release=fp.factor_release,
        primary_share_percent=100 * fp.primary_share,
        product_description=f"EV battery pack {fp.design}, {result.capacity_kwh:.4g} kWh",
        comment=f"Calculated by batterycarbon {fp.software_version} under rule set "
        f"{rs.label}; factor release {fp.factor_release}; "
        f"{100 * fp.fitted_share:.1f} % of the result rests on factors fitted to published "
        "figures (battery extension: fittedShare, fittedFactors)",
        extension=extension,
    )


def battery_extension(result: RuleSetFootprint) -> dict[str, Any]:
    """The battery data PACT has no field for (rule set, functional unit, stages, digest, the
    share resting on fitted factors), the ``data`` of the extension ``EXTENSION_SCHEMA``;
    stages in kg CO2e per declared unit."""
    fp = result.footprint
    rs = result.rule_set
    return {
        "ruleSet": rs.label,
        "functionalUnit": rs.functional_unit,
        "functionalUnitBasis": rs.functional_unit_basis,
        "kgco2ePerKwhCapacity": decimal_string(result.total_kgco2e_per_kwh_capacity),
        "stagesKgco2ePerDeclaredUnit": {
            k: signed_decimal(v) for k, v in result.stages_kgco2e_per_fu.items()
        },
        "capacityKwh": decimal_string(result.capacity_kwh),
        "chemistryDesign": fp.design,
        "factorRelease": fp.factor_release,
        "inputsDigest": fp.inputs_digest,
        "endOfLife": rs.end_of_life,
        "endOfLifeRoute": result.end_of_life_route,
        "fittedShare": round(fp.fitted_share, 6),
        "fittedFactors": list(fp.fitted_factors),
    }
