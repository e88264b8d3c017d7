"""A product system as matrices: technosphere A and intervention B, nothing battery-specific.

Process ``j`` produces one unit of product ``j`` (diagonal of A is the output, usually 1) and
consumes ``-A[i, j]`` units of product ``i``. ``B[k, j]`` is the amount of elementary flow ``k``
process ``j`` emits per unit of its output, and ``c[k]`` characterizes flow ``k`` (kg CO2e per
unit). The footprint of a final demand ``f`` is ``c @ B @ inv(A) @ f``.

References
----------
Heijungs, R. & Suh, S. (2002). The Computational Structure of Life Cycle Assessment. Kluwer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray


@dataclass(frozen=True)
class ProductSystem:
    """Matrices and labels of a product system (all in canonical units)."""

    process_ids: tuple[str, ...]
    technosphere: sp.csc_matrix
    biosphere: sp.csr_matrix
    characterization: NDArray[np.float64]
    flow_ids: tuple[str, ...] = ("co2e",)
    index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = len(self.process_ids)
        if self.technosphere.shape != (n, n):
            raise ValueError(f"technosphere is {self.technosphere.shape}, expected ({n}, {n})")
        if self.biosphere.shape != (len(self.flow_ids), n):
            raise ValueError(
                f"biosphere is {self.biosphere.shape}, expected ({len(self.flow_ids)}, {n})"
            )
        object.__setattr__(self, "index", {pid: i for i, pid in enumerate(self.process_ids)})

    @property
    def size(self) -> int:
        return len(self.process_ids)

    def demand(self, amounts: dict[str, float]) -> NDArray[np.float64]:
        """A final-demand vector from ``{process_id: amount}``."""
        f = np.zeros(self.size)
        for pid, amount in amounts.items():
            f[self.index[pid]] = amount
        return f

    def direct_intensity(self) -> NDArray[np.float64]:
        """Characterized direct emissions per unit output of each process (kg CO2e / unit)."""
        return np.asarray(self.biosphere.T @ self.characterization).ravel()


class SystemBuilder:
    """Collects processes, exchanges and emissions, then builds a :class:`ProductSystem`.

    Adding the same exchange twice sums the amounts (as a bill of materials would).
    """

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._index: dict[str, int] = {}
        self._inputs: dict[tuple[int, int], float] = {}
        self._emissions: dict[int, float] = {}

    def __contains__(self, process_id: str) -> bool:
        return process_id in self._index

    def add_process(self, process_id: str) -> int:
        if process_id in self._index:
            raise ValueError(f"process {process_id!r} added twice")
        self._index[process_id] = len(self._ids)
        self._ids.append(process_id)
        return self._index[process_id]

    def add_input(self, consumer: str, supplier: str, amount: float) -> None:
        """``consumer`` uses ``amount`` units of ``supplier``'s product per unit of its output."""
        if not np.isfinite(amount) or amount < 0:
            raise ValueError(f"input of {supplier!r} to {consumer!r} must be >= 0, got {amount}")
        key = (self._index[supplier], self._index[consumer])
        self._inputs[key] = self._inputs.get(key, 0.0) + amount

    def add_emission(self, process_id: str, kg_co2e: float) -> None:
        """Direct emission of ``process_id`` per unit of its output, kg CO2e."""
        i = self._index[process_id]
        self._emissions[i] = self._emissions.get(i, 0.0) + kg_co2e

    def build(self) -> ProductSystem:
        n = len(self._ids)
        rows = list(range(n)) + [r for r, _ in self._inputs]
        cols = list(range(n)) + [c for _, c in self._inputs]
        vals = [1.0] * n + [-v for v in self._inputs.values()]
        a = sp.csc_matrix((vals, (rows, cols)), shape=(n, n))
        b = sp.csr_matrix(
            (list(self._emissions.values()), ([0] * len(self._emissions), list(self._emissions))),
            shape=(1, n),
        )
        return ProductSystem(tuple(self._ids), a, b, np.ones(1))
