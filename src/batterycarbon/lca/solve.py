"""Solve product systems: one factorization of A serves every demand and the intensities.

``scaling = inv(A) @ f``; ``intensity = inv(A).T @ (B.T @ c)`` is the cumulative footprint of one
unit of each product (kg CO2e / unit), so that the footprint of any demand is ``intensity @ f``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse.linalg as spla
from numpy.typing import NDArray

from batterycarbon.lca.system import ProductSystem


@dataclass(frozen=True)
class Solution:
    """Result of one final demand."""

    system: ProductSystem
    demand: NDArray[np.float64]
    scaling: NDArray[np.float64]
    intensity: NDArray[np.float64]

    @property
    def total(self) -> float:
        """Characterized total, kg CO2e."""
        return float(self.intensity @ self.demand)

    def direct_contributions(self) -> NDArray[np.float64]:
        """kg CO2e emitted by each process itself (sums to :attr:`total`)."""
        return self.system.direct_intensity() * self.scaling

    def attributed_contributions(self, foreground: NDArray[np.bool_]) -> NDArray[np.float64]:
        """kg CO2e attributed to each foreground process.

        Each foreground process gets its own direct emissions plus its inputs from background
        processes counted at their cumulative intensity. With a background that never consumes
        foreground products, the foreground attributions sum to :attr:`total`.
        """
        a = self.system.technosphere
        direct = self.direct_contributions()
        background_use = -(a.T @ (self.intensity * ~foreground))  # per unit of each consumer
        return np.where(foreground, direct + np.asarray(background_use).ravel() * self.scaling, 0)


class Solver:
    """LU-factorizes A once; solves any number of demands and gives cumulative intensities."""

    def __init__(self, system: ProductSystem) -> None:
        self.system = system
        self._lu = spla.splu(system.technosphere.tocsc())

    @cached_property
    def intensity(self) -> NDArray[np.float64]:
        rhs = np.asarray(self.system.biosphere.T @ self.system.characterization).ravel()
        return np.asarray(self._lu.solve(rhs, trans="T"))

    def solve(self, demand: NDArray[np.float64]) -> Solution:
        scaling = np.asarray(self._lu.solve(np.asarray(demand, dtype=float)))
        return Solution(self.system, np.asarray(demand, dtype=float), scaling, self.intensity)

    def totals(self, demands: NDArray[np.float64]) -> NDArray[np.float64]:
        """Totals for many demands at once: ``demands`` is (n_processes, k); returns (k,)."""
        return np.asarray(self.intensity @ demands)


def solve(system: ProductSystem, demand: NDArray[np.float64]) -> Solution:
    """Convenience: factorize and solve one demand."""
    return Solver(system).solve(demand)
