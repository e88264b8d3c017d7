"""The EU carbon footprint declaration and passport data of one stored calculation: the form,
the computed declaration (read-only, by ``compliance``) and its downloads (JSON, PDF, passport)."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import uuid
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from batterycarbon.battery import Design
from batterycarbon.compliance.declare import (
    DEFAULT_DECLARATION_RULE_SET,
    DeclarationBundle,
    declare,
)
from batterycarbon.compliance.inputs import ComplianceInputs
from batterycarbon.errors import BatteryCarbonError, InputError, excerpt
from batterycarbon.reports.pdf import declaration_pdf
from batterycarbon.rules.functional_unit import parse_use_profile
from batterycarbon.services import Actor
from batterycarbon.services.accounts import list_organizations
from batterycarbon.services.calculations import CalculationOut, get_calculation
from batterycarbon.services.class_tables import active_class_table
from batterycarbon.services.factor_releases import release_library
from batterycarbon.web.common import (
    DbSession,
    field_errors,
    render,
    service_error,
    signed_in_actor,
    to_sign_in,
)

router = APIRouter(include_in_schema=False)


DECLARATION_FIELDS = ("manufacturer", "plant", "study_url", "usable_capacity_kwh", "vehicle_category", "warranty_years", "rule_set", "issued")  # fmt: skip


def _declaration_field(problem: str) -> str:
    """Compliance names CLI options (``--plant: ...``); the form's fields are the same words."""
    head, sep, rest = problem.partition(": ")
    return f"{head.lstrip('-').replace('-', '_')}{sep}{rest}" if head.startswith("--") else problem


def _bundle(db: Session, actor: Actor, calc: CalculationOut, form: dict[str, str]) -> DeclarationBundle:  # fmt: skip
    """The declaration of the design exactly as calculated (supplier figures included), with the
    calculation's factor release; raises :class:`InputError` naming each missing field."""
    use = {k: v for k, v in (("usable_capacity_kwh", form["usable_capacity_kwh"]), ("vehicle_category", form["vehicle_category"]), ("warranty_years", form["warranty_years"])) if v}  # fmt: skip
    try:
        issued = dt.date.fromisoformat(form["issued"]) if form["issued"] else None
    except ValueError:
        raise InputError(
            "declaration", [f"issued: {excerpt(form['issued'])}: expected a date YYYY-MM-DD"]
        ) from None
    profile = parse_use_profile(use, "declaration")
    inputs = ComplianceInputs()
    return declare(
        Design.model_validate(calc.inputs["design"]), release_library(db, calc.factor_release),
        manufacturer=form["manufacturer"] or None, plant_address=form["plant"] or None,
        class_table=active_class_table(db, inputs.battery_category), inputs=inputs, use=profile,
        study_url=form["study_url"] or None, rule_set_id=form["rule_set"] or DEFAULT_DECLARATION_RULE_SET,
        issued=issued,
    )  # fmt: skip


def _declaration_form(request: Request, db: Session, actor: Actor, calc: CalculationOut) -> dict[str, str]:  # fmt: skip
    given = {k: str(request.query_params.get(k, "")).strip()[:500] for k in DECLARATION_FIELDS}
    design = calc.inputs["design"]
    use = design.get("use") or {}
    defaults = {
        "manufacturer": next(
            (o.name for o in list_organizations(db, actor) if o.id == calc.organization_id), ""
        ),  # fmt: skip
        "usable_capacity_kwh": str(use.get("usable_capacity_kwh") or ""),
        "vehicle_category": str(use.get("vehicle_category") or ""),
        "warranty_years": str(use.get("warranty_years") or ""),
        "rule_set": DEFAULT_DECLARATION_RULE_SET,
    }
    return {k: given[k] if k in request.query_params else defaults.get(k, "") for k in DECLARATION_FIELDS}  # fmt: skip


@router.get("/web/calculations/{calculation_id}/declaration")
def declaration_page(request: Request, db: DbSession, calculation_id: uuid.UUID) -> Response:
    actor = signed_in_actor(request, db)
    if actor is None:
        return to_sign_in()
    try:
        calc = get_calculation(db, actor, calculation_id)
    except BatteryCarbonError as exc:
        return service_error(request, actor, exc)
    form = _declaration_form(request, db, actor, calc)
    context: dict[str, Any] = {"title": "EU carbon footprint declaration", "calc": calc, "form": form, "problems": [], "errors": {}, "bundle": None, "declaration_rule_sets": ("jrc-cfb-ev-2023", "eu-draft-2024")}  # fmt: skip
    status = 200
    if "manufacturer" in request.query_params:  # the form was sent
        try:
            bundle = _bundle(db, actor, calc, form)
            context["bundle"] = bundle
            context["declaration"] = bundle.declaration.to_json_dict()
            context["passport_json"] = json.dumps(bundle.passport, indent=2, ensure_ascii=False)
            context["query"] = str(request.url.query)
        except BatteryCarbonError as exc:
            problems = (
                [_declaration_field(p) for p in exc.problems]
                if isinstance(exc, InputError)
                else [str(exc)]
            )
            context.update(problems=problems, errors=field_errors(problems))
            status = 422
    return render(request, "declaration.html", context, status_code=status, actor=actor)


def _download(request: Request, db: Session, calculation_id: uuid.UUID, kind: str) -> Response:
    actor = signed_in_actor(request, db)
    if actor is None:
        return to_sign_in()
    try:
        calc = get_calculation(db, actor, calculation_id)
        bundle = _bundle(db, actor, calc, _declaration_form(request, db, actor, calc))
    except BatteryCarbonError as exc:
        if isinstance(exc, InputError):
            return JSONResponse({"detail": [_declaration_field(p) for p in exc.problems]}, status_code=422)  # fmt: skip
        return service_error(request, actor, exc)
    declaration = bundle.declaration.to_json_dict()
    name = declaration["declaration_id"]
    if kind == "passport":
        return JSONResponse(bundle.passport, headers={"Content-Disposition": f'attachment; filename="{name}-passport.json"'})  # fmt: skip
    if kind == "json":
        return JSONResponse(declaration, headers={"Content-Disposition": f'attachment; filename="{name}.json"'})  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        pdf = declaration_pdf(declaration, Path(tmp) / "declaration.pdf").read_bytes()
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'})  # fmt: skip


@router.get("/web/calculations/{calculation_id}/declaration.json")
def declaration_json(request: Request, db: DbSession, calculation_id: uuid.UUID) -> Response:
    return _download(request, db, calculation_id, "json")


@router.get("/web/calculations/{calculation_id}/declaration.pdf")
def declaration_pdf_download(request: Request, db: DbSession, calculation_id: uuid.UUID) -> Response:  # fmt: skip
    return _download(request, db, calculation_id, "pdf")


@router.get("/web/calculations/{calculation_id}/passport.json")
def passport_json(request: Request, db: DbSession, calculation_id: uuid.UUID) -> Response:
    return _download(request, db, calculation_id, "passport")
