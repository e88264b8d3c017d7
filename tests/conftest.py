"""Shared fixtures: bundled libraries are immutable, so one instance per session is enough."""

from __future__ import annotations

import pytest

from batterycarbon.factors import FactorLibrary, library


@pytest.fixture(scope="session")
def whitepaper() -> FactorLibrary:
    return library("whitepaper-2023")


@pytest.fixture(scope="session")
def open_library() -> FactorLibrary:
    return library("open-2024.1")
