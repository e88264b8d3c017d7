"""Assemble a battery product system step by step: foreground steps, library factors, energy.

``Assembler`` keeps the bookkeeping the product model needs while it wires the matrices: a label
per process (stage, component, factor id, primary or not), supplier figures replacing factors,
electricity split between grid and counted green power at each step's plant, heat between
natural gas and the green-heat lever's heat pump, and inputs split
into virgin and recycled parts by the recycled content of their element, and each substitution
the factor lookup made (a wider region's or another year's factor), once, as a warning.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from batterycarbon.battery.design import Design, SupplierOverride
from batterycarbon.battery.options import AccountingPolicy, Options
from batterycarbon.battery.params import DATA_DIR, model_defaults
from batterycarbon.battery.sourcing import MARKETS, commodities, design_sourcing, market
from batterycarbon.battery.supply import CONSUMERS, STEP_MATERIALS
from batterycarbon.errors import InputError, excerpt
from batterycarbon.factors import FactorLibrary
from batterycarbon.lca import SystemBuilder
from batterycarbon.units import conversion_factor

Stage = Literal["raw_materials", "production"]
#: Foreground process -> the material whose supplier figure replaces a flow in it.
MATERIAL_OF = {consumer: material for material, consumer in CONSUMERS.items()}
PER_KG = "kg CO2e / kg"
PER_KWH = "kg CO2e / kWh"
PER_MJ = "kg CO2e / MJ"
MJ_PER_KWH = 3.6


def heat_pump_cop(defaults: dict[str, Any]) -> float:
    """Coefficient of performance of the green-heat lever's heat pump (``[green_heat]``)."""
    return float(defaults["green_heat"]["heat_pump_cop"])


@dataclass(frozen=True)
class ProcessInfo:
    id: str
    name: str
    stage: Stage | None  # None for background
    component: str | None
    factor_id: str | None = None
    unit: str = "kg"
    primary: bool = False
    supplier: str | None = None


@lru_cache(maxsize=1)
def recycled_flows() -> dict[str, tuple[str, str, str]]:
    """virgin flow -> (element, recycled flow, CFF material group), from the cited data file."""
    data = tomllib.loads((DATA_DIR / "recycled_content.toml").read_text(encoding="utf-8"))
    return {
        virgin: (element, recycled, table["cff_group"])
        for element, table in data["element"].items()
        for virgin, recycled in table["flows"].items()
    }


def _unit_label(unit: str) -> str:
    return unit.split("/")[-1].strip()


class Assembler:
    """Accumulates processes with their labels while wiring the technosphere."""

    def __init__(
        self, design: Design, library: FactorLibrary, options: Options, policy: AccountingPolicy
    ) -> None:
        self.design, self.library, self.options, self.policy = design, library, options, policy
        self.matrix = SystemBuilder()
        self.info: dict[str, ProcessInfo] = {}
        self.year = options.year or design.year
        self.overrides = {o.flow: o for o in design.supplier_overrides if o.material is None}
        #: Material -> the figure of the supplier ``design.supply`` names for it.
        self.supplied: dict[str, SupplierOverride] = {
            o.material: o for o in design.supplier_overrides if o.material
        }
        self.used_overrides: set[str] = set()  # flows, and materials of ``supplied``
        #: The lookup's substitutions, each once, in the order met (a dict keeps the order).
        self.warnings: dict[str, None] = {}
        self.green = {**design.green_electricity, **options.green}
        #: commodity -> {route: share}: the options' sourcing over the design's (``sourcing``,
        #: ``lithium_route``); which of them the recipe bought (the rest is refused).
        self.sourcing = {**design_sourcing(design), **options.sourcing}
        self.used_sourcing: set[str] = set()
        self.market_values: dict[str, float] = {}  # market process -> kg CO2e / kg
        #: Whether the release buys commodities from market mixes (``sourcing = "markets"``).
        self.markets = library.release.sourcing == MARKETS
        #: The model's defaults with the parameters the release pins (the heat pump's COP).
        self.params = model_defaults(library.release)
        plants = design.plants.model_dump()
        plants["foil"] = plants["foil"] or plants["cell"]
        if options.grid:
            plants = dict.fromkeys(plants, options.grid)
        plants.update(options.plants)
        self.plants: dict[str, str] = plants

    # -- foreground -------------------------------------------------------------------------
    def foreground(
        self, pid: str, name: str, stage: Stage, component: str, unit: str = "kg"
    ) -> str:
        """A step made per ``unit``: ``kg`` of material, or ``item`` (one cell, one pack)."""
        self.matrix.add_process(pid)
        self.info[pid] = ProcessInfo(pid, name, stage, component, unit=unit)
        return pid

    def primary(self, pid: str, name: str, stage: Stage, component: str) -> bool:
        """If a supplier replaced this foreground product, add it as primary data and say so."""
        override = self.overrides.get(pid)
        if override is None and pid in STEP_MATERIALS:
            override = self.supplied.get(pid)
        if override is None:
            return False
        self.foreground(pid, name, stage, component)
        self.matrix.add_emission(pid, self._override_value(override, pid, PER_KG))
        self.info[pid] = ProcessInfo(
            pid, name, stage, component, primary=True, supplier=override.supplier
        )
        return True

    # -- background -------------------------------------------------------------------------
    def _override_value(self, override: SupplierOverride, key: str, unit: str) -> float:
        """The figure in ``unit``; ``key`` (its flow, or its material) is marked used."""
        self.used_overrides.add(key)
        try:
            return override.value * conversion_factor(override.unit, unit)
        except ValueError as exc:
            raise InputError(
                "supplier_overrides",
                [f"flow {override.flow}: unit {excerpt(override.unit)}: {exc}"],
            ) from None

    def _factor_value(self, flow: str, region: str, unit: str) -> tuple[str, str, float]:
        """(factor id, name, value in ``unit``) of the library factor for ``flow``."""
        found = self.library.lookup(flow, region, self.year)
        self.warnings.update(dict.fromkeys(found.warnings))
        factor = found.factor
        try:
            return factor.id, factor.name, factor.value_in(unit)
        except ValueError as exc:
            raise InputError(f"factor release {self.library.release_id}", [str(exc)]) from None

    def background(self, flow: str, region: str, unit: str = PER_KG) -> str:
        """Process id supplying one unit of ``flow`` (library factor or supplier figure)."""
        if flow in self.overrides:
            pid = f"supplier:{flow}"
            if pid not in self.matrix:
                self.matrix.add_process(pid)
                self.matrix.add_emission(
                    pid, self._override_value(self.overrides[flow], flow, unit)
                )
                supplier = self.overrides[flow].supplier
                self.info[pid] = ProcessInfo(
                    pid, f"{flow} ({supplier})", None, None, unit=_unit_label(unit),
                    primary=True, supplier=supplier,
                )  # fmt: skip
            return pid
        factor_id, name, value = self._factor_value(flow, region, unit)
        pid = f"factor:{factor_id}"
        if pid not in self.matrix:
            self.matrix.add_process(pid)
            self.matrix.add_emission(pid, value)
            self.info[pid] = ProcessInfo(
                pid, name, None, None, factor_id=factor_id, unit=_unit_label(unit)
            )
        return pid

    def _supplied_process(self, figure: SupplierOverride) -> str:
        """Process id of the figure of the supplier named for a material (per kg)."""
        assert figure.material is not None
        pid = f"supplier:{figure.material}"
        if pid not in self.matrix:
            self.matrix.add_process(pid)
            self.matrix.add_emission(pid, self._override_value(figure, figure.material, PER_KG))
            name = f"{figure.flow} for {figure.material} ({figure.supplier})"
            self.info[pid] = ProcessInfo(
                pid, name, None, None, unit="kg", primary=True, supplier=figure.supplier
            )
        return pid

    def _recycled(
        self, flow: str, region: str, virgin: tuple[str, float] | None = None
    ) -> tuple[str, float] | None:
        """(process id, share) of the recycled part of ``flow``, if its element has any; valued
        against ``virgin`` (id, kg CO2e/kg: a market's) where given, else ``flow``'s factor."""
        mapping = recycled_flows().get(flow)
        if mapping is None or flow in self.overrides:
            return None
        element, recycled_flow, group = mapping
        share = self.options.recycled_content.get(element, 0.0)
        if share <= 0:
            return None
        pid = f"recycled:{flow}:{region}"
        if pid not in self.matrix:
            if virgin is None:
                virgin_id, _, ev = self._factor_value(flow, region, PER_KG)
            else:
                virgin_id, ev = virgin
            recycled_id, name, erec = self._factor_value(recycled_flow, region, PER_KG)
            self.matrix.add_process(pid)
            self.matrix.add_emission(pid, self.policy.recycled_burden(ev, erec, group))
            self.info[pid] = ProcessInfo(
                pid, f"{name} (recycled {element} content, valued against {virgin_id})",
                None, None, factor_id=recycled_id,
            )  # fmt: skip
        return pid, share

    def material(self, consumer: str, flow: str, kg: float, region: str | None = None) -> None:
        """``kg`` of ``flow`` per unit of ``consumer``, split by its element's recycled content."""
        if kg <= 0:
            return
        supplied = self.supplied.get(MATERIAL_OF.get(consumer, ""))
        if supplied is not None and supplied.flow == flow:
            self.matrix.add_input(consumer, self._supplied_process(supplied), kg)
            return
        region = region or "GLO"
        recycled = self._recycled(flow, region)
        if recycled is None:
            self.matrix.add_input(consumer, self.background(flow, region), kg)
            return
        pid, share = recycled
        self.matrix.add_input(consumer, pid, kg * share)
        if share < 1:
            self.matrix.add_input(consumer, self.background(flow, region), kg * (1 - share))

    def commodity(self, consumer: str, flow: str, kg: float, region: str) -> None:
        """``kg`` of ``flow`` per unit of ``consumer``, bought at a plant in ``region``: from its
        market (``battery.sourcing``) if ``data/sourcing.toml`` knows it, else as ``material``.

        A supplier's figure for the commodity (``supply.<material>`` with the commodity's or a
        route's flow, or a ``supplier_overrides`` entry for the commodity's flow) replaces the
        market whole; an override of one route's flow replaces that route's factor in it. The
        recycled content of the commodity's element splits the consumer's input between the
        recycled flow and the market, valued against the market's kg CO2e/kg."""
        known = commodities().get(flow)
        if kg <= 0:
            return
        if known is None:
            self.material(consumer, flow, kg, region)
            return
        lever = self.sourcing.get(flow)
        if lever is not None:
            self.used_sourcing.add(flow)
        supplied = self.supplied.get(MATERIAL_OF.get(consumer, ""))
        routes = {flow, known.single_route_flow, *known.routes.values()}
        if supplied is not None and supplied.flow in routes:
            self.material(consumer, supplied.flow, kg, region)
            return
        if flow in self.overrides:
            self.material(consumer, flow, kg, region)
            return
        bought = market(flow, region, self.year, self.markets, lever)
        self.warnings.update(dict.fromkeys(bought.warnings))
        missing = [i for i in bought.inputs if i.flow not in self.library.flows]
        if lever is not None and missing:
            release = self.library.release_id
            raise InputError(
                "sourcing",
                [
                    f"sourcing.{flow}.{i.route}: release {release} has no factor for {i.flow}"
                    for i in missing
                ],
            )
        if bought.direct:
            self.material(consumer, bought.inputs[0].flow, kg, region)
            return
        pid = bought.id
        if pid not in self.matrix:
            # a step of its consumer's stage and component: it shows in the process breakdown,
            # and the attribution (here and in the Monte Carlo) reaches the route factors
            owner = self.info[consumer]
            self.matrix.add_process(pid)
            self.info[pid] = ProcessInfo(pid, bought.name, owner.stage, owner.component)
            value = 0.0
            for item in bought.inputs:
                if item.flow in self.overrides:
                    value += item.share * self._override_value(
                        self.overrides[item.flow], item.flow, PER_KG
                    )
                else:
                    value += item.share * self._factor_value(item.flow, item.region, PER_KG)[2]
                self.matrix.add_input(pid, self.background(item.flow, item.region), item.share)
            self.market_values[pid] = value
        recycled = self._recycled(flow, region, (pid, self.market_values[pid]))
        if recycled is None:
            self.matrix.add_input(consumer, pid, kg)
            return
        recycled_pid, share = recycled
        self.matrix.add_input(consumer, recycled_pid, kg * share)
        if share < 1:
            self.matrix.add_input(consumer, pid, kg * (1 - share))

    def energy(self, consumer: str, step: str, electricity_kwh: float, heat_mj: float = 0) -> None:
        """Electricity and heat at the step's plant.

        Green power replaces the grid mix only where the rule set counts the step's contract
        type (``AccountingPolicy.counts_green``); otherwise that share stays on the grid. Heat is
        natural-gas heat, except the step's green-heat share (``Options.green_heat``): heat from
        an electric high-temperature heat pump (``[green_heat] heat_pump_cop`` of
        ``data/defaults.toml``) on green power bought under the step's contract, so the rule set
        counts it as it counts that contract (on the grid where it does not). The green-heat
        lever thus moves the heat part only, linearly, whatever the green-power share.
        """
        country = self.plants[step]
        contract = self.options.green_contracts.get(step, "direct-line")
        counted = self.policy.counts_green(contract)
        share = self.green.get(step, 0.0) if counted else 0.0
        if electricity_kwh > 0:
            if share < 1:
                grid = self.background("electricity_grid", country, PER_KWH)
                self.matrix.add_input(consumer, grid, electricity_kwh * (1 - share))
            if share > 0:
                green = self.background("electricity_green", country, PER_KWH)
                self.matrix.add_input(consumer, green, electricity_kwh * share)
        if heat_mj > 0:
            heat_share = self.options.green_heat.get(step, 0.0)
            if heat_share < 1:
                gas = self.background("heat_natural_gas", country, PER_MJ)
                self.matrix.add_input(consumer, gas, heat_mj * (1 - heat_share))
            if heat_share > 0:
                power = "electricity_green" if counted else "electricity_grid"
                pump_kwh = heat_mj * heat_share / MJ_PER_KWH / heat_pump_cop(self.params)
                self.matrix.add_input(consumer, self.background(power, country, PER_KWH), pump_kwh)
