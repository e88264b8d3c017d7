"""What the tests need from the machine, and what a missing piece does to the run.

On a developer's machine a test whose dependency is missing (the PostgreSQL server, Debian's
Chromium, poppler's ``pdftoppm``, a Python package of the test extras) skips and says why
(``-rs`` prints the reasons). In CI it fails instead, naming what is missing and how to
install it, so that a green run means every test ran: CI is ``BATTERYCARBON_CI=1`` (``.ci/run``
sets it) or the ``CI=true`` that hosted CI services set.
"""

from __future__ import annotations

import importlib
import os
import shutil
from types import ModuleType
from typing import NoReturn

import pytest

from batterycarbon.store.testing import postgres_unavailable

CI_VARIABLE = "BATTERYCARBON_CI"
START_POSTGRES = (
    "start it (Debian: pg_ctlcluster --skip-systemctl-redirect <version> main start) "
    "or name a server in BATTERYCARBON_TEST_PG"
)


def in_ci() -> bool:
    """Whether this run is CI, where nothing may be skipped for a missing dependency."""
    return os.environ.get(CI_VARIABLE) == "1" or os.environ.get("CI", "").lower() == "true"


def missing(what: str, how_to_install: str) -> NoReturn:
    """Skip the test (locally) or fail it (in CI): ``what`` is missing, ``how_to_install``."""
    message = f"{what}; {how_to_install}"
    if in_ci():
        pytest.fail(f"missing in CI ({CI_VARIABLE} or CI set): {message}", pytrace=False)
    pytest.skip(message)


def require_postgres() -> None:
    """The PostgreSQL test server answers, or the test skips (locally) or fails (in CI)."""
    reason = postgres_unavailable()
    if reason is not None:
        missing(reason, START_POSTGRES)


def require_program(path: str, debian_package: str) -> str:
    """``path`` (a program name or an absolute path) if it is installed and executable."""
    found = shutil.which(path)
    if found is None:
        missing(f"{path} not found", f"install it: apt-get install {debian_package}")
    return found


def require_module(name: str, extra: str) -> ModuleType:
    """The Python module ``name``, which the package's extra ``extra`` installs."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        missing(f"Python module {name} not importable ({exc})", f"pip install -e '.[{extra}]'")
