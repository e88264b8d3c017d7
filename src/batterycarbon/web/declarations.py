"""The EU carbon footprint declaration of one stored calculation: the form, the previewed
declaration and passport data (nothing stored), their downloads, issuing the declaration as a
record of the product, and the downloads of an issued one. Every rule is the service's
(:mod:`batterycarbon.services.issued_declarations`); this module reads forms and renders."""

from __future__ import annotations

import json
import tempfile
import uuid
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from batterycarbon.errors import BatteryCarbonError, InputError
from batterycarbon.reports.pdf import declaration_pdf
from batterycarbon.services import Actor
from batterycarbon.services.calculations import CalculationOut, get_calculation
from batterycarbon.services.issued_declarations import (
    DECLARATION_RULE_SETS,
    DeclarationIn,
    IssueDeclarationIn,
    declaration_defaults,
    issue_declaration,
    issued_declaration_file,
    preview_declaration,
)
from batterycarbon.web.common import (
    DbSession,
    SignedIn,
    csrf_ok,
    csrf_rejected,
    field_errors,
    problems_of,
    redirect,
    render,
    service_error,
    unflatten,
)
from batterycarbon.web.products import get_product_id

router = APIRouter(include_in_schema=False)

#: The form's fields (the service's names; ``use.*`` nested) and their labels.
FIELDS = (
    ("manufacturer", "Manufacturer", "text"),
    ("manufacturer_address", "Manufacturer's postal address (street, postal code, town)", "text"),
    ("manufacturer_country", "Manufacturer's country (ISO 3166-1 code, e.g. HU)", "text"),
    ("plant_address", "Manufacturing plant address (the pack plant)", "text"),
    (
        "plant_country",
        "Manufacturing plant country (ISO 3166-1 code; the design's pack plant)",
        "text",
    ),
    ("study_url", "Public link to the supporting study", "url"),
    ("eu_declaration_of_conformity_id", "EU declaration of conformity number (optional)", "text"),
    ("use.usable_capacity_kwh", "Usable capacity (kWh)", "number"),
    (
        "use.vehicle_category",
        "Vehicle category (car_van, bus_truck, two_three_wheeler or M1, N3, L…)",
        "text",
    ),
    ("use.warranty_years", "Warranty (years)", "number"),
    ("issued", "Issue date (YYYY-MM-DD, blank: today)", "text"),
)
FIELD_NAMES = (*(name for name, _, _ in FIELDS), "rule_set")


def _flat(data: DeclarationIn) -> dict[str, str]:
    """The form's text values of ``data`` (blank for what it does not give)."""
    document = data.model_dump(mode="json", exclude_none=True)
    use = document.pop("use", {})
    values = {**document, **{f"use.{k}": v for k, v in use.items()}}
    return {name: str(values.get(name, "")) for name in FIELD_NAMES}


def _form(request: Request, db: Session, actor: Actor, calc: CalculationOut) -> dict[str, str]:
    """The sent form (query), or the service's defaults for a field not sent."""
    defaults = _flat(declaration_defaults(db, actor, calc.id))
    query = request.query_params
    return {
        name: str(query[name]).strip() if name in query else defaults[name] for name in FIELD_NAMES
    }


def _declaration_in(form: dict[str, str], model: type[DeclarationIn] = DeclarationIn) -> Any:
    return model.model_validate(unflatten(form))


def _page(
    request: Request,
    db: Session,
    actor: Actor,
    calc: CalculationOut,
    form: dict[str, str],
    sent: bool,
    status_code: int = 200,
    problems: list[str] | None = None,
) -> Response:
    context: dict[str, Any] = {
        "title": "EU carbon footprint declaration",
        "calc": calc,
        "form": form,
        "fields": FIELDS,
        "declaration_rule_sets": DECLARATION_RULE_SETS,
        "bundle": None,
        "may_issue": actor.has_role("manufacturer")
        and calc.organization_id == actor.organization_id,
    }
    if sent and not problems:
        try:
            bundle = preview_declaration(db, actor, calc.id, _declaration_in(form))
            context.update(
                bundle=bundle,
                declaration=bundle.declaration.to_json_dict(),
                passport_json=json.dumps(bundle.passport, indent=2, ensure_ascii=False),
                query=str(request.url.query),
            )
        except (BatteryCarbonError, ValidationError) as exc:
            problems, status_code = problems_of(exc), 422
    context.update(problems=problems or [], errors=field_errors(problems or []))
    return render(request, "declaration.html", context, status_code=status_code, actor=actor)


@router.get("/web/calculations/{calculation_id}/declaration")
def declaration_page(
    request: Request, db: DbSession, actor: SignedIn, calculation_id: uuid.UUID
) -> Response:
    try:
        calc = get_calculation(db, actor, calculation_id)
        form = _form(request, db, actor, calc)
    except BatteryCarbonError as exc:
        return service_error(request, actor, exc)
    return _page(request, db, actor, calc, form, sent="manufacturer" in request.query_params)


@router.post("/web/calculations/{calculation_id}/declaration")
async def issue_page(
    request: Request, db: DbSession, actor: SignedIn, calculation_id: uuid.UUID
) -> Response:
    """Issue the previewed declaration (the form's fields, sent again) as a record of the
    product; back to the product page, or the form with the problems next to their fields."""
    sent = await request.form()
    if not csrf_ok(request, str(sent.get("csrf_token", ""))):
        return csrf_rejected(request, actor)
    form = {name: str(sent.get(name, "")).strip() for name in FIELD_NAMES}
    try:
        calc = get_calculation(db, actor, calculation_id)
        product_id = get_product_id(db, actor, calculation_id)
    except BatteryCarbonError as exc:
        return service_error(request, actor, exc)
    try:
        data = _declaration_in({**form, "calculation_id": str(calculation_id)}, IssueDeclarationIn)
        issue_declaration(db, actor, product_id, data)
    except (InputError, ValidationError) as exc:
        return _page(request, db, actor, calc, form, True, 422, problems_of(exc))
    except BatteryCarbonError as exc:  # not the actor's to issue (403), or issued already (409)
        return service_error(request, actor, exc)
    return redirect(
        f"/web/products/{product_id}?calculation={calculation_id}#issued-declarations-h"
    )


def _preview_download(
    request: Request, db: Session, actor: Actor, calculation_id: uuid.UUID, kind: str
) -> Response:
    try:
        calc = get_calculation(db, actor, calculation_id)
        bundle = preview_declaration(
            db, actor, calc.id, _declaration_in(_form(request, db, actor, calc))
        )
    except (BatteryCarbonError, ValidationError) as exc:
        if isinstance(exc, InputError | ValidationError):
            return JSONResponse({"detail": problems_of(exc)}, status_code=422)
        return service_error(request, actor, exc)
    declaration = bundle.declaration.to_json_dict()
    name = declaration["declaration_id"]
    if kind == "passport":
        return JSONResponse(bundle.passport, headers=_attachment(f"{name}-passport.json"))
    if kind == "json":
        return JSONResponse(declaration, headers=_attachment(f"{name}.json"))
    with tempfile.TemporaryDirectory() as tmp:
        pdf = declaration_pdf(declaration, Path(tmp) / "declaration.pdf").read_bytes()
    return Response(pdf, media_type="application/pdf", headers=_attachment(f"{name}.pdf"))


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.get("/web/calculations/{calculation_id}/declaration.json")
def declaration_json(
    request: Request, db: DbSession, actor: SignedIn, calculation_id: uuid.UUID
) -> Response:
    return _preview_download(request, db, actor, calculation_id, "json")


@router.get("/web/calculations/{calculation_id}/declaration.pdf")
def declaration_pdf_download(
    request: Request, db: DbSession, actor: SignedIn, calculation_id: uuid.UUID
) -> Response:
    return _preview_download(request, db, actor, calculation_id, "pdf")


@router.get("/web/calculations/{calculation_id}/passport.json")
def passport_json(
    request: Request, db: DbSession, actor: SignedIn, calculation_id: uuid.UUID
) -> Response:
    return _preview_download(request, db, actor, calculation_id, "passport")


@router.get("/web/products/{product_id}/declarations/{record_id}.{kind}")
def issued_download(
    request: Request,
    db: DbSession,
    actor: SignedIn,
    product_id: uuid.UUID,
    record_id: uuid.UUID,
    kind: str,
) -> Response:
    """An issued declaration again: its JSON as issued, or its PDF drawn from that JSON."""
    if kind not in ("json", "pdf"):
        return Response(status_code=404)
    try:
        name, content = issued_declaration_file(db, actor, product_id, record_id, kind)
    except BatteryCarbonError as exc:
        return service_error(request, actor, exc)
    media = "application/json" if kind == "json" else "application/pdf"
    return Response(content, media_type=media, headers=_attachment(name))
