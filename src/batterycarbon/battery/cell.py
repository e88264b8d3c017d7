"""Cell bill of materials from electrochemistry, where the design does not give the masses.

All functions take and return SI-ish canonical units named in the argument (kg, Ah, cm2).
The defaults and their sources are in ``data/defaults.toml`` and ``data/chemistries.toml``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from batterycarbon.battery.design import Design
from batterycarbon.battery.params import chemistry_defaults, model_defaults

if TYPE_CHECKING:
    from batterycarbon.factors.model import Release

MASS_KEYS = (
    "cathode_active_material", "conductive_carbon", "cathode_binder", "aluminium_foil",
    "anode_active_material", "anode_binder", "copper_foil", "electrolyte", "separator",
    "casing", "tabs_other",
)  # fmt: skip

UM_TO_CM = 1e-4


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


def derive_cell_masses(design: Design, release: Release | None = None) -> dict[str, float]:
    """Mass of each cell part, kg: the design's own figures, the rest derived.

    Cathode: capacity / specific capacity of the CAM, coating by composition. Anode: capacity x
    N/P / graphite capacity (or lithium metal with excess). Foils and separator from the electrode
    area at the areal capacity. Liquid electrolyte fills the pore volume with an excess; solid-state
    cells instead carry Li6PS5Cl in the cathode composite and as separator layer. Casing and tabs
    are shares of the finished cell by format. ``release`` may pin some defaults (params.py).
    """
    chem: dict[str, Any] = chemistry_defaults(release)[design.chemistry]
    d = model_defaults(release)
    e: dict[str, float] = d["electrode"]
    given = design.cell.masses_kg.model_dump()
    capacity_mah = design.cell.capacity_ah * 1000.0
    solid = is_solid_state(design)

    spec = design.cell.specific_capacity_mah_per_g or float(chem["specific_capacity_mah_per_g"])
    cam = given["cathode_active_material"] or capacity_mah / spec / 1000.0
    coating = cam / chem["cam_fraction"]
    m: dict[str, float] = {
        "cathode_active_material": cam,
        "conductive_carbon": coating * chem["conductive_carbon_fraction"],
        "cathode_binder": coating * chem["binder_fraction"],
    }
    areal = design.cell.areal_capacity_mah_per_cm2 or e["areal_capacity_mah_per_cm2"]
    coated_area_cm2 = capacity_mah / areal  # one side of coating per cm2 of this area
    foil_area_cm2 = coated_area_cm2 / 2  # coated on both sides
    m["aluminium_foil"] = (
        foil_area_cm2 * e["aluminium_foil_thickness_um"] * UM_TO_CM
        * e["aluminium_density_g_per_cm3"] / 1000.0
    )  # fmt: skip
    m["copper_foil"] = (
        1.05 * foil_area_cm2 * e["copper_foil_thickness_um"] * UM_TO_CM
        * e["copper_density_g_per_cm3"] / 1000.0
    )  # fmt: skip
    np_ratio = design.cell.np_ratio or e["np_ratio"]
    if anode_material(design) == "lithium_metal":
        m["anode_active_material"] = (
            capacity_mah * (1 + e["lithium_metal_excess"]) / e["lithium_specific_capacity_mah_per_g"]
            / 1000.0
        )  # fmt: skip
        m["anode_binder"] = 0.0
    else:
        graphite = capacity_mah * np_ratio / e["graphite_specific_capacity_mah_per_g"] / 1000.0
        m["anode_active_material"] = graphite
        m["anode_binder"] = graphite / e["anode_active_fraction"] * e["anode_binder_fraction"]
    separator_area_cm2 = 1.05 * coated_area_cm2
    if solid:
        composite_rest = 1 - chem["cam_fraction"] - chem["conductive_carbon_fraction"]
        catholyte = coating * (composite_rest - chem["binder_fraction"])
        layer = (
            separator_area_cm2 * e["solid_separator_thickness_um"] * UM_TO_CM
            * e["solid_electrolyte_density_g_per_cm3"] / 1000.0
        )  # fmt: skip
        m["electrolyte"] = catholyte + layer
        m["separator"] = 0.0
    else:
        sep_cm3 = separator_area_cm2 * e["separator_thickness_um"] * UM_TO_CM
        m["separator"] = (
            sep_cm3
            * (1 - e["separator_porosity"])
            * (e["separator_solid_density_g_per_cm3"] / 1000.0)
        )
        cathode_density = (
            e["lfp_cathode_solid_density_g_per_cm3"]
            if chem["cathode"] == "LFP"
            else e["cathode_solid_density_g_per_cm3"]
        )
        anode_coating_g = (m["anode_active_material"] + m["anode_binder"]) * 1000.0
        pore_cm3 = (
            coating * 1000.0 / cathode_density * e["cathode_porosity"] / (1 - e["cathode_porosity"])
            + anode_coating_g / e["anode_solid_density_g_per_cm3"] * e["anode_porosity"]
            / (1 - e["anode_porosity"])
            + sep_cm3 * e["separator_porosity"]
        )  # fmt: skip
        m["electrolyte"] = (
            pore_cm3 * e["electrolyte_excess"] * e["electrolyte_density_g_per_cm3"] / 1000.0
        )
    for key in m:
        if given.get(key) is not None:
            m[key] = given[key]
    fmt = d["format"][design.format]
    inner = sum(m.values())
    shell = 1 - fmt["casing_fraction"] - fmt["tabs_other_fraction"]
    m["casing"] = (
        given["casing"] if given["casing"] is not None else (inner * fmt["casing_fraction"] / shell)
    )
    m["tabs_other"] = (
        given["tabs_other"]
        if given["tabs_other"] is not None
        else (inner * fmt["tabs_other_fraction"] / shell)
    )
    return {key: m[key] for key in MASS_KEYS}
