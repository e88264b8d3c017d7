"""An Excel upload is bounded before openpyxl unpacks it (issue 12 §1, the zip bomb): parts, the
unpacked sizes and the packing ratio from the zip directory; then rows, columns and cell
lengths while the sheet streams. Each refusal is one problem naming the bound, and nothing is
stored."""

from __future__ import annotations

import io
import tracemalloc
import zipfile

import pytest
from bomb_support import (
    HEADER,
    ROW,
    understating_sheet_size,
    with_extra_parts,
    workbook,
    xlsx_bomb,
)
from openpyxl import load_workbook
from services_support import Chain
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from batterycarbon.errors import InputError
from batterycarbon.services.dataset_excel import (
    MAX_XLSX_CELL_CHARS,
    MAX_XLSX_COLUMNS,
    MAX_XLSX_COMPRESSION_RATIO,
    MAX_XLSX_PART_BYTES,
    MAX_XLSX_PARTS,
    MAX_XLSX_SHEET_ROWS,
    parse_dataset_xlsx,
    submit_datasets_xlsx,
    workbook_table,
)
from batterycarbon.store import SupplierDataset


def refusal(content: bytes) -> str:
    rows, problems = parse_dataset_xlsx(content)
    assert rows == [] and len(problems) == 1, problems
    return problems[0]


def test_a_part_unpacking_beyond_its_bound_is_refused_unread() -> None:
    bomb = xlsx_bomb(2 * MAX_XLSX_PART_BYTES)
    assert len(bomb) < 50_000  # 32 MB packed about 900 to 1
    tracemalloc.start()
    try:
        problem = refusal(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert problem.startswith("(document): part 'xl/worksheets/sheet1.xml' unpacks to 3200")
    assert workbook_table(bomb) == ([], [])  # the web page shows nothing of it back either
    assert problem.endswith(f"more than the {MAX_XLSX_PART_BYTES} a part may; split the upload")
    assert peak < 5_000_000  # only the zip directory was read (before: the whole cell, twice)


def test_a_part_packed_like_a_bomb_is_refused_within_the_size_bounds() -> None:
    problem = refusal(xlsx_bomb(MAX_XLSX_PART_BYTES // 4))
    assert problem.startswith("(document): part 'xl/worksheets/sheet1.xml' is packed 9")
    assert f"more tightly than the {MAX_XLSX_COMPRESSION_RATIO} to 1 of a real workbook" in problem


def test_a_directory_understating_a_size_is_not_believed() -> None:
    # zipfile stops reading a part at its declared size and checks the CRC: the lie is caught
    # as a broken archive, and no more than the declared bytes are unpacked.
    lying = understating_sheet_size(xlsx_bomb(MAX_XLSX_PART_BYTES // 4), 1_000)
    assert refusal(lying).startswith("(document): not an Excel .xlsx workbook (BadZipFile)")


def test_too_many_parts() -> None:
    content = workbook([ROW])
    parts = len(zipfile.ZipFile(io.BytesIO(content)).infolist())
    problem = refusal(with_extra_parts(content, MAX_XLSX_PARTS))
    assert problem.startswith(
        f"(document): {MAX_XLSX_PARTS + parts} parts in the workbook's archive"
    )


def test_a_cell_longer_than_excel_allows_names_row_and_column() -> None:
    # Written into the sheet's XML: openpyxl itself cuts a longer cell to Excel's limit.
    problem = refusal(xlsx_bomb(MAX_XLSX_CELL_CHARS + 1))
    assert problem == (
        f"row 2, G: a cell of {MAX_XLSX_CELL_CHARS + 1} characters, "
        f"more than the {MAX_XLSX_CELL_CHARS} Excel allows"
    )


def test_a_row_beyond_the_column_bound_is_refused() -> None:
    wide = [*ROW, *[None] * (MAX_XLSX_COLUMNS - len(ROW)), "far right"]
    assert (
        refusal(workbook([ROW, wide]))
        == "row 3: cells up to column IW, beyond column IV; delete them"
    )


def test_a_row_far_below_the_data_is_refused_before_the_gap_is_filled() -> None:
    book = load_workbook(io.BytesIO(workbook([ROW])))
    book["datasets"].cell(row=1_048_576, column=1, value="cam_ncm811")
    buffer = io.BytesIO()
    book.save(buffer)
    problem = refusal(buffer.getvalue())
    assert problem.startswith(f"row {MAX_XLSX_SHEET_ROWS + 1}: the sheet goes on beyond row")


def test_a_sound_workbook_still_parses() -> None:
    rows, problems = parse_dataset_xlsx(workbook([ROW, ROW]))
    assert problems == [] and [line for line, _ in rows] == [2, 3]
    assert workbook_table(workbook([ROW]))[0] == HEADER
    # A cell at Excel's limit is read, then the model names what is wrong with it.
    rows, problems = parse_dataset_xlsx(xlsx_bomb(MAX_XLSX_CELL_CHARS))
    assert problems[0].startswith("row 2, evidence: each evidence reference must be 1 to 500")


def test_the_bomb_is_a_422_that_stores_nothing(session: Session, chain: Chain) -> None:
    with pytest.raises(InputError) as caught:
        submit_datasets_xlsx(session, chain.cam_maker, xlsx_bomb(2 * MAX_XLSX_PART_BYTES))
    assert caught.value.problems[0].startswith("(document): part 'xl/worksheets/sheet1.xml'")
    assert session.scalar(select(func.count()).select_from(SupplierDataset)) == 0


def test_cells_streamed_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("batterycarbon.services.dataset_excel.MAX_XLSX_CELLS", 3 * len(ROW))
    assert parse_dataset_xlsx(workbook([ROW, ROW]))[1] == []  # header and two rows: 21 cells
    problem = refusal(workbook([ROW, ROW, ROW]))
    assert problem == f"row 4: more than {3 * len(ROW)} cells up to this row; split the upload"
