"""Supplier data: dataset upload (CSV, JSON or the Excel template) with row errors shown in
place, the templates, each dataset with its sharing grants (grant, revoke), and the
data-request inbox."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from batterycarbon.errors import BatteryCarbonError, InputError
from batterycarbon.services import Actor, dataset_excel
from batterycarbon.services.accounts import list_organizations
from batterycarbon.services.data_requests import (
    DataRequestIn,
    DeclineIn,
    FulfilIn,
    decline_request,
    fulfil_request,
    list_requests,
    request_data,
)
from batterycarbon.services.dataset_input import REQUIRED_COLUMNS
from batterycarbon.services.datasets import (
    GrantIn,
    get_dataset,
    list_datasets,
    revoke_share,
    share_dataset,
    submit_dataset_document,
    submit_datasets_csv,
    supplier_flows,
)
from batterycarbon.services.factor_releases import release_library
from batterycarbon.web.common import (
    DbSession,
    SignedIn,
    csrf_ok,
    csrf_rejected,
    field_errors,
    form_action,
    form_uuid,
    problems_of,
    redirect,
    render,
    row_errors,
    service_error,
)

router = APIRouter(include_in_schema=False)
MAX_UPLOAD_BYTES = 2_000_000
TEMPLATE_COLUMNS = (*REQUIRED_COLUMNS, "evidence", "activity.electricity_kwh_per_kg")
TEMPLATE_EXAMPLE = (
    "cam_ncm811",
    "28.4",
    "kg CO2e / kg",
    "KR",
    "2023",
    "1.75",
    "iso14067-report-2023.pdf",
    "22.0",
)


def _org_names(db: Session, actor: Actor) -> dict[uuid.UUID, str]:
    return {o.id: o.name for o in list_organizations(db, actor)}


def _datasets_page(
    request: Request,
    db: Session,
    actor: Actor,
    *,
    upload: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    listing = list_datasets(db, actor)
    context = {
        "title": "Datasets",
        "own": listing.own,
        "shared": listing.shared_with_me,
        "names": _org_names(db, actor),
        "upload": upload or {},
        "submitted": request.query_params.get("submitted"),
        "is_supplier": actor.has_role("supplier"),
    }
    return render(request, "datasets.html", context, status_code=status_code, actor=actor)


@router.get("/web/datasets")
def datasets_page(request: Request, db: DbSession, actor: SignedIn) -> Response:
    return _datasets_page(request, db, actor)


@router.get("/web/datasets/template.csv")
def dataset_template() -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(TEMPLATE_COLUMNS)
    writer.writerow(TEMPLATE_EXAMPLE)
    return Response(
        buffer.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="datasets-template.csv"'},
    )


@router.get("/web/datasets/template.xlsx")
def dataset_template_xlsx(request: Request, db: DbSession, actor: SignedIn) -> Response:
    """The API's ``GET /datasets/template.xlsx`` for a signed-in browser (same service)."""
    try:
        content = dataset_excel.dataset_template(db, actor)
    except BatteryCarbonError as exc:
        return service_error(request, actor, exc)
    headers = {"Content-Disposition": 'attachment; filename="batterycarbon-datasets-template.xlsx"'}
    return Response(content, media_type=dataset_excel.XLSX_MEDIA_TYPE, headers=headers)


def _csv_rows(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (line, cells) of the upload, only to show it back with its errors."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    table: list[list[str]] = []
    # A field over the csv module's limit ends the table: the problems name it, rows before it
    # are shown.
    with contextlib.suppress(csv.Error):
        table.extend(reader)
    if not table:
        return [], []
    return table[0], [
        (index + 2, cells) for index, cells in enumerate(table[1:]) if any(c.strip() for c in cells)
    ]


def _rows_not_shown(by_row: dict[int, list[str]], rows: list[tuple[int, list[str]]]) -> list[str]:
    """Problems of rows the table shown back does not hold (it stops at a field the csv reader
    refuses, or at the row bound), listed above it instead of next to a row."""
    shown = {line for line, _ in rows}
    return [
        f"row {line}, {p}"
        for line, found in sorted(by_row.items())
        if line not in shown
        for p in found
    ]


def _json_document(text: str) -> Any:
    """The uploaded JSON; nesting too deep for Python's parser (which recurses once a level, so
    about 1 000 levels end in ``RecursionError``) is refused as not valid JSON."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError(
            "(document): not valid JSON: nested too deeply (a dataset object nests 2 levels)"
        ) from None


async def _upload_text(form: Any) -> tuple[str, str]:
    """(text, file name) of the upload: the chosen file, else the pasted text."""
    file = form.get("file")
    if isinstance(file, UploadFile) and file.filename:
        data = await file.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            raise ValueError(
                f"file: larger than {MAX_UPLOAD_BYTES // 1_000_000} MB; split the upload"
            )
        try:
            return data.decode("utf-8"), file.filename
        except UnicodeDecodeError:
            raise ValueError("file: not UTF-8 text (save the CSV as UTF-8)") from None
    return str(form.get("text") or ""), ""


@router.post("/web/datasets/upload")
async def upload_datasets(request: Request, db: DbSession, actor: SignedIn) -> Response:
    form = await request.form()
    if not csrf_ok(request, str(form.get("csrf_token") or "")):
        return csrf_rejected(request, actor)
    try:
        text, filename = await _upload_text(form)
    except ValueError as exc:
        return _datasets_page(
            request, db, actor, upload={"problems": [str(exc)], "text": ""}, status_code=422
        )
    is_json = filename.lower().endswith(".json") or text.lstrip().startswith(("{", "["))
    try:
        if is_json:
            document = _json_document(text)
            if not isinstance(document, dict):
                raise ValueError(
                    "(document): upload one JSON dataset object; use the CSV template for several datasets"
                )
            stored = [submit_dataset_document(db, actor, document)]
        else:
            stored = submit_datasets_csv(db, actor, text)
    except (BatteryCarbonError, ValidationError, ValueError) as exc:
        if isinstance(exc, json.JSONDecodeError):
            problems = [f"(document): not valid JSON: {exc.msg} at line {exc.lineno}"]
        elif isinstance(exc, BatteryCarbonError | ValidationError):
            problems = problems_of(exc)
        else:
            problems = [str(exc)]
        by_row, other = row_errors(problems)
        header, rows = ([], []) if is_json else _csv_rows(text)
        other += _rows_not_shown(by_row, rows)
        upload = {
            "problems": problems,
            "other": other,
            "by_row": by_row,
            "header": header,
            "rows": rows,
            "text": text,
            "errors": field_errors(problems) if is_json else {},
        }
        return _datasets_page(request, db, actor, upload=upload, status_code=422)
    return redirect(f"/web/datasets?submitted={len(stored)}")


@router.post("/web/datasets/upload-xlsx")
async def upload_datasets_xlsx(request: Request, db: DbSession, actor: SignedIn) -> Response:
    """A filled-in Excel template through ``submit_datasets_xlsx``: every row stored, or none."""
    form = await request.form()
    if not csrf_ok(request, str(form.get("csrf_token") or "")):
        return csrf_rejected(request, actor)
    file = form.get("workbook")
    content = b""
    if isinstance(file, UploadFile) and file.filename:
        content = await file.read(dataset_excel.MAX_XLSX_BYTES + 1)
    problems: list[str] = []
    if not content:
        problems = ["workbook: choose a filled-in .xlsx template to upload"]
    elif len(content) > dataset_excel.MAX_XLSX_BYTES:
        problems = [
            f"workbook: larger than {dataset_excel.MAX_XLSX_BYTES // 1_000_000} MB; split the upload"
        ]
    else:
        try:
            stored = dataset_excel.submit_datasets_xlsx(db, actor, content)
        except InputError as exc:
            problems = problems_of(exc)
        except BatteryCarbonError as exc:  # not a supplier, no active release: not the rows
            return service_error(request, actor, exc)
        else:
            return redirect(f"/web/datasets?submitted={len(stored)}")
    by_row, other = row_errors(problems)
    shown = problems and content and len(content) <= dataset_excel.MAX_XLSX_BYTES
    header, rows = dataset_excel.workbook_table(content) if shown else ([], [])
    other += _rows_not_shown(by_row, rows)
    upload = {
        "problems": problems,
        "other": other,
        "by_row": by_row,
        "header": header,
        "rows": rows,
        "text": "",
        "errors": {},
        "kind": "xlsx",
    }
    return _datasets_page(request, db, actor, upload=upload, status_code=422)


@router.get("/web/datasets/{dataset_id}")
def dataset_page(
    request: Request, db: DbSession, actor: SignedIn, dataset_id: uuid.UUID
) -> Response:
    try:
        dataset = get_dataset(db, actor, dataset_id)
    except BatteryCarbonError as exc:
        return service_error(request, actor, exc)
    names = _org_names(db, actor)
    own = getattr(dataset, "owner_org_id", None) == actor.organization_id
    partners = [
        (i, n)
        for i, n in names.items()
        if i != actor.organization_id and i not in getattr(dataset, "shared_with", [])
    ]
    context = {
        "title": f"Dataset {dataset.flow}",
        "dataset": dataset,
        "names": names,
        "own": own,
        "partners": partners,
        "full": hasattr(dataset, "activity_data"),
    }
    return render(request, "dataset.html", context, actor=actor)


def _grant_action(
    request: Request,
    db: Session,
    dataset_id: uuid.UUID,
    organization_id: str,
    csrf_token: str,
    revoke: bool,
) -> Response:
    def act(actor: Actor) -> str:
        org = form_uuid("organization_id", organization_id, "an organization id")
        if revoke:
            revoke_share(db, actor, dataset_id, org)
        else:
            share_dataset(db, actor, dataset_id, GrantIn(organization_id=org))
        return f"/web/datasets/{dataset_id}"

    return form_action(request, db, csrf_token, act)


@router.post("/web/datasets/{dataset_id}/share")
def share_page(
    request: Request,
    db: DbSession,
    dataset_id: uuid.UUID,
    organization_id: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    return _grant_action(request, db, dataset_id, organization_id, csrf_token, revoke=False)


@router.post("/web/datasets/{dataset_id}/revoke")
def revoke_page(
    request: Request,
    db: DbSession,
    dataset_id: uuid.UUID,
    organization_id: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    return _grant_action(request, db, dataset_id, organization_id, csrf_token, revoke=True)


# --- data requests ----------------------------------------------------------------------------


def _requests_page(
    request: Request,
    db: Session,
    actor: Actor,
    *,
    problems: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    names = _org_names(db, actor)
    orgs = list_organizations(db, actor)
    own = list_datasets(db, actor).own
    context = {
        "title": "Data requests",
        "incoming": list_requests(db, actor, "incoming"),
        "outgoing": list_requests(db, actor, "outgoing"),
        "names": names,
        "suppliers": [o for o in orgs if "supplier" in o.roles and o.id != actor.organization_id],
        "approved": [d for d in own if d.status == "approved"],
        "problems": problems or [],
        "errors": field_errors(problems or []),
        "flows": [flow for flow, _ in supplier_flows(release_library(db, None))],
    }
    return render(request, "requests.html", context, status_code=status_code, actor=actor)


@router.get("/web/requests")
def requests_page(request: Request, db: DbSession, actor: SignedIn) -> Response:
    return _requests_page(request, db, actor)


@router.post("/web/requests")
def new_request(
    request: Request,
    db: DbSession,
    supplier_org_id: Annotated[str, Form()] = "",
    flow: Annotated[str, Form()] = "",
    region: Annotated[str, Form()] = "",
    year: Annotated[str, Form()] = "",
    message: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    fields = {
        "supplier_org_id": supplier_org_id,
        "flow": flow.strip(),
        "region": region.strip(),
        "year": year.strip(),
        "message": message.strip(),
    }
    data: dict[str, object] = {k: v for k, v in fields.items() if v}
    if "year" in data:  # a form's fields are text; the model takes a year as a whole number only
        data["year"] = _whole_number(fields["year"])
    return _inbox_action(
        request,
        db,
        csrf_token,
        lambda actor: request_data(db, actor, DataRequestIn.model_validate(data)),
    )


def _whole_number(text: str) -> int | str:
    """A form field's text read as an integer (``"2023"``); other text (``"2023.0"``) stays
    text, for the model to refuse naming the field."""
    try:
        return int(text)
    except ValueError:
        return text


def _inbox_action(
    request: Request, db: Session, csrf_token: str, action: Callable[[Actor], object]
) -> Response:
    def act(actor: Actor) -> str:
        action(actor)
        return "/web/requests"

    def again(actor: Actor, exc: BatteryCarbonError | ValidationError) -> Response:
        return _requests_page(request, db, actor, problems=problems_of(exc), status_code=422)

    return form_action(request, db, csrf_token, act, again)


@router.post("/web/requests/{request_id}/fulfil")
def fulfil_page(
    request: Request,
    db: DbSession,
    request_id: uuid.UUID,
    dataset_id: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    return _inbox_action(
        request,
        db,
        csrf_token,
        lambda actor: fulfil_request(
            db,
            actor,
            request_id,
            FulfilIn.model_validate({"dataset_id": dataset_id, "note": note.strip() or None}),
        ),
    )


@router.post("/web/requests/{request_id}/decline")
def decline_page(
    request: Request,
    db: DbSession,
    request_id: uuid.UUID,
    reason: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    return _inbox_action(
        request,
        db,
        csrf_token,
        lambda actor: decline_request(
            db, actor, request_id, DeclineIn.model_validate({"reason": reason.strip()})
        ),
    )
