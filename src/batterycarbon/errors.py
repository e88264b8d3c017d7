"""The project's own exception types: each message names the field, the value and what was expected."""

from __future__ import annotations

from pydantic import ValidationError


def validation_problems(error: ValidationError, root: str = "(document)") -> list[str]:
    """One line per bad field of a pydantic error: ``field.path: what was expected (got value)``."""
    lines = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or root
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"{field}: {message} (got {item.get('input')!r})")
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
