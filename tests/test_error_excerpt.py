"""Error messages repeat a bad value only as a short excerpt (issue 12: a YAML alias bomb's
expanded value was echoed in full, 160 MB in one response)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from batterycarbon.errors import EXCERPT_CHARS, excerpt, validation_problems


@pytest.mark.parametrize(
    "value",
    ["x" * 10_000_000, ["y" * 1_000_000] * 1_000, {"k": ["z" * 100_000] * 100}, b"\0" * 10**6],
)
def test_excerpt_is_short_and_says_the_length(value: object) -> None:
    text = excerpt(value)
    assert len(text) <= EXCERPT_CHARS + 30
    assert f"(length {len(value)})" in text  # type: ignore[arg-type]


def test_short_values_are_shown_whole() -> None:
    assert excerpt("cathode") == "'cathode'"
    assert excerpt(1e308) == "1e+308"
    assert excerpt([1, 2]) == "[1, 2]"


def test_validation_problems_never_echo_a_long_input() -> None:
    class Model(BaseModel):
        count: int

    with pytest.raises(ValidationError) as caught:
        Model(count="9" * 5_000 + "x")  # type: ignore[arg-type]
    (line,) = validation_problems(caught.value)
    assert line.startswith("count: ") and len(line) < 300
    assert "(length 5001)" in line
