"""The EU carbon-footprint declaration of a battery model per plant (Annex II content).

Regulation (EU) 2023/1542, Article 7(1) and Annex II, ask the declaration for: administrative
information about the manufacturer; the battery model; the geographic location of the
manufacturing plant; the carbon footprint in kg CO2e per kWh of the total energy provided over
the service life, in total and per life-cycle stage (raw material acquisition and
pre-processing, main product production, distribution, end of life and recycling); the
identification number of the EU declaration of conformity; and a web link to a public version of
the supporting study. :class:`Declaration` holds these, plus what makes the figure reproducible
(rule set and version, factor release, inputs digest) and the performance class.

The manufacturing plant is the plant of the battery placed on the market: a declaration is made
"for each battery model per manufacturing plant" (Art. 7(1)), and an electric-vehicle battery is
the complete unit a vehicle takes, its battery pack (Art. 3, definitions of "battery", "battery
pack" and "electric vehicle battery"), so its plant is the design's pack plant
(:data:`MANUFACTURING_PLANT_STEP`); cells made elsewhere are part of the counted supply chain,
not the declared plant. The plant's country is the one the declarer names, checked against
ISO 3166-1 and against the pack plant the footprint counted: a figure computed for a pack plant
in one country is never declared for a plant in another.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, ValidationError

from batterycarbon.bounds import FiniteFloat
from batterycarbon.compliance.classes import BatteryCategory, Classification
from batterycarbon.compliance.standards import RuleSetFootprint
from batterycarbon.countries import country_problem
from batterycarbon.errors import InputError, validation_problems
from batterycarbon.rules.ruleset import VehicleCategory

SCHEMA_ID = "batterycarbon/eu-carbon-footprint-declaration/1"
LEGAL_BASIS = "Regulation (EU) 2023/1542, Article 7(1) and Annex II"
#: The production step whose plant is the declared manufacturing plant (see the module).
MANUFACTURING_PLANT_STEP = "pack"
COUNTRY = r"^[A-Z]{2}$"


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Manufacturer(Strict):
    """Annex II point (a): name and postal address (``country``: ISO 3166-1 alpha-2)."""

    name: str = Field(min_length=1)
    address: str = Field(min_length=1)
    country: str | None = Field(default=None, pattern=COUNTRY)


class BatteryModel(Strict):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    chemistry: str
    battery_category: BatteryCategory
    capacity_kwh: float = Field(gt=0)


class Plant(Strict):
    address: str = Field(min_length=1)
    country: str = Field(pattern=COUNTRY)


class StageFootprint(Strict):
    stage: str
    name: str
    kgco2e_per_fu: float
    kgco2e_per_kwh_capacity: float


class DeclaredFootprint(Strict):
    functional_unit: str
    usable_capacity_kwh: float
    vehicle_category: str
    cycles_per_year: float
    service_life_years: float
    delivered_energy_kwh: float
    total_kgco2e_per_fu: float
    total_kgco2e_per_kwh_capacity: float
    absolute_kgco2e_per_battery: float
    stages: tuple[StageFootprint, ...]
    not_modelled: tuple[str, ...]


class RuleSetRef(Strict):
    id: str
    version: str
    title: str
    status: str
    disputed: tuple[str, ...]


class Provenance(Strict):
    factor_release: str
    inputs_digest: str
    software_version: str
    #: Share (0..1) of the figure resting on factors fitted to published figures instead of
    #: read in a source (the release's ``[[fitted]]``), and their ids. ``None`` in a
    #: declaration issued before releases marked them: not recorded, not zero.
    fitted_share: FiniteFloat | None = Field(default=None, ge=0, le=1)
    fitted_factors: tuple[str, ...] | None = None


class Declaration(Strict):
    schema_id: str = SCHEMA_ID
    legal_basis: str = LEGAL_BASIS
    declaration_id: str = Field(min_length=1)
    issued: dt.date
    manufacturer: Manufacturer
    battery_model: BatteryModel
    manufacturing_plant: Plant
    eu_declaration_of_conformity_id: str | None
    carbon_footprint: DeclaredFootprint
    performance_class: dict[str, Any]
    rule_set: RuleSetRef
    study_url: AnyHttpUrl
    provenance: Provenance
    #: The factor lookup's substitutions behind the figure (a wider region's or another year's
    #: factor, ``RuleSetFootprint.warnings``): declared with it, never left out.
    warnings: tuple[str, ...] = ()

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def _declaration_id(result: RuleSetFootprint, *declared: str | None) -> str:
    """A stable id: the same inputs, rule set and declared parties (manufacturer and its
    address, model, plant and its country) give the same id; any other is another id."""
    key = json.dumps([result.footprint.inputs_digest, result.rule_set.label, *declared])
    return "CFD-" + hashlib.sha256(key.encode()).hexdigest()[:16].upper()


def build_declaration(
    result: RuleSetFootprint,
    *,
    manufacturer: str | None,
    plant_address: str | None,
    study_url: str | None,
    classification: Classification,
    chemistry: str,
    battery_category: BatteryCategory = "ev",
    issued: dt.date | None = None,
    battery_model: str | None = None,
    battery_model_id: str | None = None,
    declaration_id: str | None = None,
    eu_declaration_of_conformity_id: str | None = None,
    manufacturer_address: str | None = None,
    manufacturer_country: str | None = None,
    plant_country: str | None = None,
) -> Declaration:
    """The declaration of ``result`` (which must be counted per kWh delivered).

    ``plant_country``: the country of the plant named; ``None`` declares the pack plant the
    design names (the one the footprint counted). Raises :class:`InputError` naming every
    missing or invalid field (as command-line options: ``--plant-country``).
    """
    rs = result.rule_set
    fp = result.footprint
    problems = []
    if rs.functional_unit_basis != "delivered_energy":
        problems.append(
            f"--rule-set: {rs.id} counts per kWh of capacity; Annex II asks per kWh delivered "
            "over the service life (use jrc-cfb-ev-2023 or eu-draft-2024)"
        )
    counted = str(fp.pack["plants"][MANUFACTURING_PLANT_STEP])
    plant_country = counted if plant_country is None else plant_country
    problems += party_problems(
        manufacturer=manufacturer,
        manufacturer_address=manufacturer_address,
        manufacturer_country=manufacturer_country,
        plant_address=plant_address,
        plant_country=plant_country,
        study_url=study_url,
        counted=counted,
    )
    if problems:
        raise InputError("declaration", problems)
    assert manufacturer and plant_address and study_url
    per_fu = result.stages_kgco2e_per_fu
    stages = tuple(
        StageFootprint(
            stage=s, name=rs.stage_names[s], kgco2e_per_fu=per_fu[s], kgco2e_per_kwh_capacity=v
        )
        for s, v in result.stages_kgco2e_per_kwh_capacity.items()
    )
    usable, category, years = _use_inputs(result)
    cycles = rs.cycles_per_year[category]
    model_name = battery_model or fp.design
    data = {
        "declaration_id": declaration_id
        or _declaration_id(
            result, manufacturer, plant_address, manufacturer_address, manufacturer_country,
            model_name, plant_country,
        ),
        "issued": issued or dt.date.today(),
        "manufacturer": {
            "name": manufacturer, "address": manufacturer_address, "country": manufacturer_country,
        },
        "battery_model": {
            "id": battery_model_id or fp.design, "name": model_name, "chemistry": chemistry,
            "battery_category": battery_category, "capacity_kwh": result.capacity_kwh,
        },
        "manufacturing_plant": {"address": plant_address, "country": plant_country},
        "eu_declaration_of_conformity_id": eu_declaration_of_conformity_id,
        "carbon_footprint": {
            "functional_unit": rs.functional_unit, "usable_capacity_kwh": usable,
            "vehicle_category": category, "cycles_per_year": cycles,
            "service_life_years": years, "delivered_energy_kwh": result.fu_energy_kwh,
            "total_kgco2e_per_fu": result.total_kgco2e_per_fu,
            "total_kgco2e_per_kwh_capacity": result.total_kgco2e_per_kwh_capacity,
            "absolute_kgco2e_per_battery": result.total_kgco2e_per_pack,
            "stages": stages, "not_modelled": rs.not_modelled,
        },
        "performance_class": classification.to_dict(),
        "rule_set": {"id": rs.id, "version": rs.version, "title": rs.title,
                     "status": rs.status, "disputed": rs.disputed},
        "study_url": study_url,
        "provenance": {"factor_release": fp.factor_release, "inputs_digest": fp.inputs_digest,
                       "software_version": fp.software_version,
                       "fitted_share": fp.fitted_share, "fitted_factors": fp.fitted_factors},
        "warnings": result.warnings,
    }  # fmt: skip
    try:
        return Declaration.model_validate(data)
    except ValidationError as exc:
        raise InputError("declaration", validation_problems(exc)) from None


def party_problems(
    *,
    manufacturer: str | None,
    manufacturer_address: str | None,
    manufacturer_country: str | None,
    plant_address: str | None,
    plant_country: str | None,
    study_url: str | None,
    counted: str | None,
) -> list[str]:
    """What Annex II asks of the declaring parties that is missing or invalid, as command-line
    options. ``counted``: the country of the plant the footprint counted, which the declared
    plant's country must be; ``None`` while the footprint is not known (codes checked only)."""
    required = (
        ("--manufacturer", manufacturer),
        ("--manufacturer-address", manufacturer_address),
        ("--plant", plant_address),
        ("--study-url", study_url),
    )
    problems = [f"{option}: required by Annex II (got nothing)" for option, v in required if not v]
    problems += _country_problems("--manufacturer-country", manufacturer_country)
    plant_problems = _country_problems("--plant-country", plant_country)
    if not plant_problems and counted is not None and plant_country != counted:
        plant_problems.append(
            f"--plant-country: {plant_country} is not the country of the "
            f"{MANUFACTURING_PLANT_STEP} plant the calculation counted ({counted}); the figure is "
            f"per manufacturing plant (Art. 7(1)): declare that plant, or set the design's "
            f"plants.{MANUFACTURING_PLANT_STEP} to {plant_country} and calculate again"
        )
    return problems + plant_problems


def _country_problems(option: str, code: str | None) -> list[str]:
    problem = country_problem(code) if code is not None else None
    return [f"{option}: {problem}"] if problem else []


def _use_inputs(result: RuleSetFootprint) -> tuple[float, VehicleCategory, float]:
    profile = result.use_profile
    if (
        profile is None
        or profile.usable_capacity_kwh is None
        or profile.vehicle_category is None
        or profile.warranty_years is None
    ):
        raise InputError("declaration", ["use profile: usable capacity, vehicle category and "
                                         "warranty years are required"])  # fmt: skip
    return profile.usable_capacity_kwh, profile.vehicle_category, profile.warranty_years
