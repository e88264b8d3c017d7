"""Helpers the web tests import (a module of its own: ``conftest`` is a name several test folders
share, so importing from it can pick another folder's file)."""

from __future__ import annotations

from batterycarbon.services.demo import DemoResult


def password_of(demo: DemoResult, username: str) -> str:
    """The generated password of a demo account."""
    return next(a.password for a in demo.accounts if a.username == username)
