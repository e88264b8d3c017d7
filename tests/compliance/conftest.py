"""Shared inputs of the compliance tests: the ncm811-prismatic reference design in a car."""

from __future__ import annotations

import pytest

from batterycarbon.battery import Design, load_design
from batterycarbon.rules.functional_unit import UseProfile


@pytest.fixture(scope="session")
def ncm811() -> Design:
    return load_design("ncm811-prismatic")


@pytest.fixture(scope="session")
def car() -> UseProfile:
    """54 kWh usable of the 59.94 kWh pack, a car (60 cycles a year), 8 years of warranty."""
    return UseProfile(usable_capacity_kwh=54.0, vehicle_category="M1", warranty_years=8)
