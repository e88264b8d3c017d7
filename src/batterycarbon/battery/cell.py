"""Cell bill of materials from electrochemistry, where the design does not give the masses; the
cell's volume, specific energy and energy density, and the plausibility check of the result.

All functions take and return SI-ish canonical units named in the argument (kg, Ah, cm2, L).
Electrode design parameters per chemistry and format, casing mass models and the plausible
bands are in ``data/cell_designs.toml`` (with its fallback order and sources); material
constants in ``data/defaults.toml`` ``[electrode]``; chemistry data in ``data/chemistries.toml``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from batterycarbon.battery.design import Design
from batterycarbon.battery.pack import pack_type
from batterycarbon.battery.params import chemistry_defaults, model_defaults, parameters

if TYPE_CHECKING:
    from batterycarbon.factors.model import Release

MASS_KEYS = (
    "cathode_active_material",
    "conductive_carbon",
    "cathode_binder",
    "aluminium_foil",
    "anode_active_material",
    "anode_binder",
    "copper_foil",
    "electrolyte",
    "separator",
    "casing",
    "tabs_other",
)
CELL_DESIGNS = "cell_designs.toml"
UM_TO_CM = 1e-4
MM_TO_CM = 0.1


def cell_voltage_v(design: Design) -> float:
    chem = chemistry_defaults()[design.chemistry]
    return design.cell.nominal_voltage_v or float(chem["nominal_voltage_v"])


def cell_energy_kwh(design: Design) -> float:
    """Nominal energy of one cell, kWh = Ah x V / 1000."""
    return design.cell.capacity_ah * cell_voltage_v(design) / 1000.0


def is_solid_state(design: Design) -> bool:
    return bool(chemistry_defaults()[design.chemistry].get("solid_electrolyte", False))


def anode_material(design: Design) -> str:
    if design.anode_material:
        return design.anode_material
    return "lithium_metal" if is_solid_state(design) else "graphite_synthetic"


def _lookup_tables(data: dict[str, Any], chemistry: str, fmt: str) -> list[tuple[str, Any]]:
    """The tables of ``cell_designs.toml`` a parameter is looked up in, first match wins."""
    family = data["families"].get(chemistry, chemistry)
    design = data.get("design", {})
    chem = data.get("chemistry", {})
    return [
        (f"design.{chemistry}.{fmt}", design.get(chemistry, {}).get(fmt)),
        (f"design.{family}.{fmt}", design.get(family, {}).get(fmt)),
        (f"chemistry.{chemistry}", chem.get(chemistry)),
        (f"chemistry.{family}", chem.get(family)),
        (f"format.{fmt}", data["format"].get(fmt)),
        ("generic", data["generic"]),
    ]


def design_parameters(
    chemistry: str, fmt: str, release: Release | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """Cell design parameters of ``chemistry`` in format ``fmt`` with the fallback order of
    ``cell_designs.toml``: the values, and for each key the table it came from."""
    data = parameters(CELL_DESIGNS, release)
    values: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for name, table in reversed(_lookup_tables(data, chemistry, fmt)):
        for key, value in (table or {}).items():
            values[key] = value
            origin[key] = name
    return values, origin


def _materials(release: Release | None) -> dict[str, float]:
    return dict(model_defaults(release)["electrode"])


def derive_cell_masses(design: Design, release: Release | None = None) -> dict[str, float]:
    """Mass of each cell part, kg: the design's own figures, the rest derived.

    Cathode: capacity / (specific capacity of the CAM x cathode utilisation), coating by
    composition. Anode: the cathode's loaded capacity x N/P / graphite capacity (or lithium metal
    with excess). Foils and separator from the electrode area at the areal capacity. Liquid
    electrolyte per Ah where the design table gives it, else the pore volume times a fill factor;
    solid-state cells instead carry Li6PS5Cl in the cathode composite and as separator layer.
    Casing from the format's mass model (``cell_designs.toml``), tabs and other parts a share of
    the finished cell. ``release`` may pin parameters (params.py).
    """
    return _derive(design, release)[0]


def _derive(design: Design, release: Release | None) -> tuple[dict[str, float], float]:
    """Cell masses (kg) and the cell volume (L)."""
    chem: dict[str, Any] = chemistry_defaults(release)[design.chemistry]
    p, _ = design_parameters(design.chemistry, design.format, release)
    mat = _materials(release)
    given = design.cell.masses_kg.model_dump()
    capacity_mah = design.cell.capacity_ah * 1000.0
    solid = is_solid_state(design)

    spec = design.cell.specific_capacity_mah_per_g or float(chem["specific_capacity_mah_per_g"])
    loaded_mah = capacity_mah / p["cathode_utilisation"]  # the cathode's half-cell capacity
    cam = given["cathode_active_material"] or loaded_mah / spec / 1000.0
    coating = cam / chem["cam_fraction"]
    m: dict[str, float] = {
        "cathode_active_material": cam,
        "conductive_carbon": coating * chem["conductive_carbon_fraction"],
        "cathode_binder": coating * chem["binder_fraction"],
    }
    areal = design.cell.areal_capacity_mah_per_cm2 or p["areal_capacity_mah_per_cm2"]
    coated_area_cm2 = loaded_mah / areal  # one side of coating per cm2 of this area
    foil_area_cm2 = coated_area_cm2 / 2  # coated on both sides
    al_cm3 = foil_area_cm2 * p["aluminium_foil_thickness_um"] * UM_TO_CM
    cu_cm3 = p["anode_overhang"] * foil_area_cm2 * p["copper_foil_thickness_um"] * UM_TO_CM
    m["aluminium_foil"] = al_cm3 * mat["aluminium_density_g_per_cm3"] / 1000.0
    m["copper_foil"] = cu_cm3 * mat["copper_density_g_per_cm3"] / 1000.0
    np_ratio = design.cell.np_ratio or p["np_ratio"]
    if anode_material(design) == "lithium_metal":
        lithium_mah = capacity_mah * (1 + p["lithium_metal_excess"])
        m["anode_active_material"] = (
            lithium_mah / mat["lithium_specific_capacity_mah_per_g"] / 1000.0
        )
        m["anode_binder"] = 0.0
    else:
        graphite = loaded_mah * np_ratio / mat["graphite_specific_capacity_mah_per_g"] / 1000.0
        m["anode_active_material"] = graphite
        m["anode_binder"] = graphite / p["anode_active_fraction"] * p["anode_binder_fraction"]
    separator_area_cm2 = p["separator_overhang"] * coated_area_cm2
    for key in m:
        if given.get(key) is not None:
            m[key] = given[key]
    cathode_g = (m["cathode_active_material"] + m["conductive_carbon"] + m["cathode_binder"]) * 1e3
    cathode_cm3 = cathode_g / p["cathode_solid_density_g_per_cm3"] / (1 - p["cathode_porosity"])
    if solid:
        composite_rest = 1 - chem["cam_fraction"] - chem["conductive_carbon_fraction"]
        catholyte = coating * (composite_rest - chem["binder_fraction"])
        layer_cm3 = separator_area_cm2 * p["solid_separator_thickness_um"] * UM_TO_CM
        se_density = p["solid_electrolyte_density_g_per_cm3"]
        m["electrolyte"] = catholyte + layer_cm3 * se_density / 1000.0
        m["separator"] = 0.0
        anode_cm3 = m["anode_active_material"] * 1e3 / p["lithium_density_g_per_cm3"]
        cathode_cm3 += catholyte * 1e3 / se_density / (1 - p["cathode_porosity"])
        separator_cm3 = layer_cm3
        pore_cm3 = 0.0
    else:
        separator_cm3 = separator_area_cm2 * p["separator_thickness_um"] * UM_TO_CM
        m["separator"] = (
            separator_cm3
            * (1 - p["separator_porosity"])
            * mat["separator_solid_density_g_per_cm3"]
            / 1000.0
        )
        anode_g = (m["anode_active_material"] + m["anode_binder"]) * 1000.0
        anode_cm3 = anode_g / p["anode_solid_density_g_per_cm3"] / (1 - p["anode_porosity"])
        pore_cm3 = (
            cathode_cm3 * p["cathode_porosity"]
            + anode_cm3 * p["anode_porosity"]
            + separator_cm3 * p["separator_porosity"]
        )
        if p["electrolyte_g_per_ah"] > 0:
            m["electrolyte"] = design.cell.capacity_ah * p["electrolyte_g_per_ah"] / 1000.0
        else:
            fill = pore_cm3 * p["electrolyte_excess"]
            m["electrolyte"] = fill * mat["electrolyte_density_g_per_cm3"] / 1000.0
    for key in ("electrolyte", "separator"):
        if given.get(key) is not None:
            m[key] = given[key]
    stack_cm3 = cathode_cm3 + anode_cm3 + separator_cm3 + al_cm3 + cu_cm3
    cell_cm3 = stack_cm3 / p["stack_volume_fraction"]
    inner = sum(m.values())
    tabs_share = p["tabs_other_fraction"]
    m["casing"] = (
        given["casing"]
        if given["casing"] is not None
        else _casing_kg(design.format, p, cell_cm3, inner, tabs_share)
    )
    m["tabs_other"] = (
        given["tabs_other"]
        if given["tabs_other"] is not None
        else (inner + m["casing"]) * tabs_share / (1 - tabs_share)
    )
    return {key: m[key] for key in MASS_KEYS}, cell_cm3 / 1000.0


def _casing_kg(fmt: str, p: dict[str, Any], cell_cm3: float, inner: float, tabs: float) -> float:
    """Casing mass by the format's model (``cell_designs.toml`` ``[format.*]``)."""
    model = p["casing_model"]
    if model == "share":
        return float(inner * p["casing_fraction"] / (1 - p["casing_fraction"] - tabs))
    if model == "box":
        surface_cm2 = p["box_surface_factor"] * cell_cm3 ** (2 / 3)
    elif model == "cylinder":
        radius_cm = p["diameter_mm"] * MM_TO_CM / 2
        height_cm = cell_cm3 / (math.pi * radius_cm**2)
        surface_cm2 = 2 * math.pi * radius_cm * height_cm + 2 * math.pi * radius_cm**2
    else:
        raise ValueError(
            f"{CELL_DESIGNS} format.{fmt}.casing_model: {model!r}; expected box, cylinder or share"
        )
    return float(surface_cm2 * p["can_wall_mm"] * MM_TO_CM * p["can_density_g_per_cm3"] / 1000.0)


@dataclass(frozen=True)
class Band:
    """The plausible range of a cell's specific energy (and energy density) and its sources."""

    chemistry: str
    format: str
    wh_per_kg: tuple[float, float]
    wh_per_l: tuple[float, float] | None
    sources: tuple[str, ...]

    def label(self) -> str:
        low, high = self.wh_per_kg
        return f"{self.chemistry} {self.format} cells {low:.0f}-{high:.0f} Wh/kg"

    def to_dict(self) -> dict[str, Any]:
        return {
            "wh_per_kg": [round(x, 6) for x in self.wh_per_kg],
            "wh_per_l": [round(x, 6) for x in self.wh_per_l] if self.wh_per_l else None,
            "sources": list(self.sources),
        }


def plausible_band(chemistry: str, fmt: str, release: Release | None = None) -> Band | None:
    """The cited band of ``chemistry`` cells in format ``fmt``, widened by its margin; None where
    ``cell_designs.toml`` has none (the combination is not checked)."""
    table = parameters(CELL_DESIGNS, release).get("plausible", {}).get(chemistry, {}).get(fmt)
    if table is None:
        return None
    margin = float(table["margin"])

    def widen(pair: list[float]) -> tuple[float, float]:
        return (pair[0] * (1 - margin), pair[1] * (1 + margin))

    volumetric = table.get("wh_per_l")
    return Band(
        chemistry=chemistry,
        format=fmt,
        wh_per_kg=widen(table["wh_per_kg"]),
        wh_per_l=widen(volumetric) if volumetric else None,
        sources=tuple(table["sources"]),
    )


@dataclass(frozen=True)
class CellSpecs:
    """One cell's mass, volume and derived energy figures, with the plausibility warnings."""

    energy_wh: float
    mass_kg: float
    volume_l: float
    band: Band | None
    warnings: tuple[str, ...]

    @property
    def wh_per_kg(self) -> float:
        return self.energy_wh / self.mass_kg

    @property
    def wh_per_l(self) -> float:
        return self.energy_wh / self.volume_l


def cell_specs(
    design: Design, masses: dict[str, float], release: Release | None = None
) -> CellSpecs:
    """Specific energy and energy density of the design's cell with ``masses`` (kg), and a
    warning for each figure outside the cited band of its chemistry and format."""
    _, volume_l = _derive(design, release)
    energy_wh = cell_energy_kwh(design) * 1000.0
    mass_kg = sum(masses.values())
    band = plausible_band(design.chemistry, design.format, release)
    warnings: list[str] = []
    # Only the specific energy is checked: the cell volume is an estimate (the stack over an
    # assumed format packing share), so the Wh/L band is reported beside it, not warned on.
    if band is not None:
        low, high = band.wh_per_kg
        value = energy_wh / mass_kg
        if not low <= value <= high:
            warnings.append(
                f"cell specific energy: {value:.0f} Wh/kg is outside the plausible "
                f"{low:.0f}-{high:.0f} Wh/kg of commercial {design.chemistry} {design.format} "
                f"cells (cell_designs.toml; sources: {', '.join(band.sources)}); check the "
                "cell's capacity, voltage and masses"
            )
    return CellSpecs(energy_wh, mass_kg, volume_l, band, tuple(warnings))


def pack_volume_l(
    design: Design, cells: int, cell_volume_l: float, release: Release | None = None
) -> float:
    """Pack volume, L: the cells' volume over the volumetric cell-to-pack ratio of the design's
    pack type (``cell_designs.toml`` ``[pack_volume.*]``)."""
    kind = pack_type(design, model_defaults(release)["pack"])
    table = parameters(CELL_DESIGNS, release)["pack_volume"][kind]
    return cells * cell_volume_l / float(table["cell_to_pack_volume_ratio"])
