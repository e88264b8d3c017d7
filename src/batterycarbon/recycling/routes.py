"""End-of-life routes as data: process inputs, direct emissions and recovery rates.

The routes (``second-life``, ``direct``, ``hydro``, ``pyro``, ``pyro-hydro``) live in
``data/routes.toml``; this module validates them into pydantic models. Every number carries its
evidence: ``source`` (a key of the file's ``[sources]``), ``status`` (``verified``, ``derived``,
``provisional``, ``assumption`` or ``calibrated``) and, for calibrated values, ``calibrated_to``
naming the published figure the value was set to reproduce.

Units: all process inputs are per kg of spent battery pack entering the route: electricity in
kWh/kg, natural-gas heat in MJ/kg, reagents in kg/kg, direct (on-site) emissions in
kg CO2/kg. Recovery rates are mass fractions (0..1) of the element in the spent pack that leave
the route as the named product.

References
----------
UN Global Compact (2023). White paper on the life-cycle carbon footprint of EV power batteries,
section 5.4 (``reference/DIGEST.md``).
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from batterycarbon.errors import InputError, excerpt, validation_problems

DATA_DIR = Path(__file__).parent / "data"
ROUTES_FILE = DATA_DIR / "routes.toml"

Status = Literal["verified", "derived", "provisional", "assumption", "calibrated"]
Material = Literal["Li", "Ni", "Co", "Mn", "Cu", "Al", "graphite"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Evidence(_Strict):
    """Where a number comes from. ``calibrated`` values must say what they reproduce."""

    source: str = Field(min_length=1)
    status: Status
    calibrated_to: str | None = None
    note: str = ""

    @model_validator(mode="after")
    def _calibration_is_named(self) -> Evidence:
        if self.status == "calibrated" and not self.calibrated_to:
            raise ValueError("status 'calibrated' needs calibrated_to (the figure reproduced)")
        if self.calibrated_to and self.status != "calibrated":
            raise ValueError(f"calibrated_to is given but status is {self.status!r}")
        return self


class Electricity(Evidence):
    kwh_per_kg: float = Field(ge=0, allow_inf_nan=False)


class Heat(Evidence):
    mj_per_kg: float = Field(ge=0, allow_inf_nan=False)


class Reagent(Evidence):
    """A consumable bought in, as a flow of the factor library (kg per kg of spent pack)."""

    flow: str = Field(pattern=r"^[a-z0-9_]+$")
    kg_per_kg: float = Field(ge=0, allow_inf_nan=False)


class DirectEmission(Evidence):
    """CO2 released on site, e.g. graphite and electrolyte burnt in a smelter (kg CO2/kg pack)."""

    name: str = Field(min_length=1)
    kgco2_per_kg: float = Field(ge=0, allow_inf_nan=False)


class Recovery(Evidence):
    """Share of one element of the spent pack that leaves the route as ``product``.

    ``replaces`` lists what the recovered product stands in for in a new battery: library flows
    (``nickel_sulfate``) or product-model processes a supplier figure may replace
    (``cathode_active_material``, see ``battery.inventory.REPLACEABLE_PROCESSES``).
    """

    material: Material
    rate: float = Field(ge=0, le=1, allow_inf_nan=False)
    product: str = Field(pattern=r"^[a-z0-9_]+$")
    replaces: list[str] = Field(min_length=1)


class Route(_Strict):
    """One end-of-life route. ``quantified = false`` routes are reported qualitatively."""

    id: str
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    quantified: bool
    qualitative_benefit: str | None = None
    electricity: Electricity | None = None
    heat: Heat | None = None
    reagents: list[Reagent] = []
    direct_emissions: list[DirectEmission] = []
    recovery: list[Recovery] = []

    @model_validator(mode="after")
    def _consistent(self) -> Route:
        if self.quantified and (self.electricity is None or self.heat is None):
            raise ValueError("a quantified route needs [electricity] and [heat] tables")
        if not self.quantified and not self.qualitative_benefit:
            raise ValueError("a route with quantified = false needs qualitative_benefit")
        rates: dict[str, float] = {}
        for item in self.recovery:
            for target in item.replaces:
                if rates.setdefault(target, item.rate) != item.rate:
                    raise ValueError(
                        f"recovery entries replacing {target!r} disagree on rate "
                        f"({rates[target]} vs {item.rate})"
                    )
        return self

    def evidence(self) -> list[Evidence]:
        """Every cited number of the route (for checks that each source exists)."""
        items: list[Evidence] = [*self.reagents, *self.direct_emissions, *self.recovery]
        return [e for e in (self.electricity, self.heat) if e is not None] + items

    def recovered_targets(self) -> dict[str, tuple[float, str]]:
        """Replaced flow or process -> (recovery rate, recovered product), rate > 0 only."""
        return {
            target: (item.rate, item.product)
            for item in self.recovery
            if item.rate > 0
            for target in item.replaces
        }


class RouteBook(_Strict):
    """All routes with the sources they cite."""

    sources: dict[str, str]
    routes: dict[str, Route]

    @model_validator(mode="after")
    def _sources_exist(self) -> RouteBook:
        for route in self.routes.values():
            for item in route.evidence():
                if item.source not in self.sources:
                    raise ValueError(
                        f"route {route.id!r}: source {item.source!r} is not in [sources]"
                    )
        return self


def parse_routes(data: dict[str, Any], source: str) -> RouteBook:
    """Validate a routes document; :class:`InputError` names ``source`` and every bad field."""
    routes = data.get("route")
    if not isinstance(routes, dict) or not routes:
        raise InputError(source, ["route: expected one or more [route.ID] tables"])
    try:
        return RouteBook.model_validate(
            {
                "sources": data.get("sources", {}),
                "routes": {
                    rid: {"id": rid, **table} if isinstance(table, dict) else table
                    for rid, table in routes.items()
                },
            }
        )
    except ValidationError as exc:
        raise InputError(source, validation_problems(exc, "(file)", {"routes": "route"})) from None


def load_routes_file(path: Path) -> RouteBook:
    """Routes from a TOML file (for user-supplied route data and tests)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(str(path), [f"not valid TOML: {exc}"]) from None
    return parse_routes(data, str(path))


@lru_cache(maxsize=1)
def load_routes() -> RouteBook:
    """The bundled routes (``data/routes.toml``), validated once."""
    return load_routes_file(ROUTES_FILE)


def route_ids() -> list[str]:
    return sorted(load_routes().routes)


def get_route(route_id: str, book: RouteBook | None = None) -> Route:
    """One route by id; :class:`InputError` listing the known ids otherwise."""
    book = book or load_routes()
    try:
        return book.routes[route_id]
    except KeyError:
        known = ", ".join(sorted(book.routes))
        raise InputError("route", [f"unknown route {excerpt(route_id)}; known: {known}"]) from None
