"""Model parameters a factor release pins (release.toml's [[model_parameters]])."""

from __future__ import annotations

import pytest

from batterycarbon.battery.params import model_defaults, parameters
from batterycarbon.errors import FactorReleaseError
from batterycarbon.factors import bundled_release_ids, load_release
from batterycarbon.factors.model import PinnedParameter


@pytest.mark.parametrize("release_id", bundled_release_ids())
def test_every_pin_names_a_number_of_a_model_data_file(release_id: str) -> None:
    release = load_release(release_id)
    for pin in release.model_parameters:
        table = parameters(pin.file, release)
        for part in pin.key.split("."):
            table = table[part]
        assert table == pin.value, pin.key


def test_pins_apply_to_their_release_only() -> None:
    paper = load_release("whitepaper-2023")
    key = "synthetic.furnace.acheson.electricity_kwh_per_kg_graphitized"
    pin = next(p for p in paper.model_parameters if p.key == key)
    assert pin.value == 8.0
    leaf = "electricity_kwh_per_kg_graphitized"
    assert parameters("graphite.toml", paper)["synthetic"]["furnace"]["acheson"][leaf] == 8.0
    assert parameters("graphite.toml")["synthetic"]["furnace"]["acheson"][leaf] == 12.0
    # the cached defaults are not changed by reading a release's pins
    pinned_copy = parameters("graphite.toml", paper)
    pinned_copy["synthetic"]["graphitized_kg_per_kg"] = -1.0
    assert parameters("graphite.toml")["synthetic"]["graphitized_kg_per_kg"] == 1.6167


def test_a_pin_of_an_unknown_parameter_is_refused() -> None:
    bad = load_release("whitepaper-2023").model_copy(
        update={
            "model_parameters": (
                PinnedParameter(
                    file="defaults.toml",
                    key="production_energy.no_such_parameter",
                    value=1.0,
                    source="a test of the refusal",
                ),
            )
        }
    )
    with pytest.raises(FactorReleaseError, match="no_such_parameter' is not a number"):
        model_defaults(bad)
