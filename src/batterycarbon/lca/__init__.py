"""Generic matrix LCA engine: knows product systems, not batteries."""

from batterycarbon.lca.montecarlo import (
    LognormalUncertainty,
    MonteCarloResult,
    draw_multipliers,
    monte_carlo,
    sample_system,
)
from batterycarbon.lca.solve import ManySolution, Solution, Solver, solve, solve_many
from batterycarbon.lca.system import ProductSystem, SystemBuilder

__all__ = [
    "LognormalUncertainty",
    "ManySolution",
    "MonteCarloResult",
    "ProductSystem",
    "Solution",
    "Solver",
    "SystemBuilder",
    "draw_multipliers",
    "monte_carlo",
    "sample_system",
    "solve",
    "solve_many",
]
