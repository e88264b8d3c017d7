"""After the factory gate: distribution of the finished pack and disposal of what is not recovered.

Both are plain functions of the pack's masses and the factor library, in kg CO2e per pack:

- :func:`distribution_kgco2e` — transport of the pack from the pack plant to the customer:
  ``pack mass (t) x distance (km) x transport_<mode> factor`` per leg. The default legs
  (:func:`default_distribution_legs`) are the cited scenarios of ``data/distribution.toml``,
  chosen by whether the pack plant is in Europe.
- :func:`disposal_kgco2e` — treatment of the spent pack's masses that a recycling route neither
  recovers nor burns on site: ``mass x (1 - recovery rate) x disposal factor`` per material, with
  the mapping of ``data/disposal.toml`` and the ``waste_*`` rows of the factor release.

The recycling route itself (its process burdens and credits) belongs to ``recycling/``; this
module only needs its recovery rates and the names of what it burns, as plain arguments.

References
----------
Commission Recommendation (EU) 2021/2279, Annex I (PEF method), section 4.4.3 (default transport
scenarios) and section 4.4.8 (the disposal term ``(1 - R2 - R3) x ED`` of the Circular Footprint
Formula).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from batterycarbon.battery.inventory import BatterySystem
from batterycarbon.battery.params import _read
from batterycarbon.bounds import MAX_TRANSPORT_DISTANCE_KM, DocumentFloat
from batterycarbon.errors import InputError
from batterycarbon.factors import FactorLibrary, region_fallbacks

TransportMode = Literal["road", "rail", "sea"]
#: Regions whose packs are "made in Europe" for the default distribution scenario.
_EUROPE = frozenset({"EU27", "EUROPE", "RER"})


class DistributionLeg(BaseModel):
    """One leg of the pack's trip to the customer: ``mode`` and ``distance_km`` (km)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: TransportMode
    distance_km: DocumentFloat = Field(ge=0, le=MAX_TRANSPORT_DISTANCE_KM)


@dataclass(frozen=True)
class Distribution:
    """Distribution of one pack: the legs, where they came from and kg CO2e per pack."""

    scenario: str
    source: str
    legs: tuple[DistributionLeg, ...]
    tkm: float
    kgco2e_per_pack: float
    factors: tuple[str, ...]
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "source": self.source,
            "legs": [leg.model_dump() for leg in self.legs],
            "tkm_per_pack": self.tkm,
            "kgco2e_per_pack": self.kgco2e_per_pack,
            "factors": list(self.factors),
        }


@dataclass(frozen=True)
class DisposedMaterial:
    material: str
    mass_kg: float
    disposed_kg: float
    fate: str  # "disposed", "burnt in route" or "recovered"
    factor_id: str | None
    kgco2e: float


@dataclass(frozen=True)
class Disposal:
    """Disposal of one spent pack after a route: kg CO2e per pack and the material breakdown."""

    route: str
    kgco2e_per_pack: float
    disposed_kg: float
    materials: tuple[DisposedMaterial, ...]
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "route": self.route,
            "kgco2e_per_pack": self.kgco2e_per_pack,
            "disposed_kg_per_pack": self.disposed_kg,
            "materials": [m.__dict__ for m in self.materials],
        }


def _distribution_data() -> dict[str, Any]:
    return _read("distribution.toml")


def _disposal_data() -> dict[str, Any]:
    return _read("disposal.toml")


def made_in_europe(country: str) -> bool:
    """Whether ``country`` (ISO alpha-2 or a region group) is in Europe for distribution."""
    return bool(set(region_fallbacks(country.upper())) & _EUROPE) or country.upper() in _EUROPE


def default_distribution_legs(pack_country: str) -> tuple[str, tuple[DistributionLeg, ...]]:
    """The cited default scenario for a pack made in ``pack_country``: (scenario id, legs)."""
    scenario_id = "intra_eu" if made_in_europe(pack_country) else "extra_eu"
    scenario = _distribution_data()["scenario"][scenario_id]
    legs = tuple(DistributionLeg.model_validate(leg) for leg in scenario["legs"])
    return scenario_id, legs


def distribution_kgco2e(
    pack_mass_kg: float,
    pack_country: str,
    library: FactorLibrary,
    year: int,
    legs: Sequence[DistributionLeg] | None = None,
) -> Distribution:
    """kg CO2e of carrying one pack of ``pack_mass_kg`` (kg) to the customer.

    ``legs`` given: the maker's own trip (scenario ``"given"``); else the default scenario for a
    pack made in ``pack_country`` (:func:`default_distribution_legs`). Each leg uses the
    library's ``transport_<mode>`` factor (kg CO2e per t·km) for ``year``.
    """
    if pack_mass_kg <= 0:
        raise InputError("distribution", [f"pack_mass_kg: expected > 0 (got {pack_mass_kg!r})"])
    if legs is None:
        scenario_id, chosen = default_distribution_legs(pack_country)
        scenario = _distribution_data()["scenario"][scenario_id]
        source = f"{scenario['source']} ({scenario['status']}): {scenario['description']}"
    else:
        scenario_id, chosen, source = "given", tuple(legs), "given by the battery maker"
    tkm_total = 0.0
    total = 0.0
    factor_ids = []
    warnings: dict[str, None] = {}
    for leg in chosen:
        found = library.lookup(f"transport_{leg.mode}", "GLO", year)
        warnings.update(dict.fromkeys(found.warnings))
        factor = found.factor
        tkm = pack_mass_kg / 1000.0 * leg.distance_km
        tkm_total += tkm
        total += tkm * factor.value
        factor_ids.append(factor.id)
    return Distribution(
        scenario_id, source, chosen, tkm_total, total, tuple(factor_ids), tuple(warnings)
    )


def pack_materials_kg(bsys: BatterySystem) -> dict[str, float]:
    """Masses of one pack by material, kg: cell components x cells, then non-cell parts."""
    masses = {k: v * bsys.cells_per_pack for k, v in bsys.cell_masses_kg.items()}
    for flow, kg in bsys.pack_parts_kg.items():
        masses[f"pack:{flow}"] = masses.get(f"pack:{flow}", 0.0) + kg
    return masses


def disposal_kgco2e(
    bsys: BatterySystem,
    route: str,
    recovery_rates: Mapping[str, float],
    burnt_in_route: frozenset[str] | set[str],
    library: FactorLibrary,
    year: int | None = None,
) -> Disposal:
    """kg CO2e of disposing of what route ``route`` leaves of one spent pack.

    ``recovery_rates``: element or material (Li Ni Co Mn Cu Al graphite) -> share recovered;
    ``burnt_in_route``: names of the route's direct emissions (what it burns on site, counted
    there, not here). Raises :class:`InputError` for a pack material ``data/disposal.toml`` has
    no rule for, so that no mass is dropped silently.
    """
    data = _disposal_data()
    rules: dict[str, dict[str, str]] = {
        **data["cell"], **{f"pack:{k}": v for k, v in data["pack_parts"].items()}
    }  # fmt: skip
    unknown = [m for m in pack_materials_kg(bsys) if m not in rules]
    if unknown:
        raise InputError(
            "disposal",
            [f"{m}: no disposal rule in battery/data/disposal.toml; add one" for m in unknown],
        )
    materials = []
    warnings: dict[str, None] = {}
    for material, mass in pack_materials_kg(bsys).items():
        rule = rules[material]
        if rule["burnt_as"] and rule["burnt_as"] in burnt_in_route:
            materials.append(DisposedMaterial(material, mass, 0.0, "burnt in route", None, 0.0))
            continue
        rate = float(recovery_rates.get(rule["recovered_by"], 0.0)) if rule["recovered_by"] else 0.0
        disposed = mass * (1.0 - rate)
        found = library.lookup(rule["disposal_flow"], "GLO", year or bsys.year)
        warnings.update(dict.fromkeys(found.warnings))
        factor = found.factor
        fate = "recovered" if disposed <= 0 else "disposed"
        materials.append(
            DisposedMaterial(material, mass, disposed, fate, factor.id, disposed * factor.value)
        )
    return Disposal(
        route=route,
        kgco2e_per_pack=sum(m.kgco2e for m in materials),
        disposed_kg=sum(m.disposed_kg for m in materials),
        materials=tuple(materials),
        warnings=tuple(warnings),
    )
