"""What every exchange format shares: the imported system, its errors, labels and units.

An imported background database becomes an :class:`ImportedSystem`: a :class:`ProductSystem` in
the engine's convention (column ``j`` makes one reference unit of product ``j``; inputs are
negative; ``biosphere[k, j]`` is the amount of elementary flow ``k`` per reference unit, outputs
positive and inputs negative; ``characterization[k]`` is kg CO2e per reference unit of flow ``k``)
plus the names and reference units a user needs to link it to a battery model.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import ModuleType

from batterycarbon.battery.inventory import BatterySystem
from batterycarbon.errors import BatteryCarbonError, InputError
from batterycarbon.lca import ProductSystem
from batterycarbon.units import conversion_factor

#: Name given to the engine's own elementary flow ``co2e`` in exports.
CO2E_FLOW_NAME = "Carbon dioxide equivalent"


# Unit spellings of Brightway, openLCA and the factor library, mapped to what pint parses.
_UNIT_ALIASES = {
    "item": "unit", "item(s)": "unit", "items": "unit", "p": "unit", "pcs": "unit",
    "piece": "unit", "unit": "unit", "t*km": "t * km", "(t * km)": "t * km", "tkm": "t * km",
    "kwh": "kWh", "kilowatt hour": "kWh", "megajoule": "MJ", "kilogram": "kg", "m3": "m ** 3",
    "cubic meter": "m ** 3", "ton kilometer": "t * km",
}  # fmt: skip


class InteropError(InputError):
    """A database file is malformed.

    ``source`` names the archive or package; each problem names the file (or resource) and the
    field, the value found and what was expected.
    """


class MissingDependencyError(BatteryCarbonError):
    """An optional package needed for this format is not installed."""


def require(module: str, purpose: str) -> ModuleType:
    """Import an optional package, or say which extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{purpose} needs the optional package {module!r}: pip install 'batterycarbon[interop]'"
        ) from exc


@dataclass(frozen=True)
class ImportedSystem:
    """A background database read from an exchange format, ready to link.

    ``reference_units`` gives the unit of one reference unit of each process's product (``"kg"``,
    ``"MJ"``, ``"Item(s)"``...); processes missing from it have no known unit. ``unlinked`` lists
    the product inputs that had no provider and were dropped (only when the reader was told to).
    """

    system: ProductSystem
    process_names: Mapping[str, str]
    reference_units: Mapping[str, str]
    flow_names: Mapping[str, str]
    source: str
    unlinked: tuple[str, ...] = field(default=())

    def find(self, text: str) -> list[str]:
        """Ids of processes whose id or name contains every word of ``text`` (case-insensitive)."""
        words = text.lower().split()
        return [
            pid
            for pid in self.system.process_ids
            if all(w in f"{pid} {self.process_names.get(pid, '')}".lower() for w in words)
        ]


@dataclass(frozen=True)
class Labels:
    """Human names and reference units of a system's processes and flows, for export."""

    process_names: dict[str, str]
    process_units: dict[str, str]
    flow_names: dict[str, str]
    process_categories: dict[str, str]


ExportSource = BatterySystem | ProductSystem | ImportedSystem


def export_labels(source: ExportSource) -> tuple[ProductSystem, Labels]:
    """The matrices of ``source`` and the best names and units it carries.

    A plain :class:`ProductSystem` has none: its processes are named by id and made per ``item``.
    """
    if isinstance(source, BatterySystem):
        system = source.system
        names = {p.id: p.name for p in source.processes}
        units = {p.id: p.unit for p in source.processes}
        categories = {
            p.id: "batterycarbon/foreground" if p.stage else "batterycarbon/background"
            for p in source.processes
        }
        flows: dict[str, str] = {}
    elif isinstance(source, ImportedSystem):
        system = source.system
        names, units = dict(source.process_names), dict(source.reference_units)
        categories, flows = {}, dict(source.flow_names)
    else:
        system, names, units, categories, flows = source, {}, {}, {}, {}
    flow_names = {
        f: flows.get(f) or (CO2E_FLOW_NAME if f == "co2e" else f) for f in system.flow_ids
    }
    return system, Labels(
        process_names={pid: names.get(pid) or pid for pid in system.process_ids},
        process_units={pid: unit_label(units.get(pid) or "item") for pid in system.process_ids},
        flow_names=flow_names,
        process_categories={
            pid: categories.get(pid, "batterycarbon") for pid in system.process_ids
        },
    )


def unit_label(text: str) -> str:
    """A unit spelled the way exports write it: ``kg``, ``kWh``, ``MJ``, ``item``, ``t*km``.

    Other units are kept as given (``"m3"``), stripped.
    """
    known = {"unit": "item", "t * km": "t*km", "kWh": "kWh", "MJ": "MJ", "kg": "kg"}
    return known.get(pint_unit(text), text.strip())


def pint_unit(text: str) -> str:
    """A unit spelled the way the project's pint registry parses it."""
    stripped = re.sub(r"\s+", " ", text.strip())
    return _UNIT_ALIASES.get(stripped.lower(), stripped)


def unit_conversion(from_unit: str, to_unit: str) -> float:
    """Multiplier taking an amount in ``from_unit`` to ``to_unit`` (``ValueError`` if impossible)."""
    return conversion_factor(pint_unit(from_unit), pint_unit(to_unit))


def normalized_name(text: str) -> str:
    """Lower case with single spaces: how flow names are matched."""
    return re.sub(r"\s+", " ", text.strip().lower())
