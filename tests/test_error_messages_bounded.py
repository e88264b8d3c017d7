"""Error messages that repeat a user's value repeat it as ``errors.excerpt`` (issue 12 §1: never
more than a short, truncated excerpt of a bad value), whichever layer refuses it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from batterycarbon.compliance.battery_passport import passport_view
from batterycarbon.recycling.grading import grade
from batterycarbon.recycling.routes import get_route
from batterycarbon.rules.ruleset import load_rule_set
from batterycarbon.scenarios.sweep import parse_vary
from batterycarbon.units import MAX_UNIT_CHARS, conversion_factor, parse_unit
from batterycarbon.web.common import form_uuid

LONG = "x" * 100_000
#: Longest message a refusal of :data:`LONG` may have: the excerpt (about 100 characters with
#: its length) and the message's own words, which list the expected values in some.
MAX_MESSAGE_CHARS = 400


@pytest.mark.parametrize(
    "refuse",
    [
        lambda: parse_unit(LONG),
        lambda: parse_unit("kg CO2e / " + "y" * (MAX_UNIT_CHARS - 10)),
        lambda: conversion_factor("kg", "kWh " * 20_000),
        lambda: form_uuid("organization_id", LONG, "an organization id"),
        lambda: load_rule_set(LONG),
        lambda: get_route(LONG),
        lambda: grade(LONG),  # type: ignore[arg-type]
        lambda: passport_view({}, LONG),
        lambda: parse_vary([LONG]),
    ],
    ids=[
        "unit",
        "pint message",
        "conversion",
        "form id",
        "rule set",
        "route",
        "soh",
        "role",
        "vary",
    ],
)
def test_a_long_value_is_repeated_as_an_excerpt(refuse: Callable[[], object]) -> None:
    with pytest.raises(Exception) as caught:
        refuse()
    message = str(caught.value)
    assert len(message) < MAX_MESSAGE_CHARS, message
    assert "(length " in message


def test_a_unit_longer_than_the_bound_is_refused_before_pint_parses_it() -> None:
    # pint's parser is quadratic in an unknown name's length: 100 000 characters took minutes.
    with pytest.raises(ValueError) as caught:
        parse_unit("kg CO2e / " + LONG)
    assert str(caught.value).endswith(f"(length 100010) is longer than {MAX_UNIT_CHARS} characters")
    with pytest.raises(ValueError, match="is not a unit pint understands"):
        parse_unit("y" * MAX_UNIT_CHARS)
