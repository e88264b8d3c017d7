"""The FIXTURE performance-class table the platform tests load (tests/compliance/fixture-classes.toml:
invented boundaries, status "fixture", never an EU table: none exists yet)."""

from __future__ import annotations

import re
from pathlib import Path

FIXTURE_FILE = Path(__file__).parent / "compliance" / "fixture-classes.toml"
FIXTURE_TEXT = FIXTURE_FILE.read_text(encoding="utf-8")


def fixture_table(version: str = "1", battery_category: str = "ev") -> bytes:
    """The fixture file's bytes under another ``version`` (a loaded version is write-once) or
    battery category; everything else, boundaries and dates included, as in the file."""
    text = re.sub(r'(?m)^version = "[^"]*"$', f'version = "{version}"', FIXTURE_TEXT)
    text = re.sub(r'(?m)^battery_category = "[^"]*"$', f'battery_category = "{battery_category}"', text)  # fmt: skip
    assert 'status = "fixture"' in text and f'version = "{version}"' in text
    return text.encode()
