"""Link a battery model to an imported background database.

The battery model draws each material and energy flow from a background process holding one
library factor (``factor:<factor id>``). A user with a licensed database can replace those
processes by processes of the database: each consumer's input of the replaced process becomes an
input of the imported process (converted to the imported process's reference unit), and the
imported database comes along whole, with its own elementary flows and characterization.

The combined system keeps the battery's process ids (so ``system.demand({"pack": 1})`` works)
and prefixes the imported ones (``"bg:<id>"``); in matrix form, with ``K`` the kept battery
processes, ``R`` the replaced ones, ``P`` the map from ``R`` to imported processes with unit
factors ``u``::

    A = | A_KK             0   |      B = | B_K  B_bg |  (elementary flows united by id)
        | P u A_RK / A_RR  A_bg |
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import scipy.sparse as sp

from batterycarbon.battery.inventory import BatterySystem
from batterycarbon.errors import InputError
from batterycarbon.factors import FactorLibrary
from batterycarbon.interop.common import ImportedSystem, export_labels, unit_conversion
from batterycarbon.lca import ProductSystem


def _flow_of(factor_id: str, library: FactorLibrary | None) -> str:
    """The library flow of a factor: from the release, else from the id (``flow:REGION:year``)."""
    return library.get(factor_id).flow if library is not None else factor_id.split(":")[0]


def _battery_processes(bsys: BatterySystem, key: str, library: FactorLibrary | None) -> list[str]:
    """Battery processes a mapping key names: a process id, a factor id or a library flow."""
    if key in bsys.system.index:
        return [key]
    return [
        p.id
        for p in bsys.processes
        if p.id.startswith("factor:")
        and p.factor_id is not None
        and key in (p.factor_id, _flow_of(p.factor_id, library))
    ]


def link_background(
    bsys: BatterySystem,
    background: ImportedSystem | ProductSystem,
    mapping: Mapping[str, str],
    *,
    library: FactorLibrary | None = None,
    prefix: str = "bg:",
) -> ProductSystem:
    """The battery system with mapped background processes replaced by imported ones.

    Parameters
    ----------
    bsys
        The battery system (:func:`batterycarbon.battery.build_system`).
    background
        The imported database (:func:`read_olca_zip`, :func:`read_bw_datapackage`).
    mapping
        ``{key: imported process id}``. A key is a library flow the battery uses
        (``"aluminium_primary"``: every factor process of that flow, whatever its region), a
        factor id (``"electricity_grid:CN:2023"``) or any battery process id
        (``"factor:copper:GLO:2018"``, or a foreground one such as ``"cathode_active_material"``).
    library
        The release the battery system was built with, to find each factor's flow; without it,
        the flow is the factor id's first part (the bundled releases' ``flow:REGION:year``).
    prefix
        Put before imported process ids in the combined system.

    Amounts are converted from the battery process's unit (kg, kWh, MJ, item, t*km) to the
    imported process's reference unit when both are known; if the imported unit is unknown the
    units are taken to be the same.

    Raises
    ------
    InputError
        A key names no battery process, a value no imported process, units do not convert, or
        one battery process is mapped to two imported ones (one line per problem).
    """
    imported = background if isinstance(background, ImportedSystem) else None
    bg = background.system if isinstance(background, ImportedSystem) else background
    units = export_labels(bsys)[1].process_units
    links: dict[str, tuple[str, float]] = {}  # battery process -> (imported process, unit factor)
    problems: list[str] = []
    for key, target in mapping.items():
        replaced = _battery_processes(bsys, key, library)
        if not replaced:
            flows = sorted({_flow_of(p.factor_id, library) for p in bsys.processes if p.factor_id})
            problems.append(
                f"{key}: names no process of the battery system (expected a process id, a factor "
                f"id or one of the library flows it uses: {', '.join(flows)})"
            )
        if target not in bg.index:
            problems.append(f"{key} -> {target!r}: not a process id of the imported system")
            continue
        for pid in replaced:
            factor = _unit_factor(units[pid], imported, target, key, problems)
            if pid in links and links[pid][0] != target:
                problems.append(f"{key}: {pid} is already mapped to {links[pid][0]!r}")
            links[pid] = (target, factor)
    if problems:
        raise InputError("mapping", problems)
    return _combine(bsys.system, bg, links, prefix)


def _unit_factor(
    unit: str, imported: ImportedSystem | None, target: str, key: str, problems: list[str]
) -> float:
    """Reference units of ``target`` in one battery unit (1 when the imported unit is unknown)."""
    target_unit = imported.reference_units.get(target) if imported is not None else None
    if target_unit is None:
        return 1.0
    try:
        return unit_conversion(unit, target_unit)
    except ValueError as exc:
        problems.append(
            f"{key} -> {target!r}: the battery uses {unit}, the imported process makes "
            f"{target_unit} ({exc})"
        )
        return 1.0


def _combine(
    fg: ProductSystem, bg: ProductSystem, links: dict[str, tuple[str, float]], prefix: str
) -> ProductSystem:
    replaced = [fg.index[pid] for pid in links]
    kept = sorted(set(range(fg.size)) - set(replaced))
    a_fg = sp.csc_matrix(fg.technosphere)
    outputs = a_fg.diagonal()[replaced]
    to_bg = sp.csr_matrix(
        (
            np.array([factor for _, factor in links.values()]) / outputs,
            ([bg.index[target] for target, _ in links.values()], range(len(replaced))),
        ),
        shape=(bg.size, len(replaced)),
    )
    a = sp.bmat(
        [
            [a_fg[kept][:, kept], None],
            [to_bg @ sp.csr_matrix(a_fg[replaced][:, kept]), bg.technosphere],
        ],
        format="csc",
    )
    process_ids = [fg.process_ids[i] for i in kept] + [prefix + pid for pid in bg.process_ids]
    clash = set(fg.process_ids) & {prefix + pid for pid in bg.process_ids}
    if clash:
        raise InputError("prefix", [f"{prefix!r} makes imported ids equal battery ids: {clash}"])
    flow_ids = list(dict.fromkeys([*fg.flow_ids, *bg.flow_ids]))
    position = {f: k for k, f in enumerate(flow_ids)}
    c = np.zeros(len(flow_ids))
    seen: dict[str, float] = {}
    for system in (fg, bg):
        for f, factor in zip(system.flow_ids, system.characterization, strict=True):
            if f in seen and seen[f] != factor:
                raise InputError(
                    "background",
                    [f"elementary flow {f!r}: {factor} kg CO2e per unit in the imported system, "
                     f"{seen[f]} in the battery system (expected the same)"],
                )  # fmt: skip
            seen[f] = c[position[f]] = float(factor)
    b = sp.hstack(
        [_biosphere_in(position, fg)[:, kept], _biosphere_in(position, bg)],
        format="csr",
    )
    return ProductSystem(tuple(process_ids), a, b, c, tuple(flow_ids))


def _biosphere_in(position: dict[str, int], system: ProductSystem) -> sp.csc_matrix:
    """``system``'s biosphere with its rows moved to its flows' rows in the united flow list."""
    k = len(system.flow_ids)
    select = sp.csr_matrix(
        (np.ones(k), ([position[f] for f in system.flow_ids], range(k))), shape=(len(position), k)
    )
    return sp.csc_matrix(select @ system.biosphere)
