"""End of life: recycling routes as data, their process emissions, remanufacture and grading.

- :mod:`.routes`: the routes (``data/routes.toml``) as validated models.
- :mod:`.process`: :func:`route_process_emissions`, kg CO2e per kWh of pack capacity.
- :mod:`.remanufacture`: :func:`remanufacture_change`, a battery from recovered vs virgin material.
- :mod:`.grading`: :func:`grade`, second-life band of a retired pack by state of health.

References
----------
UN Global Compact (2023). White paper on the life-cycle carbon footprint of EV power batteries,
section 5.4 (``reference/DIGEST.md``).
"""

from batterycarbon.recycling.end_of_life import EndOfLifeMethods, end_of_life_methods
from batterycarbon.recycling.grading import Grade, Grading, grade, load_grading, parse_grading
from batterycarbon.recycling.process import (
    ProcessEmissions,
    RouteNotQuantifiedError,
    process_emissions,
    route_process_emissions,
)
from batterycarbon.recycling.remanufacture import (
    Remanufacture,
    Substitution,
    remanufacture,
    remanufacture_change,
)
from batterycarbon.recycling.routes import (
    Route,
    RouteBook,
    get_route,
    load_routes,
    load_routes_file,
    parse_routes,
    route_ids,
)

__all__ = [
    "EndOfLifeMethods", "end_of_life_methods",
    "Grade", "Grading", "ProcessEmissions", "Remanufacture", "Route", "RouteBook",
    "RouteNotQuantifiedError", "Substitution", "get_route", "grade", "load_grading",
    "load_routes", "load_routes_file", "parse_grading", "parse_routes", "process_emissions",
    "remanufacture", "remanufacture_change", "route_ids", "route_process_emissions",
]  # fmt: skip
