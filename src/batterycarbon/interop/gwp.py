"""Default characterization of imported elementary flows: IPCC AR6 GWP100, kg CO2e per kg.

Used when a user imports a background database without naming an impact category or giving
factors. Flows are matched by name (case-insensitive, any compartment), as ecoinvent and openLCA
name them. Only the three main greenhouse gases are covered: a database whose climate impact
rests on other gases (SF6, HFCs, NF3) needs the user's own factors or its LCIA method.

Biogenic carbon dioxide ("Carbon dioxide, non-fossil", "..., biogenic", "..., in air") gets no
default factor: ISO 14067:2018 has biogenic emissions and removals documented apart from fossil
ones, and a default that counted the emission without the uptake would bias the result. Unspecified
methane is valued as fossil methane, the larger (conservative) of the two values.

References
----------
Forster, P., Storelvmo, T., Armour, K., et al. (2021). The Earth's Energy Budget, Climate
Feedbacks, and Climate Sensitivity. In: Climate Change 2021: The Physical Science Basis.
Contribution of Working Group I to the Sixth Assessment Report of the IPCC, Chapter 7,
Table 7.15 (GWP-100: CH4 fossil 29.8, CH4 non-fossil 27.0, N2O 273). Cambridge University Press.
https://doi.org/10.1017/9781009157896.009
"""

from __future__ import annotations

from batterycarbon.interop.common import CO2E_FLOW_NAME, normalized_name

GWP100_CO2 = 1.0
GWP100_CH4_FOSSIL = 29.8
GWP100_CH4_NON_FOSSIL = 27.0
GWP100_N2O = 273.0

#: kg CO2e per kg of the named elementary flow (names normalized: lower case, single spaces).
AR6_GWP100: dict[str, float] = {
    "carbon dioxide": GWP100_CO2,
    "carbon dioxide, fossil": GWP100_CO2,
    "co2": GWP100_CO2,
    "methane": GWP100_CH4_FOSSIL,
    "methane, fossil": GWP100_CH4_FOSSIL,
    "ch4": GWP100_CH4_FOSSIL,
    "methane, non-fossil": GWP100_CH4_NON_FOSSIL,
    "methane, biogenic": GWP100_CH4_NON_FOSSIL,
    "dinitrogen monoxide": GWP100_N2O,
    "nitrous oxide": GWP100_N2O,
    "n2o": GWP100_N2O,
    # The flow the engine's own exports carry: already characterized.
    normalized_name(CO2E_FLOW_NAME): 1.0,
    "co2e": 1.0,
}


def default_factor(flow_name: str) -> float:
    """kg CO2e per kg of ``flow_name`` by :data:`AR6_GWP100`, 0 for flows it does not cover."""
    return AR6_GWP100.get(normalized_name(flow_name), 0.0)
