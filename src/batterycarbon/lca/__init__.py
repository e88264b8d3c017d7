"""Generic matrix LCA engine: knows product systems, not batteries."""

from batterycarbon.lca.solve import Solution, Solver, solve
from batterycarbon.lca.system import ProductSystem, SystemBuilder

__all__ = ["ProductSystem", "Solution", "Solver", "SystemBuilder", "solve"]
