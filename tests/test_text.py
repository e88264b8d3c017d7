"""The text rule: no control character (tab, line feed, carriage return only where several lines
make sense) and no lone surrogate, in a field, a parsed document and its keys."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from batterycarbon.errors import InputError
from batterycarbon.safe_yaml import load_yaml
from batterycarbon.text import (
    MAX_REPORTED,
    Line,
    Text,
    document_problems,
    field_name,
    problem_lines,
    text_problem,
)


class Note(BaseModel):
    title: Line
    body: Text


REFUSED = ["\x00", "\x01", "\x1b", "\x7f", "\x85", "\x9f", "\ud800", "\udfff"]


@pytest.mark.parametrize("character", REFUSED)
def test_control_characters_and_surrogates_are_refused_everywhere(character: str) -> None:
    for multiline in (True, False):
        problem = text_problem(f"ab{character}c", multiline)
        assert problem is not None and f"U+{ord(character):04X} at character 3" in problem
        assert character not in problem  # named by its code point, never repeated raw
    with pytest.raises(ValidationError) as caught:
        Note(title="ok", body=f"x{character}")
    assert caught.value.errors()[0]["loc"] == ("body",)


def test_line_breaks_only_where_several_lines_make_sense() -> None:
    note = Note(title="Finding 3", body="first line\r\n\tindented second line\n")
    assert note.body.count("\n") == 2
    for character in ("\t", "\n", "\r"):
        assert text_problem(f"a{character}b", multiline=True) is None
        problem = text_problem(f"a{character}b", multiline=False)
        assert problem is not None and "expected a single line" in problem
        with pytest.raises(ValidationError):
            Note(title=f"Finding{character}3", body="")


def test_printable_text_of_any_script_passes() -> None:
    names = ("Cathode Co", "Zellwerk Müller GmbH", "宁德时代", "Ni₀.₈Mn₀.₁Co₀.₁", "50 €/kWh", "🔋")
    for value in names:
        assert text_problem(value, multiline=False) is None


def test_document_problems_name_each_path_in_document_order() -> None:
    document: dict[str, Any] = {
        "name": "pack",
        "cell": {"supplier": "Cell\x00Co", "notes": ["fine", "bad\ud800"]},
        "bad\nkey": 1,
        "description": "two\nlines",
    }
    assert document_problems(document) == [
        (("cell", "supplier"), text_problem("Cell\x00Co")),
        (("cell", "notes", 1), text_problem("bad\ud800")),
        (("bad\nkey",), f"the key {text_problem('bad' + chr(10) + 'key', multiline=False)}"),
    ]
    lines = problem_lines(document)
    assert lines[0].startswith("cell.supplier: holds the control character U+0000")
    assert lines[2].startswith("'bad\\nkey': the key holds a tab or line break")


def test_reports_are_bounded_and_deep_documents_do_not_exhaust_the_stack() -> None:
    assert len(document_problems(["\x00"] * 1000)) == MAX_REPORTED
    deep: Any = "\x00"
    for _ in range(10_000):
        deep = [deep]
    assert document_problems(deep) == [((0,) * 10_000, text_problem("\x00"))]


def test_field_names_never_repeat_a_long_or_raw_key() -> None:
    assert field_name(("design", "cell", 0)) == "design.cell.0"
    assert field_name(()) == "(document)"
    named = field_name(("x" * 10_000,))
    assert len(named) < 120 and "(length 10000)" in named
    assert "\x00" not in field_name(("a\x00b",))


def test_yaml_escapes_cannot_smuggle_them_in() -> None:
    """PyYAML's reader refuses a raw control character, but a double-quoted scalar's escapes
    make one; the one YAML loader names each such value by its path."""
    document = 'name: "Pack\\0A"\nplants: {cell: "\\x1b[31mHU"}\nnotes: ["ok", "\\ud800"]\n'
    with pytest.raises(InputError) as caught:
        load_yaml(document, "design")
    assert [p.split(": ")[0] for p in caught.value.problems] == ["name", "plants.cell", "notes.1"]
    two_lines = load_yaml("description: |\n  two\n  lines\n", "design")
    assert two_lines == {"description": "two\nlines\n"}
