"""The design editor's bill of materials: for each purchased material, "Library" or one of the
suppliers whose datasets for it the organization can read, the plant, and optionally one
dataset version.

The form's fields are the design's own paths (``supply.<material>.supplier``, ``.plant``,
``.dataset``); what the form sends is the document's ``supply`` as typed, and the design model
checks it. Precursor, cathode and anode material are made at the design's own step plants: their
plant is shown from the "Plant countries" fields, not sent (the model takes the step plant).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from batterycarbon.battery.design import (
    STEP_MATERIAL_PLANTS,
    SUPPLY_MATERIALS,
    Design,
    read_stored_design,
)
from batterycarbon.battery.supply import material_flows
from batterycarbon.errors import InputError
from batterycarbon.services import Actor
from batterycarbon.services.supply import SupplierChoice, choose, supply_choices

LABELS = {
    "precursor": "Precursor (pCAM)",
    "cathode_active_material": "Cathode active material",
    "anode_active_material": "Anode active material",
    "lithium_salt": "Lithium salt",
    "electrolyte": "Electrolyte",
    "aluminium_foil": "Aluminium foil",
    "copper_foil": "Copper foil",
    "separator": "Separator",
    "casing": "Cell casing",
    "pack_parts": "Pack parts",
}
#: A supplier source's field as the model names it: the union's tag (``supplier``, ``library``)
#: sits between the material and the field (``supply.casing.supplier.plant``).
TAGGED = re.compile(r"^supply\.(?P<material>\w+)\.(?:supplier|library)(?P<field>\.\w+)?: ")
#: The model's check of a supplier's plant against the design (a problem of the whole document,
#: repeating the document as the value): ``(document): supply.casing: plant is required ...``.
PLANT_CHECK = re.compile(
    r"^\(document\): supply\.(?P<material>\w+): (?P<message>.*?)(?: \(got .*\))?$", re.S
)


@dataclass(frozen=True)
class SupplyRow:
    """One material of the form: what the document says and what the actor could choose."""

    material: str
    label: str
    flows: tuple[str, ...] | None  # None: the design could not be read to list them
    supplier: str  # "" for the library
    plant: str
    step: str | None  # the design's step whose plant this is, if it is one
    dataset: str
    choices: list[SupplierChoice]

    @property
    def unlisted_supplier(self) -> bool:
        """The document names a supplier that has no dataset for this material the actor reads."""
        return bool(self.supplier) and all(c.supplier != self.supplier for c in self.choices)

    @property
    def unlisted_dataset(self) -> bool:
        known = {str(d.id) for c in self.choices for d in c.datasets}
        return bool(self.dataset) and self.dataset not in known


def _readable_design(document: dict[str, Any]) -> Design | None:
    """The document as a design, without its supply (which does not change the materials), to
    list the materials' flows and suppliers; ``None`` while other fields are invalid. Read as a
    stored design: a vehicle category a later rule refuses does not hide the suppliers (the
    form's validation names it)."""
    try:
        return read_stored_design({**document, "supply": {}})
    except ValidationError:
        return None


def _section(document: dict[str, Any], key: str) -> dict[str, Any]:
    section = document.get(key)
    return section if isinstance(section, dict) else {}


def supply_rows(session: Session, actor: Actor, document: dict[str, Any]) -> list[SupplyRow]:
    """The bill of materials of ``document`` as rows of the editor's supply table."""
    design = _readable_design(document)
    choices = supply_choices(session, actor, design) if design is not None else {}
    flows = material_flows(design) if design is not None else {}
    supply, plants = _section(document, "supply"), _section(document, "plants")
    rows = []
    for material in SUPPLY_MATERIALS:
        source = supply.get(material)
        source = source if isinstance(source, dict) else {}
        step = STEP_MATERIAL_PLANTS.get(material)
        if step is None:
            plant = source.get("plant")
        else:  # the model's own answer (its default plant when the design names none)
            plant = design.plant_of(material) if design is not None else plants.get(step)
        rows.append(
            SupplyRow(
                material=material,
                label=LABELS[material],
                flows=flows.get(material, ()) if design is not None else None,
                supplier=str(source.get("supplier") or ""),
                plant=str(plant or ""),
                step=step,
                dataset=str(source.get("dataset") or ""),
                choices=choices.get(material, []),
            )
        )
    return rows


def form_problems(problems: list[str]) -> list[str]:
    """The model's problem lines, with a supplier source's fields named as the form names them
    (``supply.<material>.<field>``); the plant checks of the whole document go to the plant."""
    named = []
    for line in problems:
        if match := TAGGED.match(line):
            field = match.group("field") or ".supplier"
            line = f"supply.{match.group('material')}{field}: {line[match.end() :]}"
        elif match := PLANT_CHECK.match(line):
            line = f"supply.{match.group('material')}.plant: {match.group('message')}"
        named.append(line)
    return named


def supply_notes(session: Session, actor: Actor, document: Any) -> dict[str, str]:
    """For each material a valid ``document`` buys from a named supplier (keyed by its form field
    ``supply.<material>``): the dataset a calculation would use now, or why a calculation would
    be refused (the service's own selection, :func:`batterycarbon.services.supply.choose`).
    Notes, not problems: a design may be saved before its supplier shares fitting data."""
    try:
        design = read_stored_design(document)
    except (ValidationError, TypeError):  # not a valid design: its problems are shown instead
        return {}
    notes = {}
    for material, source in design.supplier_sources().items():
        field = f"supply.{material}"
        try:
            chosen = choose(session, actor, design, material, source)
        except InputError as exc:
            reasons = "; ".join(p.removeprefix(f"{field}: ") for p in exc.problems)
            notes[field] = f"a calculation would be refused: {reasons}"
            continue
        row = chosen.row
        notes[field] = (
            f"a calculation now uses dataset {row.id} version {chosen.version} "
            f"({row.year}, plant {chosen.plant}, {row.flow})"
        )
    return notes
