"""The Excel template: generated from the active release, filled in, uploaded back; a bad row
rejects the whole upload, naming every bad row (Excel's numbers) and field."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from services_support import Chain
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from batterycarbon.errors import InputError
from batterycarbon.services.dataset_excel import (
    TEMPLATE_COLUMNS,
    dataset_template,
    parse_dataset_xlsx,
    submit_datasets_xlsx,
)
from batterycarbon.store import SupplierDataset

GOOD = ["cam_ncm811", 28.4, "kg CO2e / kg", "KR", 2023, 2.5, "pcf-2023.pdf; meters.pdf", 22]


def filled(template: bytes, rows: list[list[Any]]) -> bytes:
    """The template with ``rows`` typed in below the header, as a supplier would."""
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook["datasets"]
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_template_lists_the_release_flows_and_validates_cells(session: Session, chain: Chain) -> None:  # fmt: skip
    workbook = load_workbook(io.BytesIO(dataset_template(session, chain.cell_maker)))
    assert workbook.sheetnames == ["datasets", "flows", "instructions"]
    assert [c.value for c in workbook["datasets"][1]] == list(TEMPLATE_COLUMNS)
    flows = {row[0]: row[1] for row in workbook["flows"].iter_rows(min_row=2, values_only=True)}
    assert flows["cam_ncm811"] == "kg CO2e / kg"
    assert "electricity_grid" not in flows  # energy flows are the plants' own, not a supplier's
    ranges = {str(v.sqref).split(":")[0]: v.type for v in workbook["datasets"].data_validations.dataValidation}  # fmt: skip
    assert ranges == {"A2": "list", "B2": "decimal", "E2": "whole", "F2": "decimal"}


def test_filled_template_stores_every_row(session: Session, chain: Chain) -> None:
    template = dataset_template(session, chain.cam_maker)
    stored = submit_datasets_xlsx(session, chain.cam_maker, filled(template, [GOOD, [], [*GOOD[:1], 27.0, *GOOD[2:]]]))  # fmt: skip
    assert [d.value for d in stored] == [28.4, 27.0]
    assert stored[0].evidence == ["pcf-2023.pdf", "meters.pdf"]
    assert stored[0].activity_data == {"electricity_kwh_per_kg": 22.0}


def test_any_bad_row_stores_nothing_and_names_rows_and_fields(session: Session, chain: Chain) -> None:  # fmt: skip
    template = dataset_template(session, chain.cam_maker)
    bad = filled(template, [GOOD, [*GOOD[:5], 7], ["no_such_flow", *GOOD[1:]], [*GOOD, "stray"]])
    with pytest.raises(InputError) as caught:
        submit_datasets_xlsx(session, chain.cam_maker, bad)
    problems = caught.value.problems
    # every problem of every row at once, in row order
    assert problems[0].startswith("row 3, dqr: Input should be less than or equal to 5")
    assert problems[1].startswith("row 4, flow: 'no_such_flow' is not a flow of factor release")
    assert problems[2].startswith("row 5: a value right of the last header column")
    assert len(problems) == 3, problems
    assert session.scalar(select(func.count()).select_from(SupplierDataset)) == 0


def test_not_a_workbook_or_wrong_header() -> None:
    assert parse_dataset_xlsx(b"PK\x03\x04 not really a zip")[1][0].startswith("(document): not an Excel .xlsx workbook")  # fmt: skip
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["flow", "value"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert parse_dataset_xlsx(buffer.getvalue())[1] == ["header: missing column(s) unit, region, year, dqr (found: flow, value)"]  # fmt: skip
