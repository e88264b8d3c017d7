"""The scenario explorer: levers (plant country and year, green power and green heat per step,
recycled content, commodity sourcing, cell format) as a cumulative pathway, drawn as a
waterfall and updated live through a JSON endpoint. The levers are ``scenarios.Scenario``
documents, validated by their own model.

A recycling route adds the end of life of the final design (recycling and the disposal of what
the route leaves, as ``compliance.standards`` counts the stage): a bar
of the waterfall where the rule set counts end of life (by its own method, CFF or cut-off), and
a figure beside it where the rule set stops at the gate."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from batterycarbon.battery import Design, bundled_design_ids
from batterycarbon.battery.design import STEPS
from batterycarbon.battery.sourcing import parse_route_items, route_choices
from batterycarbon.compliance.standards import end_of_life_stage
from batterycarbon.errors import BatteryCarbonError, InputError, excerpt
from batterycarbon.factors import FactorLibrary
from batterycarbon.recycling.routes import load_routes, route_ids
from batterycarbon.rules import DEFAULT_RULE_SET, rule_set_ids
from batterycarbon.rules.ruleset import load_rule_set
from batterycarbon.scenarios import (
    PathwayResult,
    Scenario,
    apply,
    compose,
    parse_scenario,
    pathway,
)
from batterycarbon.scenarios.model import recycled_content_presets
from batterycarbon.services import Actor
from batterycarbon.services.factor_releases import library_for
from batterycarbon.services.products import list_products
from batterycarbon.services.scenario_start import ScenarioStart, product_start, reference_start
from batterycarbon.web import charts
from batterycarbon.web.common import DbSession, field_errors, render, signed_in_actor, templates

router = APIRouter(include_in_schema=False)
CONTRACTS = ("direct-line", "ppa", "certificate")
FORMATS = ("cylindrical", "prismatic", "pouch")


def _design_choices(db: Session, actor: Actor | None) -> list[tuple[str, str]]:
    """(value, label): bundled designs, then the actor's products' latest versions."""
    choices = [(f"bundled:{d}", f"Reference design {d}") for d in bundled_design_ids()]
    if actor is not None and actor.has_role("manufacturer"):
        choices += [
            (f"product:{p.id}", f"Your product {p.name} (v{p.designs[-1].version})")
            for p in list_products(db, actor)
            if p.designs
        ]
    return choices


def _start(db: Session, actor: Actor | None, ref: str) -> ScenarioStart:
    """Where the pathway of ``ref`` (``bundled:ID`` or ``product:UUID``) starts: a product's
    latest stored calculation as stored (:mod:`batterycarbon.services.scenario_start`)."""
    kind, _, value = ref.partition(":")
    if kind == "bundled" and value in bundled_design_ids():
        return reference_start(db, value)
    if kind == "product" and actor is not None:
        try:
            return product_start(db, actor, uuid.UUID(value))
        except (ValueError, BatteryCarbonError):
            pass
    raise InputError("levers", [f"design: {excerpt(ref)} is not a design you can use here"])


def lever_steps(levers: dict[str, Any]) -> list[tuple[str, Scenario]]:
    """The levers as cumulative pathway steps; :class:`InputError` names each bad lever."""
    steps: list[tuple[str, dict[str, Any]]] = []
    grid = str(levers.get("grid") or "").strip().upper()
    year = str(levers.get("year") or "").strip()
    if grid or year:
        parts = (f"all plants in {grid}" if grid else "", f"year {year}" if year else "")
        label = " ".join(part for part in parts if part)
        steps.append((label, {k: v for k, v in (("grid", grid), ("year", year)) if v}))
    green = levers.get("green") or {}
    if not isinstance(green, dict):
        raise InputError("levers", ["green: expected a share per production step"])
    contract = str(levers.get("contract") or "direct-line")
    shares = {
        str(step): {"share": share, "contract": contract}
        for step, share in green.items()
        if str(share).strip() not in ("", "0", "0.0")
    }
    if shares:
        steps.append(("green power", {"green": shares}))
    heat = levers.get("green_heat") or {}
    if not isinstance(heat, dict):
        raise InputError("levers", ["green_heat: expected a share per production step"])
    heat_shares = {
        str(step): share
        for step, share in heat.items()
        if str(share).strip() not in ("", "0", "0.0")
    }
    if heat_shares:
        steps.append(("green heat", {"green_heat": heat_shares}))
    recycled = str(levers.get("recycled_content") or "").strip()
    if recycled:
        steps.append((f"recycled content {recycled}", {"recycled_content": recycled}))
    route = str(levers.get("sourcing") or "").strip()
    if route:
        chosen, route_problems = parse_route_items([route])
        if route_problems:
            raise InputError("levers", [f"sourcing: {p}" for p in route_problems])
        steps.append((f"{route.replace('=', ' from ')} (100 %)", {"sourcing": chosen}))
    fmt = str(levers.get("format") or "").strip()
    if fmt:
        steps.append((f"{fmt} cells", {"format": fmt}))
    problems: list[str] = []
    scenarios: list[tuple[str, Scenario]] = []
    for name, document in steps:
        try:
            scenarios.append((name, parse_scenario(document, "levers")))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError("levers", problems)
    return scenarios


@router.get("/web/scenarios")
def scenario_page(
    request: Request,
    db: DbSession,
    product: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    actor = signed_in_actor(request, db)
    choices = _design_choices(db, actor)
    selected = f"product:{product}" if product else "bundled:ncm811-prismatic"
    start: ScenarioStart | None = None
    result: dict[str, Any] = {}
    problems: list[str] = []
    try:  # the starting point, drawn without script too; the levers then redraw it
        start = _start(db, actor, selected)
        result = _pathway(start, start.rule_set, []).to_dict()
    except BatteryCarbonError as exc:
        problems = exc.problems if isinstance(exc, InputError) else [str(exc)]
    context = {
        "title": "Scenario explorer",
        "choices": choices,
        "selected": selected,
        "steps": STEPS,
        "presets": list(recycled_content_presets()),
        "sourcing_routes": route_choices(),
        "contracts": CONTRACTS,
        "formats": FORMATS,
        "rule_sets": rule_set_ids(),
        "default_rule_set": start.rule_set if start is not None else DEFAULT_RULE_SET,
        "routes": _quantified_routes(),
        "start": start,
        "result": result,
        "problems": problems,
    }
    return render(request, "scenarios.html", context, actor=actor)


def _pathway(
    start: ScenarioStart, rule_set: str, steps: list[tuple[str, Scenario]]
) -> PathwayResult:
    """The pathway of ``steps`` from ``start``, with the start's factor release and level."""
    library = library_for(start.factor_release)
    return pathway(start.design, steps, library, level=start.level, rule_set_id=rule_set)


def _start_out(start: ScenarioStart) -> dict[str, Any]:
    return {
        "description": start.description,
        "calculation_id": str(start.calculation_id) if start.calculation_id else None,
        "stored_total_kgco2e_per_kwh": start.stored_total_kgco2e_per_kwh,
        "factor_release": start.factor_release,
        "rule_set": start.rule_set,
    }


def _quantified_routes() -> list[str]:
    """Recycling routes with numbers (second life is reported qualitatively)."""
    book = load_routes()
    return [r for r in route_ids() if book.routes[r].quantified]


def end_of_life_step(
    design: Design,
    steps: list[tuple[str, Scenario]],
    library: FactorLibrary,
    route: str,
    rule_set_id: str,
) -> dict[str, Any]:
    """End of life of the design after every lever, by ``route`` (kg CO2e per kWh of capacity,
    recycling plus disposal of what the route leaves, as ``compliance.standards`` counts it):
    under both methods, and which one the rule set counts (``None``: it stops at the gate)."""
    if route not in _quantified_routes():
        expected = ", ".join(_quantified_routes())
        problem = f"recycling_route: {excerpt(route)} unknown or not quantified; expected one of {expected}"
        raise InputError("levers", [problem])
    final, _ = apply(design, compose([scenario for _, scenario in steps]))
    by_method = {m: end_of_life_stage(final, library, route, m) for m in ("cff", "cut-off")}
    counted = load_rule_set(rule_set_id).end_of_life
    return {
        "route": route,
        "cff_kgco2e_per_kwh": by_method["cff"]["total"],
        "cut_off_kgco2e_per_kwh": by_method["cut-off"]["total"],
        "disposal_kgco2e_per_kwh": by_method["cff"]["disposal"],
        "method": None if counted == "excluded" else counted,
        "counted_kgco2e_per_kwh": None if counted == "excluded" else by_method[counted]["total"],
    }


@router.post("/web/scenarios/pathway")
def scenario_pathway(
    request: Request, db: DbSession, body: Annotated[dict[str, Any], Body()]
) -> Response:
    """``{"design": "bundled:ID" | "product:UUID", "rule_set", "levers": {...}}`` -> the
    pathway's steps and the waterfall's data (kg CO2e per kWh); 422 naming each bad lever."""
    actor = signed_in_actor(request, db)
    levers = body.get("levers") or {}
    try:
        if not isinstance(levers, dict):
            raise InputError("levers", ["levers: expected an object"])
        start = _start(db, actor, str(body.get("design") or ""))
        rule_set = str(body.get("rule_set") or start.rule_set)
        if rule_set not in rule_set_ids():
            raise InputError(
                "levers",
                [f"rule_set: {excerpt(rule_set)} unknown; known: {', '.join(rule_set_ids())}"],
            )
        steps = lever_steps(levers)
        result = _pathway(start, rule_set, steps)
        route = str(levers.get("recycling_route") or "").strip()
        library = library_for(start.factor_release)
        end_of_life = (
            end_of_life_step(start.design, steps, library, route, rule_set) if route else None
        )
    except BatteryCarbonError as exc:
        problems = exc.problems if isinstance(exc, InputError) else [str(exc)]
        return JSONResponse(
            {"problems": problems, "errors": field_errors(problems)}, status_code=422
        )
    data = result.to_dict()
    waterfall = charts.waterfall(data["steps"])
    if end_of_life is not None and end_of_life["method"] is not None:
        waterfall = charts.with_end_of_life(
            waterfall,
            f"end of life: {route} ({end_of_life['method']})",
            end_of_life["counted_kgco2e_per_kwh"],
        )
    warnings_html = templates.get_template("_warnings.html").render(result=data)
    return JSONResponse(
        {
            **data,
            "start": _start_out(start),
            "warnings_html": warnings_html,
            "end_of_life": end_of_life,
            "waterfall": waterfall,
        }
    )
