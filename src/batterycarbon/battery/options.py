"""Levers applied at calculation time without editing a design, and the accounting policy.

``Options`` are what a scenario changes (plants, year, green power with its contract, green
heat, recycled content); ``AccountingPolicy`` is what the rule set decides about them (which
green-power contracts count, how recycled content is valued). Keeping the two apart keeps rule-set logic out
of the product model: the model asks the policy, the rule set's data answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

Contract = Literal["direct-line", "ppa", "certificate"]
CONTRACTS: tuple[str, ...] = ("direct-line", "ppa", "certificate")
ELEMENTS: tuple[str, ...] = ("Co", "Li", "Ni", "Cu", "Al", "graphite")


@dataclass(frozen=True)
class Options:
    """Levers. Empty fields leave the design as it is."""

    grid: str | None = None  # one country for every plant
    year: int | None = None  # reference year of dated factors (default: the design's year)
    plants: dict[str, str] = field(default_factory=dict)  # step -> country, over ``grid``
    green: dict[str, float] = field(default_factory=dict)  # step -> share of green power
    green_contracts: dict[str, str] = field(default_factory=dict)  # step -> contract type
    recycled_content: dict[str, float] = field(default_factory=dict)  # element -> share
    #: step -> share of the step's heat from an electric high-temperature heat pump on green
    #: power (instead of natural gas); the rule set counts that power as it counts the step's
    #: green-power contract (``Assembler.energy``).
    green_heat: dict[str, float] = field(default_factory=dict)
    #: commodity -> {route: share}: where the cathode recipe's commodities come from, over the
    #: design's ``sourcing`` per commodity (``battery.sourcing``; shares sum to 1).
    sourcing: dict[str, dict[str, float]] = field(default_factory=dict)

    def canonical(self) -> dict[str, object]:
        """A sorted, JSON-ready form for the inputs digest (``green_heat`` and ``sourcing`` only
        when set, so the digests of calculations without them are those of earlier versions)."""
        return {
            "grid": self.grid,
            "year": self.year,
            "plants": dict(sorted(self.plants.items())),
            "green": dict(sorted(self.green.items())),
            "green_contracts": dict(sorted(self.green_contracts.items())),
            "recycled_content": dict(sorted(self.recycled_content.items())),
            **({"green_heat": dict(sorted(self.green_heat.items()))} if self.green_heat else {}),
            **(
                {"sourcing": {c: dict(sorted(r.items())) for c, r in sorted(self.sourcing.items())}}
                if self.sourcing
                else {}
            ),
        }


def _cut_off(virgin_kgco2e_per_kg: float, recycled_kgco2e_per_kg: float, group: str) -> float:
    return recycled_kgco2e_per_kg


@dataclass(frozen=True)
class AccountingPolicy:
    """What a rule set decides for the product model.

    ``counts_green(contract)``: whether green power bought under that contract replaces the grid
    mix. ``recycled_burden(Ev, Erecycled, material_group)``: kg CO2e per kg of the recycled part
    of an input (cut-off: Erecycled; the Circular Footprint Formula weighs in Ev).
    """

    counts_green: Callable[[str], bool] = lambda contract: True
    recycled_burden: Callable[[float, float, str], float] = _cut_off
