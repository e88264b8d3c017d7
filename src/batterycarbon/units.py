"""The one unit registry of the project.

Inside the engine every array is in canonical units (kg, kWh, MJ, kg CO2e); units are checked and
converted at the boundary with this registry. ``CO2e`` is a dimension of its own, so that
``kg CO2e / kg`` and ``kg / kg`` never silently mix.
"""

from __future__ import annotations

from functools import lru_cache

import pint

from batterycarbon.errors import EXCERPT_CHARS, excerpt

ureg: pint.UnitRegistry[float] = pint.UnitRegistry()
ureg.define("CO2e = [carbon_dioxide_equivalent]")
ureg.define("unit = [item] = item = piece")

#: Canonical unit of a factor per flow kind, keyed by the kind of the reference unit.
CANONICAL_FACTOR_UNITS: dict[str, str] = {
    "mass": "kg CO2e / kg",
    "energy_electric": "kg CO2e / kWh",
    "energy_heat": "kg CO2e / MJ",
    "transport": "kg CO2e / (t * km)",
    "item": "kg CO2e / unit",
}


#: Longest unit text handed to pint (characters). The bundled data's longest unit is 18
#: characters (``kg CO2e / (t * km)``); pint's parser takes time growing with the square of an
#: unknown name's length (measured: 10 000 characters 0.7 s, 30 000 characters 7 s), so a longer
#: text is refused before pint sees it. 200 is also ``bounds.MAX_NAME_CHARS``, the longest unit
#: the input models accept.
MAX_UNIT_CHARS = 200


@lru_cache(maxsize=512)
def parse_unit(text: str) -> pint.Unit:
    """Parse a unit string, raising ``ValueError`` with the text when pint cannot (or when it is
    longer than :data:`MAX_UNIT_CHARS`)."""
    if len(text) > MAX_UNIT_CHARS:
        raise ValueError(f"unit {excerpt(text)} is longer than {MAX_UNIT_CHARS} characters")
    try:
        return ureg.Unit(text)
    except Exception as exc:  # pint raises several types; the message is what matters
        detail = str(exc)  # pint's message repeats the text: cut as the excerpt is
        if len(detail) > EXCERPT_CHARS:
            detail = detail[: EXCERPT_CHARS - 1] + "…"
        raise ValueError(f"unit {excerpt(text)} is not a unit pint understands ({detail})") from exc


def conversion_factor(from_unit: str, to_unit: str) -> float:
    """Multiplier taking a value in ``from_unit`` to ``to_unit``; ``ValueError`` if incompatible."""
    src, dst = parse_unit(from_unit), parse_unit(to_unit)
    try:
        return float(ureg.Quantity(1.0, src).to(dst).magnitude)
    except pint.DimensionalityError as exc:
        raise ValueError(
            f"unit {excerpt(from_unit)} does not convert to {excerpt(to_unit)}"
        ) from exc
