"""Stored products: versions, calculation history, one calculation in detail (breakdown,
Sankey of contributions, uncertainty band, supplier data used), submitting it for verification,
and sharing it with customers (its declaration: :mod:`batterycarbon.web.declarations`)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from batterycarbon.battery.design import read_stored_design
from batterycarbon.battery.uncertainty import monte_carlo
from batterycarbon.errors import BatteryCarbonError, InputError, excerpt
from batterycarbon.rules import DEFAULT_RULE_SET, rule_set_ids
from batterycarbon.services import Actor
from batterycarbon.services.accounts import list_organizations
from batterycarbon.services.calculation_sharing import (
    CalculationGrantIn,
    list_calculation_grants,
    revoke_calculation_share,
    share_calculation,
)
from batterycarbon.services.calculations import (
    CalculationIn,
    CalculationOut,
    calculate_design,
    get_calculation,
    list_calculations,
)
from batterycarbon.services.factor_releases import release_library
from batterycarbon.services.issued_declarations import issued_declarations
from batterycarbon.services.passports import passports_of_calculation
from batterycarbon.services.products import ProductOut, get_product, list_products
from batterycarbon.services.supply import newer_data
from batterycarbon.services.uncertainty import MAX_RUNS, MIN_RUNS, submit_uncertainty
from batterycarbon.services.verifications import (
    VerificationIn,
    list_verifications,
    submit_for_verification,
)
from batterycarbon.web import charts
from batterycarbon.web.common import (
    DbSession,
    SignedIn,
    field_errors,
    form_action,
    form_uuid,
    job_runner,
    problems_of,
    render,
    service_error,
)

router = APIRouter(include_in_schema=False)
MONTE_CARLO_RUNS = 1000
MONTE_CARLO_SEED = 42
#: What the "Run a larger Monte Carlo" form proposes (about 2 s of work as a job).
LARGER_MONTE_CARLO_RUNS = 100_000


def calculation_view(db: Session, calc: CalculationOut) -> dict[str, Any]:
    """What the calculation partial shows: totals, provenance, charts' data, supplier figures."""
    result = calc.result
    design = read_stored_design(calc.inputs["design"])
    samples = monte_carlo(
        design,
        release_library(db, calc.factor_release),
        runs=MONTE_CARLO_RUNS,
        seed=MONTE_CARLO_SEED,
        level=calc.inputs.get("level", "pack"),
        rule_set_id=calc.rule_set,
    )
    band = charts.uncertainty_band(samples.total, calc.total_kgco2e_per_kwh)
    return {
        "calc": calc,
        "result": result,
        "design": design,
        "band": band,
        "breakdown_json": json.dumps(charts.stacked_breakdown(result["processes"])),
        "sankey_json": json.dumps(charts.stage_sankey(result["processes"], "total")),
        "band_json": json.dumps(band),
        "datasets": result.get("supplier_datasets", []),
    }


@router.get("/web/products")
def products_page(request: Request, db: DbSession, actor: SignedIn) -> Response:
    latest: dict[uuid.UUID, CalculationOut] = {}
    for calc in list_calculations(db, actor):
        latest[calc.design_version_id] = calc
    rows = []
    for product in list_products(db, actor):
        calcs = [latest[d.id] for d in product.designs if d.id in latest]
        rows.append(
            {
                "product": product,
                "calculation": max(calcs, key=lambda c: c.created_at) if calcs else None,
            }
        )
    return render(request, "products.html", {"title": "Products", "rows": rows}, actor=actor)


def _product_page(
    request: Request,
    db: Session,
    actor: Actor,
    product_id: uuid.UUID,
    chosen: uuid.UUID | None,
    monte_carlo_form: dict[str, str] | None = None,
    problems: list[str] | None = None,
    status_code: int = 200,
    unchanged: bool = False,
    calculate_problems: list[str] | None = None,
) -> Response:
    product = get_product(db, actor, product_id)
    versions = {d.id: d for d in product.designs}
    history = [c for c in list_calculations(db, actor) if c.design_version_id in versions]
    selected = next((c for c in history if c.id == chosen), history[-1] if history else None)
    context: dict[str, Any] = {
        "title": product.name,
        "product": product,
        "latest": product.designs[-1],
        "versions": versions,
        "history": list(reversed(history)),
        "rule_sets": rule_set_ids(),
        "default_rule_set": DEFAULT_RULE_SET,
        "selected": selected,
        "already_stored": unchanged and selected is not None,
        "calculate_problems": calculate_problems or [],
        # A supplier named in the bill of materials whose data does not fit: what to do next.
        "supply_refused": any(p.startswith("supply.") for p in calculate_problems or []),
        **_newer_data(db, actor, product, history),
    }
    if selected is not None:
        context.update(calculation_view(db, selected))
        context["verifications"] = [
            v for v in list_verifications(db, actor) if v.calculation_id == selected.id
        ]
        # One's own organization is not offered: it may not verify its own calculation.
        others = [o for o in list_organizations(db, actor) if o.id != actor.organization_id]
        context["verifiers"] = [o for o in others if "verifier" in o.roles]
        context["grants"] = list_calculation_grants(db, actor, selected.id)
        context["passports"] = passports_of_calculation(db, actor, selected.id)
        context["issued_declarations"] = issued_declarations(db, actor, product.id)
        context["customers"] = [
            o
            for o in list_organizations(db, actor)
            if "oem" in o.roles and o.id != actor.organization_id
        ]
        context.update(
            monte_carlo_form=monte_carlo_form
            or {"runs": str(LARGER_MONTE_CARLO_RUNS), "seed": str(MONTE_CARLO_SEED)},
            min_runs=MIN_RUNS,
            max_runs=MAX_RUNS,
            problems=problems or [],
            errors=field_errors(problems or []),
        )
    return render(request, "product.html", context, status_code=status_code, actor=actor)


def _newer_data(
    db: Session, actor: Actor, product: ProductOut, history: list[CalculationOut]
) -> dict[str, Any]:
    """What changed since the product's latest calculation (``newer_data``: readable lines, empty
    when recalculating would give the same inputs) and what the "Recalculate" form sends: the
    product's latest design version, with the rule set of that calculation."""
    if not history:
        return {"newer_data": [], "newer_data_problems": []}
    latest = history[-1]
    try:
        lines, problems = newer_data(db, actor, latest.id), []
    except (BatteryCarbonError, ValidationError) as exc:  # shown: the check could not be made
        lines, problems = [], problems_of(exc)
    return {
        "newer_data": lines,
        "newer_data_problems": problems,
        "recalculate": {
            "design_version": product.designs[-1],
            "rule_set": latest.rule_set,
            "calculation": latest,
        },
    }


@router.get("/web/products/{product_id}")
def product_page(
    request: Request,
    db: DbSession,
    actor: SignedIn,
    product_id: uuid.UUID,
    calculation: Annotated[uuid.UUID | None, Query()] = None,
    unchanged: Annotated[bool, Query()] = False,
) -> Response:
    try:
        return _product_page(request, db, actor, product_id, calculation, unchanged=unchanged)
    except BatteryCarbonError as exc:
        return service_error(request, actor, exc)


@router.post("/web/products/{product_id}/calculate")
def calculate_page(
    request: Request,
    db: DbSession,
    product_id: uuid.UUID,
    design_version_id: Annotated[str, Form()] = "",
    rule_set: Annotated[str, Form()] = DEFAULT_RULE_SET,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    def calculate(actor: Actor) -> str:
        version_id = form_uuid("design_version_id", design_version_id, "a design version id")
        calc = calculate_design(
            db, actor, CalculationIn(design_version_id=version_id, rule_set=rule_set)
        )
        # Identical inputs: the stored calculation, no new one; the page says so.
        unchanged = "&unchanged=1" if calc.already_stored else ""
        return f"/web/products/{product_id}?calculation={calc.id}{unchanged}"

    def refused(actor: Actor, exc: BatteryCarbonError | ValidationError) -> Response:
        """Bad input (the rule set, a supplier's data that does not fit the design): the
        product page again with the problems beside the Calculate forms, nothing stored."""
        if not isinstance(exc, InputError | ValidationError):
            return service_error(request, actor, exc)
        return _product_page(
            request,
            db,
            actor,
            product_id,
            None,
            calculate_problems=problems_of(exc),
            status_code=422,
        )

    return form_action(request, db, csrf_token, calculate, refused)


def _calculation_form(
    request: Request,
    db: Session,
    calculation_id: uuid.UUID,
    csrf_token: str,
    change: Callable[[Actor], object],
) -> Response:
    """A form that changes who sees or checks the calculation (:func:`form_action`), then back
    to the calculation on its product's page."""

    def act(actor: Actor) -> str:
        change(actor)
        product_id = get_product_id(db, actor, calculation_id)
        return f"/web/products/{product_id}?calculation={calculation_id}"

    return form_action(request, db, csrf_token, act)


@router.post("/web/calculations/{calculation_id}/verification")
def request_verification(
    request: Request,
    db: DbSession,
    calculation_id: uuid.UUID,
    verifier_org_id: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    def submit(actor: Actor) -> None:
        verifier = form_uuid("verifier_org_id", verifier_org_id, "an organization id")
        submit_for_verification(
            db, actor, VerificationIn(calculation_id=calculation_id, verifier_org_id=verifier)
        )

    return _calculation_form(request, db, calculation_id, csrf_token, submit)


@router.post("/web/calculations/{calculation_id}/grants")
def share_page(
    request: Request,
    db: DbSession,
    calculation_id: uuid.UUID,
    organization_id: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Share the calculation's declared figures with a customer (the maker only)."""

    def share(actor: Actor) -> None:
        customer = form_uuid("organization_id", organization_id, "an organization id")
        share_calculation(db, actor, calculation_id, CalculationGrantIn(organization_id=customer))

    return _calculation_form(request, db, calculation_id, csrf_token, share)


@router.post("/web/calculations/{calculation_id}/grants/{organization_id}/revoke")
def revoke_page(
    request: Request,
    db: DbSession,
    calculation_id: uuid.UUID,
    organization_id: uuid.UUID,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """End a customer's access to the calculation (the maker only)."""

    def revoke(actor: Actor) -> None:
        revoke_calculation_share(db, actor, calculation_id, organization_id)

    return _calculation_form(request, db, calculation_id, csrf_token, revoke)


def _whole_numbers(form: dict[str, str]) -> dict[str, int]:
    """The form's fields as integers; :class:`InputError` naming each one that is not."""
    numbers, problems = {}, []
    for name, text in form.items():
        try:
            numbers[name] = int(text)
        except ValueError:
            problems.append(f"{name}: {excerpt(text)} is not a whole number")
    if problems:
        raise InputError("uncertainty", problems)
    return numbers


@router.post("/web/calculations/{calculation_id}/uncertainty")
def start_uncertainty(
    request: Request,
    db: DbSession,
    calculation_id: uuid.UUID,
    runs: Annotated[str, Form()] = "",
    seed: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Queue a larger Monte Carlo of the calculation (services.uncertainty) and show its job;
    bad runs or seed: the product page again (422) with the field named, no job stored."""
    form = {"runs": runs.strip()[:30], "seed": seed.strip()[:30]}

    def start(actor: Actor) -> str:
        runner = job_runner(request)
        numbers = _whole_numbers(form)
        job = submit_uncertainty(
            db, actor, calculation_id, numbers["runs"], numbers["seed"], runner
        )
        return f"/web/jobs/{job.id}"

    def again(actor: Actor, exc: BatteryCarbonError | ValidationError) -> Response:
        if not isinstance(exc, InputError | ValidationError):
            return service_error(request, actor, exc)
        # A calculation the actor may not see is answered 404 here, as by the service.
        product_id = get_product_id(db, actor, calculation_id)
        return _product_page(
            request, db, actor, product_id, calculation_id, form, problems_of(exc), 422
        )

    return form_action(request, db, csrf_token, start, again)


def get_product_id(db: Session, actor: Actor, calculation_id: uuid.UUID) -> uuid.UUID:
    calc = get_calculation(db, actor, calculation_id)
    for product in list_products(db, actor):
        if any(d.id == calc.design_version_id for d in product.designs):
            return product.id
    raise InputError(
        "calculation_id", [f"calculation_id: {calculation_id} belongs to no product of yours"]
    )
