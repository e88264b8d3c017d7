"""The entities of an openLCA JSON-LD zip: files by folder and ``@id``, units, flows.

Each reader collects its problems (file, field, value, expectation) in ``Archive.problems``
instead of stopping at the first, so a user sees everything wrong with an archive at once.

References
----------
GreenDelta (2023). openLCA schema, version 2. https://greendelta.github.io/olca-schema
"""

from __future__ import annotations

import json
import math
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from batterycarbon.interop.common import InteropError, normalized_name

PRODUCT, WASTE, ELEMENTARY = "PRODUCT_FLOW", "WASTE_FLOW", "ELEMENTARY_FLOW"
FOLDERS = ("processes", "flows", "flow_properties", "unit_groups", "lcia_categories")
Entity = dict[str, Any]


def first_of(entity: Entity, *names: str) -> Any:
    """The value of the first of ``names`` present (schema 2 name first, then schema 1's)."""
    for name in names:
        if name in entity:
            return entity[name]
    return None


def ref_id(value: Any) -> str | None:
    """The ``@id`` of a reference object, or None."""
    uid = value.get("@id") if isinstance(value, dict) else None
    return uid if isinstance(uid, str) and uid else None


def finite(value: Any) -> float | None:
    """``value`` as a float if it is a finite JSON number (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


@dataclass
class Archive:
    """The JSON entities of one archive by folder and ``@id``, and the problems found so far."""

    source: str
    entities: dict[str, dict[str, tuple[str, Entity]]]  # folder -> @id -> (file, JSON)
    problems: list[str]

    def each(self, folder: str) -> list[tuple[str, str, Entity]]:
        return [(uid, file, data) for uid, (file, data) in self.entities[folder].items()]


def load_archive(path: str | Path) -> Archive:
    """Every ``<folder>/<@id>.json`` of the folders in :data:`FOLDERS`, sorted by file name."""
    source = str(path)
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise InteropError(source, [f"(archive): not a readable zip file ({exc})"]) from None
    entities: dict[str, dict[str, tuple[str, Entity]]] = {folder: {} for folder in FOLDERS}
    problems: list[str] = []
    with archive:
        for name in sorted(archive.namelist()):
            parts = name.split("/")
            if len(parts) < 2 or parts[-2] not in entities or not name.endswith(".json"):
                continue
            try:
                data = json.loads(archive.read(name).decode("utf-8"))
            except json.JSONDecodeError as exc:
                problems.append(f"{name}: not valid JSON ({exc.msg} at line {exc.lineno})")
                continue
            except (UnicodeDecodeError, zipfile.BadZipFile, zlib.error, OSError) as exc:
                problems.append(f"{name}: cannot be read as UTF-8 JSON ({exc})")
                continue
            uid = data.get("@id") if isinstance(data, dict) else None
            if not isinstance(data, dict):
                problems.append(f"{name}: expected a JSON object (got {type(data).__name__})")
            elif not isinstance(uid, str) or not uid:
                problems.append(f"{name}: @id: expected a non-empty string (got {uid!r})")
            elif uid in entities[parts[-2]]:
                problems.append(
                    f"{name}: @id: {uid!r} is also the @id of {entities[parts[-2]][uid][0]}"
                )
            else:
                entities[parts[-2]][uid] = (name, data)
    if not entities["processes"]:
        problems.append("processes/: no process found (expected processes/<@id>.json files)")
    return Archive(source, entities, problems)


@dataclass(frozen=True)
class Units:
    """Unit groups and flow properties: what converts an amount to a reference unit."""

    unit_factor: dict[str, float]  # unit @id -> amount of the group's reference unit in one unit
    group_units: dict[str, dict[str, float]]  # unit group @id -> normalized unit name -> factor
    group_reference: dict[str, str]  # unit group @id -> name of its reference unit
    property_group: dict[str, str]  # flow property @id -> unit group @id


def read_units(archive: Archive) -> Units:
    """Units of ``unit_groups/`` and the unit group of each flow property."""
    unit_factor: dict[str, float] = {}
    group_units: dict[str, dict[str, float]] = {}
    group_reference: dict[str, str] = {}
    for gid, file, group in archive.each("unit_groups"):
        units = group.get("units")
        if not isinstance(units, list):
            archive.problems.append(f"{file}: units: expected a list of units (got {units!r})")
            continue
        group_units[gid] = {}
        for i, unit in enumerate(units):
            factor = finite(unit.get("conversionFactor")) if isinstance(unit, dict) else None
            name = unit.get("name") if isinstance(unit, dict) else None
            if factor is None or factor <= 0 or not isinstance(name, str):
                archive.problems.append(
                    f"{file}: units[{i}]: expected a name and a positive conversionFactor "
                    f"(got {unit!r})"
                )
                continue
            group_units[gid][normalized_name(name)] = factor
            if uid := ref_id(unit):
                unit_factor[uid] = factor
            if first_of(unit, "isRefUnit", "referenceUnit"):
                group_reference[gid] = name
    property_group = {
        pid: group_id
        for pid, _, prop in archive.each("flow_properties")
        if (group_id := ref_id(prop.get("unitGroup")))
    }
    return Units(unit_factor, group_units, group_reference, property_group)


@dataclass(frozen=True)
class Flow:
    """A flow's name, type (empty if its file is malformed) and flow properties."""

    name: str
    kind: str
    properties: dict[str, float]  # flow property @id -> amount of it per reference unit
    reference_property: str | None


def read_flows(archive: Archive) -> dict[str, Flow]:
    """The flows of ``flows/`` by ``@id``."""
    flows: dict[str, Flow] = {}
    for uid, file, data in archive.each("flows"):
        kind = data.get("flowType")
        if kind not in (PRODUCT, WASTE, ELEMENTARY):
            archive.problems.append(
                f"{file}: flowType: expected {PRODUCT}, {WASTE} or {ELEMENTARY} (got {kind!r})"
            )
            flows[uid] = Flow(str(data.get("name") or uid), "", {}, None)  # reported: skip
            continue
        properties: dict[str, float] = {}
        reference: str | None = None
        for i, factor in enumerate(data.get("flowProperties") or []):
            pid = ref_id(factor.get("flowProperty")) if isinstance(factor, dict) else None
            value = (
                finite(factor.get("conversionFactor", 1.0)) if isinstance(factor, dict) else None
            )
            if pid is None or value is None or value <= 0:
                archive.problems.append(
                    f"{file}: flowProperties[{i}]: expected a flowProperty reference and a "
                    f"positive conversionFactor (got {factor!r})"
                )
                continue
            properties[pid] = value
            if first_of(factor, "isRefFlowProperty", "referenceFlowProperty"):
                reference = pid
        flows[uid] = Flow(str(data.get("name") or uid), kind, properties, reference)
    return flows


def to_reference(
    amount: float, entity: Entity, flow: Flow, units: Units, where: str, problems: list[str]
) -> float | None:
    """``amount`` given in ``entity``'s unit and flow property, in the flow's reference unit.

    openLCA's rule: reference amount = amount * unit factor / flow-property factor.
    """
    prop = ref_id(entity.get("flowProperty")) or flow.reference_property
    prop_factor = 1.0
    if prop is not None and flow.properties:
        if prop not in flow.properties:
            problems.append(
                f"{where}.flowProperty: {prop!r} is not a property of flow {flow.name!r}"
            )
            return None
        prop_factor = flow.properties[prop]
    unit = entity.get("unit")
    if unit is None:
        return amount / prop_factor
    factor = units.unit_factor.get(ref_id(unit) or "")
    if factor is None and isinstance(unit, dict) and prop in units.property_group:
        group = units.group_units.get(units.property_group[prop], {})
        factor = group.get(normalized_name(str(unit.get("name", ""))))
    if factor is None:
        problems.append(
            f"{where}.unit: {unit.get('name') if isinstance(unit, dict) else unit!r} "
            "is not a unit of any unit group in unit_groups/ (by @id or by name)"
        )
        return None
    return amount * factor / prop_factor
