"""Commodity markets: the production routes behind a commodity a cathode recipe buys.

``data/sourcing.toml`` gives, for each commodity (``lithium_carbonate``, ``lithium_hydroxide``,
...), its production routes (each a flow of the factor library: ``lithium_carbonate_brine``) and,
per market (the buying plant's country or region group) and year, the share of each route in the
supply to that market and the region whose factor each route takes (its ``origin``).

A release that says ``sourcing = "markets"`` in its ``release.toml`` buys such a commodity
through a market process "Market for <commodity> (<market>, <year>)" whose inputs are the route
factors by share. A release without it (those before open-2026.1) buys the commodity as one flow
at the buying plant, as the model did before: ``single_route_flow`` (default: the commodity's own
flow). Lookup of a mix: the buying plant's country, else its region groups (EU27, EUROPE), else
GLO, each substitution a warning; within a market the latest year not after the calculation
year (a mix holds until a later one is given), else the earliest, with a warning.

The lever ``sourcing: {<commodity>: {<route>: share}}`` (a design field, and the same in
``Options``) sets the shares instead; each route keeps the origin the market's mix gives it (GLO,
with a warning, for a route the mix does not source). The design field ``lithium_route`` is kept
as shorthand for 100 % of that route of the chemistry's lithium salt.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from batterycarbon.battery.params import DATA_DIR, chemistry_defaults
from batterycarbon.countries import region_problem
from batterycarbon.errors import InputError, excerpt
from batterycarbon.factors.library import region_fallbacks

if TYPE_CHECKING:
    from batterycarbon.battery.design import Design

SOURCING_FILE = "sourcing.toml"
#: How far the shares of one commodity may sum from 1.
SHARE_TOLERANCE = 1e-6
#: The value of release.toml's ``sourcing`` under which commodities are bought from markets.
MARKETS = "markets"
#: Region groups a market mix may be given for, most specific first (as the factor lookup).
_GROUP_NAMES = {"EU27": "EU-27", "EUROPE": "Europe", "GLO": "global"}


@dataclass(frozen=True)
class Mix:
    """The route shares of one commodity's supply to one market in one year."""

    market: str
    year: int
    shares: dict[str, float]
    origin: dict[str, str]
    source: str
    note: str


@dataclass(frozen=True)
class Commodity:
    name: str
    routes: dict[str, str]  # route -> library flow
    single_route_flow: str
    mixes: tuple[Mix, ...]


@dataclass(frozen=True)
class MarketInput:
    route: str | None  # None: the single flow of a release without market mixes
    flow: str
    share: float
    region: str


@dataclass(frozen=True)
class Market:
    """What one consumer's commodity is bought as: one flow, or a market of route flows."""

    commodity: str
    id: str
    name: str
    inputs: tuple[MarketInput, ...]
    warnings: tuple[str, ...] = ()
    #: One flow bought at the plant, as before markets (a release without market mixes and no
    #: lever, or a lever of one route): wired as that flow, not as a market process.
    direct: bool = False


def _share_problems(where: str, shares: Any, routes: Mapping[str, str]) -> list[str]:
    """Problems of one commodity's ``{route: share}`` (names ``<where>.<route>``)."""
    if not isinstance(shares, Mapping) or not shares:
        return [
            f"{where}: expected a table of route shares, e.g. {{{next(iter(routes), 'x')} = 1}}"
        ]
    problems = []
    total = 0.0
    for route, share in shares.items():
        if route not in routes:
            problems.append(f"{where}.{excerpt(route)}: unknown route; known: {', '.join(routes)}")
            continue
        if isinstance(share, bool) or not isinstance(share, int | float):
            problems.append(f"{where}.{route}: expected a share in 0..1, got {excerpt(share)}")
            continue
        if not math.isfinite(share) or not 0 <= share <= 1:
            problems.append(f"{where}.{route}: share {share} is not in 0..1")
            continue
        total += share
    if not problems and abs(total - 1) > SHARE_TOLERANCE:
        problems.append(f"{where}: shares sum to {total:.9g}, expected 1 (within 1e-6)")
    return problems


def _parse(data: dict[str, Any]) -> dict[str, Commodity]:
    sources = data.get("sources", {})
    problems: list[str] = []
    result: dict[str, Commodity] = {}
    for name, table in data.get("commodity", {}).items():
        where = f"{SOURCING_FILE}: commodity.{name}"
        routes = table.get("routes")
        if not isinstance(routes, dict) or not routes:
            problems.append(f'{where}.routes: expected {{ route = "library_flow", ... }}')
            continue
        mixes = []
        seen: set[tuple[str, int]] = set()
        for index, entry in enumerate(table.get("mix", [])):
            at = f"{where}.mix.{index}"
            market, year = entry.get("market"), entry.get("year")
            if not isinstance(market, str) or region_problem(market) is not None:
                problems.append(f"{at}.market: expected a country or region group")
                continue
            if not isinstance(year, int) or isinstance(year, bool):
                problems.append(f"{at}.year: expected a year")
                continue
            if (market, year) in seen:
                problems.append(f"{at}: a second mix for {market} {year}")
            seen.add((market, year))
            shares = entry.get("shares")
            problems += _share_problems(f"{at}.shares", shares, routes)
            origin = entry.get("origin", {})
            for route, share in (shares or {}).items():
                region = origin.get(route)
                if share and (not isinstance(region, str) or region_problem(region)):
                    problems.append(f"{at}.origin.{route}: expected the region of its factor")
            if entry.get("source") not in sources:
                problems.append(f"{at}.source: expected a key of [sources]")
            source, note = str(entry.get("source")), str(entry.get("note", ""))
            mixes.append(Mix(market, year, dict(shares or {}), dict(origin), source, note))
        single = str(table.get("single_route_flow", name))
        result[name] = Commodity(name, dict(routes), single, tuple(mixes))
    if problems:
        raise InputError(f"battery/data/{SOURCING_FILE}", problems)
    return result


@lru_cache(maxsize=1)
def commodities() -> dict[str, Commodity]:
    """Every commodity of ``data/sourcing.toml``, validated, by name."""
    return _parse(tomllib.loads((DATA_DIR / SOURCING_FILE).read_text(encoding="utf-8")))


def commodity_of_flow(flow: str) -> str | None:
    """The commodity ``flow`` is (its own name, one of its routes or its single flow), if any."""
    for commodity in commodities().values():
        if flow in (commodity.name, commodity.single_route_flow, *commodity.routes.values()):
            return commodity.name
    return None


def require_levers(levers: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """``levers`` if they pass :func:`lever_problems`, else ``ValueError`` listing every
    problem (the validator of the design's and the scenario's ``sourcing``)."""
    problems = lever_problems(levers)
    if problems:
        raise ValueError("; ".join(problems))
    return levers


def lever_problems(levers: Any, where: str = "sourcing") -> list[str]:
    """Problems of a sourcing lever ``{commodity: {route: share}}``, each naming
    ``<where>.<commodity>.<route>``."""
    if not isinstance(levers, Mapping):
        return [f"{where}: expected {{commodity: {{route: share}}}}"]
    known = commodities()
    problems = []
    for commodity, shares in levers.items():
        if commodity not in known:
            problems.append(
                f"{where}.{excerpt(commodity)}: unknown commodity; known: {', '.join(known)}"
            )
            continue
        problems += _share_problems(f"{where}.{commodity}", shares, known[commodity].routes)
    return problems


def parse_route_items(items: list[str]) -> tuple[dict[str, dict[str, float]], list[str]]:
    """``COMMODITY=ROUTE`` (100 %) or ``COMMODITY=ROUTE:SHARE,ROUTE:SHARE`` items (the CLI's
    ``--route``, the scenario explorer's choice) into a lever, with every problem in words."""
    levers: dict[str, dict[str, float]] = {}
    problems = []
    for item in items:
        commodity, sep, spec = item.partition("=")
        if not sep or not commodity.strip() or not spec.strip():
            problems.append(
                f"{excerpt(item)}: expected COMMODITY=ROUTE or COMMODITY=ROUTE:SHARE,..."
            )
            continue
        shares: dict[str, float] = {}
        for part in spec.split(","):
            route, colon, share = part.strip().partition(":")
            try:
                shares[route.strip()] = float(share) if colon else 1.0
            except ValueError:
                problems.append(f"{excerpt(item)}: {excerpt(share)} is not a share (ROUTE:SHARE)")
        levers[commodity.strip()] = shares
    return levers, problems + lever_problems(levers)


def route_choices() -> list[str]:
    """``COMMODITY=ROUTE`` for every route of every commodity (100 % of one route)."""
    return [f"{c.name}={route}" for c in commodities().values() for route in c.routes]


def design_sourcing(design: Design) -> dict[str, dict[str, float]]:
    """The design's sourcing lever, with ``lithium_route`` as 100 % of that route of the
    chemistry's lithium salt (the design refuses both for one salt)."""
    levers = {c: dict(shares) for c, shares in design.sourcing.items()}
    if design.lithium_route is not None:
        salt = str(chemistry_defaults()[design.chemistry]["lithium_salt"])
        levers[salt] = {design.lithium_route: 1.0}
    return levers


def with_sourcing(design: Design, levers: Mapping[str, Mapping[str, float]]) -> Design:
    """``design`` with ``levers`` (checked: :func:`lever_problems`) over its ``sourcing``, per
    commodity; a lever for the lithium salt replaces ``lithium_route``."""
    if not levers:
        return design
    salt = chemistry_defaults()[design.chemistry]["lithium_salt"]
    update: dict[str, Any] = {
        "sourcing": {**design.sourcing, **{c: dict(r) for c, r in levers.items()}}
    }
    if salt in levers:
        update["lithium_route"] = None
    return design.model_copy(update=update)


def find_mix(commodity: Commodity, plant: str, year: int) -> tuple[Mix, tuple[str, ...]]:
    """The mix of ``commodity`` for a plant in ``plant`` at ``year``, with the substitutions
    made (another region's mix, another year's) as warnings."""
    warnings = []
    for region in region_fallbacks(plant):
        mixes = sorted((m for m in commodity.mixes if m.market == region), key=lambda m: m.year)
        if not mixes:
            continue
        if region != plant:
            used = f"{region} ({_GROUP_NAMES.get(region, region)})"
            warnings.append(f"sourcing {commodity.name}: no market mix for {plant}; used {used}")
        earlier = [m for m in mixes if m.year <= year]
        if not earlier:
            warnings.append(
                f"sourcing {commodity.name} {region}: asked {year}, earliest mix {mixes[0].year}"
            )
        return (earlier[-1] if earlier else mixes[0]), tuple(warnings)
    chain = ", ".join(region_fallbacks(plant))
    problem = f"commodity.{commodity.name}: no market mix for {plant} or its fallbacks ({chain})"
    raise InputError(f"battery/data/{SOURCING_FILE}", [problem])


def market(
    name: str, plant: str, year: int, markets: bool, lever: Mapping[str, float] | None
) -> Market:
    """How a plant in ``plant`` buys commodity ``name`` at ``year``: from the market mix
    (``markets``: the release says ``sourcing = "markets"``) or as one flow at the plant, with
    the shares of ``lever`` where given."""
    commodity = commodities()[name]
    routes = commodity.routes
    if not markets:
        if lever is None:
            flow = commodity.single_route_flow
            only = (MarketInput(None, flow, 1.0, plant),)
            return Market(name, f"factor:{flow}", flow, only, direct=True)
        inputs = tuple(
            MarketInput(route, routes[route], share, plant)
            for route, share in lever.items()
            if share > 0
        )
        label = f"Market for {name} ({plant}, shares from the sourcing lever)"
        return Market(name, f"market:{name}:{plant}:lever", label, inputs, direct=len(inputs) == 1)
    mix, warnings = find_mix(commodity, plant, year)
    if lever is None:
        inputs = tuple(
            MarketInput(route, routes[route], share, mix.origin[route])
            for route, share in mix.shares.items()
            if share > 0
        )
        label = f"Market for {name} ({mix.market}, {mix.year})"
        return Market(name, f"market:{name}:{mix.market}:{mix.year}", label, inputs, warnings)
    extra = list(warnings)
    chosen = []
    for route, share in lever.items():
        if share <= 0:
            continue
        origin = mix.origin.get(route)
        if origin is None:
            origin = "GLO"
            extra.append(
                f"sourcing {name}: the {mix.market} {mix.year} mix names no origin for route "
                f"{route}; its factor looked up at GLO"
            )
        chosen.append(MarketInput(route, routes[route], share, origin))
    label = f"Market for {name} ({mix.market}, {mix.year} origins; shares from the sourcing lever)"
    pid = f"market:{name}:{mix.market}:{mix.year}:lever"
    return Market(name, pid, label, tuple(chosen), tuple(extra))
