"""Process emissions of recycling a spent pack by one route, per kWh of pack capacity.

    E [kg CO2e/kWh] = pack_mass_kg / capacity_kwh x (
        electricity_kwh_per_kg x grid(country, year)
        + heat_mj_per_kg x heat_natural_gas(country, year)
        + sum(reagent_kg_per_kg x factor(reagent, country, year))
        + sum(direct_kgco2_per_kg))

Every factor is looked up with :meth:`FactorLibrary.lookup` (region fallback to GLO, latest
year not after ``year``); its id is recorded in :class:`ProcessEmissions` and each substitution
the lookup made (the recycling country's grid taken from a wider region, a year past the
factor's years) in its ``warnings``. The recycler's
electricity is grid electricity of the recycling country (no green-power lever here).

References
----------
UN Global Compact (2023), white paper section 5.4.2 (fig. 23): pyrometallurgy 5.11,
hydrometallurgy 2.9, direct/physical 3.65 kg CO2-eq/kWh for a 74 kWh, 188-cell NCM811 pack.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from batterycarbon.errors import InputError, excerpt
from batterycarbon.factors import FactorLibrary
from batterycarbon.recycling.routes import Route, RouteBook, get_route


class RouteNotQuantifiedError(InputError):
    """The route is reported qualitatively (second life): it has no process emissions."""


@dataclass(frozen=True)
class ProcessEmissions:
    """Process emissions of one route for one pack, with the contribution of each input."""

    route: str
    total_kgco2e_per_kwh: float
    pack_mass_kg: float
    capacity_kwh: float
    contributions_kgco2e_per_kwh: dict[str, float] = field(default_factory=dict)
    factor_ids: dict[str, str] = field(default_factory=dict)
    factor_release: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def total_kgco2e_per_pack(self) -> float:
        return self.total_kgco2e_per_kwh * self.capacity_kwh


def _check_positive(name: str, value: float) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise InputError(name, [f"{name}: expected a positive number, got {value!r}"])


def quantified_route(route_id: str, book: RouteBook | None = None) -> Route:
    """The route, or :class:`RouteNotQuantifiedError` explaining why it has no numbers."""
    route = get_route(route_id, book)
    if not route.quantified or route.electricity is None or route.heat is None:
        raise RouteNotQuantifiedError(
            "route",
            [f"route {excerpt(route_id)} is reported qualitatively: {route.qualitative_benefit}"],
        )
    return route


def process_emissions(
    route_id: str,
    pack_mass_kg: float,
    capacity_kwh: float,
    library: FactorLibrary,
    country: str = "CN",
    year: int = 2023,
    book: RouteBook | None = None,
) -> ProcessEmissions:
    """Process emissions of ``route_id`` with their breakdown (kg CO2e per kWh of capacity).

    ``pack_mass_kg`` is the mass of the spent pack entering the route (kg), ``capacity_kwh``
    its nominal capacity when new (kWh), the paper's functional unit.
    """
    _check_positive("pack_mass_kg", pack_mass_kg)
    _check_positive("capacity_kwh", capacity_kwh)
    route = quantified_route(route_id, book)
    assert route.electricity is not None and route.heat is not None  # by quantified_route
    per_kwh = pack_mass_kg / capacity_kwh
    parts: dict[str, float] = {}
    ids: dict[str, str] = {}
    warnings: dict[str, None] = {}

    def add(label: str, flow: str, amount_per_kg: float, unit: str) -> None:
        if amount_per_kg == 0:
            return
        found = library.lookup(flow, country, year)
        warnings.update(dict.fromkeys(found.warnings))
        factor = found.factor
        parts[label] = amount_per_kg * factor.value_in(unit) * per_kwh
        ids[label] = factor.id

    add("electricity", "electricity_grid", route.electricity.kwh_per_kg, "kg CO2e / kWh")
    add("heat", "heat_natural_gas", route.heat.mj_per_kg, "kg CO2e / MJ")
    for reagent in route.reagents:
        add(f"reagent:{reagent.flow}", reagent.flow, reagent.kg_per_kg, "kg CO2e / kg")
    for emission in route.direct_emissions:
        parts[f"direct:{emission.name}"] = emission.kgco2_per_kg * per_kwh
    return ProcessEmissions(
        route=route_id,
        total_kgco2e_per_kwh=sum(parts.values()),
        pack_mass_kg=pack_mass_kg,
        capacity_kwh=capacity_kwh,
        contributions_kgco2e_per_kwh=parts,
        factor_ids=ids,
        factor_release=library.release_id,
        warnings=tuple(warnings),
    )


def route_process_emissions(
    route_id: str,
    pack_mass_kg: float,
    capacity_kwh: float,
    library: FactorLibrary,
    country: str = "CN",
    year: int = 2023,
) -> float:
    """Process emissions of recycling one spent pack by ``route_id``, kg CO2e per kWh.

    See :func:`process_emissions` for the breakdown; raises :class:`RouteNotQuantifiedError`
    for ``second-life`` and :class:`InputError` for an unknown route or a non-positive mass or
    capacity.
    """
    return process_emissions(
        route_id, pack_mass_kg, capacity_kwh, library, country, year
    ).total_kgco2e_per_kwh
