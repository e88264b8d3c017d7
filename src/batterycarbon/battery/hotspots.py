"""Hotspots: the steps and factors that contribute most, each with the lever that would cut it.

A step's emissions are split by what causes them (electricity, recyclable metals, other
materials, its own process emissions); the largest cause names the lever: green power at that
step's plant, recycled content of the metal's element, or a lower-carbon supplier.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from batterycarbon.battery.assembly import recycled_flows
from batterycarbon.battery.design import Design
from batterycarbon.battery.footprint import accounting_policy
from batterycarbon.battery.inventory import PLANT_STEP, build_system
from batterycarbon.battery.options import Options
from batterycarbon.factors import FactorLibrary
from batterycarbon.lca import Solver
from batterycarbon.rules import load_rule_set

Cause = Literal["electricity", "recyclable", "material", "process"]


@dataclass(frozen=True)
class Hotspot:
    kind: Literal["process", "factor"]
    id: str
    name: str
    kgco2e_per_kwh: float
    share: float
    cause: Cause
    lever: str


def _cause_of_flow(flow: str) -> Cause:
    if flow.startswith("electricity_") or flow == "heat_natural_gas":
        return "electricity"
    return "recyclable" if flow in recycled_flows() else "material"


def _lever(cause: Cause, step: str | None, country: str | None, flow: str | None) -> str:
    if flow == "heat_natural_gas":
        where = "the plants burning gas" if step is None else f"the {step} plant"
        return f"green heat at {where} (a heat pump on green power, --green-heat)"
    if cause == "electricity":
        if step is None:
            return "green power at the plants drawing on this grid"
        return f"green power at the {step} plant (now the {country} grid)"
    if cause == "recyclable" and flow is not None:
        element = recycled_flows()[flow][0]
        return f"recycled {element} content, or a lower-carbon {flow} supplier"
    if cause == "process":
        return "process change (e.g. the lithium salt or a supplier's own figure)"
    return f"a lower-carbon supplier of {flow}" if flow else "a lower-carbon supplier"


def hotspots(
    design: Design,
    library: FactorLibrary,
    options: Options | None = None,
    top: int = 10,
    level: Literal["pack", "cell"] = "pack",
    rule_set_id: str = "whitepaper-c2g",
) -> list[Hotspot]:
    """The ``top`` steps and the ``top`` factors by contribution per kWh, with their lever."""
    options = options or Options()
    bsys = build_system(design, library, options, accounting_policy(load_rule_set(rule_set_id)))
    system = bsys.system
    demand = {"pack": 1.0} if level == "pack" else {"cell": float(bsys.cells_per_pack)}
    solution = Solver(system).solve(system.demand(demand))
    per_kwh = 1.0 / bsys.pack_capacity_kwh
    total = solution.total * per_kwh
    a = system.technosphere.tocsc()
    direct = solution.direct_contributions() * per_kwh
    flows = {
        i: library.get(info.factor_id).flow if info.factor_id else info.id.split(":")[1]
        for i, info in enumerate(bsys.processes)
        if info.stage is None
    }
    steps: list[Hotspot] = []
    for j, info in enumerate(bsys.processes):
        if info.stage is None or solution.scaling[j] == 0:
            continue
        by_cause: dict[Cause, float] = {"process": float(direct[j])}
        top_flow: tuple[float, str] | None = None
        column = a.getcol(j)
        for i, amount in zip(column.indices, column.data, strict=True):
            if i == j or i not in flows:
                continue
            value = float(-amount * solution.intensity[i] * solution.scaling[j] * per_kwh)
            cause = _cause_of_flow(flows[i])
            by_cause[cause] = by_cause.get(cause, 0.0) + value
            if cause != "electricity" and (top_flow is None or value > top_flow[0]):
                top_flow = (value, flows[i])
        contribution = sum(by_cause.values())
        if contribution <= 0:
            continue
        cause = max(by_cause, key=lambda c: by_cause[c])
        step = PLANT_STEP.get(info.id)
        flow = top_flow[1] if top_flow and cause != "electricity" else None
        lever = _lever(cause, step, bsys.plants.get(step or ""), flow)
        if info.id.startswith("market:"):  # a commodity's market (battery.sourcing)
            commodity = info.id.split(":")[1]
            lever = f"other routes for {commodity} (sourcing, --route {commodity}=ROUTE); {lever}"
        steps.append(
            Hotspot("process", info.id, info.name, contribution, contribution / total, cause, lever)
        )
    factors: list[Hotspot] = []
    for i, flow in flows.items():
        value = float(direct[i])
        if value <= 0:
            continue
        cause = _cause_of_flow(flow)
        info = bsys.processes[i]
        factors.append(Hotspot("factor", info.factor_id or info.id, info.name, value,
                               value / total, cause, _lever(cause, None, None, flow)))  # fmt: skip

    def ranked(rows: list[Hotspot]) -> list[Hotspot]:
        return sorted(rows, key=lambda r: -r.kgco2e_per_kwh)[:top]

    return ranked(steps) + ranked(factors)
