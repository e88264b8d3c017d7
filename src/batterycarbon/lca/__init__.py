"""Generic matrix LCA engine: knows product systems, not batteries."""

from batterycarbon.lca.montecarlo import MonteCarloResult, monte_carlo
from batterycarbon.lca.sampling import LognormalUncertainty, draw_multipliers, sample_system
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
