"""Paths the compliance tests share."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent
#: A fixture class table with invented boundaries: no EU table exists yet.
FIXTURE_CLASSES = HERE / "fixture-classes.toml"
#: The Battery Pass schemas of the shared reference folder, when present.
REFERENCE = Path(__file__).parents[3] / "shared" / "reference" / "batterypass-1.2"
