"""Free-form JSON fields (Battery Pass attributes) are bounded in depth (issue 12 §1): attributes
nested 400 levels deep ended in a 500 while a passport was issued (pydantic's serializer and
copy.deepcopy recurse once a level), and 100 levels were stored."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from passport_support import passport_request
from pydantic import ValidationError

from batterycarbon.bounds import MAX_JSON_DEPTH, finite_json
from batterycarbon.compliance.inputs import parse_compliance_inputs
from batterycarbon.errors import InputError
from batterycarbon.services.passports import PassportIn


def nested(levels: int) -> Any:
    """A mapping ``levels`` deep: ``{"a": {"a": ... "x"}}``."""
    value: Any = "x"
    for _ in range(levels):
        value = {"a": value}
    return value


def test_depth_up_to_the_bound_passes_deeper_is_named() -> None:
    assert finite_json({"aspect": nested(MAX_JSON_DEPTH - 1)})
    with pytest.raises(ValueError) as caught:
        finite_json({"aspect": nested(MAX_JSON_DEPTH)})
    path = "aspect" + ".a" * (MAX_JSON_DEPTH - 1)
    assert str(caught.value) == f"{path}: nested deeper than {MAX_JSON_DEPTH} levels"


@pytest.mark.parametrize("levels", [MAX_JSON_DEPTH + 1, 400, 950])
def test_passport_attributes_nested_too_deeply_are_refused(levels: int) -> None:
    body = passport_request(uuid.uuid4())
    body["attributes"]["GeneralProductInformation"]["note"] = nested(levels)
    with pytest.raises(ValidationError) as caught:
        PassportIn.model_validate(body)
    (error,) = caught.value.errors()
    assert error["loc"] == ("attributes",)
    assert f"nested deeper than {MAX_JSON_DEPTH} levels" in error["msg"]
    with pytest.raises(InputError, match=f"nested deeper than {MAX_JSON_DEPTH} levels"):
        parse_compliance_inputs({"passport": {"Circularity": {"note": nested(levels)}}}, "inputs")
