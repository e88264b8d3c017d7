"""Default parameters of the product model, read from the cited data files in ``data/``.

A factor release may pin some of them (``release.toml``'s ``[[model_parameters]]``): the
white-paper release keeps the parameters that study implies, so that the open defaults can
follow newer sources without moving the reproduction. Pass the release to get its values.
"""

from __future__ import annotations

import copy
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from batterycarbon.errors import FactorReleaseError, excerpt

if TYPE_CHECKING:
    from batterycarbon.factors.model import Release

DATA_DIR = Path(__file__).parent / "data"


@lru_cache(maxsize=8)
def _read(name: str) -> dict[str, Any]:
    return tomllib.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def parameters(name: str, release: Release | None = None) -> dict[str, Any]:
    """The model's data file ``name`` (``data/<name>``), with the parameters ``release`` pins in
    it; a copy where it pins any, else the cached table (do not modify it)."""
    data = _read(name)
    pins = [p for p in (release.model_parameters if release else ()) if p.file == name]
    if not pins:
        return data
    data = copy.deepcopy(data)
    for pin in pins:
        *path, leaf = pin.key.split(".")
        table: Any = data
        for part in path:
            table = table.get(part) if isinstance(table, dict) else None
        if not isinstance(table, dict) or not isinstance(table.get(leaf), int | float):
            raise FactorReleaseError(
                release.id if release else "?",
                [f"model_parameters: {excerpt(pin.key)} is not a number in {name}"],
            )
        table[leaf] = pin.value
    return data


def chemistry_defaults(release: Release | None = None) -> dict[str, dict[str, Any]]:
    """Per-chemistry parameters (``chemistries.toml``), keyed by chemistry id."""
    return dict(parameters("chemistries.toml", release)["chemistry"])


def known_chemistries() -> list[str]:
    return sorted(chemistry_defaults())


def model_defaults(release: Release | None = None) -> dict[str, Any]:
    """Electrode, format, pack and production-energy defaults (``defaults.toml``)."""
    return parameters("defaults.toml", release)
