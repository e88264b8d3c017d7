"""Synthetic graphite anode material as a process chain, from cited process data.

``data/graphite.toml`` holds the chain per kg of battery-grade synthetic graphite: calcined coke
feed, milling, graphitization by furnace type (Acheson crucible furnace or box furnace, with the
crucibles the Acheson route consumes), micronization and coating. :func:`synthetic_graphite_chain`
turns it into the amounts one kg of anode material needs (pure arithmetic, no factor);
:func:`add_synthetic_graphite` wires them into a product system at the anode plant: electricity
on that country's grid, heat, direct CO2 and the library flows of the feed and consumables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, get_args

from batterycarbon.battery.params import parameters
from batterycarbon.errors import InputError

if TYPE_CHECKING:
    from batterycarbon.battery.assembly import Assembler
    from batterycarbon.factors.model import Release

Furnace = Literal["acheson", "box"]
FURNACES: tuple[str, ...] = get_args(Furnace)
GRAPHITE_FILE = "graphite.toml"
#: The flow whose recycled counterpart and CFF material group (data/recycled_content.toml) the
#: recycled share of synthetic graphite takes.
RECYCLED_KEY_FLOW = "graphite_synthetic_feedstock"


@dataclass(frozen=True)
class Stage:
    """What one stage adds per kg of anode material."""

    name: str
    electricity_kwh: float = 0.0
    heat_mj: float = 0.0
    process_co2_kg: float = 0.0
    materials_kg: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class GraphiteChain:
    """The inputs of one kg of synthetic graphite anode material."""

    furnace: str
    graphitized_kg: float
    graphitization_kwh_per_kg_graphitized: float
    stages: tuple[Stage, ...]
    #: The design's own graphitization figure, if it gave one (kept by :func:`lumped_chain`).
    given_kwh: float | None = None

    @property
    def electricity_kwh(self) -> float:
        return sum(s.electricity_kwh for s in self.stages)

    @property
    def heat_mj(self) -> float:
        return sum(s.heat_mj for s in self.stages)

    @property
    def process_co2_kg(self) -> float:
        return sum(s.process_co2_kg for s in self.stages)

    @property
    def materials_kg(self) -> dict[str, float]:
        """Library flow -> kg per kg of anode material, summed over the stages (kg > 0 only)."""
        total: dict[str, float] = {}
        for stage in self.stages:
            for flow, kg in stage.materials_kg:
                total[flow] = total.get(flow, 0.0) + kg
        return {flow: kg for flow, kg in total.items() if kg > 0}


def _number(table: dict[str, Any], key: str, where: str) -> float:
    value = table.get(key)
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{GRAPHITE_FILE}: {where}.{key} must be a number >= 0, got {value!r}")
    return float(value)


def _materials(
    table: dict[str, Any], key: str, where: str, scale: float
) -> tuple[tuple[str, float], ...]:
    given = table.get(key, {})
    if not isinstance(given, dict):
        raise ValueError(f"{GRAPHITE_FILE}: {where}.{key} must be a table of flow = kg")
    return tuple((flow, _number(given, flow, f"{where}.{key}") * scale) for flow in given)


def synthetic_graphite_chain(
    release: Release | None = None,
    furnace: str | None = None,
    graphitization_kwh_per_kg: float | None = None,
) -> GraphiteChain:
    """The chain of one kg of synthetic graphite anode material under ``release``'s parameters.

    ``furnace`` (default: the file's ``default_furnace``) picks the graphitization furnace;
    ``graphitization_kwh_per_kg`` (a design's ``production_energy`` override) replaces that
    furnace's electricity per kg of graphitized powder.
    """
    data = parameters(GRAPHITE_FILE, release)["synthetic"]
    chosen = furnace or str(data["default_furnace"])
    furnaces = data["furnace"]
    if chosen not in FURNACES or chosen not in furnaces:
        raise InputError(
            "design",
            [f"production_energy.graphitization_furnace: {chosen!r}; expected one of {FURNACES}"],
        )
    oven = furnaces[chosen]
    where = f"synthetic.furnace.{chosen}"
    g = _number(data, "graphitized_kg_per_kg", "synthetic")
    kwh = (
        _number(oven, "electricity_kwh_per_kg_graphitized", where)
        if graphitization_kwh_per_kg is None
        else float(graphitization_kwh_per_kg)
    )
    crucibles = _number(oven, "crucible_kg_per_kg_graphitized", where) * g
    crucible = data["crucible"]
    stages = [
        Stage(
            "feed", materials_kg=_materials(data, "feedstock_kg_per_kg_graphitized", "synthetic", g)
        ),
    ]
    stages.append(_stage("milling", data["milling"], "synthetic.milling"))
    stages.append(
        Stage(
            f"graphitization ({chosen} furnace)",
            electricity_kwh=kwh * g,
            process_co2_kg=_number(oven, "process_co2_kg_per_kg_graphitized", where) * g,
            materials_kg=_materials(oven, "materials_kg_per_kg_graphitized", where, g),
        )
    )
    if crucibles > 0:
        stages.append(
            Stage(
                "graphite crucibles",
                electricity_kwh=_number(crucible, "electricity_kwh", "synthetic.crucible")
                * crucibles,
                process_co2_kg=_number(crucible, "process_co2_kg", "synthetic.crucible")
                * crucibles,
                materials_kg=_materials(crucible, "materials_kg", "synthetic.crucible", crucibles),
            )
        )
    for name in ("micronization", "coating"):
        stages.append(_stage(name, data[name], f"synthetic.{name}"))
    return GraphiteChain(chosen, g, kwh, tuple(stages), graphitization_kwh_per_kg)


def _stage(name: str, table: dict[str, Any], where: str) -> Stage:
    """A stage given per kg of anode material."""
    return Stage(
        name,
        electricity_kwh=_number(table, "electricity_kwh", where),
        heat_mj=_number(table, "heat_mj", where),
        process_co2_kg=_number(table, "process_co2_kg", where)
        if "process_co2_kg" in table
        else 0.0,
        materials_kg=_materials(table, "materials_kg", where, 1.0),
    )


def lumped_chain(release: Release | None = None, given_kwh: float | None = None) -> GraphiteChain:
    """The inventory of releases without the chain's flows (``[synthetic.lumped]``): one lumped
    feedstock row plus graphitization electricity (``given_kwh``, a design's figure, if any)."""
    data = parameters(GRAPHITE_FILE, release)["synthetic"]["lumped"]
    where = "synthetic.lumped"
    kwh = _number(data, "electricity_kwh", where) if given_kwh is None else float(given_kwh)
    feed = _number(data, "graphite_synthetic_feedstock_kg", where)
    stage = Stage(
        "feedstock and graphitization (lumped)",
        electricity_kwh=kwh,
        materials_kg=(("graphite_synthetic_feedstock", feed),),
    )
    return GraphiteChain("lumped", 1.0, kwh, (stage,), given_kwh)


def add_synthetic_graphite(b: Assembler, consumer: str, chain: GraphiteChain, country: str) -> None:
    """Wire one kg of ``chain`` into ``consumer`` at the anode plant in ``country``.

    A release that has none of the chain's flows (one written before it, such as open-2024.1)
    gets :func:`lumped_chain` instead, and the result says so in a warning. The recycled
    graphite content of the scenario (``recycled_content["graphite"]``) replaces that share of
    the whole chain by recovered graphite, valued by the rule set against the chain's virgin
    footprint (grid electricity of ``country``, no green power).
    """
    missing = sorted(flow for flow in chain.materials_kg if flow not in b.library.flows)
    if missing:
        chain = lumped_chain(b.library.release, chain.given_kwh)
        warning = (
            f"synthetic graphite: release {b.library.release_id} has no factor for "
            f"{', '.join(missing)} (the process chain of battery/data/graphite.toml); used its "
            f"lumped graphite_synthetic_feedstock plus {chain.electricity_kwh:g} kWh/kg"
        )
        b.warnings[warning] = None
    share = b.options.recycled_content.get("graphite", 0.0)
    virgin = 1.0 - share
    if virgin > 0:
        for flow, kg in chain.materials_kg.items():
            b.matrix.add_input(consumer, b.background(flow, country), kg * virgin)
        b.energy(consumer, "anode", chain.electricity_kwh * virgin, chain.heat_mj * virgin)
        b.matrix.add_emission(consumer, chain.process_co2_kg * virgin)
    if share > 0:
        b.matrix.add_input(consumer, _recycled_graphite(b, chain, country), share)


def _recycled_graphite(b: Assembler, chain: GraphiteChain, country: str) -> str:
    from batterycarbon.battery.assembly import PER_KG, PER_KWH, PER_MJ, ProcessInfo, recycled_flows

    _, recycled_flow, group = recycled_flows()[RECYCLED_KEY_FLOW]
    pid = f"recycled:graphite_synthetic:{country}"
    if pid in b.matrix:
        return pid
    virgin = chain.process_co2_kg
    for flow, kg in chain.materials_kg.items():
        virgin += kg * b._factor_value(flow, country, PER_KG)[2]
    virgin += chain.electricity_kwh * b._factor_value("electricity_grid", country, PER_KWH)[2]
    if chain.heat_mj > 0:
        virgin += chain.heat_mj * b._factor_value("heat_natural_gas", country, PER_MJ)[2]
    recycled_id, name, erec = b._factor_value(recycled_flow, country, PER_KG)
    b.matrix.add_process(pid)
    b.matrix.add_emission(pid, b.policy.recycled_burden(virgin, erec, group))
    label = f"{name} (recycled graphite content, valued against the synthetic graphite chain)"
    b.info[pid] = ProcessInfo(pid, label, None, None, factor_id=recycled_id)
    return pid
