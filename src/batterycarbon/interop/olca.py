"""Read an openLCA JSON-LD zip archive (olca-schema) into a product system.

An archive holds one JSON file per entity, ``<folder>/<@id>.json``, in the folders ``processes``,
``flows``, ``flow_properties``, ``unit_groups`` and ``lcia_categories`` (others are ignored; the
folders may sit under a common top folder). Field names of schema 2 (openLCA 2) are read, and
those of schema 1 (openLCA 1.x: ``input``, ``quantitativeReference``, ``avoidedProduct``,
``referenceUnit``, ``referenceFlowProperty``) as well.

How an archive becomes matrices, as openLCA builds a product system from it:

- each process is a column making one reference unit of its quantitative reference: a product
  output, or a waste input for a waste treatment;
- a product input, or a waste output, is an edge to its ``defaultProvider``, else to the one
  process whose reference is that flow; an avoided product (or avoided waste) is the same edge
  with the opposite sign;
- elementary flows are the biosphere rows, outputs positive and inputs negative;
- amounts are converted to the flow's reference unit (unit and flow-property factors), and each
  column is divided by its reference amount.

Multi-output processes (co-products without allocation applied), parameter formulas and
uncertainty are not read: export allocated processes with computed amounts from openLCA.

References
----------
GreenDelta (2023). openLCA schema, version 2. https://greendelta.github.io/olca-schema
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp

from batterycarbon.errors import InputError
from batterycarbon.interop.common import ImportedSystem, InteropError, normalized_name
from batterycarbon.interop.gwp import default_factor
from batterycarbon.interop.olca_archive import (
    ELEMENTARY,
    PRODUCT,
    WASTE,
    Archive,
    Entity,
    Flow,
    Units,
    finite,
    first_of,
    load_archive,
    read_flows,
    read_units,
    ref_id,
    to_reference,
)
from batterycarbon.lca import ProductSystem


@dataclass(frozen=True)
class _Exchange:
    where: str
    flow_id: str
    kind: str
    amount: float  # in the flow's reference unit
    is_input: bool
    is_reference: bool
    is_avoided: bool
    provider: str | None


@dataclass(frozen=True)
class _Process:
    uid: str
    file: str
    name: str
    exchanges: list[_Exchange]
    reference: _Exchange


def _read_exchange(
    file: str, i: int, data: Any, flows: dict[str, Flow], units: Units, problems: list[str]
) -> _Exchange | None:
    where = f"{file}: exchanges[{i}]"
    if not isinstance(data, dict):
        problems.append(f"{where}: expected an exchange object (got {data!r})")
        return None
    flow_id = ref_id(data.get("flow"))
    if flow_id is None:
        problems.append(
            f"{where}.flow: expected a reference with an @id (got {data.get('flow')!r})"
        )
        return None
    flow = flows.get(flow_id)
    if flow is not None and not flow.kind:
        return None  # the flow file is malformed, and reported
    if flow is None and data["flow"].get("flowType") in (PRODUCT, WASTE, ELEMENTARY):
        flow = Flow(str(data["flow"].get("name") or flow_id), data["flow"]["flowType"], {}, None)
    if flow is None:
        problems.append(
            f"{where}.flow: {flow_id!r} is not in flows/ and the reference has no flowType"
        )
        return None
    amount = finite(data.get("amount"))
    if amount is None:
        problems.append(f"{where}.amount: expected a finite number (got {data.get('amount')!r})")
        return None
    in_reference = to_reference(amount, data, flow, units, where, problems)
    if in_reference is None:
        return None
    return _Exchange(
        where=where,
        flow_id=flow_id,
        kind=flow.kind,
        amount=in_reference,
        is_input=bool(first_of(data, "isInput", "input")),
        is_reference=bool(first_of(data, "isQuantitativeReference", "quantitativeReference")),
        is_avoided=bool(first_of(data, "isAvoidedProduct", "avoidedProduct")),
        provider=ref_id(first_of(data, "defaultProvider", "provider")),
    )


def _read_process(
    uid: str, file: str, data: Entity, flows: dict[str, Flow], units: Units, problems: list[str]
) -> _Process | None:
    raw = data.get("exchanges")
    if not isinstance(raw, list):
        problems.append(f"{file}: exchanges: expected a list of exchanges (got {raw!r})")
        return None
    found = [_read_exchange(file, i, ex, flows, units, problems) for i, ex in enumerate(raw)]
    if any(ex is None for ex in found):
        return None
    exchanges = [ex for ex in found if ex is not None]
    references = [ex for ex in exchanges if ex.is_reference]
    if len(references) != 1:
        problems.append(
            f"{file}: exchanges: expected exactly one with isQuantitativeReference true "
            f"(got {len(references)})"
        )
        return None
    ref = references[0]
    if (ref.kind, ref.is_input) not in ((PRODUCT, False), (WASTE, True)) or ref.amount == 0:
        problems.append(
            f"{ref.where}: the quantitative reference must be a non-zero product output or "
            f"waste input (got {ref.kind}, isInput={ref.is_input}, amount {ref.amount})"
        )
        return None
    return _Process(uid, file, str(data.get("name") or uid), exchanges, ref)


def _sign(ex: _Exchange) -> float | None:
    """Sign of a non-reference product or waste exchange in its consumer's column.

    None for a co-product output (or a second treated waste), which needs allocation.
    """
    consumes = (ex.kind == PRODUCT and ex.is_input) or (ex.kind == WASTE and not ex.is_input)
    if ex.is_avoided:
        return 1.0 if not consumes else -1.0
    return -1.0 if consumes else None


@dataclass
class _Matrices:
    technosphere: dict[tuple[int, int], float]
    biosphere: dict[tuple[int, int], float]
    elementary: dict[str, int]
    unlinked: list[str]


def _link(
    processes: list[_Process], flows: dict[str, Flow], unlinked: str, problems: list[str]
) -> _Matrices:
    column = {p.uid: j for j, p in enumerate(processes)}
    providers: dict[str, list[str]] = defaultdict(list)
    for p in processes:
        providers[p.reference.flow_id].append(p.uid)
    m = _Matrices({}, {}, {}, [])
    for j, p in enumerate(processes):
        scale = 1.0 / p.reference.amount
        for ex in p.exchanges:
            if ex.kind == ELEMENTARY:
                k = m.elementary.setdefault(ex.flow_id, len(m.elementary))
                signed = -ex.amount if ex.is_input else ex.amount
                m.biosphere[k, j] = m.biosphere.get((k, j), 0.0) + signed * scale
                continue
            sign = 1.0 if ex is p.reference else _sign(ex)
            if sign is None:
                problems.append(
                    f"{ex.where}: a second product output or treated waste ({ex.flow_id}) needs "
                    "allocation, which is not read: export allocated (system) processes"
                )
                continue
            provider = p.uid if ex is p.reference else ex.provider
            candidates = providers.get(ex.flow_id, [])
            if provider is None and len(candidates) == 1:
                provider = candidates[0]
            if provider is None and not candidates and unlinked == "ignore":
                name = flows[ex.flow_id].name if ex.flow_id in flows else ex.flow_id
                m.unlinked.append(f"{ex.where} ({name})")
                continue
            if provider is None:
                problems.append(
                    f"{ex.where}.defaultProvider: missing, and {len(candidates)} processes in "
                    f"the archive make flow {ex.flow_id!r} (expected exactly one)"
                )
            elif provider not in column:
                problems.append(f"{ex.where}.defaultProvider: {provider!r} is not in processes/")
            elif processes[column[provider]].reference.flow_id != ex.flow_id:
                problems.append(
                    f"{ex.where}.defaultProvider: process {provider!r} does not make flow "
                    f"{ex.flow_id!r}"
                )
            else:
                key = (column[provider], j)
                m.technosphere[key] = m.technosphere.get(key, 0.0) + sign * ex.amount * scale
    return m


def _characterization(
    archive: Archive,
    flows: dict[str, Flow],
    elementary: dict[str, int],
    units: Units,
    characterization: Mapping[str, float] | None,
    impact_category: str | None,
) -> np.ndarray:
    c = np.zeros(len(elementary))
    names = {uid: flows[uid].name if uid in flows else uid for uid in elementary}
    if impact_category is not None:
        factors = _impact_factors(archive, impact_category, flows, units)
        for uid, k in elementary.items():
            c[k] = factors.get(uid, 0.0)
    elif characterization is not None:
        by_key = {normalized_name(key): float(value) for key, value in characterization.items()}
        for uid, k in elementary.items():
            c[k] = characterization.get(uid, by_key.get(normalized_name(names[uid]), 0.0))
    else:
        for uid, k in elementary.items():
            c[k] = default_factor(names[uid])
    if elementary and not np.any(c):
        raise InputError(
            archive.source,
            [
                "characterization: no elementary flow of the archive has a factor (matched by "
                "@id or name); pass characterization={flow name or @id: kg CO2e per unit} or "
                "impact_category=<name or @id in lcia_categories/>"
            ],
        )
    return c


def _impact_factors(
    archive: Archive, wanted: str, flows: dict[str, Flow], units: Units
) -> dict[str, float]:
    matches = [
        (file, data)
        for uid, file, data in archive.each("lcia_categories")
        if wanted == uid or normalized_name(str(data.get("name", ""))) == normalized_name(wanted)
    ]
    if len(matches) != 1:
        known = sorted(str(d.get("name")) for _, _, d in archive.each("lcia_categories"))
        raise InteropError(
            archive.source,
            [f"lcia_categories/: impact_category {wanted!r} matches {len(matches)} categories "
             f"(expected one of {known})"],
        )  # fmt: skip
    file, data = matches[0]
    factors: dict[str, float] = {}
    problems: list[str] = []
    for i, item in enumerate(data.get("impactFactors") or []):
        where = f"{file}: impactFactors[{i}]"
        uid = ref_id(item.get("flow")) if isinstance(item, dict) else None
        value = finite(item.get("value")) if isinstance(item, dict) else None
        if uid is None or value is None:
            problems.append(f"{where}: expected a flow reference and a finite value (got {item!r})")
            continue
        flow = flows.get(uid, Flow(uid, ELEMENTARY, {}, None))
        per_unit = to_reference(1.0, item, flow, units, where, problems)
        if per_unit is not None:
            factors[uid] = value / per_unit
    if problems:
        raise InteropError(archive.source, problems)
    return factors


def read_olca_zip(
    path: str | Path,
    *,
    characterization: Mapping[str, float] | None = None,
    impact_category: str | None = None,
    unlinked: Literal["error", "ignore"] = "error",
) -> ImportedSystem:
    """Read an openLCA JSON-LD zip into an :class:`ImportedSystem`.

    Parameters
    ----------
    path
        The ``.zip`` archive (openLCA: File > Export > JSON-LD).
    characterization
        kg CO2e per reference unit (usually kg) of elementary flows, keyed by flow ``@id`` or name
        (case-insensitive). Default: IPCC AR6 GWP100 for CO2, CH4 and N2O by name
        (:mod:`batterycarbon.interop.gwp`).
    impact_category
        Name or ``@id`` of an LCIA category in the archive's ``lcia_categories/`` to take the
        factors from instead (e.g. the one :func:`write_olca_zip` writes).
    unlinked
        ``"error"`` (default) rejects a product input no process provides; ``"ignore"`` drops it,
        as openLCA leaves unlinked inputs out of a product system, and lists it in
        ``ImportedSystem.unlinked``.

    Process ids are the processes' ``@id``; flow ids the elementary flows' ``@id``.

    Raises
    ------
    InteropError
        The archive is malformed; one line per problem, naming the file and the field.
    """
    archive = load_archive(path)
    units = read_units(archive)
    flows = read_flows(archive)
    problems = archive.problems
    found = [
        _read_process(uid, f, d, flows, units, problems) for uid, f, d in archive.each("processes")
    ]
    if problems:  # linking half-read processes would only repeat these problems
        raise InteropError(archive.source, problems)
    processes = [p for p in found if p is not None]
    matrices = _link(processes, flows, unlinked, problems)
    if problems:
        raise InteropError(archive.source, problems)
    c = _characterization(
        archive, flows, matrices.elementary, units, characterization, impact_category
    )
    n, k = len(processes), len(matrices.elementary)
    a = _sparse(matrices.technosphere, (n, n)).tocsc()
    b = _sparse(matrices.biosphere, (k, n)).tocsr()
    system = ProductSystem(tuple(p.uid for p in processes), a, b, c, tuple(matrices.elementary))
    return ImportedSystem(
        system=system,
        process_names={p.uid: p.name for p in processes},
        reference_units={
            p.uid: unit for p in processes if (unit := _reference_unit(flows, units, p))
        },
        flow_names={uid: flows[uid].name if uid in flows else uid for uid in matrices.elementary},
        source=archive.source,
        unlinked=tuple(matrices.unlinked),
    )


def _reference_unit(flows: dict[str, Flow], units: Units, process: _Process) -> str | None:
    flow = flows.get(process.reference.flow_id)
    if flow is None or flow.reference_property is None:
        return None
    return units.group_reference.get(units.property_group.get(flow.reference_property, ""))


def _sparse(entries: dict[tuple[int, int], float], shape: tuple[int, int]) -> sp.coo_matrix:
    rows = [r for r, _ in entries]
    cols = [c for _, c in entries]
    return sp.coo_matrix((list(entries.values()), (rows, cols)), shape=shape)
