"""Every YAML the platform reads goes through ``safe_yaml.load_yaml``: no anchors or aliases (the
"billion laughs" of issue 12), bounded length, number of values and depth, each refusal naming
the line, and no message repeating more than a short excerpt of the input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from batterycarbon.battery import bundled_design_ids, load_design
from batterycarbon.compliance.inputs import load_compliance_inputs
from batterycarbon.errors import InputError
from batterycarbon.safe_yaml import MAX_YAML_CHARS, MAX_YAML_DEPTH, MAX_YAML_NODES, load_yaml
from batterycarbon.scenarios import load_scenario
from batterycarbon.scenarios.library import bundled_pathway_ids, bundled_scenario_ids, load_pathway


def billion_laughs(levels: int = 9) -> str:
    """Nine levels of nine aliases: 9**9 strings once expanded, under 500 bytes as text."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefghijk", "bcdefghijkl", strict=False):
        if len(lines) == levels:
            break
        lines.append(f"{name}: &{name} [{','.join([f'*{previous}'] * 9)}]")
    return "\n".join(lines) + "\nchemistry: NCM811\nformat: pouch\ncell: {capacity_ah: 50}\n"


def refusal(text: str, source: str = "test") -> str:
    with pytest.raises(InputError) as caught:
        load_yaml(text, source)
    (problem,) = caught.value.problems
    assert caught.value.source == source
    assert len(problem) < 300, problem
    return problem


def test_billion_laughs_is_refused_at_its_first_anchor() -> None:
    text = billion_laughs()
    assert len(text) < 450
    problem = refusal(text)
    assert problem.startswith("anchor &a at line 1, column 4: ")
    assert "anchors and aliases are not accepted" in problem


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("chemistry: LFP\ncell: &c {capacity_ah: 50}\n", "anchor &c at line 2, column 7"),
        ("chemistry: LFP\ncell: *c\n", "alias *c at line 2, column 7"),
        ("base: {a: 1}\nmerged: {<<: *base}\n", "alias *base at line 2, column 14"),
    ],
)
def test_every_anchor_and_alias_is_refused_naming_its_line(text: str, start: str) -> None:
    assert refusal(text).startswith(start)


def test_a_long_anchor_name_is_shown_as_an_excerpt() -> None:
    problem = refusal("a: &" + "x" * 50_000 + " 1\n")
    assert "(length 50000)" in problem


def test_depth_is_bounded_before_building_anything() -> None:
    nested = "[" * MAX_YAML_DEPTH + "]" * MAX_YAML_DEPTH
    assert load_yaml(f"a: {nested[1:-1]}", "test") == {"a": json.loads(nested[1:-1])}
    problem = refusal("a: " + "[" * 50_000 + "]" * 50_000)  # no RecursionError either
    assert problem == (
        f"line 1, column {MAX_YAML_DEPTH + 3}: lists and mappings nested deeper than "
        f"{MAX_YAML_DEPTH} levels; expected a flatter document"
    )


def test_number_of_values_is_bounded() -> None:
    assert len(load_yaml("[" + ",".join(["1"] * (MAX_YAML_NODES - 1)) + "]", "test")) == (
        MAX_YAML_NODES - 1
    )
    problem = refusal("[" + ",".join(["1"] * MAX_YAML_NODES) + "]")
    assert f"more than {MAX_YAML_NODES} values" in problem and problem.startswith("line 1, ")


def test_length_is_bounded() -> None:
    problem = refusal("a: " + "x" * MAX_YAML_CHARS)
    assert problem == (
        f"(document): {MAX_YAML_CHARS + 3} characters, longer than the {MAX_YAML_CHARS} "
        "a document may have; split it"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "chemistry: [unclosed",
            "not valid YAML: expected ',' or ']', but got '<stream end>' at line 1, column 21",
        ),
        (
            "a: 1\nb: x\x00",
            "not valid YAML: character #x0000 at line 2, column 5: expected printable text",
        ),
        ("a: 1\n---\nb: 2\n", "not valid YAML: but found another document at line 2, column 1"),
        (
            "a: !!python/object:os.system x",
            "not valid YAML: could not determine a constructor for the tag 'tag:yaml.org,2002:python/object:os.system' at line 1, column 4",
        ),
    ],
)
def test_bad_yaml_names_the_line(text: str, expected: str) -> None:
    assert refusal(text) == expected


def test_a_long_tag_is_cut_in_the_message() -> None:
    problem = refusal("a: !" + "t" * 100_000 + " 1")
    assert problem.startswith("not valid YAML: could not determine a constructor for the tag '!ttt")
    assert problem.endswith("… at line 1, column 4")


def test_bundled_documents_need_no_anchors() -> None:
    assert all(load_design(d).id == d for d in bundled_design_ids())
    assert all(load_scenario(s) for s in bundled_scenario_ids())
    assert all(load_pathway(p).steps for p in bundled_pathway_ids())


def test_every_yaml_file_reader_refuses_the_bomb(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(billion_laughs(), encoding="utf-8")
    for load in (load_design, load_scenario, load_compliance_inputs):
        with pytest.raises(InputError) as caught:
            load(bomb)  # type: ignore[operator]
        assert caught.value.source == str(bomb)
        assert caught.value.problems[0].startswith("anchor &a at line 1, column 4: ")


def test_a_huge_file_is_refused_unread(tmp_path: Path) -> None:
    huge = tmp_path / "huge.yaml"
    huge.write_text("description: " + "x" * (50 * MAX_YAML_CHARS), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_design(huge)
    assert caught.value.problems == [
        f"(document): longer than the {MAX_YAML_CHARS} characters a document may have; split it"
    ]
    not_utf8 = tmp_path / "latin1.yaml"
    not_utf8.write_bytes("chemistry: LFP # über\n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8 text"):
        load_design(not_utf8)
