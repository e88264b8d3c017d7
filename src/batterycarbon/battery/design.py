"""The battery design document: validated input of the product model.

A design can be three lines (chemistry, format, cell capacity) or a full bill of materials.
Masses may be numbers (kg) or strings with a unit (``"350 g"``), converted with pint; anything
that is not a mass is rejected naming the field.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from batterycarbon.battery.params import known_chemistries
from batterycarbon.errors import InputError, validation_problems
from batterycarbon.safe_yaml import read_yaml_file
from batterycarbon.units import conversion_factor

STEPS = ("precursor", "cathode", "anode", "cell", "pack")
DESIGNS_DIR = Path(__file__).parent / "designs"
COUNTRY = re.compile(r"^[A-Z]{2}$")


def require_steps(keys: Any, what: str, allowed: tuple[str, ...] = STEPS) -> None:
    """Raise ``ValueError`` naming the first key that is not a production step."""
    for step in keys:
        if step not in allowed:
            raise ValueError(f"{what} step {step!r}; expected one of {allowed}")


def _to_kg(value: Any) -> Any:
    if isinstance(value, str):
        number, _, unit = value.strip().partition(" ")
        try:
            return float(number) * conversion_factor(unit.strip() or "kg", "kg")
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a mass (expected e.g. 0.5 or '500 g')") from exc
    return value


MassKg = Annotated[float, BeforeValidator(_to_kg), Field(ge=0, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CellMasses(Strict):
    """Mass of each part of one cell, kg. Parts left out are derived from electrochemistry."""

    cathode_active_material: MassKg | None = None
    conductive_carbon: MassKg | None = None
    cathode_binder: MassKg | None = None
    aluminium_foil: MassKg | None = None
    anode_active_material: MassKg | None = None
    anode_binder: MassKg | None = None
    copper_foil: MassKg | None = None
    electrolyte: MassKg | None = None
    separator: MassKg | None = None
    casing: MassKg | None = None
    tabs_other: MassKg | None = None


class Cell(Strict):
    capacity_ah: float = Field(gt=0, allow_inf_nan=False)
    nominal_voltage_v: float | None = Field(default=None, gt=0, le=6)
    masses_kg: CellMasses = CellMasses()
    specific_capacity_mah_per_g: float | None = Field(default=None, gt=0)
    areal_capacity_mah_per_cm2: float | None = Field(default=None, gt=0)
    np_ratio: float | None = Field(default=None, ge=1, le=2)


class Pack(Strict):
    """Pack composition. Without ``cells``, a 60 kWh pack is assumed (rounded to whole cells)."""

    cells: int | None = Field(default=None, gt=0)
    target_capacity_kwh: float = Field(default=60.0, gt=0)
    cell_to_pack_mass_ratio: float | None = Field(default=None, gt=0.2, le=1)
    parts_kg: dict[str, MassKg] | None = None


class Plants(Strict):
    """Country (ISO 3166 alpha-2) of each production step; ``foil`` defaults to the cell plant."""

    precursor: str = "CN"
    cathode: str = "CN"
    anode: str = "CN"
    cell: str = "CN"
    pack: str = "CN"
    foil: str | None = None

    @field_validator("*")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value is not None and not COUNTRY.match(value):
            raise ValueError(f"{value!r} is not an ISO 3166 alpha-2 country code such as CN, DE")
        return value


class ProductionEnergy(Strict):
    """Overrides of the default production energy (``data/defaults.toml``)."""

    cell_dry_room_kwh_per_kwh: float | None = Field(default=None, ge=0)
    cell_electrode_drying_kwh_per_kwh: float | None = Field(default=None, ge=0)
    cell_formation_kwh_per_kwh: float | None = Field(default=None, ge=0)
    cell_other_kwh_per_kwh: float | None = Field(default=None, ge=0)
    cell_heat_mj_per_kwh: float | None = Field(default=None, ge=0)
    precursor_electricity_kwh_per_kg: float | None = Field(default=None, ge=0)
    precursor_heat_mj_per_kg: float | None = Field(default=None, ge=0)
    calcination_electricity_kwh_per_kg_cam: float | None = Field(default=None, ge=0)
    calcination_heat_mj_per_kg_cam: float | None = Field(default=None, ge=0)
    graphitization_kwh_per_kg: float | None = Field(default=None, ge=0)
    pack_assembly_kwh_per_kwh: float | None = Field(default=None, ge=0)


class SupplierOverride(Strict):
    """A supplier's own figure replacing the library factor of ``flow`` wherever it is used."""

    flow: str
    value: float = Field(ge=0, allow_inf_nan=False)
    unit: str = "kg CO2e / kg"
    supplier: str
    reference: str | None = None


class TransportLeg(Strict):
    """Freight of one intermediate product to where it is used (t*km = tonnes x km)."""

    product: Literal[
        "precursor", "cathode_active_material", "anode_active_material", "aluminium_foil",
        "copper_foil", "electrolyte", "cell", "module_pack_parts",
    ]  # fmt: skip
    mode: Literal["road", "rail", "sea"]
    distance_km: float = Field(gt=0, allow_inf_nan=False)


class Use(Strict):
    """How the battery is used: the inputs of the EU delivered-energy functional unit."""

    usable_capacity_kwh: float | None = Field(default=None, gt=0)
    vehicle_category: str | None = None  # car_van | two_three_wheeler | bus_truck | M1, N1, L, ...
    warranty_years: float | None = Field(default=None, gt=0, le=50)


class Design(Strict):
    """A battery design. See ``docs/design-format.md`` and the bundled designs."""

    id: str | None = None
    name: str | None = None
    description: str | None = None
    sources: list[str] = []
    chemistry: str
    cathode_ratio: tuple[float, float, float] | None = None
    format: Literal["cylindrical", "prismatic", "pouch"]
    cell: Cell
    pack: Pack = Pack()
    plants: Plants = Plants()
    year: int = Field(default=2023, ge=2000, le=2060)
    lithium_route: Literal["brine", "spodumene"] | None = None
    anode_material: (
        Literal[
            "graphite_synthetic", "graphite_natural", "graphite_silicon_coated", "lithium_metal"
        ]
        | None
    ) = None
    production_energy: ProductionEnergy = ProductionEnergy()
    green_electricity: dict[str, Share] = {}
    supplier_overrides: list[SupplierOverride] = []
    transport: list[TransportLeg] = []
    use: Use | None = None

    @field_validator("chemistry")
    @classmethod
    def _known_chemistry(cls, value: str) -> str:
        known = known_chemistries()
        if value not in known:
            raise ValueError(f"unknown chemistry {value!r}; known: {', '.join(known)}")
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
