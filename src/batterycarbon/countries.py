"""Country codes checked against ISO 3166-1 alpha-2, with a hint for a near miss.

A well-formed but unassigned code ("ZZ", or "SW" meant as Sweden) used to pass a pattern check
and was then computed with the global-average factors, silently. The list of countries is
pycountry's copy of the ISO 3166-1 table, not a hand-typed one.
"""

from __future__ import annotations

from typing import Any

import pycountry

from batterycarbon.errors import excerpt

MAX_HINTS = 3
"""At most this many suggestions in a hint: "SW" fits Sweden, Switzerland, Botswana and
Eswatini; more than three names stop being a hint and become a list to read through."""

MAX_CODE_LENGTH = 3
"""Only inputs of up to three characters are looked up for a hint (alpha-2 in another case,
an alpha-3 code, two or three letters of a name); longer text is refused without a guess."""


EXCEPTIONAL_RESERVATIONS = {"UK": "GB", "EL": "GR"}
"""Codes ISO 3166-1 reserves for a country's other usual abbreviation (the United Kingdom, and
Greece in EU usage) without assigning them; pycountry does not list reservations, and without
these two "UK" would be hinted as Ukraine."""


def _name(country: Any) -> str:
    return str(getattr(country, "common_name", None) or country.name)


def _suggestions(text: str) -> list[str]:
    """ "SE (Sweden)"-style suggestions for ``text``, best first, at most ``MAX_HINTS``."""
    letters = text.strip()
    if not letters.isalpha() or len(letters) > MAX_CODE_LENGTH:
        return []
    exact = pycountry.countries.get(alpha_2=letters.upper()) or pycountry.countries.get(
        alpha_3=letters.upper()
    )
    if exact is None and letters.upper() in EXCEPTIONAL_RESERVATIONS:
        exact = pycountry.countries.get(alpha_2=EXCEPTIONAL_RESERVATIONS[letters.upper()])
    if exact is not None:
        return [f"{exact.alpha_2} ({_name(exact)})"]
    lower = letters.lower()
    countries = sorted(pycountry.countries, key=_name)
    starts = [c for c in countries if _name(c).lower().startswith(lower)]
    contains = [c for c in countries if lower in _name(c).lower() and c not in starts]
    return [f"{c.alpha_2} ({_name(c)})" for c in (starts + contains)[:MAX_HINTS]]


def is_country(code: str) -> bool:
    """True if ``code`` is an assigned ISO 3166-1 alpha-2 code, upper case as in the table."""
    return len(code) == 2 and code.isupper() and pycountry.countries.get(alpha_2=code) is not None


def country_problem(code: str) -> str | None:
    """None if ``code`` is an ISO 3166-1 alpha-2 code, else what is wrong, with a hint.

    ``country_problem("SW")`` is "'SW' is not an ISO 3166-1 alpha-2 country code; did you mean
    SE (Sweden), CH (Switzerland) or BW (Botswana)?".
    """
    if is_country(code):
        return None
    message = f"{excerpt(code)} is not an ISO 3166-1 alpha-2 country code"
    hints = _suggestions(code)
    if not hints:
        return f"{message} such as CN, DE or SE"
    choices = hints[0] if len(hints) == 1 else ", ".join(hints[:-1]) + " or " + hints[-1]
    return f"{message}; did you mean {choices}?"


REGION_GROUPS = ("EU27", "EUROPE", "GLO", "RER", "RoW")
"""Regions the factor library gives factors for besides countries (``factors.model``'s
``REGION_PATTERN``): where a supplier's plant, a data request or the charging grid may also be."""


def region_problem(code: str) -> str | None:
    """None if ``code`` is an ISO 3166-1 alpha-2 country or one of :data:`REGION_GROUPS`, else
    what is wrong: the one rule for every region a user gives (dataset, data request, the grid
    of the use stage), with :func:`country_problem`'s hint for two capitals."""
    groups = ", ".join(REGION_GROUPS)
    if code in REGION_GROUPS:
        return None
    if len(code) == 2 and code.isascii() and code.isupper():
        problem = country_problem(code)
        return None if problem is None else f"{problem} (other regions: {groups})"
    return f"expected an ISO 3166 alpha-2 code or {groups}"
