"""Turn a design into a product system: precursor -> CAM -> electrodes -> cell -> module/pack.

Foreground processes (those the levers act on) carry a stage and a component; background
processes are single library factors (or a supplier's figure replacing one). Each production
step draws electricity and heat at its plant's country and year, split between the grid and
directly supplied green power by the step's green share, so a grid or green-power change acts
on exactly these steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from batterycarbon.battery.assembly import Assembler, ProcessInfo
from batterycarbon.battery.cell import (
    Band,
    anode_material,
    cell_energy_kwh,
    cell_specs,
    derive_cell_masses,
    pack_volume_l,
)
from batterycarbon.battery.design import STEP_MATERIAL_PLANTS, STEPS, Design
from batterycarbon.battery.graphite import add_synthetic_graphite, synthetic_graphite_chain
from batterycarbon.battery.options import CONTRACTS, ELEMENTS, AccountingPolicy, Options
from batterycarbon.battery.pack import pack_parts_kg
from batterycarbon.battery.params import chemistry_defaults, model_defaults
from batterycarbon.battery.sourcing import lever_problems
from batterycarbon.battery.supply import SUPPLY_HINT, design_recipe
from batterycarbon.countries import country_problem
from batterycarbon.errors import InputError, excerpt
from batterycarbon.factors import FactorLibrary
from batterycarbon.lca import ProductSystem

COMPONENTS = (
    "cathode", "anode", "electrolyte", "separator", "copper_foil", "aluminium_foil",
    "casing_other", "cell_production_energy", "module_pack",
)  # fmt: skip
#: The plant (step) at which each foreground process draws its energy.
PLANT_STEP = {
    "precursor": "precursor", "cathode_active_material": "cathode",
    "anode_active_material": "anode", "aluminium_foil": "foil", "copper_foil": "foil",
    "electrode_production": "cell", "cell_assembly": "cell", "formation": "cell",
    "pack_assembly": "pack",
}  # fmt: skip
#: Foreground products a supplier's primary figure may replace as a whole (kg CO2e / kg).
REPLACEABLE_PROCESSES = (
    "precursor", "cathode_active_material", "anode_active_material", "aluminium_foil",
    "copper_foil",
)  # fmt: skip


@dataclass(frozen=True)
class BatterySystem:
    design: Design
    options: Options
    system: ProductSystem
    processes: tuple[ProcessInfo, ...]
    cell_masses_kg: dict[str, float]
    cell_energy_kwh: float
    cells_per_pack: int
    pack_parts_kg: dict[str, float]
    plants: dict[str, str]
    year: int
    #: The factor lookup's substitutions (``FactorLibrary.lookup``), each once, and the cell's
    #: specific energy where it is outside its plausible band (``cell.cell_specs``).
    warnings: tuple[str, ...] = ()
    #: Estimated volume of one cell and of the pack, L (``cell.py``), and the cited band of the
    #: cell's chemistry and format (None where none is cited: not checked).
    cell_volume_l: float = float("nan")
    pack_volume_l: float = float("nan")
    cell_band: Band | None = None

    @property
    def pack_capacity_kwh(self) -> float:
        return self.cells_per_pack * self.cell_energy_kwh

    @property
    def cell_wh_per_kg(self) -> float:
        return self.cell_energy_kwh * 1000.0 / self.cell_mass_kg

    @property
    def cell_wh_per_l(self) -> float:
        return self.cell_energy_kwh * 1000.0 / self.cell_volume_l

    @property
    def pack_wh_per_kg(self) -> float:
        return self.pack_capacity_kwh * 1000.0 / self.pack_mass_kg

    @property
    def pack_wh_per_l(self) -> float:
        return self.pack_capacity_kwh * 1000.0 / self.pack_volume_l

    @property
    def cell_mass_kg(self) -> float:
        return sum(self.cell_masses_kg.values())

    @property
    def pack_mass_kg(self) -> float:
        return self.cells_per_pack * self.cell_mass_kg + sum(self.pack_parts_kg.values())

    def foreground_mask(self) -> NDArray[np.bool_]:
        return np.array([p.stage is not None for p in self.processes])


def _energy_param(
    design: Design, chem: dict[str, Any], defaults: dict[str, Any], key: str
) -> float:
    given = getattr(design.production_energy, key, None)
    if given is not None:
        return float(given)
    return float(chem[key] if key in chem else defaults[key])


def check_options(options: Options) -> None:
    """Reject levers that name unknown steps, contracts or elements, or shares outside 0..1."""
    problems = [
        f"green {step}={share}: expected a step in {STEPS} and a share in 0..1"
        for step, share in options.green.items()
        if step not in STEPS or not 0 <= share <= 1
    ]
    problems += [
        f"green contract {step}={contract}: expected a step in {STEPS} and one of {CONTRACTS}"
        for step, contract in options.green_contracts.items()
        if step not in STEPS or contract not in CONTRACTS
    ]
    problems += [
        f"green heat {excerpt(str(step))}={share}: expected a step in {STEPS} and a share in 0..1"
        for step, share in options.green_heat.items()
        if step not in STEPS or not 0 <= share <= 1
    ]
    problems += [
        f"recycled content {element}={share}: expected an element in {ELEMENTS} and 0..1"
        for element, share in options.recycled_content.items()
        if element not in ELEMENTS or not 0 <= share <= 1
    ]
    problems += lever_problems(options.sourcing)
    problems += [
        f"plant {excerpt(step)}: expected a step in {(*STEPS, 'foil')}"
        for step in options.plants
        if step not in (*STEPS, "foil")
    ]
    # The adapters check countries where they are entered; this is the engine's own guard, for
    # every path that builds Options (a grid outside ISO 3166 was computed with the global grid).
    countries = {f"plant {excerpt(step)}": code for step, code in options.plants.items()}
    if options.grid is not None:
        countries["grid"] = options.grid
    problems += [
        f"{what}: {problem}"
        for what, code in countries.items()
        if (problem := country_problem(code)) is not None
    ]
    if problems:
        raise InputError("options", problems)


def check_supply(design: Design, options: Options) -> None:
    """Refuse a design naming a supplier whose figure was not attached by the service (a file,
    the scenario explorer, a sweep): never a silent library calculation in its place. Refuse a
    plant or green-power lever on a step a supplier makes (its figure would not change)."""
    sources = design.supplier_sources()
    attached: dict[str, str] = {
        o.material: o.supplier for o in design.supplier_overrides if o.material
    }
    for material, supplier in attached.items():
        step = STEP_MATERIAL_PLANTS.get(material)
        if step is None:
            continue
        moved = step in options.plants and options.plants[step] != design.plant_of(material)
        levers = (
            (f"plant {step}", moved),
            (f"green {step}", bool(options.green.get(step))),
            (f"green heat {step}", bool(options.green_heat.get(step))),
        )
        for lever, acts in levers:
            if acts:
                problem = (
                    f"{lever}: {material} is the figure of supplier {excerpt(supplier)} for its "
                    f"plant in {design.plant_of(material)}, which this lever does not change; "
                    "another plant is another source: change the design's supply"
                )
                raise InputError("options", [problem])
    problems = [
        f"supply.{m}: the figure of supplier {excerpt(s.supplier)} is not attached; {SUPPLY_HINT}"
        for m, s in sources.items()
        if attached.get(m) != s.supplier
    ]
    problems += [
        f"supplier_overrides: a figure for {m} from {excerpt(supplier)}, but supply.{m} does "
        "not name that supplier"
        for m, supplier in attached.items()
        if m not in sources or sources[m].supplier != supplier
    ]
    problems += [
        f"supplier_overrides: flow {o.flow} replaces the {o.flow} step, which supply.{o.flow} "
        "buys from a supplier: one source per material"
        for o in design.supplier_overrides
        if o.material is None and o.flow in sources and o.flow in STEP_MATERIAL_PLANTS
    ]
    if problems:
        raise InputError("design", problems)


def build_system(
    design: Design,
    library: FactorLibrary,
    options: Options | None = None,
    policy: AccountingPolicy | None = None,
) -> BatterySystem:
    """The product system of one pack of ``design`` under ``library``, levers and rule policy."""
    options = options or Options()
    check_options(options)
    check_supply(design, options)
    b = Assembler(design, library, options, policy or AccountingPolicy())
    chem: dict[str, Any] = chemistry_defaults(library.release)[design.chemistry]
    d = model_defaults(library.release)
    energy = d["production_energy"]
    masses = derive_cell_masses(design, library.release)
    plants = b.plants
    cell_kwh = cell_energy_kwh(design)

    def param(key: str) -> float:
        return _energy_param(design, chem, energy, key)

    # Cathode chain: precursor -> CAM -> cathode coating.
    # Commodities of data/sourcing.toml (lithium salts, metal sulfates) come from their market
    # at the buying plant's country and year (Assembler.commodity); other flows as they are.
    recipe = design_recipe(design)
    cam = "cathode_active_material"
    if not b.primary(
        cam, "Cathode active material production (calcination)", "raw_materials", "cathode"
    ):
        b.foreground(
            cam, "Cathode active material production (calcination)", "raw_materials", "cathode"
        )
        if recipe.precursor_kg_per_kg_cam > 0:
            pre = "precursor"
            if not b.primary(pre, "Precursor (pCAM) co-precipitation", "raw_materials", "cathode"):
                b.foreground(pre, "Precursor (pCAM) co-precipitation", "raw_materials", "cathode")
                for flow, kg in recipe.precursor_inputs_kg_per_kg.items():
                    b.commodity(pre, flow, kg, plants["precursor"])
                b.energy(pre, "precursor", param("precursor_electricity_kwh_per_kg"),
                         param("precursor_heat_mj_per_kg"))  # fmt: skip
            b.matrix.add_input(cam, pre, recipe.precursor_kg_per_kg_cam)
        for flow, kg in recipe.cam_inputs_kg_per_kg.items():
            b.commodity(cam, flow, kg, plants["cathode"])
        b.matrix.add_emission(cam, recipe.calcination_co2_kg_per_kg_cam)
        b.energy(cam, "cathode", param("calcination_electricity_kwh_per_kg_cam"),
                 param("calcination_heat_mj_per_kg_cam"))  # fmt: skip

    cathode = b.foreground(
        "cathode", "Cathode coating materials", "raw_materials", "cathode", "item"
    )
    b.matrix.add_input(cathode, cam, masses["cathode_active_material"])
    b.material(cathode, "carbon_black", masses["conductive_carbon"])
    b.material(cathode, "pvdf", masses["cathode_binder"])
    coating = (
        masses["cathode_active_material"] + masses["conductive_carbon"] + masses["cathode_binder"]
    )
    b.material(cathode, "nmp", coating * d["electrode"]["nmp_makeup_kg_per_kg_cathode"])

    # Anode chain.
    anode_flow = anode_material(design)
    aam = "anode_active_material"
    if not b.primary(aam, f"Anode active material ({anode_flow})", "raw_materials", "anode"):
        b.foreground(aam, f"Anode active material ({anode_flow})", "raw_materials", "anode")
        if anode_flow == "graphite_synthetic":
            # The process chain of data/graphite.toml (battery/graphite.py) at the anode plant.
            given = design.production_energy
            chain = synthetic_graphite_chain(
                library.release, given.graphitization_furnace, given.graphitization_kwh_per_kg
            )
            add_synthetic_graphite(b, aam, chain, plants["anode"])
        else:
            b.material(aam, anode_flow, 1.0, plants["anode"])
    anode = b.foreground("anode", "Anode coating materials", "raw_materials", "anode", "item")
    b.matrix.add_input(anode, aam, masses["anode_active_material"])
    b.material(anode, "cmc", masses["anode_binder"] / 2)
    b.material(anode, "sbr", masses["anode_binder"] / 2)

    # Foils: metal plus rolling/electrodeposition power at the foil plant (no green lever).
    for foil, metal, kwh_key in (
        ("aluminium_foil", "aluminium_primary", "aluminium_foil_kwh_per_kg"),
        ("copper_foil", "copper", "copper_foil_kwh_per_kg"),
    ):
        if not b.primary(foil, foil.replace("_", " ").capitalize(), "raw_materials", foil):
            b.foreground(foil, foil.replace("_", " ").capitalize(), "raw_materials", foil)
            b.material(foil, metal, 1.0, plants["foil"])
            b.energy(foil, "foil", energy[kwh_key])

    electrolyte = b.foreground("electrolyte", "Electrolyte", "raw_materials", "electrolyte")
    if chem.get("solid_electrolyte"):
        b.material(electrolyte, "sulfide_solid_electrolyte", 1.0)
    else:
        share = d["electrode"]["lipf6_mass_fraction"]
        b.material(electrolyte, "lipf6", share)
        b.material(electrolyte, "carbonate_solvents", 1 - share)
    separator = b.foreground("separator", "Separator", "raw_materials", "separator")
    b.material(separator, "separator_pe_pp", 1.0)
    casing = b.foreground(
        "casing_other", "Casing, tabs and other cell parts", "raw_materials", "casing_other", "item"
    )
    b.material(
        casing, d["format"][design.format]["casing_material"], masses["casing"], plants["cell"]
    )
    b.material(casing, "copper", masses["tabs_other"] / 2, plants["cell"])
    b.material(casing, "aluminium_wrought_alloy", masses["tabs_other"] / 2, plants["cell"])

    # Cell production at the cell plant: electrodes, assembly in the dry room, formation; each
    # step's electricity and heat (natural gas for electrode drying and the dry room's desiccant
    # regeneration, data/defaults.toml [production_energy]) per kWh of cell capacity.
    extra = energy["ssb_extra_kwh_per_kwh"] if chem.get("solid_electrolyte") else 0.0
    assembly_name = "Cell assembly: dry room, stacking/winding, filling"
    cell_steps = (
        (
            "electrode_production",
            "Electrode production: mixing, coating, drying with NMP recovery, calendering",
            param("cell_electrode_drying_kwh_per_kwh"),
            param("cell_electrode_drying_heat_mj_per_kwh"),
        ),
        (
            "cell_assembly",
            assembly_name + (", pressing and sintering" if extra else ""),
            param("cell_dry_room_kwh_per_kwh") + param("cell_other_kwh_per_kwh") + extra,
            param("cell_dry_room_heat_mj_per_kwh"),
        ),
        ("formation", "Formation and ageing", param("cell_formation_kwh_per_kwh"), 0.0),
    )
    for pid, name, kwh_per_kwh, heat_mj_per_kwh in cell_steps:
        b.foreground(pid, name, "production", "cell_production_energy", "item")
        b.energy(pid, "cell", kwh_per_kwh * cell_kwh, heat_mj_per_kwh * cell_kwh)

    cell = b.foreground("cell", "Cell", "raw_materials", "casing_other", "item")
    for pid, amount in (
        (cathode, 1.0), (anode, 1.0), (electrolyte, masses["electrolyte"]),
        (separator, masses["separator"]), ("aluminium_foil", masses["aluminium_foil"]),
        ("copper_foil", masses["copper_foil"]), (casing, 1.0),
        *((pid, 1.0) for pid, *_ in cell_steps),
    ):  # fmt: skip
        if amount > 0:
            b.matrix.add_input(cell, pid, amount)

    # Module and pack.
    cells = design.pack.cells or max(1, round(design.pack.target_capacity_kwh / cell_kwh))
    parts = _pack_parts(design, cells * sum(masses.values()), d["pack"])
    pack_parts = b.foreground(
        "module_pack_parts", "Module and pack parts", "raw_materials", "module_pack", "item"
    )
    for flow, kg in parts.items():
        b.material(pack_parts, flow, kg, plants["pack"])
    assembly = b.foreground(
        "pack_assembly", "Module and pack assembly", "production", "module_pack", "item"
    )
    b.energy(assembly, "pack", param("pack_assembly_kwh_per_kwh") * cells * cell_kwh)
    pack = b.foreground("pack", "Battery pack", "raw_materials", "module_pack", "item")
    b.matrix.add_input(pack, cell, cells)
    b.matrix.add_input(pack, pack_parts, 1.0)
    b.matrix.add_input(pack, assembly, 1.0)

    # Freight legs: tonne-kilometres per unit of the product carried, added to its process.
    unit_mass_kg = {"cell": sum(masses.values()), "module_pack_parts": sum(parts.values())}
    for leg in design.transport:
        if leg.product not in b.matrix:
            raise InputError(
                "transport",
                [
                    f"product {excerpt(leg.product)} is not made in this design (LFP has no precursor)"
                ],
            )
        carrier = b.background(f"transport_{leg.mode}", "GLO", "kg CO2e / (t * km)")
        tkm = unit_mass_kg.get(leg.product, 1.0) / 1000.0 * leg.distance_km
        b.matrix.add_input(leg.product, carrier, tkm)

    unused = set(b.overrides) - b.used_overrides
    if unused:
        raise InputError(
            "supplier_overrides",
            [f"flow {excerpt(f)} is not used by this design; overridable: library flows it uses "
             f"or {', '.join(REPLACEABLE_PROCESSES)}" for f in sorted(unused)],
        )  # fmt: skip
    # (lithium_route, the older shorthand, stays quiet where a supplier's material includes it)
    unbought = (set(design.sourcing) | set(options.sourcing)) - b.used_sourcing
    if unbought:
        raise InputError(
            "sourcing",
            [
                f"sourcing.{c}: this design does not buy {c} (or a supplier's cathode or "
                "precursor material includes it)"
                for c in sorted(unbought)
            ],
        )
    unused_supplied = set(b.supplied) - b.used_overrides
    if unused_supplied:
        raise InputError(
            "design",
            [
                f"supply.{m}: this design does not use {excerpt(b.supplied[m].flow)} for {m} (a "
                "supplier's cathode material includes its precursor and lithium salt)"
                for m in sorted(unused_supplied)
            ],
        )
    system = b.matrix.build()
    specs = cell_specs(design, masses, library.release)
    return BatterySystem(
        design=design, options=options, system=system,
        processes=tuple(b.info[pid] for pid in system.process_ids),
        cell_masses_kg=masses, cell_energy_kwh=cell_kwh, cells_per_pack=cells,
        pack_parts_kg=parts, plants=plants, year=b.year,
        warnings=tuple(b.warnings) + specs.warnings, cell_volume_l=specs.volume_l,
        pack_volume_l=pack_volume_l(design, cells, specs.volume_l, library.release),
        cell_band=specs.band,
    )  # fmt: skip


def _pack_parts(design: Design, cells_mass_kg: float, defaults: dict[str, Any]) -> dict[str, float]:
    """Non-cell pack masses, kg: the design's, else the split of the non-cell mass that its pack
    type's cell-to-pack mass ratio leaves (``battery.pack``)."""
    return pack_parts_kg(design, cells_mass_kg, defaults)
