"""Module and pack parts: the pack type of a design and the masses of its non-cell parts.

A pack is module-based (cells -> modules -> pack) or cell-to-pack ("ctp": cells straight into
the pack, without module housings). Each type has its own default cell-to-pack mass ratio
(``data/defaults.toml`` [pack.type.*], cited there); the non-cell mass is split by
[pack.parts_share]. A design may set its type, its own ratio or a bill of parts
(``pack.parts_kg``), which replaces the split.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, get_args

from batterycarbon.errors import InputError

if TYPE_CHECKING:
    from batterycarbon.battery.design import Design

PackType = Literal["module", "ctp"]
PACK_TYPES: tuple[str, ...] = get_args(PackType)


def pack_type(design: Design, pack_defaults: dict[str, Any]) -> str:
    """The design's pack type, else its chemistry's default type, else the default type."""
    chosen = design.pack.type
    if chosen is None:
        by_chemistry = pack_defaults.get("default_type_by_chemistry", {})
        chosen = by_chemistry.get(design.chemistry, pack_defaults["default_type"])
    if chosen not in PACK_TYPES or chosen not in pack_defaults["type"]:
        raise InputError("pack.type", [f"{chosen!r}: expected one of {PACK_TYPES}"])
    return str(chosen)


def cell_to_pack_mass_ratio(design: Design, pack_defaults: dict[str, Any]) -> float:
    """The design's cell-to-pack mass ratio, else its pack type's default for its chemistry,
    else the pack type's default."""
    given = design.pack.cell_to_pack_mass_ratio
    if given is not None:
        return float(given)
    table = pack_defaults["type"][pack_type(design, pack_defaults)]
    by_chemistry = table.get("cell_to_pack_mass_ratio_by_chemistry", {})
    ratio = float(by_chemistry.get(design.chemistry, table["cell_to_pack_mass_ratio"]))
    if not 0.2 < ratio <= 1.0:
        raise InputError(
            "pack.type", [f"cell_to_pack_mass_ratio {ratio}: expected a ratio in (0.2, 1]"]
        )
    return ratio


def pack_parts_kg(
    design: Design, cells_mass_kg: float, pack_defaults: dict[str, Any]
) -> dict[str, float]:
    """Non-cell pack masses, kg: the design's bill of parts, else the default split of the
    non-cell mass that the cell-to-pack mass ratio leaves, cells_mass x (1 / ratio - 1)."""
    if design.pack.parts_kg is not None:
        return dict(design.pack.parts_kg)
    ratio = cell_to_pack_mass_ratio(design, pack_defaults)
    rest = cells_mass_kg * (1 / ratio - 1)
    return {flow: rest * share for flow, share in pack_defaults["parts_share"].items()}
