"""Write a product system as an openLCA JSON-LD zip (olca-schema 2).

Each process becomes an openLCA unit process making one product flow (its reference exchange),
with its inputs linked to their providers by ``defaultProvider``; a positive off-diagonal entry
of the technosphere (a credit) becomes an avoided product. Each elementary flow of the system
becomes an elementary flow in kg ("Carbon dioxide equivalent" for the engine's ``co2e``), and an
LCIA category :data:`IMPACT_CATEGORY` with a method of the same name carries the system's
characterization factors, so openLCA computes the same footprint, and
``read_olca_zip(path, impact_category=IMPACT_CATEGORY)`` reads back the same system.

Units: kg, kWh and MJ (one "Units of energy" group, MJ reference, kWh = 3.6 MJ), item and t*km
get their physical unit groups; any other unit label gets a group of its own.

Entity ids are UUIDs derived (version 5) from ``dataset`` and the process or flow id, so the same
system always gives the same archive, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import uuid
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from batterycarbon.errors import InputError
from batterycarbon.interop.common import ExportSource, export_labels
from batterycarbon.interop.olca_archive import ELEMENTARY, PRODUCT
from batterycarbon.lca import ProductSystem

IMPACT_CATEGORY = "Climate change - GWP100 (batterycarbon)"
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:batterycarbon:interop:olca")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed, so that the archive is reproducible
Entity = dict[str, Any]

# unit label -> (unit group, flow property, {unit name: factor to the reference unit}, unit name)
_GROUPS: dict[str, tuple[str, str, dict[str, float], str]] = {
    "kg": ("Units of mass", "Mass", {"kg": 1.0}, "kg"),
    "MJ": ("Units of energy", "Energy", {"MJ": 1.0, "kWh": 3.6}, "MJ"),
    "kWh": ("Units of energy", "Energy", {"MJ": 1.0, "kWh": 3.6}, "kWh"),
    "item": ("Units of items", "Number of items", {"Item(s)": 1.0}, "Item(s)"),
    "t*km": ("Units of mass*length", "Goods transport (mass*distance)", {"t*km": 1.0}, "t*km"),
}


def system_digest(system: ProductSystem) -> str:
    """SHA-256 of a system's ids and matrices: the default dataset name of an export."""
    digest = hashlib.sha256(json.dumps([system.process_ids, system.flow_ids]).encode())
    for matrix in (system.technosphere, system.biosphere):
        m = sp.csc_matrix(matrix, copy=True)
        m.sum_duplicates()
        m.sort_indices()
        for array in (m.indptr.astype(np.int64), m.indices.astype(np.int64), m.data):
            digest.update(np.ascontiguousarray(array, dtype=array.dtype).tobytes())
    digest.update(np.asarray(system.characterization, dtype=np.float64).tobytes())
    return digest.hexdigest()


class _Writer:
    """Collects the entities of one archive, each with a deterministic UUID."""

    def __init__(self, dataset: str) -> None:
        self.namespace = uuid.uuid5(_NAMESPACE, dataset)
        self.entities: dict[str, Entity] = {}
        self.unit_refs: dict[str, tuple[Entity, Entity]] = {}  # label -> (property, unit) refs

    def uid(self, kind: str, key: str) -> str:
        return str(uuid.uuid5(self.namespace, f"{kind}/{key}"))

    def add(self, folder: str, entity: Entity) -> Entity:
        """Store ``entity`` and return a reference to it."""
        self.entities[f"{folder}/{entity['@id']}.json"] = entity
        return {k: entity[k] for k in ("@type", "@id", "name")}

    def unit(self, label: str) -> tuple[Entity, Entity]:
        """(flow property ref, unit ref) for a unit label, adding its group on first use."""
        if label not in self.unit_refs:
            group_name, prop_name, units, unit_name = _GROUPS.get(
                label, (f"Units of {label}", f"Quantity in {label}", {label: 1.0}, label)
            )
            unit_ids = {name: self.uid("unit", f"{group_name}/{name}") for name in units}
            group_id = self.uid("unit_group", group_name)
            prop_ref = self.add("flow_properties", {
                "@type": "FlowProperty", "@id": self.uid("flow_property", prop_name),
                "name": prop_name, "flowPropertyType": "PHYSICAL_QUANTITY",
                "unitGroup": {"@type": "UnitGroup", "@id": group_id, "name": group_name},
            })  # fmt: skip
            self.add("unit_groups", {
                "@type": "UnitGroup", "@id": group_id, "name": group_name,
                "defaultFlowProperty": prop_ref,
                "units": [
                    {"@type": "Unit", "@id": unit_ids[name], "name": name,
                     "conversionFactor": factor, "isRefUnit": factor == 1.0}
                    for name, factor in units.items()
                ],
            })  # fmt: skip
            unit_ref = {"@type": "Unit", "@id": unit_ids[unit_name], "name": unit_name}
            self.unit_refs[label] = (prop_ref, unit_ref)
        return self.unit_refs[label]

    def flow(self, key: str, name: str, kind: str, unit: str, category: str) -> Entity:
        prop_ref, _ = self.unit(unit)
        ref = self.add("flows", {
            "@type": "Flow", "@id": self.uid("flow", key), "name": name, "flowType": kind,
            "category": category,
            "flowProperties": [{"@type": "FlowPropertyFactor", "flowProperty": prop_ref,
                                "conversionFactor": 1.0, "isRefFlowProperty": True}],
        })  # fmt: skip
        return {**ref, "flowType": kind}

    def write(self, path: str | Path) -> None:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            files = {"olca-schema.json": {"version": 2}, **self.entities}
            for name in sorted(files):
                info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                text = json.dumps(files[name], indent=2, sort_keys=True, ensure_ascii=False)
                archive.writestr(info, text)


def write_olca_zip(
    source: ExportSource, path: str | Path, *, dataset: str | None = None
) -> dict[str, str]:
    """Write ``source`` (a battery system, product system or imported system) as a JSON-LD zip.

    Returns the openLCA ``@id`` given to each process id, e.g. ``ids["pack"]``. ``dataset``
    seeds the UUIDs (default: :func:`system_digest` of the system, so different systems never
    share ids and the same system always gets the same ones).

    Raises
    ------
    InputError
        A process has no positive output on the technosphere diagonal.
    """
    system, labels = export_labels(source)
    writer = _Writer(dataset or system_digest(system))
    products = [
        writer.flow(pid, labels.process_names[pid], PRODUCT, labels.process_units[pid],
                    labels.process_categories[pid])
        for pid in system.process_ids
    ]  # fmt: skip
    elementary = [
        writer.flow(f"elementary/{fid}", labels.flow_names[fid], ELEMENTARY, "kg",
                    "Elementary flows/Emission to air/unspecified")
        for fid in system.flow_ids
    ]  # fmt: skip
    ids = {pid: writer.uid("process", pid) for pid in system.process_ids}
    process_refs = [
        {"@type": "Process", "@id": ids[pid], "name": labels.process_names[pid]}
        for pid in system.process_ids
    ]
    a = sp.csc_matrix(system.technosphere)
    b = sp.csc_matrix(system.biosphere)
    for j, pid in enumerate(system.process_ids):
        output = float(a[j, j])
        if not output > 0:
            raise InputError(
                "technosphere", [f"process {pid!r}: output {output} on the diagonal (expected > 0)"]
            )
        exchanges = [(products[j], output, False, False, labels.process_units[pid], None)]
        column = a.getcol(j).tocoo()
        for i, value in zip(column.row, column.data, strict=True):
            if i != j and value != 0:
                unit = labels.process_units[system.process_ids[i]]
                exchanges.append((products[i], abs(value), value < 0, value > 0, unit, i))
        emissions = b.getcol(j).tocoo()
        for k, value in zip(emissions.row, emissions.data, strict=True):
            if value != 0:
                exchanges.append((elementary[k], float(value), False, False, "kg", None))
        writer.add("processes", {
            "@type": "Process", "@id": ids[pid], "name": labels.process_names[pid],
            "category": labels.process_categories[pid], "processType": "UNIT_PROCESS",
            "description": f"batterycarbon process {pid!r}, per {labels.process_units[pid]}",
            "exchanges": [
                _exchange(writer, n + 1, flow, amount, is_input, avoided, unit, process_refs, i)
                for n, (flow, amount, is_input, avoided, unit, i) in enumerate(exchanges)
            ],
            "lastInternalId": len(exchanges),
        })  # fmt: skip
    _impact(writer, elementary, system.characterization)
    writer.write(path)
    return ids


def _exchange(
    writer: _Writer,
    internal_id: int,
    flow: Entity,
    amount: float,
    is_input: bool,
    avoided: bool,
    unit: str,
    process_refs: list[Entity],
    provider: int | None,
) -> Entity:
    prop_ref, unit_ref = writer.unit(unit)
    exchange = {
        "@type": "Exchange", "internalId": internal_id, "amount": float(amount),
        "isInput": bool(is_input), "isAvoidedProduct": bool(avoided),
        "isQuantitativeReference": internal_id == 1, "flow": flow, "flowProperty": prop_ref,
        "unit": unit_ref,
    }  # fmt: skip
    if provider is not None:
        exchange["defaultProvider"] = process_refs[provider]
    return exchange


def _impact(writer: _Writer, elementary: list[Entity], characterization: np.ndarray) -> None:
    prop_ref, unit_ref = writer.unit("kg")
    category = writer.add("lcia_categories", {
        "@type": "ImpactCategory", "@id": writer.uid("impact_category", IMPACT_CATEGORY),
        "name": IMPACT_CATEGORY, "refUnit": "kg CO2 eq",
        "impactFactors": [
            {"@type": "ImpactFactor", "flow": flow, "flowProperty": prop_ref, "unit": unit_ref,
             "value": float(factor)}
            for flow, factor in zip(elementary, characterization, strict=True) if factor != 0
        ],
    })  # fmt: skip
    writer.add("lcia_methods", {
        "@type": "ImpactMethod", "@id": writer.uid("impact_method", IMPACT_CATEGORY),
        "name": IMPACT_CATEGORY, "impactCategories": [category],
    })  # fmt: skip
