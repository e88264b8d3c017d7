"""Use-stage energy losses of a traction battery, for rule sets whose boundary includes use.

The PEFCR for high-specific-energy rechargeable batteries counts, in the use stage, only the
electricity lost by the battery and its charger while delivering the service-life energy (the
vehicle's own consumption is not the battery's). For the energy ``E`` delivered over the service
life (kWh, :func:`batterycarbon.rules.functional_unit.delivered_energy_kwh`)::

    losses_kwh = E x (1 / (battery_efficiency x charger_efficiency) - 1)

valued at the grid electricity factor of the country of use. The efficiencies are the battery
maker's data: no default is bundled, because no cited default was found (PEFCR tables not read);
without them the use stage is reported as not provided, never guessed.

References
----------
RECHARGE, PEFCR for High Specific Energy Rechargeable Batteries for Mobile Applications,
version H, 2018 (use stage: energy losses of battery and charger), as summarised in the white
paper's Table 3 (reference/DIGEST.md).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from batterycarbon.bounds import DocumentFloat, DocumentInt
from batterycarbon.countries import region_problem


class UseLosses(BaseModel):
    """Inputs of the use-stage losses.

    ``battery_efficiency``: round-trip energy efficiency of the battery (0-1];
    ``charger_efficiency``: efficiency of the charger (0-1]; ``country``: ISO 3166 alpha-2 code
    (or a region group such as EU27) whose grid supplies the charging; ``year``: reference year of
    the grid factor (default: the design's year).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    battery_efficiency: DocumentFloat = Field(gt=0, le=1)
    charger_efficiency: DocumentFloat = Field(gt=0, le=1)
    country: str
    year: DocumentInt | None = Field(default=None, ge=2000, le=2060)

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        problem = region_problem(value)  # the rule of every region a user gives
        if problem is not None:
            raise ValueError(problem)
        return value


def use_losses_kwh(
    delivered_energy_kwh: float, battery_efficiency: float, charger_efficiency: float
) -> float:
    """Electricity lost by battery and charger while delivering ``delivered_energy_kwh``, kWh."""
    if not (0 < battery_efficiency <= 1 and 0 < charger_efficiency <= 1):
        raise ValueError(
            f"efficiencies must be in (0, 1] (battery {battery_efficiency!r}, "
            f"charger {charger_efficiency!r})"
        )
    return delivered_energy_kwh * (1.0 / (battery_efficiency * charger_efficiency) - 1.0)
