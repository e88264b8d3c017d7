"""A battery remanufactured from the materials one route recovers, against the virgin battery.

Substitution rule (closed loop, one spent pack feeds one new pack of the same design):

1. The virgin footprint gives, per pack, the mass and the factor of every library flow the
   design uses, and the mass and cradle-to-gate intensity of the foreground products a supplier
   figure may replace (``battery.inventory.REPLACEABLE_PROCESSES``).
2. For each flow or process a route's recovered product ``replaces`` (``data/routes.toml``) and
   the design uses, the recovered share equals the route's recovery rate ``r`` of that element:
   since the spent pack has the same composition, it yields ``r`` of what the new pack needs.
3. The recovered material carries the route's process emissions for the whole spent pack
   (:func:`~batterycarbon.recycling.process.process_emissions`), allocated by mass over the
   recovered materials: ``b = E_pack / sum(r_i x m_i)`` kg CO2e/kg. Its factor replaces nothing
   else: the route's boundary ends at battery-grade products and sorted metal.
4. Each replaced flow or process gets a supplier override (``battery.design.SupplierOverride``)
   of value ``r x b + (1 - r) x f_virgin``; the footprint is recomputed with the overrides.

The change is ``new / virgin - 1``. Whatever the allocation, the total equals
``virgin - sum(r_i m_i f_virgin_i) + E_pack``: recovered materials avoid their virgin burden and
bring the recycling burden instead, as the white paper reasons in section 5.4.2 (hydro beats
pyro "because its emissions are far lower and its recovery rates higher").

References
----------
UN Global Compact (2023), white paper section 5.4.2: batteries remanufactured from recovered
material vs virgin material: pyrometallurgy -4.8 %, hydrometallurgy -33.47 %, direct -51.8 %.
"""

from __future__ import annotations

from dataclasses import dataclass

from batterycarbon.battery import Design, Footprint, Options, build_system, footprint
from batterycarbon.battery.design import SupplierOverride
from batterycarbon.battery.inventory import REPLACEABLE_PROCESSES
from batterycarbon.battery.sourcing import commodity_of_flow
from batterycarbon.errors import InputError, excerpt
from batterycarbon.factors import FactorLibrary, merge_warnings
from batterycarbon.recycling.process import process_emissions, quantified_route
from batterycarbon.recycling.routes import RouteBook
from batterycarbon.rules.functional_unit import STORED_DOCUMENT

#: Cell-mass key of each replaceable foreground product (kg per cell).
_PROCESS_MASS_KEY = {
    "cathode_active_material": "cathode_active_material",
    "anode_active_material": "anode_active_material",
    "aluminium_foil": "aluminium_foil",
    "copper_foil": "copper_foil",
}


@dataclass(frozen=True)
class Substitution:
    """One replaced flow or process of the new pack (masses per pack, factors per kg)."""

    target: str
    product: str
    rate: float
    mass_kg: float
    virgin_kgco2e_per_kg: float
    recovered_kgco2e_per_kg: float

    @property
    def blended_kgco2e_per_kg(self) -> float:
        return (
            self.rate * self.recovered_kgco2e_per_kg + (1 - self.rate) * self.virgin_kgco2e_per_kg
        )


@dataclass(frozen=True)
class Remanufacture:
    """Virgin and remanufactured footprints of one design for one route."""

    route: str
    virgin: Footprint
    remanufactured: Footprint
    process_kgco2e_per_pack: float
    allocated_kgco2e_per_kg: float
    substitutions: tuple[Substitution, ...]
    #: The factor lookup's substitutions in the footprints and the recycling process, each once.
    warnings: tuple[str, ...] = ()

    @property
    def change(self) -> float:
        """Relative change of the remanufactured vs the virgin footprint (-0.33 = -33 %)."""
        return self.remanufactured.total_kgco2e_per_kwh / self.virgin.total_kgco2e_per_kwh - 1


def _virgin_flows(virgin: Footprint, library: FactorLibrary) -> dict[str, tuple[float, float]]:
    """Library flow (or supplier-replaced flow) -> (kg per pack, kg CO2e per pack)."""
    flows: dict[str, tuple[float, float]] = {}
    capacity = virgin.capacity_kwh
    for row in virgin.factors:
        fid = str(row["id"])
        if fid.startswith("process:"):
            continue
        flow = fid.removeprefix("supplier:") if fid.startswith("supplier:") else None
        flow = flow or library.get(fid).flow
        # a commodity's routes (or its single flow) count as the commodity, whose override
        # replaces its market whole (battery.sourcing)
        flow = commodity_of_flow(flow) or flow
        mass, co2 = flows.get(flow, (0.0, 0.0))
        flows[flow] = (
            mass + float(row["amount"]) * capacity,
            co2 + float(row["kgco2e_per_kwh"]) * capacity,
        )
    return flows


def remanufacture(
    route_id: str,
    design: Design,
    library: FactorLibrary,
    country: str | None = None,
    year: int | None = None,
    book: RouteBook | None = None,
) -> Remanufacture:
    """Footprints of ``design`` from virgin material and from what ``route_id`` recovers.

    The spent pack is recycled in ``country`` (default: the design's pack plant) at ``year``
    (default: the design's year). Raises :class:`InputError` for ``second-life`` (no material
    recovery) or when the route recovers nothing the design uses.
    """
    route = quantified_route(route_id, book)
    virgin = footprint(design, library)
    bsys = build_system(design, library, Options())
    country = country or bsys.plants["pack"]
    year = year or bsys.year
    flows = _virgin_flows(virgin, library)
    candidates: list[tuple[str, str, float, float, float]] = []  # target, product, r, kg, f
    for target, (rate, product) in sorted(route.recovered_targets().items()):
        if target in REPLACEABLE_PROCESSES and target in virgin.material_intensities:
            mass = bsys.cell_masses_kg[_PROCESS_MASS_KEY[target]] * bsys.cells_per_pack
            candidates.append((target, product, rate, mass, virgin.material_intensities[target]))
        elif target in flows and flows[target][0] > 0:
            mass, co2 = flows[target]
            candidates.append((target, product, rate, mass, co2 / mass))
    recovered_kg = sum(rate * mass for _, _, rate, mass, _ in candidates)
    if recovered_kg <= 0:
        raise InputError(
            "route",
            [f"route {excerpt(route_id)} recovers nothing that design {excerpt(design.id)} uses"],
        )
    emissions = process_emissions(
        route_id, bsys.pack_mass_kg, bsys.pack_capacity_kwh, library, country, year, book
    )
    process_per_pack = emissions.total_kgco2e_per_pack
    allocated = process_per_pack / recovered_kg
    substitutions = tuple(
        Substitution(target, product, rate, mass, virgin_f, allocated)
        for target, product, rate, mass, virgin_f in candidates
    )
    replaced = {s.target for s in substitutions}
    # What is recovered replaces the material whatever its source: a supplier named for it in
    # ``supply`` (with the figure the service attached) gives way too.
    overrides = [
        o
        for o in design.supplier_overrides
        if o.flow not in replaced
        and commodity_of_flow(o.flow) not in replaced
        and o.material not in replaced
    ]
    document = design.model_dump()
    document["supply"] = {m: v for m, v in document["supply"].items() if m not in replaced}
    overrides += [
        SupplierOverride(
            flow=s.target,
            value=s.blended_kgco2e_per_kg,
            unit="kg CO2e / kg",
            supplier=f"recycled via {route_id} ({s.rate:.0%} {s.product})",
            reference="batterycarbon.recycling.remanufacture substitution rule",
        )
        for s in substitutions
    ]
    # The rest of the design was validated already (a stored one as stored: read_stored_design).
    new_design = Design.model_validate(
        {**document, "supplier_overrides": [o.model_dump() for o in overrides]},
        context=STORED_DOCUMENT,
    )
    remanufactured = footprint(new_design, library)
    return Remanufacture(
        route=route_id,
        virgin=virgin,
        remanufactured=remanufactured,
        process_kgco2e_per_pack=process_per_pack,
        allocated_kgco2e_per_kg=allocated,
        substitutions=substitutions,
        warnings=merge_warnings(virgin.warnings, emissions.warnings, remanufactured.warnings),
    )


def remanufacture_change(
    route_id: str,
    design: Design,
    library: FactorLibrary,
    country: str | None = None,
    year: int | None = None,
) -> float:
    """Relative change of a battery built from what ``route_id`` recovers vs from virgin material.

    A fraction: -0.3347 means 33.47 % less kg CO2e per kWh. See the module docstring for the
    substitution rule.
    """
    return remanufacture(route_id, design, library, country, year).change
