"""The battery design document: validated input of the product model.

A design can be three lines (chemistry, format, cell capacity) or a full bill of materials.
Masses may be numbers (kg) or strings with a unit (``"350 g"``), converted with pint; anything
that is not a mass is rejected naming the field.
"""

from __future__ import annotations

import math
import uuid
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from batterycarbon.battery.pack import PackType
from batterycarbon.battery.params import chemistry_defaults, known_chemistries
from batterycarbon.battery.sourcing import require_levers
from batterycarbon.bounds import (
    MAX_AREAL_CAPACITY_MAH_PER_CM2,
    MAX_CELL_CAPACITY_AH,
    MAX_CELL_PART_MASS_KG,
    MAX_CELL_VOLTAGE_V,
    MAX_CELLS_PER_PACK,
    MAX_DESCRIPTION_CHARS,
    MAX_FOOTPRINT_VALUE,
    MAX_NAME_CHARS,
    MAX_PACK_ENERGY_KWH,
    MAX_PACK_PART_MASS_KG,
    MAX_PACK_PARTS,
    MAX_QUANTITY_CHARS,
    MAX_REFERENCE_CHARS,
    MAX_SOURCES,
    MAX_SPECIFIC_CAPACITY_MAH_PER_G,
    MAX_SPECIFIC_ENERGY,
    MAX_SUPPLIER_OVERRIDES,
    MAX_TRANSPORT_DISTANCE_KM,
    MAX_TRANSPORT_LEGS,
    MIN_AREAL_CAPACITY_MAH_PER_CM2,
    MIN_CELL_CAPACITY_AH,
    MIN_CELL_VOLTAGE_V,
    MIN_PACK_ENERGY_KWH,
    MIN_SPECIFIC_CAPACITY_MAH_PER_G,
    DocumentFloat,
    DocumentInt,
    DocumentShare,
)
from batterycarbon.countries import country_problem
from batterycarbon.errors import InputError, excerpt, validation_problems
from batterycarbon.rules.functional_unit import (
    STORED_DOCUMENT,
    UsableCapacityKwh,
    WarrantyYears,
    WrittenVehicleCategory,
)
from batterycarbon.safe_yaml import read_yaml_file
from batterycarbon.units import conversion_factor

STEPS = ("precursor", "cathode", "anode", "cell", "pack")
#: A purchased material of the bill of materials, from the library or a named supplier.
SupplyMaterial = Literal[
    "precursor",
    "cathode_active_material",
    "anode_active_material",
    "lithium_salt",
    "electrolyte",
    "aluminium_foil",
    "copper_foil",
    "separator",
    "casing",
    "pack_parts",
]
SUPPLY_MATERIALS: tuple[SupplyMaterial, ...] = get_args(SupplyMaterial)
#: Materials made at one of the design's own plants (the step's plant is the supplier's plant).
STEP_MATERIAL_PLANTS = {
    "precursor": "precursor",
    "cathode_active_material": "cathode",
    "anode_active_material": "anode",
}
DESIGNS_DIR = Path(__file__).parent / "designs"


def require_steps(keys: Any, what: str, allowed: tuple[str, ...] = STEPS) -> None:
    """Raise ``ValueError`` naming the first key that is not a production step."""
    for step in keys:
        if step not in allowed:
            raise ValueError(f"{what} step {excerpt(step)}; expected one of {allowed}")


def _to_kg(value: Any) -> Any:
    if isinstance(value, str):
        number, _, unit = value.strip().partition(" ")
        try:
            if len(value) > MAX_QUANTITY_CHARS:
                raise ValueError(f"longer than {MAX_QUANTITY_CHARS} characters")
            mass_kg = float(number) * conversion_factor(unit.strip() or "kg", "kg")
            if not math.isfinite(mass_kg):
                raise ValueError("not a finite number")
            return mass_kg
        except ValueError as exc:
            raise ValueError(
                f"{excerpt(value)} is not a mass (expected e.g. 0.5 or '500 g')"
            ) from exc
    return value


#: A mass: a number (kg) or a text with a unit; finite, not negative, not a boolean.
MassKg = Annotated[DocumentFloat, BeforeValidator(_to_kg), Field(ge=0)]
CellPartKg = Annotated[MassKg, Field(le=MAX_CELL_PART_MASS_KG)]
PackPartKg = Annotated[MassKg, Field(le=MAX_PACK_PART_MASS_KG)]
#: Production energy per kWh of cell or per kg of material (kWh or MJ).
SpecificEnergy = Annotated[DocumentFloat, Field(ge=0, le=MAX_SPECIFIC_ENERGY)]
Name = Annotated[str, Field(max_length=MAX_NAME_CHARS)]
Reference = Annotated[str, Field(max_length=MAX_REFERENCE_CHARS)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class CellMasses(Strict):
    """Mass of each part of one cell, kg. Parts left out are derived from electrochemistry."""

    cathode_active_material: CellPartKg | None = None
    conductive_carbon: CellPartKg | None = None
    cathode_binder: CellPartKg | None = None
    aluminium_foil: CellPartKg | None = None
    anode_active_material: CellPartKg | None = None
    anode_binder: CellPartKg | None = None
    copper_foil: CellPartKg | None = None
    electrolyte: CellPartKg | None = None
    separator: CellPartKg | None = None
    casing: CellPartKg | None = None
    tabs_other: CellPartKg | None = None


class Cell(Strict):
    capacity_ah: DocumentFloat = Field(ge=MIN_CELL_CAPACITY_AH, le=MAX_CELL_CAPACITY_AH)
    nominal_voltage_v: DocumentFloat | None = Field(
        default=None, ge=MIN_CELL_VOLTAGE_V, le=MAX_CELL_VOLTAGE_V
    )
    masses_kg: CellMasses = CellMasses()
    specific_capacity_mah_per_g: DocumentFloat | None = Field(
        default=None, ge=MIN_SPECIFIC_CAPACITY_MAH_PER_G, le=MAX_SPECIFIC_CAPACITY_MAH_PER_G
    )
    areal_capacity_mah_per_cm2: DocumentFloat | None = Field(
        default=None, ge=MIN_AREAL_CAPACITY_MAH_PER_CM2, le=MAX_AREAL_CAPACITY_MAH_PER_CM2
    )
    np_ratio: DocumentFloat | None = Field(default=None, ge=1, le=2)


class Pack(Strict):
    """Pack composition. Without ``cells``, a 60 kWh pack is assumed (rounded to whole cells)."""

    cells: DocumentInt | None = Field(default=None, gt=0, le=MAX_CELLS_PER_PACK)
    target_capacity_kwh: DocumentFloat = Field(
        default=60.0, ge=MIN_PACK_ENERGY_KWH, le=MAX_PACK_ENERGY_KWH
    )
    #: "module" (cells -> modules -> pack) or "ctp" (cell-to-pack, no module housings); without
    #: it, the chemistry's default type (``battery.pack``, ``data/defaults.toml`` [pack]).
    type: PackType | None = None
    #: Mass of the cells over the mass of the pack; without it, the default of the pack type.
    cell_to_pack_mass_ratio: DocumentFloat | None = Field(default=None, gt=0.2, le=1)
    parts_kg: dict[Name, PackPartKg] | None = Field(default=None, max_length=MAX_PACK_PARTS)


def _checked_country(value: str | None) -> str | None:
    problem = None if value is None else country_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


class Plants(Strict):
    """Country (ISO 3166 alpha-2) of each production step; ``foil`` defaults to the cell plant."""

    precursor: str = "CN"
    cathode: str = "CN"
    anode: str = "CN"
    cell: str = "CN"
    pack: str = "CN"
    foil: str | None = None

    _country = field_validator("*")(_checked_country)


class ProductionEnergy(Strict):
    """Overrides of the default production energy (``data/defaults.toml``)."""

    cell_dry_room_kwh_per_kwh: SpecificEnergy | None = None
    cell_electrode_drying_kwh_per_kwh: SpecificEnergy | None = None
    cell_formation_kwh_per_kwh: SpecificEnergy | None = None
    cell_other_kwh_per_kwh: SpecificEnergy | None = None
    cell_electrode_drying_heat_mj_per_kwh: SpecificEnergy | None = None
    cell_dry_room_heat_mj_per_kwh: SpecificEnergy | None = None
    precursor_electricity_kwh_per_kg: SpecificEnergy | None = None
    precursor_heat_mj_per_kg: SpecificEnergy | None = None
    calcination_electricity_kwh_per_kg_cam: SpecificEnergy | None = None
    calcination_heat_mj_per_kg_cam: SpecificEnergy | None = None
    # kWh per kg of graphitized powder in the chosen furnace (data/graphite.toml)
    graphitization_kwh_per_kg: SpecificEnergy | None = None
    graphitization_furnace: Literal["acheson", "box"] | None = None
    pack_assembly_kwh_per_kwh: SpecificEnergy | None = None


class SupplierOverride(Strict):
    """A supplier's own figure replacing the library factor of ``flow`` wherever it is used;
    with ``material``, the figure of the supplier ``supply.<material>`` names, for that
    material only (attached by the service from a stored dataset)."""

    flow: Name
    value: DocumentFloat = Field(ge=0, le=MAX_FOOTPRINT_VALUE)
    unit: Name = "kg CO2e / kg"
    supplier: Name
    reference: Reference | None = None
    material: SupplyMaterial | None = None


class SupplierSource(Strict):
    """A purchased material from a named supplier organization's plant, optionally pinned to
    one version of its dataset."""

    supplier: Name = Field(min_length=1)
    plant: str | None = None
    dataset: uuid.UUID | None = None

    _country = field_validator("plant")(_checked_country)


#: Where a purchased material comes from: "library" (the design's region and route levers) or a
#: supplier (errors name ``supply.<material>.supplier.<field>``).
Source = Annotated[
    Annotated[Literal["library"], Tag("library")] | Annotated[SupplierSource, Tag("supplier")],
    Discriminator(lambda value: "library" if isinstance(value, str) else "supplier"),
]


class TransportLeg(Strict):
    """Freight of one intermediate product to where it is used (t*km = tonnes x km)."""

    product: Literal[
        "precursor", "cathode_active_material", "anode_active_material", "aluminium_foil",
        "copper_foil", "electrolyte", "cell", "module_pack_parts",
    ]  # fmt: skip
    mode: Literal["road", "rail", "sea"]
    distance_km: DocumentFloat = Field(gt=0, le=MAX_TRANSPORT_DISTANCE_KM)


class Use(Strict):
    """How the battery is used: the inputs of the EU delivered-energy functional unit, each
    checked by the rule the declaration applies (``rules.functional_unit``), so a design takes
    exactly the values its declaration will. The vehicle category is kept as written (``M1``
    stays ``M1``); a design stored before that rule applied loads as stored when read with
    ``context=STORED_DOCUMENT`` (:func:`read_stored_design`)."""

    usable_capacity_kwh: UsableCapacityKwh | None = None
    vehicle_category: WrittenVehicleCategory | None = None
    warranty_years: WarrantyYears | None = None


class Design(Strict):
    """A battery design. See ``docs/design-format.md`` and the bundled designs."""

    id: Name | None = None
    name: Name | None = None
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION_CHARS)
    sources: list[Reference] = Field(default=[], max_length=MAX_SOURCES)
    chemistry: Name
    cathode_ratio: tuple[DocumentShare, DocumentShare, DocumentShare] | None = None
    format: Literal["cylindrical", "prismatic", "pouch"]
    cell: Cell
    pack: Pack = Pack()
    plants: Plants = Plants()
    year: DocumentInt = Field(default=2023, ge=2000, le=2060)
    #: Shorthand for ``sourcing: {<the chemistry's lithium salt>: {<route>: 1}}``.
    lithium_route: Literal["brine", "spodumene"] | None = None
    #: Where the cathode recipe's commodities come from: {commodity: {route: share}}, shares
    #: summing to 1 (``battery.sourcing``, ``data/sourcing.toml``); others follow the market mix.
    sourcing: dict[Name, Annotated[dict[Name, DocumentFloat], Field(max_length=20)]] = Field(
        default={}, max_length=20
    )
    anode_material: (
        Literal[
            "graphite_synthetic", "graphite_natural", "graphite_silicon_coated", "lithium_metal"
        ]
        | None
    ) = None
    production_energy: ProductionEnergy = ProductionEnergy()
    green_electricity: dict[str, DocumentShare] = Field(default={}, max_length=len(STEPS))
    supplier_overrides: list[SupplierOverride] = Field(
        default=[], max_length=MAX_SUPPLIER_OVERRIDES
    )
    transport: list[TransportLeg] = Field(default=[], max_length=MAX_TRANSPORT_LEGS)
    supply: dict[SupplyMaterial, Source] = Field(default={}, max_length=len(SUPPLY_MATERIALS))
    use: Use | None = None

    @field_validator("chemistry")
    @classmethod
    def _known_chemistry(cls, value: str) -> str:
        known = known_chemistries()
        if value not in known:
            raise ValueError(f"unknown chemistry {excerpt(value)}; known: {', '.join(known)}")
        return value

    @field_validator("cathode_ratio")
    @classmethod
    def _ratio_sums_to_one(
        cls, value: tuple[float, float, float] | None
    ) -> tuple[float, float, float] | None:
        if value is not None:
            if min(value) < 0:
                raise ValueError(f"ratio {list(value)} has a negative share")
            if abs(sum(value) - 1) > 1e-3:
                raise ValueError(f"ratio {list(value)} must sum to 1 (sums to {sum(value):.4g})")
        return value

    @field_validator("green_electricity")
    @classmethod
    def _known_steps(cls, value: dict[str, float]) -> dict[str, float]:
        require_steps(value, "green-electricity")
        return value

    @field_validator("sourcing")
    @classmethod
    def _known_routes(cls, value: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        return require_levers(value)

    @model_validator(mode="after")
    def _one_lithium_lever(self) -> Design:
        salt = chemistry_defaults()[self.chemistry]["lithium_salt"]
        if self.lithium_route is not None and salt in self.sourcing:
            raise ValueError(
                f"lithium_route {self.lithium_route} and sourcing.{salt} both set the lithium "
                "route; keep one (lithium_route is shorthand for 100 % of one route)"
            )
        return self

    @model_validator(mode="after")
    def _supplier_plants(self) -> Design:
        for material, source in self.supplier_sources().items():
            step = STEP_MATERIAL_PLANTS.get(material)
            if step is None and source.plant is None:
                raise ValueError(
                    f"supply.{material}: plant is required when a supplier is named "
                    "(ISO 3166-1 country of the supplier's plant)"
                )
            if step is not None and source.plant not in (None, self.plant_of(material)):
                raise ValueError(
                    f"supply.{material}: plant {source.plant} differs from plants.{step} "
                    f"{self.plant_of(material)}; the {step} plant is the supplier's plant"
                )
            if step is not None and self.green_electricity.get(step):
                raise ValueError(
                    f"green_electricity.{step}: {material} is bought from "
                    f"{excerpt(source.supplier)}, whose figure holds its own power mix"
                )
        return self

    def supplier_sources(self) -> dict[str, SupplierSource]:
        """The materials the design buys from a named supplier, with their source."""
        return {m: s for m, s in self.supply.items() if isinstance(s, SupplierSource)}

    def plant_of(self, material: str) -> str | None:
        """Country of the plant a material comes from: the design's own step plant for
        precursor, cathode and anode material, else the supplier's plant named in ``supply``."""
        step = STEP_MATERIAL_PLANTS.get(material)
        if step is not None:
            return str(getattr(self.plants, step))
        source = self.supply.get(material)  # type: ignore[call-overload]
        return source.plant if isinstance(source, SupplierSource) else None

    @model_validator(mode="after")
    def _ratio_only_for_layered_oxides(self) -> Design:
        if self.cathode_ratio is not None and self.chemistry == "LFP":
            raise ValueError("cathode_ratio applies to NCM/NCA chemistries, not LFP")
        return self


def parse_design(data: Any, source: str) -> Design:
    """Validate a design document; :class:`InputError` names ``source`` and every bad field."""
    if not isinstance(data, dict):
        raise InputError(source, ["(document): expected a mapping with chemistry, format, cell"])
    try:
        return Design.model_validate(data)
    except ValidationError as exc:
        raise InputError(source, validation_problems(exc)) from None


def read_stored_design(document: dict[str, Any]) -> Design:
    """A design document read back from storage (a design version, a calculation's inputs).

    It was validated when stored; a value a later rule refuses (a vehicle category such as
    ``car``, accepted before the design applied the declaration's rule) loads as stored so the
    record stays readable, and the declaration refuses it naming ``use.vehicle_category``."""
    return Design.model_validate(document, context=STORED_DOCUMENT)


def bundled_design_ids() -> list[str]:
    return sorted(p.stem for p in DESIGNS_DIR.glob("*.yaml"))


def load_design(ref: str | Path) -> Design:
    """A bundled design by id, or a YAML/JSON file by path."""
    path = Path(ref)
    if not path.is_file():
        bundled = DESIGNS_DIR / f"{ref}.yaml"
        if not bundled.is_file():
            raise InputError(
                str(ref),
                [f"no such file, and not a bundled design ({', '.join(bundled_design_ids())})"],
            )
        path = bundled
    design = parse_design(read_yaml_file(path), str(path))
    if design.id is None:
        design = design.model_copy(update={"id": path.stem})
    return design
