"""The design editor: a form over the design document, live validation, a YAML view, saving a
new product or a new version of a stored one.

The form's field names are the design's own dotted paths (``cell.capacity_ah``), so the
product model's validation messages (the same lines the CLI prints) land next to the field
they name. Values are passed as typed, the model converts or rejects them.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from batterycarbon.battery import parse_design
from batterycarbon.battery.design import STEPS
from batterycarbon.battery.params import known_chemistries
from batterycarbon.errors import BatteryCarbonError, InputError
from batterycarbon.rules.functional_unit import VEHICLE_CLASSES
from batterycarbon.rules.ruleset import VEHICLE_CATEGORIES
from batterycarbon.safe_yaml import load_yaml
from batterycarbon.services import Actor
from batterycarbon.services.products import (
    EXAMPLE_DESIGN,
    DesignIn,
    ProductIn,
    add_design_version,
    create_product,
    get_product,
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
    signed_in_actor,
    unflatten,
)
from batterycarbon.web.supply_form import form_problems, supply_notes, supply_rows

router = APIRouter(include_in_schema=False)
OVERRIDE_ROWS_EXTRA = 1  # blank supplier-override rows offered below the existing ones


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text | number | select
    options: tuple[str, ...] = ()
    step: str = "any"
    hint: str = ""


def _fields() -> list[tuple[str, list[Field]]]:
    """The editor's fieldsets; every name is a path of the design document."""
    country = "ISO 3166 alpha-2 code, e.g. CN, DE"
    return [
        (
            "Cell and pack",
            [
                Field("chemistry", "Chemistry", "select", tuple(known_chemistries())),
                Field("format", "Cell format", "select", ("cylindrical", "prismatic", "pouch")),
                Field("cell.capacity_ah", "Cell capacity (Ah)", "number"),
                Field(
                    "cell.nominal_voltage_v",
                    "Nominal cell voltage (V)",
                    "number",
                    hint="blank: the chemistry's default",
                ),
                Field(
                    "pack.cells", "Cells per pack", "number", step="1", hint="blank: a 60 kWh pack"
                ),
                Field(
                    "pack.target_capacity_kwh",
                    "Target pack capacity (kWh)",
                    "number",
                    hint="used when cells per pack is blank",
                ),
                Field("year", "Production year", "number", step="1"),
                Field("lithium_route", "Lithium route", "select", ("", "brine", "spodumene")),
                Field(
                    "anode_material",
                    "Anode material",
                    "select",
                    (
                        "",
                        "graphite_synthetic",
                        "graphite_natural",
                        "graphite_silicon_coated",
                        "lithium_metal",
                    ),
                ),
            ],
        ),
        (
            "Plant countries",
            [Field(f"plants.{s}", f"{s.capitalize()} plant", hint=country) for s in STEPS],
        ),
        (
            "Green electricity share (0 to 1)",
            [
                Field(f"green_electricity.{s}", f"Green power at the {s} step", "number")
                for s in STEPS
            ],
        ),
        (
            "Use (for the EU declaration)",
            [
                Field("use.usable_capacity_kwh", "Usable capacity (kWh)", "number"),
                Field(
                    "use.vehicle_category",
                    "Vehicle category",
                    hint=f"{', '.join(VEHICLE_CATEGORIES)} or a vehicle class "
                    f"({', '.join(VEHICLE_CLASSES)})",
                ),
                Field("use.warranty_years", "Warranty (years)", "number"),
            ],
        ),
    ]


OVERRIDE_COLUMNS = (
    ("flow", "Flow"),
    ("value", "Value"),
    ("unit", "Unit"),
    ("supplier", "Supplier"),
    ("reference", "Reference"),
)
#: Top-level keys the form owns entirely (override rows are renumbered on every save; a
#: material of the bill of materials whose fields are all blank is from the library).
WHOLE_KEYS = ("supplier_overrides", "supply")


def _get(document: dict[str, Any], path: str) -> Any:
    node: Any = document
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _drop(document: dict[str, Any], path: str) -> None:
    *parents, leaf = path.split(".")
    node: Any = document
    for part in parents:
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict):
        node.pop(leaf, None)


def _lists(node: Any) -> Any:
    """Mappings keyed ``0, 1, ...`` (rows of the form) become lists, in row order."""
    if isinstance(node, dict):
        node = {k: _lists(v) for k, v in node.items()}
        if node and all(k.isdigit() for k in node):
            return [node[k] for k in sorted(node, key=int)]
    return node


def _prune(node: Any) -> Any:
    """Empty sections left after dropping the form's fields are removed."""
    if isinstance(node, dict):
        return {
            k: _prune(v) for k, v in node.items() if not (isinstance(v, dict) and not _prune(v))
        }
    return node


def design_from_form(base: dict[str, Any], fields: dict[str, str]) -> dict[str, Any]:
    """``base`` with every field the form shows replaced by what the form says (blank: unset);
    parts of the design the form does not show (masses, transport, ...) are kept."""
    document = copy.deepcopy(base)
    for _, group in _fields():
        for field in group:
            _drop(document, field.name)
    for key in WHOLE_KEYS:
        document.pop(key, None)
    managed = {f.name for _, g in _fields() for f in g}
    given = {k: v for k, v in fields.items() if k in managed or k.split(".")[0] in WHOLE_KEYS}
    merged = _merge(_prune(document), _lists(unflatten(given)))
    return merged


def _merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = _merge(base[key], value)
        else:
            base[key] = value
    return base


def validate_document(document: Any) -> list[str]:
    """The product model's problems with ``document`` (empty when valid)."""
    try:
        parse_design(document, "design")
    except InputError as exc:
        return list(exc.problems)
    return []


def design_yaml(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def read_yaml(text: str) -> tuple[Any, list[str]]:
    """(document, []) or (None, problems naming the ``yaml`` field): :func:`load_yaml`'s bounds
    (length, no anchors or aliases, values, depth) hold before anything is built."""
    try:
        return load_yaml(text, "yaml"), []
    except InputError as exc:
        return None, [f"yaml: {problem}" for problem in exc.problems]


def _form_fields(form: FormData) -> dict[str, str]:
    return {
        k: v
        for k, v in form.items()
        if isinstance(v, str) and k not in ("csrf_token", "name", "mode", "yaml")
    }


def _base(db: DbSession, actor: Actor, product_id: uuid.UUID | None) -> dict[str, Any]:
    if product_id is None:
        return copy.deepcopy(EXAMPLE_DESIGN)
    product = get_product(db, actor, product_id)
    return copy.deepcopy(product.designs[-1].design) if product.designs else {}


def _editor(
    request: Request,
    db: Session,
    actor: Actor,
    *,
    product: Any,
    document: dict[str, Any],
    name: str = "",
    problems: list[str] | None = None,
    yaml_text: str | None = None,
    status_code: int = 200,
) -> Response:
    problems = form_problems(problems or [])
    overrides = document.get("supplier_overrides") or []
    rows = (overrides if isinstance(overrides, list) else []) + [{}] * OVERRIDE_ROWS_EXTRA
    context = {
        "title": f"Edit design: {product.name}" if product else "New product",
        "product": product,
        "name": name,
        "groups": _fields(),
        "values": {f.name: _get(document, f.name) for _, g in _fields() for f in g},
        "override_columns": OVERRIDE_COLUMNS,
        "override_rows": rows,
        "supply_rows": supply_rows(db, actor, document),
        "supply_notes": {} if problems else supply_notes(db, actor, document),
        "problems": problems,
        "errors": field_errors(problems),
        "yaml_text": yaml_text if yaml_text is not None else design_yaml(document),
    }
    return render(request, "editor.html", context, status_code=status_code, actor=actor)


@router.get("/web/products/new")
def new_product_form(request: Request, db: DbSession, actor: SignedIn) -> Response:
    return _editor(request, db, actor, product=None, document=_base(db, actor, None))


@router.get("/web/products/{product_id}/edit")
def edit_design_form(
    request: Request, db: DbSession, actor: SignedIn, product_id: uuid.UUID
) -> Response:
    try:
        product = get_product(db, actor, product_id)
    except BatteryCarbonError as exc:
        return service_error(request, actor, exc)
    return _editor(request, db, actor, product=product, document=_base(db, actor, product_id))


def _submitted_document(form: FormData, base: dict[str, Any]) -> tuple[Any, list[str], str | None]:
    """(document, problems reading it, YAML text as typed) from the form or the YAML view."""
    if form.get("mode") == "yaml":
        text = str(form.get("yaml") or "")
        document, problems = read_yaml(text)
        return document, problems, text
    return design_from_form(base, _form_fields(form)), [], None


def _save_design(
    request: Request,
    db: Session,
    actor: Actor,
    form: FormData,
    product: Any,
    save: Callable[[dict[str, Any]], uuid.UUID],
    name: str = "",
) -> Response:
    """The editor's design stored by ``save`` (which returns the product's id), then its product
    page; the editor again with the problems next to their fields (422) when it is refused."""
    document, problems, text = _submitted_document(form, _base(db, actor, product and product.id))
    shown = document if isinstance(document, dict) else {}
    if not problems:
        try:
            return redirect(f"/web/products/{save(shown)}")
        except (BatteryCarbonError, ValidationError) as exc:
            problems = problems_of(exc)
    return _editor(
        request,
        db,
        actor,
        product=product,
        document=shown,
        name=name,
        problems=problems,
        yaml_text=text,
        status_code=422,
    )


@router.post("/web/products")
async def create_product_page(request: Request, db: DbSession, actor: SignedIn) -> Response:
    form = await request.form()
    if not csrf_ok(request, str(form.get("csrf_token") or "")):
        return csrf_rejected(request, actor)
    name = str(form.get("name") or "")

    def create(design: dict[str, Any]) -> uuid.UUID:
        return create_product(db, actor, ProductIn(name=name, design=design)).id

    return _save_design(request, db, actor, form, None, create, name)


@router.post("/web/products/{product_id}/designs")
async def add_version_page(
    request: Request, db: DbSession, actor: SignedIn, product_id: uuid.UUID
) -> Response:
    form = await request.form()
    if not csrf_ok(request, str(form.get("csrf_token") or "")):
        return csrf_rejected(request, actor)
    try:
        product = get_product(db, actor, product_id)
    except BatteryCarbonError as exc:
        return service_error(request, actor, exc)

    def add_version(design: dict[str, Any]) -> uuid.UUID:
        add_design_version(db, actor, product_id, DesignIn(design=design))
        return product_id

    return _save_design(request, db, actor, form, product, add_version)


@router.post("/web/designs/validate")
def validate_design(
    request: Request,
    db: DbSession,
    body: Annotated[dict[str, Any], Body()],
) -> Response:
    """Live validation: ``{"fields": {...}, "product_id": ...}`` or ``{"yaml": "..."}`` ->
    ``{"valid", "problems", "errors" (by field), "yaml", "notes"}`` (notes: for each material
    from a named supplier, the dataset a calculation would use or why it would be refused).
    Stores nothing."""
    actor = signed_in_actor(request, db)
    if actor is None:
        return JSONResponse({"detail": "sign in first"}, status_code=401)
    if isinstance(body.get("yaml"), str):
        document, problems = read_yaml(body["yaml"])
        if problems:  # nothing to validate: the text is refused as YAML
            return _unreadable_yaml(problems)
    else:
        fields = body.get("fields")
        if not isinstance(fields, dict):
            return JSONResponse(
                {"detail": "fields: expected an object of form fields"}, status_code=422
            )
        try:
            product_id = uuid.UUID(str(body["product_id"])) if body.get("product_id") else None
            base = _base(db, actor, product_id)
        except (ValueError, BatteryCarbonError):
            return JSONResponse({"detail": "product_id: no such product of yours"}, status_code=404)
        document, problems = design_from_form(base, {str(k): str(v) for k, v in fields.items()}), []
    problems = form_problems(problems or validate_document(document))
    return JSONResponse(
        {
            "valid": not problems,
            "problems": problems,
            "errors": field_errors(problems),
            "yaml": design_yaml(document) if isinstance(document, dict) else None,
            "notes": {} if problems else supply_notes(db, actor, document),
        }
    )


def _unreadable_yaml(problems: list[str]) -> JSONResponse:
    """422 for a YAML view that cannot be read: the platform's error body (``detail``, ``errors``
    as field and message) with the editor's ``valid`` and ``problems``, which its script shows."""
    errors = [{"field": "yaml", "message": problem} for problem in problems]
    body = {"detail": problems[0], "errors": errors, "valid": False, "problems": problems}
    return JSONResponse(body, status_code=422)
