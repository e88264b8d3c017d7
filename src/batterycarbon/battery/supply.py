"""The purchased materials of a design's bill of materials (``Design.supply``).

For each material: the library flows a supplier's dataset for it may carry, and what its figure
replaces. Precursor, cathode and anode active material are made at the design's own step plants:
a supplier's figure replaces that whole step (its inputs and energy). Every other material is
bought in: the figure replaces its flow's library factor in the one foreground process that
uses it for that material (lithium salt in the cathode material, aluminium in the aluminium foil,
the casing material in "casing, tabs and other cell parts", a pack part in the pack parts).
"""

from __future__ import annotations

from typing import Any

from batterycarbon.battery.cell import anode_material, is_solid_state
from batterycarbon.battery.chemistry import CathodeRecipe, cathode_recipe
from batterycarbon.battery.design import STEP_MATERIAL_PLANTS, Design
from batterycarbon.battery.params import chemistry_defaults, model_defaults
from batterycarbon.battery.sourcing import commodities

#: Materials whose supplier figure replaces a foreground step as a whole.
STEP_MATERIALS = tuple(STEP_MATERIAL_PLANTS)
#: Material -> the foreground process in which its figure replaces its flow's factor.
CONSUMERS = {
    "lithium_salt": "cathode_active_material",
    "electrolyte": "electrolyte",
    "aluminium_foil": "aluminium_foil",
    "copper_foil": "copper_foil",
    "separator": "separator",
    "casing": "casing_other",
    "pack_parts": "module_pack_parts",
}
SUPPLY_HINT = (
    "supplier data is used only when a stored product is calculated: "
    "batterycarbon footprint --product NAME_OR_ID"
)


def design_recipe(design: Design) -> CathodeRecipe:
    """The cathode recipe of the design's chemistry (its own ratio, else the default one)."""
    chem: dict[str, Any] = chemistry_defaults()[design.chemistry]
    ratio = design.cathode_ratio or (tuple(chem["ratio"]) if "ratio" in chem else None)
    return cathode_recipe(chem["cathode"], ratio, chem["lithium_salt"])


def material_flows(design: Design) -> dict[str, tuple[str, ...]]:
    """Material -> the library flows a supplier's dataset for it may carry in this design."""
    d = model_defaults()
    recipe = design_recipe(design)
    chemistry = design.chemistry.lower()
    flows: dict[str, tuple[str, ...]] = {}
    if recipe.precursor_kg_per_kg_cam > 0:
        flows["precursor"] = (f"pcam_{chemistry}",)
    flows["cathode_active_material"] = (f"cam_{chemistry}",)
    flows["anode_active_material"] = (anode_material(design),)
    # the salt of any of its routes (data/sourcing.toml): a supplier's figure for it replaces
    # the salt's market whole
    known = commodities()
    flows["lithium_salt"] = tuple(
        name
        for flow in recipe.cam_inputs_kg_per_kg
        if flow.startswith("lithium_")
        for name in (
            tuple(dict.fromkeys(known[flow].routes.values())) if flow in known else (flow,)
        )
    )
    flows["electrolyte"] = (
        ("sulfide_solid_electrolyte",)
        if is_solid_state(design)
        else ("lipf6", "carbonate_solvents")
    )
    flows["aluminium_foil"] = ("aluminium_primary",)
    flows["copper_foil"] = ("copper",)
    flows["separator"] = ("separator_pe_pp",)
    flows["casing"] = (d["format"][design.format]["casing_material"],)
    parts = design.pack.parts_kg if design.pack.parts_kg is not None else d["pack"]["parts_share"]
    flows["pack_parts"] = tuple(parts)
    return flows


def replaces(material: str, flow: str) -> str:
    """What a supplier's figure for ``material`` (of ``flow``) replaces, in words."""
    if material in STEP_MATERIALS:
        return material
    return f"{flow} in {CONSUMERS[material]}"
