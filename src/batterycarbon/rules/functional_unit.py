"""Functional units: kWh of capacity, or kWh delivered over the service life.

The EU battery carbon-footprint rules count the footprint per kWh of the total energy a battery
provides over its service life::

    delivered_energy_kwh = usable_capacity_kwh x full equivalent cycles per year x service years

with the cycles per year given by vehicle category (data of the rule set, ``cycles_per_year``)
and the service life taken as the warranty in years. Rule sets counted per kWh of capacity
need none of these inputs. Every function is in kWh and kg CO2e; results per functional unit
are named ``..._per_fu``.

References
----------
European Commission, draft delegated regulation on the carbon footprint of EV batteries,
Ares(2024)3131389 (functional unit); Regulation (EU) 2023/1542, Annex II point 2.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, cast

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, ValidationInfo

from batterycarbon.bounds import (
    MAX_PACK_ENERGY_KWH,
    MAX_SERVICE_YEARS,
    MIN_PACK_ENERGY_KWH,
    MIN_SERVICE_YEARS,
    DocumentFloat,
)
from batterycarbon.errors import InputError, validation_problems
from batterycarbon.rules.ruleset import VEHICLE_CATEGORIES, RuleSet, VehicleCategory

#: Regulation vehicle classes (UNECE / Regulation (EU) 2018/858 and 168/2013) to the category.
VEHICLE_CLASSES: dict[str, VehicleCategory] = {
    "M1": "car_van",
    "N1": "car_van",
    "L": "two_three_wheeler",
    "M2": "bus_truck",
    "M3": "bus_truck",
    "N2": "bus_truck",
    "N3": "bus_truck",
}
#: The fields the delivered-energy unit needs, with the option that gives each on the CLI.
USE_FIELDS = {
    "usable_capacity_kwh": "--usable-kwh",
    "vehicle_category": "--vehicle-category",
    "warranty_years": "--warranty-years",
}


def vehicle_category_of(value: object) -> VehicleCategory:
    """The category that ``value`` names: a category (``car_van``) or a vehicle class (``M1``,
    any case). ``ValueError`` listing what is expected otherwise: the one rule every path that
    takes a vehicle category (design, compliance inputs, CLI options, forms) applies."""
    if isinstance(value, str):
        if value in VEHICLE_CATEGORIES:
            return cast(VehicleCategory, value)
        if value.upper() in VEHICLE_CLASSES:
            return VEHICLE_CLASSES[value.upper()]
    raise ValueError(
        f"expected one of {', '.join(VEHICLE_CATEGORIES)} or a vehicle class "
        f"({', '.join(VEHICLE_CLASSES)})"
    )


#: Validation context under which a document read back from storage is validated: a vehicle
#: category written before the rule above was applied to designs loads as it was stored, so
#: old records stay readable; the declaration, which needs the category, still refuses it.
STORED_DOCUMENT = {"stored_document": True}


def _written_vehicle_category(value: object, info: ValidationInfo) -> object:
    """``value`` as written, if it names a category (a design keeps ``M1`` as the user wrote)."""
    if not (info.context or {}).get("stored_document"):
        vehicle_category_of(value)
    return value


#: A vehicle category or class as written in a design, checked by :func:`vehicle_category_of`.
WrittenVehicleCategory = Annotated[str, BeforeValidator(_written_vehicle_category)]
#: The vehicle category, from a category or a vehicle class (``M1`` becomes ``car_van``).
VehicleCategoryInput = Annotated[VehicleCategory, BeforeValidator(vehicle_category_of)]
#: Usable energy at the beginning of life, kWh (within the pack energy bounds).
UsableCapacityKwh = Annotated[DocumentFloat, Field(ge=MIN_PACK_ENERGY_KWH, le=MAX_PACK_ENERGY_KWH)]
#: The warranty, years, taken as the service life (within the service-life bounds).
WarrantyYears = Annotated[DocumentFloat, Field(ge=MIN_SERVICE_YEARS, le=MAX_SERVICE_YEARS)]


class UseProfile(BaseModel):
    """What the delivered-energy functional unit needs to know about the battery's use.

    ``usable_capacity_kwh``: usable energy at the beginning of life (kWh); ``vehicle_category``:
    ``car_van``, ``two_three_wheeler`` or ``bus_truck`` (or a vehicle class such as M1, L, N3);
    ``warranty_years``: the service life, taken as the warranty (years). Every field is optional
    here; :func:`require_use_profile` says which ones a rule set needs.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    usable_capacity_kwh: UsableCapacityKwh | None = None
    vehicle_category: VehicleCategoryInput | None = None
    warranty_years: WarrantyYears | None = None


def parse_use_profile(data: Any, source: str) -> UseProfile:
    """Validate a use profile; :class:`InputError` names every bad field."""
    try:
        return UseProfile.model_validate(data or {})
    except ValidationError as exc:
        raise InputError(source, validation_problems(exc)) from None


def delivered_energy_kwh(
    usable_capacity_kwh: float, cycles_per_year: float, service_years: float
) -> float:
    """Total energy provided over the service life, kWh: usable kWh x cycles/year x years."""
    return usable_capacity_kwh * cycles_per_year * service_years


def require_use_profile(rule_set: RuleSet, profile: UseProfile | None) -> UseProfile:
    """``profile`` if it holds what ``rule_set``'s functional unit needs, else :class:`InputError`.

    The error names each missing field and the option or design field that gives it.
    """
    profile = profile or UseProfile()
    missing = use_profile_problems(rule_set, profile)
    if missing:
        raise InputError(f"functional unit of {rule_set.label}", missing)
    return profile


def use_profile_problems(rule_set: RuleSet, profile: UseProfile | None) -> list[str]:
    """One line per field of ``profile`` that ``rule_set``'s functional unit needs and lacks,
    each ending with the hint ``; give <option> or ...`` (see :data:`CLI_HINT`)."""
    if rule_set.functional_unit_basis == "capacity":
        return []
    profile = profile or UseProfile()
    return [
        f"{name}: required by {rule_set.id}'s functional unit (kWh delivered over the service "
        f"life){CLI_HINT}{option} or `{name}` in the compliance inputs file"
        for name, option in USE_FIELDS.items()
        if getattr(profile, name) is None
    ]


#: Where a missing use field's message turns to the command line's options; a form drops it.
CLI_HINT = "; give "


def functional_unit_energy_kwh(
    rule_set: RuleSet, capacity_kwh: float, profile: UseProfile | None
) -> float:
    """kWh in one pack that the rule set's footprint is divided by.

    ``capacity``: the pack's rated capacity ``capacity_kwh``; ``delivered_energy``: the energy
    delivered over the service life (:func:`delivered_energy_kwh`).
    """
    if rule_set.functional_unit_basis == "capacity":
        return capacity_kwh
    p = require_use_profile(rule_set, profile)
    assert p.vehicle_category is not None and p.usable_capacity_kwh and p.warranty_years
    cycles = rule_set.cycles_per_year[p.vehicle_category]
    return delivered_energy_kwh(p.usable_capacity_kwh, cycles, p.warranty_years)


def delivered_energy_or_none(
    rule_set: RuleSet, profile: UseProfile | None, default_cycles: Mapping[VehicleCategory, float]
) -> float | None:
    """Energy delivered over the service life where the profile allows it, else ``None``.

    For rule sets counted per kWh of capacity, ``default_cycles`` (the EU table) gives the
    cycles per year, so that every result can also be shown per kWh delivered.
    """
    p = profile or UseProfile()
    if p.usable_capacity_kwh is None or p.vehicle_category is None or p.warranty_years is None:
        return None
    cycles = rule_set.cycles_per_year.get(p.vehicle_category) or default_cycles[p.vehicle_category]
    return delivered_energy_kwh(p.usable_capacity_kwh, cycles, p.warranty_years)
