"""The supplier dataset as input: the JSON model and the CSV reader with row-level errors.

CSV columns: ``flow, value, unit, region, year, dqr`` (required), ``evidence`` (references
separated by ``;``) and any number of ``activity.<name>`` columns, which become the confidential
``activity_data`` (numbers where they parse as numbers). Line numbers count the header as line 1.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from batterycarbon.bounds import (
    MAX_ACTIVITY_ENTRIES,
    MAX_ACTIVITY_MAGNITUDE,
    MAX_EVIDENCE_CHARS,
    MAX_EVIDENCE_REFERENCES,
    MAX_FOOTPRINT_VALUE,
    MAX_NAME_CHARS,
    FiniteFloat,
    StrictInt,
)
from batterycarbon.countries import region_problem
from batterycarbon.errors import excerpt, validation_problems
from batterycarbon.factors.model import FLOW_PATTERN
from batterycarbon.text import Line, text_problem
from batterycarbon.units import parse_unit, ureg

MAX_CSV_ROWS = 10_000
REQUIRED_COLUMNS = ("flow", "value", "unit", "region", "year", "dqr")
#: Columns holding numbers: a table's text cells there are read as numbers before validation
#: (the JSON model takes numbers only, so ``true`` or ``"27"`` is refused there).
NUMBER_COLUMNS = ("value", "year", "dqr")
ACTIVITY_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}\Z")
#: Longest field of a CSV upload (characters): Excel's own cell limit, so a table exported from
#: Excel always fits; the longest a dataset needs is its evidence field (50 references of up to
#: 500 characters, 25 049). The csv module refuses a field over its own process-wide limit
#: (131 072, left as it is) with an error that names neither row nor column; fields between the
#: two are named by the check after reading, longer ones found again in the text.
MAX_CSV_FIELD_CHARS = 32_767
#: Longest part of the csv module's message repeated in a problem (characters).
MAX_CSV_ERROR_CHARS = 120
#: Most problems an upload's refusal lists (the rest are counted): a table of 10 000 rows may
#: have tens of thousands, and a page or an API answer listing them all helps no one; 200 is
#: every problem of a typical upload of a few dozen rows.
MAX_LISTED_PROBLEMS = 200
ROW_PROBLEM = re.compile(r"row (\d+)\b")


class DatasetIn(BaseModel):
    """A supplier's cradle-to-gate figure for one flow, with its quality and evidence."""

    model_config = ConfigDict(
        extra="forbid",
        allow_inf_nan=False,
        json_schema_extra={
            "examples": [
                {
                    "flow": "cam_ncm811",
                    "value": 28.4,
                    "unit": "kg CO2e / kg",
                    "region": "KR",
                    "year": 2023,
                    "dqr": 1.75,
                    "evidence": ["iso14067-report-2023.pdf"],
                    "activity_data": {"electricity_kwh_per_kg": 22.0, "heat_mj_per_kg": 31.0},
                }
            ]
        },
    )

    flow: Line = Field(
        max_length=MAX_NAME_CHARS, description="Library flow the figure is for, e.g. cam_ncm811"
    )
    value: FiniteFloat = Field(gt=0, le=MAX_FOOTPRINT_VALUE, description="Footprint in `unit`")
    unit: Line = Field(default="kg CO2e / kg", max_length=MAX_NAME_CHARS)
    region: Line = Field(
        max_length=MAX_NAME_CHARS,
        description="ISO 3166 alpha-2 code, or EU27, EUROPE, GLO, RER, RoW",
    )
    year: StrictInt = Field(ge=1990, le=2100)
    dqr: FiniteFloat = Field(ge=1, le=5, description="PEF data-quality rating, 1 best to 5 worst")
    # Uploads (CSV, Excel, JSON files) reach the model without the API's check of request text:
    # every text field refuses control characters and lone surrogates itself (batterycarbon.text).
    evidence: list[Line] = Field(default=[], max_length=MAX_EVIDENCE_REFERENCES)
    activity_data: dict[Line, float | str] = Field(default={}, max_length=MAX_ACTIVITY_ENTRIES)

    @field_validator("flow")
    @classmethod
    def _flow(cls, value: str) -> str:
        if not FLOW_PATTERN.match(value):
            raise ValueError("use lower-case letters, digits and _ (a library flow id)")
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        problem = region_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value

    @field_validator("unit")
    @classmethod
    def _unit(cls, value: str) -> str:
        unit = parse_unit(value)
        if ureg.Quantity(1.0, unit).dimensionality.get("[carbon_dioxide_equivalent]") != 1:
            raise ValueError("expected a CO2e intensity such as 'kg CO2e / kg'")
        return value

    @field_validator("evidence")
    @classmethod
    def _evidence(cls, value: list[str]) -> list[str]:
        if any(not ref.strip() or len(ref) > MAX_EVIDENCE_CHARS for ref in value):
            raise ValueError(
                f"each evidence reference must be 1 to {MAX_EVIDENCE_CHARS} characters"
            )
        return value

    @field_validator("activity_data", mode="before")
    @classmethod
    def _activity_numbers(cls, value: Any) -> Any:
        # Before the type check, where pydantic's float | str takes true for 1.0 and reports a
        # NaN once per member of the union.
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, bool):
                    raise ValueError(
                        f"activity {excerpt(key)}: expected a number or text, "
                        f"not the boolean {str(item).lower()}"
                    )
                if isinstance(item, float) and not math.isfinite(item):
                    raise ValueError(f"activity {excerpt(key)}: {item} is not a finite number")
                if isinstance(item, int | float) and abs(item) > MAX_ACTIVITY_MAGNITUDE:
                    raise ValueError(
                        f"activity {excerpt(key)}: {excerpt(item)} is beyond "
                        f"±{MAX_ACTIVITY_MAGNITUDE:g} (the largest activity quantity accepted)"
                    )
        return value

    @field_validator("activity_data")
    @classmethod
    def _activity(cls, value: dict[str, float | str]) -> dict[str, float | str]:
        for key, item in value.items():
            if not ACTIVITY_KEY.match(key):
                raise ValueError(
                    f"activity key {excerpt(key)}: use lower-case letters, digits and _"
                )
            if isinstance(item, str) and len(item) > 1000:
                raise ValueError(f"activity {key!r}: text longer than 1000 characters")
            if isinstance(item, str) and (problem := text_problem(item)):
                raise ValueError(f"activity {key!r}: the text {problem}")
        return value


def _table_number(cell: Any) -> Any:
    """A table's text cell in a number column read as a number (an int when it is written as
    one, such as ``2023``); text that is no number stays text, for the model to name."""
    if not isinstance(cell, str):
        return cell
    for number in (int, float):
        try:
            return number(cell)
        except ValueError:
            continue
    return cell


def _activity_value(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text


class _Lines:
    """The lines of a text for the csv reader, counting the characters handed over: where the
    record being read starts, to find the column of a field the reader refuses."""

    def __init__(self, text: str) -> None:
        self.stream = io.StringIO(text)
        self.consumed = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.stream.readline()
        if not line:
            raise StopIteration
        self.consumed += len(line)
        return line


def _long_field_column(text: str, start: int) -> int | None:
    """The column (1-based) of the first field longer than :data:`MAX_CSV_FIELD_CHARS` in the
    record starting at ``start``, read as the csv module's ``excel`` dialect does (``,``
    separates, ``"`` quotes, ``""`` is a quote in a quoted field); ``None`` if there is none."""
    index = start
    while text[index : index + 1] in ("\r", "\n"):  # blank lines the reader skipped
        index += 1
    column, length, quoted = 1, 0, False
    while index < len(text):
        char = text[index]
        index += 1
        if char == '"' and quoted and text[index : index + 1] == '"':
            index += 1  # an escaped quote: one character of the field
        elif char == '"':
            quoted = not quoted
            continue
        elif not quoted and char == ",":
            column, length = column + 1, 0
            continue
        elif not quoted and char in "\r\n":
            return None
        length += 1
        if length > MAX_CSV_FIELD_CHARS:
            return column
    return None


def _unreadable_record(text: str, start: int, row: int, header: list[str], error: csv.Error) -> str:
    """The problem line for a record the csv reader refused (a field over its size limit, a NUL
    or a stray quote), naming the row and, for a long field, the column."""
    column = _long_field_column(text, start) if "field limit" in str(error) else None
    if column is None:
        where = "header" if row == 1 else f"row {row}"
        return f"{where}: not valid CSV: {str(error)[:MAX_CSV_ERROR_CHARS]}"
    name = header[column - 1] if column <= len(header) else f"column {column}"
    return _long_field(row, name)


def _long_field(row: int, column: str) -> str:
    where = "header" if row == 1 else f"row {row}, {column}"
    return f"{where}: a field longer than {MAX_CSV_FIELD_CHARS} characters; shorten it"


def parse_dataset_csv(text: str) -> tuple[list[tuple[int, ReadDataset]], list[str]]:
    """(line, dataset or its valid fields) of each row, and one problem line per bad field of
    any row; a field longer than :data:`MAX_CSV_FIELD_CHARS` is named by row and column, not
    read (nor is the rest of its row)."""
    text = text.lstrip("\ufeff")
    lines = _Lines(text)
    reader = csv.DictReader(lines)
    try:
        header = [name.strip() for name in reader.fieldnames or []]
    except csv.Error as exc:
        return [], [_unreadable_record(text, 0, 1, [], exc)]
    if any(len(name) > MAX_CSV_FIELD_CHARS for name in header):
        return [], [_long_field(1, "")]
    problems = header_problems(header)
    if problems:
        return [], problems
    rows: list[tuple[int, ReadDataset]] = []
    for index in itertools.count():
        line, start = index + 2, lines.consumed
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # the rows after it cannot be found reliably: stop here
            problems.append(_unreadable_record(text, start, line, header, exc))
            break
        if index >= MAX_CSV_ROWS:
            problems.append(f"row {line}: more than {MAX_CSV_ROWS} rows; split the upload")
            break
        if None in raw:
            problems.append(f"row {line}: more cells than header columns")
            continue
        record: dict[str, Any] = {k.strip(): (v or "").strip() for k, v in raw.items()}
        long = [name for name, value in record.items() if len(value) > MAX_CSV_FIELD_CHARS]
        if long:
            problems.extend(_long_field(line, name) for name in long)
            continue
        rows.append((line, validate_row(line, record, problems)))
    if not rows and not problems:
        problems.append("(document): no data rows")
    return rows, problems


def header_problems(header: list[str]) -> list[str]:
    """What is wrong with a table's header row (CSV or Excel): missing or unknown columns."""
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return [
            f"header: missing column(s) {', '.join(missing)} (found: {', '.join(header) or 'none'})"
        ]
    unknown = [
        c
        for c in header
        if c not in (*REQUIRED_COLUMNS, "evidence") and not c.startswith("activity.")
    ]
    if unknown:
        return [
            f"header: unknown column(s) {', '.join(unknown)}; extra data goes in activity.<name> columns"
        ]
    return []


#: A dataset as read: the dataset when every field is valid, else the fields that are (by name)
#: with the model's problems already listed, so the checks beyond the model (factor library,
#: evidence) still run on those and every problem of the row is listed at once.
ReadDataset = DatasetIn | dict[str, Any]


def validate_fields(document: dict[str, Any], where: str, problems: list[str]) -> ReadDataset:
    """``document`` as a :class:`DatasetIn`, else its valid fields, with one problem per bad
    field (prefixed with ``where``, e.g. ``row 3, ``) appended to ``problems``."""
    try:
        return DatasetIn.model_validate(document)
    except ValidationError as exc:
        problems.extend(f"{where}{p}" for p in validation_problems(exc))
        bad = {str(error["loc"][0]) for error in exc.errors() if error["loc"]}
        return {name: value for name, value in document.items() if name not in bad}


def listed(problems: list[str]) -> list[str]:
    """``problems`` sorted by row (stable: a row's own order kept), the first
    :data:`MAX_LISTED_PROBLEMS` of them and a line counting the others."""
    ordered = sorted(problems, key=_row_number)
    if len(ordered) <= MAX_LISTED_PROBLEMS:
        return ordered
    more = len(ordered) - MAX_LISTED_PROBLEMS
    return [
        *ordered[:MAX_LISTED_PROBLEMS],
        f"(document): {more} more problems not listed; fix these and upload again",
    ]


def _row_number(problem: str) -> int:
    match = ROW_PROBLEM.match(problem)
    return int(match.group(1)) if match else 0


def validate_row(line: int, record: dict[str, Any], problems: list[str]) -> ReadDataset:
    """The dataset of one table row (cells by column name; text already stripped, an empty
    cell is ``""``), else its valid fields, with one problem per bad field appended to
    ``problems`` (:func:`validate_fields`)."""
    document: dict[str, Any] = {
        c: _table_number(record[c]) if c in NUMBER_COLUMNS else record[c] for c in REQUIRED_COLUMNS
    }
    evidence = record.get("evidence", "")
    document["evidence"] = [e.strip() for e in str(evidence).split(";") if e.strip()]
    document["activity_data"] = {
        k.removeprefix("activity."): _activity_value(v) if isinstance(v, str) else v
        for k, v in record.items()
        if k.startswith("activity.") and v not in ("", None)
    }
    return validate_fields(document, f"row {line}, ", problems)
