"""A CSV field longer than ``MAX_CSV_FIELD_CHARS`` is a problem naming its row and column, also
past the csv module's own limit, whose error names neither (issue 12 §2: it was a 500)."""

from __future__ import annotations

import csv

import pytest
from bomb_support import HEADER, ROW, csv_with_field

from batterycarbon.services.dataset_input import MAX_CSV_FIELD_CHARS, parse_dataset_csv

START = ",".join(str(v) for v in ROW[:-1])


def problems_of(text: str) -> list[str]:
    rows, problems = parse_dataset_csv(text)
    return problems


@pytest.mark.parametrize("chars", [MAX_CSV_FIELD_CHARS + 1, csv.field_size_limit() + 1, 1_000_000])
def test_a_long_evidence_field_is_named(chars: int) -> None:
    assert problems_of(csv_with_field(chars)) == [
        f"row 2, evidence: a field longer than {MAX_CSV_FIELD_CHARS} characters; shorten it"
    ]


def test_a_long_quoted_field_after_blank_lines_names_its_row_and_column() -> None:
    quoted = '"' + 'a "" b, ' * 40_000 + '"'  # quotes and commas inside, 320 000 characters
    text = ",".join(HEADER) + f"\n{START},ok.pdf\n\n\n{START},{quoted}\n{START},never-read.pdf\n"
    rows, problems = parse_dataset_csv(text)
    assert [line for line, _ in rows] == [2]
    assert problems == [
        f"row 3, evidence: a field longer than {MAX_CSV_FIELD_CHARS} characters; shorten it"
    ]


def test_a_long_field_in_another_column_or_the_header() -> None:
    text = ",".join(HEADER) + "\ncam_ncm811," + "9" * 200_000 + ",kg CO2e / kg,KR,2023,2,x\n"
    assert problems_of(text) == [
        f"row 2, value: a field longer than {MAX_CSV_FIELD_CHARS} characters; shorten it"
    ]
    assert problems_of("flow," + "h" * 200_000 + "\n") == [
        f"header: a field longer than {MAX_CSV_FIELD_CHARS} characters; shorten it"
    ]


def test_a_field_at_the_bound_is_read_and_validated() -> None:
    (problem,) = problems_of(csv_with_field(MAX_CSV_FIELD_CHARS))
    assert problem.startswith("row 2, evidence: each evidence reference must be 1 to 500")
