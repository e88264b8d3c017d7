"""Stoichiometry: how much precursor salt and lithium salt one kg of cathode active material needs.

Molar masses from IUPAC standard atomic weights (CIAAW 2021). Salts are the battery-grade hydrates
traded as such: NiSO4·6H2O, CoSO4·7H2O, MnSO4·H2O, LiOH·H2O, anhydrous Li2CO3 and FePO4.
Yields are taken as 100 %: losses are small next to the factors' own uncertainty.
"""

from __future__ import annotations

from dataclasses import dataclass

from batterycarbon.errors import excerpt

ATOMIC_MASS_G_PER_MOL = {
    "H": 1.008, "Li": 6.94, "C": 12.011, "N": 14.007, "O": 15.999, "Na": 22.990, "Al": 26.982,
    "P": 30.974, "S": 32.06, "Cl": 35.45, "Mn": 54.938, "Fe": 55.845, "Co": 58.933, "Ni": 58.693,
}  # fmt: skip

_M = ATOMIC_MASS_G_PER_MOL
WATER = 2 * _M["H"] + _M["O"]
HYDROXIDE = _M["O"] + _M["H"]
SULFATE = _M["S"] + 4 * _M["O"]
MOLAR_MASS_G_PER_MOL = {
    "nickel_sulfate": _M["Ni"] + SULFATE + 6 * WATER,
    "cobalt_sulfate": _M["Co"] + SULFATE + 7 * WATER,
    "manganese_sulfate": _M["Mn"] + SULFATE + WATER,
    "aluminium_primary": _M["Al"],
    "lithium_hydroxide": _M["Li"] + HYDROXIDE + WATER,
    "lithium_carbonate": 2 * _M["Li"] + _M["C"] + 3 * _M["O"],
    "iron_phosphate": _M["Fe"] + _M["P"] + 4 * _M["O"],
    "sodium_hydroxide": _M["Na"] + HYDROXIDE,
    "co2": _M["C"] + 2 * _M["O"],
}


@dataclass(frozen=True)
class CathodeRecipe:
    """Inputs per kg of CAM (kg), and per kg of precursor where there is one."""

    precursor_kg_per_kg_cam: float  # 0 for LFP (iron phosphate is bought in)
    precursor_inputs_kg_per_kg: dict[str, float]  # per kg of pCAM
    cam_inputs_kg_per_kg: dict[str, float]  # besides the precursor, per kg of CAM
    calcination_co2_kg_per_kg_cam: float  # CO2 released by Li2CO3 decomposition


def layered_oxide_recipe(
    metal: tuple[str, str, str], ratio: tuple[float, float, float], lithium_salt: str
) -> CathodeRecipe:
    """LiMO2 from M(OH)2 and a lithium salt; ``metal`` names the three metals' salt flows."""
    if abs(sum(ratio) - 1.0) > 1e-6:
        raise ValueError(f"cathode ratio {ratio} must sum to 1, sums to {sum(ratio):.4f}")
    element = {"nickel_sulfate": "Ni", "cobalt_sulfate": "Co", "manganese_sulfate": "Mn",
               "aluminium_primary": "Al"}  # fmt: skip
    metals_g = sum(x * _M[element[m]] for m, x in zip(metal, ratio, strict=True))
    cam_g = _M["Li"] + metals_g + 2 * _M["O"]
    pcam_g = metals_g + 2 * HYDROXIDE
    precursor_inputs = {
        m: x * (MOLAR_MASS_G_PER_MOL[m] if m != "aluminium_primary" else _M["Al"]) / pcam_g
        for m, x in zip(metal, ratio, strict=True)
        if x > 0
    }
    # Two NaOH per M(OH)2 precipitated from the sulfates.
    precursor_inputs["sodium_hydroxide"] = 2 * MOLAR_MASS_G_PER_MOL["sodium_hydroxide"] / pcam_g
    lithium_g, co2 = _lithium_per_mol(lithium_salt)
    return CathodeRecipe(
        precursor_kg_per_kg_cam=pcam_g / cam_g,
        precursor_inputs_kg_per_kg=precursor_inputs,
        cam_inputs_kg_per_kg={lithium_salt: lithium_g / cam_g},
        calcination_co2_kg_per_kg_cam=co2 / cam_g,
    )


def lfp_recipe() -> CathodeRecipe:
    """LiFePO4 from FePO4 and Li2CO3 (carbothermal solid-state route)."""
    cam_g = _M["Li"] + _M["Fe"] + _M["P"] + 4 * _M["O"]
    lithium_g, co2 = _lithium_per_mol("lithium_carbonate")
    return CathodeRecipe(
        precursor_kg_per_kg_cam=0.0,
        precursor_inputs_kg_per_kg={},
        cam_inputs_kg_per_kg={
            "iron_phosphate": MOLAR_MASS_G_PER_MOL["iron_phosphate"] / cam_g,
            "lithium_carbonate": lithium_g / cam_g,
        },
        calcination_co2_kg_per_kg_cam=co2 / cam_g,
    )


def _lithium_per_mol(lithium_salt: str) -> tuple[float, float]:
    """Grams of salt per mol Li, and grams of CO2 it releases on calcination."""
    if lithium_salt == "lithium_hydroxide":
        return MOLAR_MASS_G_PER_MOL["lithium_hydroxide"], 0.0
    if lithium_salt == "lithium_carbonate":
        return MOLAR_MASS_G_PER_MOL["lithium_carbonate"] / 2, MOLAR_MASS_G_PER_MOL["co2"] / 2
    raise ValueError(
        f"lithium salt {excerpt(lithium_salt)}; expected lithium_hydroxide or lithium_carbonate"
    )


def cathode_recipe(
    cathode: str, ratio: tuple[float, float, float] | None, salt: str
) -> CathodeRecipe:
    """Recipe of a chemistry family: ``LFP``, ``NCM`` (Ni:Co:Mn) or ``NCA`` (Ni:Co:Al)."""
    if cathode == "LFP":
        return lfp_recipe()
    if ratio is None:
        raise ValueError(f"{cathode} cathode needs a ratio")
    if cathode == "NCM":
        return layered_oxide_recipe(
            ("nickel_sulfate", "cobalt_sulfate", "manganese_sulfate"), ratio, salt
        )
    if cathode == "NCA":
        return layered_oxide_recipe(
            ("nickel_sulfate", "cobalt_sulfate", "aluminium_primary"), ratio, salt
        )
    raise ValueError(f"cathode family {excerpt(cathode)}; expected LFP, NCM or NCA")
