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
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

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
VEHICLE_CLASSES: dict[str, str] = {
    "M1": "car_van", "N1": "car_van",
    "L": "two_three_wheeler",
    "M2": "bus_truck", "M3": "bus_truck", "N2": "bus_truck", "N3": "bus_truck",
}  # fmt: skip
#: The fields the delivered-energy unit needs, with the option that gives each on the CLI.
USE_FIELDS = {
    "usable_capacity_kwh": "--usable-kwh",
    "vehicle_category": "--vehicle-category",
    "warranty_years": "--warranty-years",
}


class UseProfile(BaseModel):
    """What the delivered-energy functional unit needs to know about the battery's use.

    ``usable_capacity_kwh``: usable energy at the beginning of life (kWh); ``vehicle_category``:
    ``car_van``, ``two_three_wheeler`` or ``bus_truck`` (or a vehicle class such as M1, L, N3);
    ``warranty_years``: the service life, taken as the warranty (years). Every field is optional
    here; :func:`require_use_profile` says which ones a rule set needs.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    usable_capacity_kwh: DocumentFloat | None = Field(
        default=None, ge=MIN_PACK_ENERGY_KWH, le=MAX_PACK_ENERGY_KWH
    )
    vehicle_category: VehicleCategory | None = None
    warranty_years: DocumentFloat | None = Field(
        default=None, ge=MIN_SERVICE_YEARS, le=MAX_SERVICE_YEARS
    )

    @field_validator("vehicle_category", mode="before")
    @classmethod
    def _category_or_class(cls, value: Any) -> Any:
        if isinstance(value, str) and value.upper() in VEHICLE_CLASSES:
            return VEHICLE_CLASSES[value.upper()]
        if isinstance(value, str) and value not in VEHICLE_CATEGORIES:
            raise ValueError(
                f"expected one of {', '.join(VEHICLE_CATEGORIES)} or a vehicle class "
                f"({', '.join(VEHICLE_CLASSES)})"
            )
        return value

    def merged(self, other: UseProfile) -> UseProfile:
        """This profile with the fields ``other`` gives replacing its own."""
        given = other.model_dump(exclude_none=True)
        return self.model_copy(update=given)


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
    if rule_set.functional_unit_basis == "capacity":
        return profile
    missing = [
        f"{name}: required by {rule_set.id}'s functional unit (kWh delivered over the service "
        f"life); give {option} or `{name}` in the compliance inputs file"
        for name, option in USE_FIELDS.items()
        if getattr(profile, name) is None
    ]
    if missing:
        raise InputError(f"functional unit of {rule_set.label}", missing)
    return profile


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
