"""Every data file the package reads is declared as package data, so wheels carry it too
(an editable install finds undeclared files; an installed wheel does not)."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "batterycarbon"
IGNORED = {".py", ".pyc", ".nbi", ".nbc"}  # code, bytecode and Numba's on-disk cache


def test_every_data_file_is_declared_as_package_data():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["batterycarbon"]
    undeclared = [
        str(relative)
        for path in PACKAGE.rglob("*")
        if path.is_file()
        and path.suffix not in IGNORED
        and "__pycache__" not in path.parts
        and not any(
            fnmatch.fnmatch(str(relative := path.relative_to(PACKAGE)), p) for p in patterns
        )
    ]
    assert undeclared == [], "add these to [tool.setuptools.package-data] in pyproject.toml"
