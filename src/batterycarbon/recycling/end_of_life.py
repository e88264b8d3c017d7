"""End of life of a pack by a recycling route, under the cut-off and under the CFF, side by side.

Under the cut-off (recycled-content) approach the recycling process belongs to whoever uses the
recovered material, so the pack's end of life carries none of it and earns no credit. Under the
Circular Footprint Formula the pack carries ``(1 - A) * R2 * (ErecyclingEoL - E*v * Qsout/Qp)``
per kg of each recovered material: its share ``1 - A`` of the recycling burden, net of the
virgin material the recovered one replaces. R2 is the route's recovery rate, ErecyclingEoL the
route's process emissions allocated per kg recovered (as in :mod:`.remanufacture`), E*v the
virgin factor of the replaced flow, A and Qsout/Qp the cited defaults of its material group.
Disposal of what is not recovered is not in these figures; the rule sets' end-of-life stage
adds it (:mod:`batterycarbon.battery.downstream`).

References
----------
Commission Recommendation (EU) 2021/2279, Annex I, section 4.4.8 (Circular Footprint Formula).
"""

from __future__ import annotations

from dataclasses import dataclass

from batterycarbon.battery import Design
from batterycarbon.battery.assembly import recycled_flows
from batterycarbon.factors import FactorLibrary
from batterycarbon.recycling.remanufacture import remanufacture
from batterycarbon.rules.cff import recycling_eol_cff
from batterycarbon.rules.defaults import load_cff_defaults

#: CFF group of product-model steps a route may replace as a whole.
_STEP_GROUPS = {
    "cathode_active_material": "battery_active_materials",
    "anode_active_material": "battery_active_materials",
    "aluminium_foil": "metals",
    "copper_foil": "metals",
}


@dataclass(frozen=True)
class MaterialEndOfLife:
    target: str
    mass_kg_per_kwh: float
    r2: float
    a: float
    qsout_qp: float
    erecycling_eol_kgco2e_per_kg: float
    ev_star_kgco2e_per_kg: float
    cff_kgco2e_per_kwh: float


@dataclass(frozen=True)
class EndOfLifeMethods:
    route: str
    cut_off_kgco2e_per_kwh: float
    cff_kgco2e_per_kwh: float
    materials: tuple[MaterialEndOfLife, ...]
    #: The factor lookup's substitutions behind these figures (:class:`.Remanufacture`).
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "route": self.route,
            "cut-off": self.cut_off_kgco2e_per_kwh,
            "cff": self.cff_kgco2e_per_kwh,
            "materials": [m.__dict__ for m in self.materials],
        }


def _group(target: str) -> str:
    if target in _STEP_GROUPS:
        return _STEP_GROUPS[target]
    mapping = recycled_flows().get(target)
    return mapping[2] if mapping else load_cff_defaults().group_of(target)


def end_of_life_methods(route_id: str, design: Design, library: FactorLibrary) -> EndOfLifeMethods:
    """kg CO2e per kWh of pack capacity of recycling ``design`` by ``route_id``, both methods."""
    outcome = remanufacture(route_id, design, library)
    capacity = outcome.virgin.capacity_kwh
    defaults = load_cff_defaults()
    materials = []
    for s in outcome.substitutions:
        params = defaults.parameters(_group(s.target), r2=s.rate)
        per_kg = recycling_eol_cff(
            params.r2, params.a, s.recovered_kgco2e_per_kg, s.virgin_kgco2e_per_kg, params.qsout_qp
        )
        materials.append(MaterialEndOfLife(
            s.target, s.mass_kg / capacity, params.r2, params.a, params.qsout_qp,
            s.recovered_kgco2e_per_kg, s.virgin_kgco2e_per_kg, per_kg * s.mass_kg / capacity,
        ))  # fmt: skip
    return EndOfLifeMethods(
        route=route_id,
        cut_off_kgco2e_per_kwh=0.0,
        cff_kgco2e_per_kwh=sum(m.cff_kgco2e_per_kwh for m in materials),
        materials=tuple(materials),
        warnings=outcome.warnings,
    )
