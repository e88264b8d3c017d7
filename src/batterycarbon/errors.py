"""The project's own exception types: each message names the field, the value and what was expected."""

from __future__ import annotations

import re
import reprlib
from typing import Any

from pydantic import ValidationError

#: Longest excerpt of a bad value that an error message repeats (characters).
EXCERPT_CHARS = 80

#: Fields whose value an error message never repeats (passwords, client secrets, tokens).
SECRET_FIELD = re.compile(r"password|secret|token", re.IGNORECASE)

_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother, _REPR.maxlong = 2, EXCERPT_CHARS, EXCERPT_CHARS, 40
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = 4


def excerpt(value: Any, limit: int = EXCERPT_CHARS) -> str:
    """A short ``repr`` of ``value`` for an error message, at most about ``limit`` characters and
    never built from the whole value (reprlib cuts long strings and nested containers while it
    renders them); a string or container that was cut is followed by its length."""
    text = _REPR.repr(value)
    cut = "..." in text and "..." not in (value if isinstance(value, str) else "")
    if len(text) > limit:
        text, cut = text[: limit - 1] + "…", True
    if cut and isinstance(value, (str, bytes, list, tuple, set, dict)):
        return f"{text} (length {len(value)})"
    return text


def validation_problems(
    error: ValidationError, root: str = "(document)", first: dict[str, str] | None = None
) -> list[str]:
    """One line per bad field of a pydantic error: ``field.path: what was expected (got value)``.

    ``first`` renames the first path segment, so a field is named as the file spells it (e.g. a
    model field ``routes`` that a TOML file writes as ``[route.ID]``).
    """
    lines = []
    for item in error.errors():
        parts = [str(part) for part in item["loc"]]
        if parts and first:
            parts[0] = first.get(parts[0], parts[0])
        field = ".".join(parts) or root
        message = item["msg"].removeprefix("Value error, ")
        if SECRET_FIELD.search(field):  # a password is never repeated, not even in part
            lines.append(f"{field}: {message}")
            continue
        lines.append(f"{field}: {message} (got {excerpt(item.get('input'))})")
    return lines


class BatteryCarbonError(Exception):
    """Base class of every error a user can act on."""


class InputError(BatteryCarbonError):
    """A user's input (design file, option, upload) is malformed.

    ``source`` names the file or option, ``problems`` lists one line per bad field.
    """

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: invalid input\n{lines}")


class FactorReleaseError(BatteryCarbonError):
    """A factor release failed validation; ``problems`` holds every bad row, not just the first."""

    def __init__(self, release: str, problems: list[str]) -> None:
        self.release = release
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"factor release {release!r} rejected ({len(problems)} problems):\n{lines}"
        )


class FactorNotFoundError(BatteryCarbonError):
    """No factor in the release matches a requested flow, id or region."""
