"""Bounds of what a user may give: finite, strictly typed numbers within physical limits, and
lists and texts of bounded length.

Every model that takes a user's numbers builds on the types here, so a NaN, an Infinity, a
``true`` where a number belongs or a value such as 1e308 is refused at the boundary with the
field's name, instead of being stored and failing every later calculation. Python's JSON
decoder and YAML's ``.nan``/``.inf`` both produce non-finite floats, and pydantic accepts them
(and ``true`` as 1.0) unless told otherwise.

The limits are far above real use, so no honest input meets them; each one states why its value
was chosen. They keep every product of bounded inputs finite in double precision (a footprint
of 1e9 per kg times 1 000 kg per cell part times a million cells is 1e18, far from the 1.8e308
where floats end) and every document small enough to store and compute in milliseconds; lower
bounds keep the quantities a figure is divided by (capacity, voltage, energy, service life) away
from zero.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

# -- Physical limits of a battery design -------------------------------------------------------

#: Smallest cell capacity, Ah: a coin cell holds 0.05 to 0.2 Ah; smaller values only make the
#: per-kWh figure explode (1e-300 Ah ended in a server error).
MIN_CELL_CAPACITY_AH = 0.01

#: Largest cell capacity, Ah. The largest cells announced by 2025 (stationary LFP prismatic
#: cells) hold about 1 200 Ah; an EV cell 50 to 300 Ah. Ten times the largest leaves room.
MAX_CELL_CAPACITY_AH = 10_000.0

#: Lowest nominal cell voltage, V: nickel-based cells have 1.2 V, lithium titanate 2.3 V,
#: sodium-ion about 3 V; lithium cells reach about 4.7 V and no chemistry 6 V (the upper bound).
MIN_CELL_VOLTAGE_V = 1.0
MAX_CELL_VOLTAGE_V = 6.0

#: Heaviest part of one cell, kg. A whole 1 200 Ah LFP cell weighs about 20 kg; no single part
#: of any cell comes near 1 000 kg.
MAX_CELL_PART_MASS_KG = 1_000.0

#: Heaviest part of a pack (housing, cooling, modules' hardware), kg. A 20-ft container storage
#: system of about 5 MWh weighs about 40 t in all.
MAX_PACK_PART_MASS_KG = 100_000.0

#: Most cells in one pack. A Tesla Model S pack holds 7 104 cylindrical cells, a 5 MWh container
#: about 5 000 prismatic ones; a million is over a hundred times either.
MAX_CELLS_PER_PACK = 1_000_000

#: Smallest energy of one pack, kWh (target and usable capacity): power-tool packs hold about
#: 0.05 kWh, e-bike packs 0.3 to 0.7 kWh.
MIN_PACK_ENERGY_KWH = 0.01

#: Largest energy of one pack, kWh (target and usable capacity). Car packs hold 20 to 200 kWh,
#: truck packs up to about 1 000 kWh, container storage systems about 5 000 kWh; 100 MWh is
#: twenty times the largest single system.
MAX_PACK_ENERGY_KWH = 100_000.0

#: Lowest specific capacity of an electrode material, mAh/g: practical cathodes give 100 to
#: 220 (LMO the least); a tiny value made the material mass, and the footprint, explode
#: (1e-300 gave 1e304 kg CO2e/kWh).
MIN_SPECIFIC_CAPACITY_MAH_PER_G = 10.0

#: Service life taken as the warranty, years: the shortest battery warranties (power tools,
#: consumer goods) run a year or two, EV batteries 8 to 10 years; a lifetime shorter than half
#: a year divides the delivered energy towards zero and the per-kWh figure towards infinity.
#: No battery is warranted for 50 years.
MIN_SERVICE_YEARS = 0.5
MAX_SERVICE_YEARS = 50.0

#: Highest specific capacity of an electrode material, mAh/g: above the theoretical capacity
#: of every known one (lithium metal 3 860 mAh/g, fully lithiated silicon Li22Si5 4 200 mAh/g).
MAX_SPECIFIC_CAPACITY_MAH_PER_G = 5_000.0

#: Lowest areal capacity of an electrode, mAh/cm2: thin-film electrodes carry about 0.1 to 0.5.
MIN_AREAL_CAPACITY_MAH_PER_CM2 = 0.1

#: Highest areal capacity of an electrode, mAh/cm2: commercial electrodes carry 2 to 6, thick
#: electrodes in research up to about 30.
MAX_AREAL_CAPACITY_MAH_PER_CM2 = 100.0

#: Highest production energy per unit (kWh or MJ per kWh of cell, or per kg of material).
#: Published cell-production figures range from about 20 to a few hundred kWh per kWh of cell
#: and graphitization needs 5 to 20 kWh/kg; 10 000 is far above every one.
MAX_SPECIFIC_ENERGY = 10_000.0

#: Longest transport leg, km: the Earth's circumference (40 075 km) rounded down; the longest
#: sea routes between two ports are about 25 000 km.
MAX_TRANSPORT_DISTANCE_KM = 40_000.0

#: Highest footprint figure in its own unit (a supplier's dataset or override). The highest
#: material footprints are about 4e4 kg CO2e/kg (platinum-group metals), 4e7 in g CO2e per kg,
#: the smallest unit a supplier is likely to choose; 1e9 stays clear of that and keeps every
#: product with a bounded mass or energy finite.
MAX_FOOTPRINT_VALUE = 1e9

#: Largest magnitude of an activity-data number (any unit a plant reports, per year or per
#: unit): the world's yearly electricity generation is about 3e13 kWh.
MAX_ACTIVITY_MAGNITUDE = 1e15

# -- Lengths of lists and texts ------------------------------------------------------------------

#: Longest quantity written as text, such as ``"350 g"`` or ``"0.35 kg"``: a number and a unit
#: need a few tens of characters; longer text is refused before pint parses it.
MAX_QUANTITY_CHARS = 50

#: Longest name or identifier-like text (design id and name, supplier, flow, unit, part name).
#: Product and organization names are already capped at 200 characters.
MAX_NAME_CHARS = 200

#: Longest description, characters: a paragraph or two is usual; 20 000 characters is about
#: eight printed pages.
MAX_DESCRIPTION_CHARS = 20_000

#: Longest number written as decimal text (PACT's decimal strings), characters: a double holds
#: 17 significant digits, so 40 characters carry any figure to spare; 400 digits read as inf.
MAX_DECIMAL_TEXT_CHARS = 40

#: Longest single citation, URL or evidence reference, characters. URLs and full citations stay
#: under a few hundred; browsers themselves cap practical URLs at about 2 000.
MAX_REFERENCE_CHARS = 2_000

#: Longest evidence reference of a supplier dataset (a document's file name or URL), characters.
MAX_EVIDENCE_CHARS = 500

#: Most evidence references of one supplier dataset, or added by one review decision: a figure
#: rests on a few documents (a PCF report, a verification statement, meter readings, invoices),
#: so real datasets give fewer than ten; 50 leaves room.
MAX_EVIDENCE_REFERENCES = 50

#: Most activity-data entries of one supplier dataset: a plant reports its inputs per unit
#: (electricity, heat, each reagent, water, waste), tens at most; 200 leaves room.
MAX_ACTIVITY_ENTRIES = 200

#: Most source citations of one design or scenario: published studies cite tens.
MAX_SOURCES = 200

#: Most transport legs of one design: eight products can be moved, each by a chain of a few
#: legs (road, sea, road), so real designs have fewer than 30. A calculation of a design with
#: 1 000 legs answers in about 80 ms through the API (100 000 held a server thread for 8 s).
MAX_TRANSPORT_LEGS = 1_000

#: Most supplier overrides of one design: at most one per library flow, and the bundled
#: libraries hold fewer than 100 flows.
MAX_SUPPLIER_OVERRIDES = 500

#: Most named pack parts (housing, cooling plate, busbars, BMS...): real bills list tens.
MAX_PACK_PARTS = 500

#: Most classes in one performance-class table: the Regulation's delegated act will set a few
#: (energy labels use seven, A to G); a hundred is far beyond any table.
MAX_PERFORMANCE_CLASSES = 100

#: Deepest nesting of lists and mappings in a free-form JSON field (Battery Pass attributes).
#: A complete set of Battery Pass 1.2 attributes nests 4 levels, the 1.2 schemas 6. Later readers
#: recurse once or more a level (``copy.deepcopy``, JSON schema validation, pydantic's
#: serializer, ``json.dumps``): attributes nested 400 levels deep ended in a 500 while issuing a
#: passport, and 100 levels were stored. 32 leaves room for any attribute and keeps every reader
#: far from Python's recursion limit.
MAX_JSON_DEPTH = 32


def _refuse_bool_and_text(value: Any) -> Any:
    """A number must be a JSON/YAML number: ``true`` is not 1.0 and ``"12"`` is not 12."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number, not the boolean {str(value).lower()}")
    if isinstance(value, str | bytes):
        raise ValueError("expected a number, not text")
    return value


#: A finite number, strictly typed: an int or a float (not a boolean, not text), never NaN or
#: Infinity. Fields add their physical bounds with ``Field(ge=..., le=...)``.
FiniteFloat = Annotated[float, BeforeValidator(_refuse_bool_and_text), Field(allow_inf_nan=False)]

#: An integer, strictly typed: not a boolean, not text and not a float such as 2.0.
StrictInt = Annotated[int, Field(strict=True)]


def _refuse_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"expected a number, not the boolean {str(value).lower()}")
    return value


#: A finite number in a document that people write as text (a design, scenario or compliance
#: inputs file in YAML, or a web form, whose fields are all text): an int, a float or a text
#: that reads as a number (``"100"``; PyYAML also reads ``1e5``, without a dot, as text), never
#: a boolean, NaN or Infinity.
DocumentFloat = Annotated[float, BeforeValidator(_refuse_bool), Field(allow_inf_nan=False)]

#: A whole number in such a document: an int, an integral float or text (``"162"``), never a
#: boolean.
DocumentInt = Annotated[int, BeforeValidator(_refuse_bool)]

#: A share of a whole, 0 to 1, in such a document.
DocumentShare = Annotated[DocumentFloat, Field(ge=0, le=1)]


def finite_json(value: Any) -> Any:
    """``value`` (a JSON-like tree of dicts and lists) unchanged, or ``ValueError`` naming the
    path of a NaN or Infinity in it (for fields that take free-form JSON, such as Battery
    Pass attributes: stored, such a value is an invalid JSON token that PostgreSQL refuses and
    every later reader chokes on), or of a list or mapping nested deeper than
    :data:`MAX_JSON_DEPTH`. Walked with a stack, so a deeply nested tree cannot exhaust
    Python's recursion limit here."""
    stack: list[tuple[str, Any, int]] = [("", value, 1)]
    while stack:
        path, item, depth = stack.pop()
        where = path if len(path) <= MAX_NAME_CHARS else path[: MAX_NAME_CHARS - 1] + "…"
        if isinstance(item, float) and not math.isfinite(item):
            raise ValueError(f"{where or '(value)'}: {item} is not a finite number")
        if isinstance(item, dict | list | tuple) and depth > MAX_JSON_DEPTH:
            raise ValueError(f"{where}: nested deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(item, dict):
            stack.extend(
                (f"{path}.{key}" if path else str(key), v, depth + 1) for key, v in item.items()
            )
        elif isinstance(item, list | tuple):
            stack.extend(
                (f"{path}.{index}" if path else str(index), v, depth + 1)
                for index, v in enumerate(item)
            )
    return value
