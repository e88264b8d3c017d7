"""The Excel template for supplier datasets: generated from the active factor release, filled in
by a supplier, uploaded back (any bad row: nothing stored, every bad row and field named).

The workbook has three sheets:

- ``datasets``: the table, same columns as the CSV upload (``flow, value, unit, region, year,
  dqr, evidence`` and any ``activity.<name>`` columns the supplier adds to the right), with
  drop-down validation of ``flow`` and range validation of ``year`` and ``dqr``; row 1 is the
  header, so row numbers in error messages are the ones Excel shows;
- ``flows``: the flows a supplier dataset may be for (material flows of the release), with the
  unit their library factor is in;
- ``instructions``: what each column means.

An upload is read with openpyxl in read-only mode, cached values only (formulas are not
evaluated: a cell with a formula and no cached value is empty). Uploads are limited in size and
rows (:data:`MAX_XLSX_BYTES`, ``dataset_input.MAX_CSV_ROWS``).
"""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy.orm import Session

from batterycarbon.factors import FactorLibrary
from batterycarbon.services.calculations import is_material_factor
from batterycarbon.services.context import Actor, unit_of_work
from batterycarbon.services.dataset_input import (
    MAX_CSV_ROWS,
    REQUIRED_COLUMNS,
    DatasetIn,
    header_problems,
    validate_row,
)
from batterycarbon.services.datasets import DatasetOut, submit_table
from batterycarbon.services.factor_releases import release_library

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_XLSX_BYTES = 5_000_000
SHEET = "datasets"
SOURCE = "Excel upload"
TEMPLATE_COLUMNS = (*REQUIRED_COLUMNS, "evidence", "activity.electricity_kwh_per_kg")
#: Column -> what it means, written to the instructions sheet (from ``DatasetIn``'s fields).
INSTRUCTIONS = {
    "flow": "Library flow the figure is for (choose from the 'flows' sheet), e.g. cam_ncm811",
    "value": "Your cradle-to-gate footprint of one unit of the flow, a number > 0",
    "unit": "Unit of value: a CO2e intensity such as 'kg CO2e / kg' (see the 'flows' sheet)",
    "region": "Where it is made: ISO 3166 alpha-2 code, or EU27, EUROPE, GLO, RER, RoW",
    "year": "Reference year of the data, 1990 to 2100",
    "dqr": "PEF data-quality rating, 1 (best) to 5 (worst); some ratings need evidence",
    "evidence": "Evidence file references separated by ';' (e.g. meter-readings-2023.pdf)",
    "activity.<name>": "Any number of columns of confidential activity data (lower-case name), "
    "e.g. activity.electricity_kwh_per_kg; only you and an assigned verifier see them",
}


def supplier_flows(library: FactorLibrary) -> list[tuple[str, str]]:
    """(flow, factor unit) of every material flow of the release, sorted by flow."""
    flows = []
    for flow in sorted(library.flows):
        unit = library.resolve(flow).unit
        if is_material_factor(unit):
            flows.append((flow, unit))
    return flows


def build_template(library: FactorLibrary) -> bytes:
    """The .xlsx template for ``library``'s flows (see the module docstring)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = SHEET
    sheet.append(list(TEMPLATE_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    flows = supplier_flows(library)
    flow_sheet = workbook.create_sheet("flows")
    flow_sheet.append(["flow", "unit of the library factor", f"release {library.release_id}"])
    for flow, unit in flows:
        flow_sheet.append([flow, unit])
    last = MAX_CSV_ROWS + 1
    validations = (
        DataValidation(
            type="list",
            formula1=f"=flows!$A$2:$A${len(flows) + 1}",
            allow_blank=True,
            sqref=f"A2:A{last}",
        ),  # fmt: skip
        DataValidation(
            type="decimal",
            operator="greaterThan",
            formula1="0",
            allow_blank=True,
            sqref=f"B2:B{last}",
        ),  # fmt: skip
        DataValidation(
            type="whole",
            operator="between",
            formula1="1990",
            formula2="2100",
            allow_blank=True,
            sqref=f"E2:E{last}",
        ),  # fmt: skip
        DataValidation(
            type="decimal",
            operator="between",
            formula1="1",
            formula2="5",
            allow_blank=True,
            sqref=f"F2:F{last}",
        ),  # fmt: skip
    )
    for validation in validations:
        validation.showErrorMessage = True
        sheet.add_data_validation(validation)
    notes = workbook.create_sheet("instructions")
    notes.append(["column", "meaning"])
    for column, meaning in INSTRUCTIONS.items():
        notes.append([column, meaning])
    notes.append([])
    notes.append(["", "Every row is stored, or none: a bad row rejects the upload and every bad row and field is listed."])  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def dataset_template(session: Session, actor: Actor) -> bytes:
    """The template for the active release (any authenticated actor: buyers pass it on)."""
    with unit_of_work(session):
        return build_template(release_library(session, None))


def _cell_text(value: Any) -> Any:
    """A cell as the CSV reader would see it: text stripped, empty as ``""``, numbers kept."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def parse_dataset_xlsx(content: bytes) -> tuple[list[tuple[int, DatasetIn]], list[str]]:
    """(row number, dataset) of each valid row and one problem line per bad field of any row."""
    if len(content) > MAX_XLSX_BYTES:
        return [], [f"(document): larger than {MAX_XLSX_BYTES} bytes; split the upload"]
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (zip, XML, key) for a bad file
        return [], [f"(document): not an Excel .xlsx workbook ({type(exc).__name__}); download the template from GET /datasets/template.xlsx"]  # fmt: skip
    try:
        sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]
        lines = sheet.iter_rows(values_only=True)
        header = [str(v).strip() if v is not None else "" for v in next(lines, ())]
        while header and header[-1] == "":
            header.pop()
        problems = header_problems(header)
        if problems:
            return [], problems
        rows: list[tuple[int, DatasetIn]] = []
        for index, values in enumerate(lines):
            line = index + 2
            cells = [_cell_text(v) for v in values]
            if all(c == "" for c in cells):
                continue  # Excel keeps formatted but empty rows
            if len(rows) + 1 > MAX_CSV_ROWS:
                problems.append(f"row {line}: more than {MAX_CSV_ROWS} rows; split the upload")
                break
            if any(c != "" for c in cells[len(header) :]):
                problems.append(f"row {line}: a value right of the last header column; name its column")  # fmt: skip
                continue
            record = dict(zip(header, [*cells, *[""] * len(header)][: len(header)], strict=True))
            parsed = validate_row(line, record, problems)
            if parsed is not None:
                rows.append((line, parsed))
    finally:
        workbook.close()
    if not rows and not problems:
        problems.append(f"(document): no data rows in sheet {sheet.title!r}")
    return rows, problems


def submit_datasets_xlsx(session: Session, actor: Actor, content: bytes) -> list[DatasetOut]:
    """Store every row of a filled-in template, or none (:class:`InputError` names every bad
    row and field, with Excel's row numbers)."""
    return submit_table(session, actor, SOURCE, lambda: parse_dataset_xlsx(content))
