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

A workbook is a zip archive, and its 5 MB cap says little about what it unpacks to: deflate
packs a repeated character about 1000:1, so a 400 KB upload can hold one 400 MB cell (issue 12
measured 800 MB of server memory, never given back). So before openpyxl sees the upload,
:func:`archive_problems` reads the zip's directory and refuses too many parts, a part or a
total that unpacks beyond its bound, and a part packed more tightly than real workbooks are
(zipfile itself stops reading a part at its declared size, so the declared sizes hold). Then
the sheet is streamed row by row (openpyxl's read-only mode), refusing a row or a column beyond
the template's bounds and a cell longer than Excel itself allows, as soon as one is seen.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy.orm import Session

from batterycarbon.errors import excerpt
from batterycarbon.factors import FactorLibrary
from batterycarbon.services.context import Actor, unit_of_work
from batterycarbon.services.dataset_input import (
    MAX_CSV_ROWS,
    REQUIRED_COLUMNS,
    ReadDataset,
    header_problems,
    validate_row,
)
from batterycarbon.services.datasets import DatasetOut, submit_table, supplier_flows
from batterycarbon.services.factor_releases import release_library

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_XLSX_BYTES = 5_000_000
#: Most parts (files) in the workbook's zip archive. The template has 11 and a workbook saved by
#: Excel or LibreOffice a few more (printer settings, custom XML, thumbnails); 200 leaves room
#: while keeping the directory zipfile builds small (it holds one object per part).
MAX_XLSX_PARTS = 200
#: Largest size one part may unpack to (bytes). The template filled with its 10 000 rows, each
#: with a 400-character evidence cell, has a 7.9 MB sheet; 16 MB is twice that. It bounds what
#: openpyxl holds at once for the parts it reads whole (shared strings, styles).
MAX_XLSX_PART_BYTES = 16_000_000
#: Largest size all parts together may unpack to (bytes): two full parts and the small ones.
MAX_XLSX_UNPACKED_BYTES = 40_000_000
#: Tightest packing (unpacked / packed size) a part over :data:`MAX_XLSX_RATIO_FROM_BYTES` may
#: have. Real workbooks pack 1.4 to 19 to 1 (the template filled with 10 000 identical rows:
#: 14.7; varied rows: 19.1); deflate reaches about 1030 to 1 on one repeated character, which is
#: what a zip bomb is made of. 100 refuses bombs long before they reach the size bounds.
MAX_XLSX_COMPRESSION_RATIO = 100
#: Parts smaller than this (bytes) are not held to the ratio: a small part of repeated XML may
#: pack tightly and unpacks to little anyway.
MAX_XLSX_RATIO_FROM_BYTES = 1_000_000
#: Longest text in one cell (characters): Excel's own limit ("Excel specifications and limits",
#: Microsoft support), so a longer cell was not written by Excel. The longest a dataset needs is
#: the evidence cell: 50 references of up to 500 characters (``DatasetIn.evidence``), 25 049.
MAX_XLSX_CELL_CHARS = 32_767
#: Widest row (columns): the template's 7 columns and the 200 ``activity.<name>`` columns a
#: dataset may hold (``DatasetIn.activity_data``), rounded up. openpyxl fills a row up to its
#: last cell, so one cell in column XFD would make each row 16 384 values.
MAX_XLSX_COLUMNS = 256
#: Most cells streamed from the sheet (each row counted as wide as openpyxl makes it). openpyxl
#: takes about 12 µs a cell (a 15.8 MB sheet of 2 250 rows of 207 cells: 5.8 s on this 2-core
#: machine), so the part size alone would let one upload hold a handler thread for seconds.
#: The template's 8 columns on its 10 000 rows are 80 000 cells (read and validated in 2.3 s);
#: 200 000 leaves room for 20 columns on every row (a sheet of 207 columns is refused at this
#: bound after 3.6 s, validation of the rows before it included).
MAX_XLSX_CELLS = 200_000
#: Last sheet row read: the header, :data:`MAX_CSV_ROWS` data rows, as many empty rows between
#: them again. A row beyond is refused, not skipped, before openpyxl fills the gap up to it.
MAX_XLSX_SHEET_ROWS = 2 * MAX_CSV_ROWS + 1
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
        ),
        DataValidation(
            type="decimal",
            operator="greaterThan",
            formula1="0",
            allow_blank=True,
            sqref=f"B2:B{last}",
        ),
        DataValidation(
            type="whole",
            operator="between",
            formula1="1990",
            formula2="2100",
            allow_blank=True,
            sqref=f"E2:E{last}",
        ),
        DataValidation(
            type="decimal",
            operator="between",
            formula1="1",
            formula2="5",
            allow_blank=True,
            sqref=f"F2:F{last}",
        ),
    )
    for validation in validations:
        validation.showErrorMessage = True
        sheet.add_data_validation(validation)
    notes = workbook.create_sheet("instructions")
    notes.append(["column", "meaning"])
    for column, meaning in INSTRUCTIONS.items():
        notes.append([column, meaning])
    notes.append([])
    notes.append(
        [
            "",
            "Every row is stored, or none: a bad row rejects the upload and every bad row and field is listed.",
        ]
    )
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


class WorkbookRefused(Exception):
    """An upload refused as a whole before or while its sheet is read; the message is the one
    problem line, naming the bound."""


def _central_directory_parts(content: bytes) -> int | None:
    """The number of parts the zip's end record declares (``None`` without one), read before
    zipfile builds an object for each (APPNOTE.TXT 4.3.16: the record is the last 22 bytes
    and a comment of at most 65 535)."""
    end = content.rfind(b"PK\x05\x06", max(0, len(content) - 22 - 65_535))
    if end < 0 or end + 22 > len(content):
        return None
    (parts,) = struct.unpack_from("<H", content, end + 10)
    return int(parts)


def archive_problems(content: bytes) -> list[str]:
    """What makes the upload's zip archive unsafe to unpack: too many parts, a part or the
    whole unpacking beyond its bound, a part packed like a zip bomb (see the module docstring).
    Only the zip directory is read; nothing is unpacked."""
    if len(content) > MAX_XLSX_BYTES:
        return [f"(document): larger than {MAX_XLSX_BYTES} bytes; split the upload"]
    declared = _central_directory_parts(content)
    if declared is not None and declared > MAX_XLSX_PARTS:
        return [
            f"(document): {declared} parts in the workbook's archive, more than {MAX_XLSX_PARTS}; save it again from Excel"
        ]
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        return [f"(document): not an Excel .xlsx workbook (not a zip archive); {TEMPLATE_HINT}"]
    if len(parts) > MAX_XLSX_PARTS:  # a zip64 directory declares its count elsewhere
        return [
            f"(document): {len(parts)} parts in the workbook's archive, more than {MAX_XLSX_PARTS}; save it again from Excel"
        ]
    unpacked = 0
    for part in parts:
        name = excerpt(part.filename)
        if part.file_size > MAX_XLSX_PART_BYTES:
            return [
                f"(document): part {name} unpacks to {part.file_size} bytes, more than the {MAX_XLSX_PART_BYTES} a part may; split the upload"
            ]
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > MAX_XLSX_RATIO_FROM_BYTES and ratio > MAX_XLSX_COMPRESSION_RATIO:
            return [
                f"(document): part {name} is packed {ratio:.0f} to 1, more tightly than the {MAX_XLSX_COMPRESSION_RATIO} to 1 of a real workbook; refused unread"
            ]
        unpacked += part.file_size
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        return [
            f"(document): the workbook unpacks to {unpacked} bytes, more than {MAX_XLSX_UNPACKED_BYTES}; split the upload"
        ]
    return []


TEMPLATE_HINT = "download the template from GET /datasets/template.xlsx"


@contextmanager
def _data_sheet(content: bytes) -> Iterator[ReadOnlyWorksheet]:
    """The ``datasets`` sheet (else the first) of a workbook that passed
    :func:`archive_problems`, opened read-only; :class:`WorkbookRefused` otherwise."""
    problems = archive_problems(content)
    if problems:
        raise WorkbookRefused(problems[0])
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (zip, XML, key) for a bad file
        raise WorkbookRefused(
            f"(document): not an Excel .xlsx workbook ({type(exc).__name__}); {TEMPLATE_HINT}"
        ) from None
    try:
        sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]
        assert isinstance(sheet, ReadOnlyWorksheet)
        sheet.reset_dimensions()  # a declared size is not trusted: rows as large as they are
        yield sheet
    finally:
        workbook.close()


def sheet_rows(sheet: ReadOnlyWorksheet) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(Excel row number, values) of each row, streamed; :class:`WorkbookRefused` at the first
    row beyond :data:`MAX_XLSX_SHEET_ROWS`, :data:`MAX_XLSX_COLUMNS` or :data:`MAX_XLSX_CELLS`,
    or cell longer than :data:`MAX_XLSX_CELL_CHARS`."""
    cells = 0
    for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells += len(values)
        if cells > MAX_XLSX_CELLS:
            raise WorkbookRefused(
                f"row {line}: more than {MAX_XLSX_CELLS} cells up to this row; split the upload"
            )
        if line > MAX_XLSX_SHEET_ROWS:
            raise WorkbookRefused(
                f"row {line}: the sheet goes on beyond row {MAX_XLSX_SHEET_ROWS}; at most {MAX_CSV_ROWS} data rows, split the upload"
            )
        if len(values) > MAX_XLSX_COLUMNS:
            raise WorkbookRefused(
                f"row {line}: cells up to column {get_column_letter(len(values))}, beyond column {get_column_letter(MAX_XLSX_COLUMNS)}; delete them"
            )
        for column, value in enumerate(values, start=1):
            if isinstance(value, str) and len(value) > MAX_XLSX_CELL_CHARS:
                raise WorkbookRefused(
                    f"row {line}, {get_column_letter(column)}: a cell of {len(value)} characters, more than the {MAX_XLSX_CELL_CHARS} Excel allows"
                )
        yield line, values


def parse_dataset_xlsx(content: bytes) -> tuple[list[tuple[int, ReadDataset]], list[str]]:
    """(row number, dataset or its valid fields) of each row and one problem line per bad field;
    an upload refused as a whole (:func:`archive_problems`, :func:`sheet_rows`) has one."""
    try:
        with _data_sheet(content) as sheet:
            return _parse_rows(sheet)
    except WorkbookRefused as exc:
        return [], [str(exc)]


def _parse_rows(sheet: ReadOnlyWorksheet) -> tuple[list[tuple[int, ReadDataset]], list[str]]:
    lines = sheet_rows(sheet)
    first = next(lines, None)
    header = [str(v).strip() if v is not None else "" for v in (first[1] if first else ())]
    while header and header[-1] == "":
        header.pop()
    problems = header_problems(header)
    if problems:
        return [], problems
    rows: list[tuple[int, ReadDataset]] = []
    for line, values in lines:
        cells = [_cell_text(v) for v in values]
        if all(c == "" for c in cells):
            continue  # Excel keeps formatted but empty rows
        if len(rows) + 1 > MAX_CSV_ROWS:
            problems.append(f"row {line}: more than {MAX_CSV_ROWS} rows; split the upload")
            break
        if any(c != "" for c in cells[len(header) :]):
            problems.append(f"row {line}: a value right of the last header column; name its column")
            continue
        record = dict(zip(header, [*cells, *[""] * len(header)][: len(header)], strict=True))
        rows.append((line, validate_row(line, record, problems)))
    if not rows and not problems:
        problems.append(f"(document): no data rows in sheet {excerpt(sheet.title)}")
    return rows, problems


def workbook_table(content: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (Excel row, cells as text) of the sheet :func:`parse_dataset_xlsx` reads, to
    show an upload back with its errors; nothing for a workbook it refuses as a whole."""
    table: list[tuple[int, list[str]]] = []
    try:
        with _data_sheet(content) as sheet:
            for line, values in sheet_rows(sheet):
                table.append((line, ["" if v is None else str(v) for v in values]))
                if len(table) > MAX_CSV_ROWS + 1:
                    break
    except WorkbookRefused:
        return [], []
    if not table:
        return [], []
    header = table[0][1]
    width = max((i + 1 for i, h in enumerate(header) if h.strip()), default=0)
    rows = [(line, cells[:width]) for line, cells in table[1:] if any(c.strip() for c in cells)]
    return header[:width], rows


def submit_datasets_xlsx(session: Session, actor: Actor, content: bytes) -> list[DatasetOut]:
    """Store every row of a filled-in template, or none (:class:`InputError` names every bad
    row and field, with Excel's row numbers)."""
    return submit_table(session, actor, SOURCE, lambda: parse_dataset_xlsx(content))
