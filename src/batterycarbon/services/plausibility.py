"""Plausibility of a supplier's figure against the factor library (early warning).

The expected range for a flow in a region and year is the library factor's own uncertainty
range when it is triangular (min to max), else 0.2x to 5x the factor's value, a band wide enough
that only figures off by a large factor (unit slips, missing stages, typos) fall outside it.
A figure outside raises an alert; it is kept, but not used until a verifier clears it.

References
----------
Factor rows and their triangular ranges: ``factors/releases/*/factors/*.csv`` (see SOURCES.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from batterycarbon.errors import FactorNotFoundError
from batterycarbon.factors import FactorLibrary

LOW_MULTIPLE = 0.2
HIGH_MULTIPLE = 5.0


@dataclass(frozen=True)
class PlausibilityResult:
    """The verdict and its basis, in the library factor's unit."""

    plausible: bool
    factor_id: str
    observed: float
    expected_min: float
    expected_max: float
    unit: str

    @property
    def message(self) -> str:
        verdict = "within" if self.plausible else "outside"
        return (
            f"value {self.observed:.4g} {self.unit} is {verdict} the expected range "
            f"{self.expected_min:.4g} to {self.expected_max:.4g} {self.unit} "
            f"(library factor {self.factor_id})"
        )


def check_plausibility(
    library: FactorLibrary, flow: str, region: str, year: int, value_in_factor_unit: float
) -> PlausibilityResult | None:
    """Compare a figure (already converted to the factor's unit) with the library's range;
    ``None`` when the library has no factor for the flow."""
    try:
        factor = library.resolve(flow, region, year)
    except FactorNotFoundError:
        return None
    uncertainty = factor.uncertainty
    if (
        uncertainty is not None
        and uncertainty.distribution == "triangular"
        and uncertainty.minimum is not None
        and uncertainty.maximum is not None
    ):
        low, high = uncertainty.minimum, uncertainty.maximum
    else:
        low, high = LOW_MULTIPLE * factor.value, HIGH_MULTIPLE * factor.value
    return PlausibilityResult(
        plausible=low <= value_in_factor_unit <= high,
        factor_id=factor.id,
        observed=value_in_factor_unit,
        expected_min=low,
        expected_max=high,
        unit=factor.unit,
    )
