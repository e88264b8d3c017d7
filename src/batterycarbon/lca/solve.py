"""Solve product systems: one factorization of A serves every demand and the intensities.

``scaling = inv(A) @ f``; ``intensity = inv(A).T @ (B.T @ c)`` is the cumulative footprint of one
unit of each product (kg CO2e / unit), so that the footprint of any demand is ``intensity @ f``.

The LU factorization is of ``A.T``, not ``A``: a technosphere has a few hub suppliers
(electricity, transport) whose *rows* are nearly dense, and SuperLU's column ordering keeps the
fill-in small only when those dense lines are columns. On a 20 000-process background with
200 hubs, ``splu(A.T)`` takes 0.35 s where ``splu(A)`` takes minutes. One factorization solves
both ``A x = f`` (``trans="T"``) and ``A.T y = g`` (``trans="N"``).

Large backgrounds are solved faster without any factorization, by the deflated Jacobi
iteration of :func:`deflated_jacobi` (many right-hand sides at once, to a relative change of
1e-12), which :func:`solve_many` picks by itself where it pays.

References
----------
Saad, Y. (2003). Iterative Methods for Sparse Linear Systems, 2nd ed. SIAM. (Jacobi, deflation)
"""

from __future__ import annotations

import math
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numpy.typing import NDArray

from batterycarbon.lca.kernels import (
    deflated_jacobi_block,
    jacobi_power,
    triangular_solve_rows,
    unsigned,
)
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


_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _workers() -> ThreadPoolExecutor:
    """Two worker threads kept for the process: starting threads for each call cost 0.3-0.7 ms
    here, a third of a 100-demand solve at 500 processes. The compiled kernels release the GIL.
    Work submitted from a worker must not wait on this pool (none of the engine's does)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="batterycarbon-lca")
        return _POOL


class Solver:
    """LU-factorizes A once; solves any number of demands and gives cumulative intensities.

    Many demands at once are solved by the compiled row-wise triangular solves of
    :mod:`batterycarbon.lca.kernels` on SuperLU's factors: each factor entry updates all
    demands in one contiguous sweep (SuperLU's own solve takes them one column at a time,
    5.7x slower for 100 demands at 500 processes on this machine).
    """

    def __init__(self, system: ProductSystem) -> None:
        self.system = system
        # CSC of A.T is CSR of A: the same three arrays, no conversion.
        self._lu = spla.splu(system.technosphere.T.tocsc())

    @property
    def factor_nnz(self) -> int:
        """Nonzeros of the L and U factors (the cost of one solve, in multiply-adds)."""
        return int(self._lu.L.nnz + self._lu.U.nnz)

    @cached_property
    def intensity(self) -> NDArray[np.float64]:
        rhs = np.asarray(self.system.biosphere.T @ self.system.characterization).ravel()
        return np.asarray(self._lu.solve(rhs))

    def scaling(self, demands: NDArray[np.float64]) -> NDArray[np.float64]:
        """``inv(A) @ demands`` for a demand vector (n,) or a block of them (n, k)."""
        block = np.asarray(demands, dtype=float)
        if block.ndim != 2 or block.shape[1] < 2:
            return np.asarray(self._lu.solve(block, trans="T"))
        return self._block_scaling(block)

    def _block_scaling(self, block: NDArray[np.float64]) -> NDArray[np.float64]:
        # The factors are of M = A.T: Pr M Pc = L U, so A = Pc U.T L.T Pr and
        # x = inv(A) b solves U.T w = Pc.T b (lower), L.T z = w (upper), x = inv(Pr) z.
        # U.T and L.T in CSR are U and L's CSC arrays as they are.
        u, lower = self._lu.U, self._lu.L
        u_t = (unsigned(u.indptr), unsigned(u.indices), u.data)
        l_t = (unsigned(lower.indptr), unsigned(lower.indices), lower.data)
        perm_c, perm_r = self._lu.perm_c, self._lu.perm_r
        rhs = np.empty_like(block)
        rhs[perm_c] = block

        def solve_columns(columns: slice) -> NDArray[np.float64]:
            part = np.ascontiguousarray(rhs[:, columns])
            triangular_solve_rows(u_t[0], u_t[1], u_t[2], True, part)
            triangular_solve_rows(l_t[0], l_t[1], l_t[2], False, part)
            return part

        k = block.shape[1]
        if k * self.factor_nnz < 10_000_000:  # under ~2 ms: a thread costs more than it saves
            solved = solve_columns(slice(None))
        else:
            halves = (slice(0, k // 2), slice(k // 2, k))
            solved = np.hstack(list(_workers().map(solve_columns, halves)))
        return np.asarray(solved[perm_r])

    def solve(self, demand: NDArray[np.float64]) -> Solution:
        demand = np.asarray(demand, dtype=float)
        return Solution(self.system, demand, self.scaling(demand), self.intensity)

    def totals(self, demands: NDArray[np.float64]) -> NDArray[np.float64]:
        """Totals for many demands at once: ``demands`` is (n_processes, k); returns (k,)."""
        return np.asarray(self.intensity @ demands)


@dataclass(frozen=True)
class ManySolution:
    """Results of many final demands solved with one factorization.

    ``totals[k]`` is the footprint of column ``k`` of ``demands`` (kg CO2e); ``scaling`` (only
    when asked for) holds each demand's scaling vector as a column, for contribution analyses.
    ``intensity`` (cumulative kg CO2e per unit of each product) is given without scaling
    vectors; with them the totals are ``B.T c`` times each scaling vector, no transposed solve
    is made, and ``intensity`` is ``None``.
    """

    system: ProductSystem
    demands: NDArray[np.float64]
    totals: NDArray[np.float64]
    intensity: NDArray[np.float64] | None
    scaling: NDArray[np.float64] | None = None

    def direct_contributions(self) -> NDArray[np.float64]:
        """kg CO2e emitted by each process (rows) for each demand (columns)."""
        if self.scaling is None:
            raise ValueError("solve_many(..., scaling=True) is needed for contributions")
        return self.system.direct_intensity()[:, None] * self.scaling


def solve(system: ProductSystem, demand: NDArray[np.float64]) -> Solution:
    """Convenience: factorize and solve one demand."""
    return Solver(system).solve(demand)


ITERATIVE_TOTALS_FROM = 200
ITERATIVE_SCALING_FROM = 1000
"""Processes from which :func:`solve_many` (``method="auto"``) tries the deflated Jacobi
iteration first, for the totals (one right-hand side) and for the scaling vectors (k of them).
Below, one sparse LU is as fast and needs no convergence check. Measured on the synthetic
backgrounds of ``benchmarks/engine_vs_brightway.py``, 100 unit demands with scaling vectors,
LU / iteration: 2.3 / 2.5 ms at 500 processes, 17.9 / 8.3 ms at 2 000, 69 / 45 ms at 5 000."""


def solve_many(
    system: ProductSystem,
    demands: NDArray[np.float64],
    *,
    scaling: bool = False,
    method: str = "auto",
) -> ManySolution:
    """Footprints of many demands at once.

    ``demands`` is (n_processes, k), one demand per column (a 1-D vector counts as k = 1).
    The totals take one solve in all, whatever k: ``intensity = inv(A).T @ (B.T @ c)``, then
    ``totals = intensity @ demands``. With ``scaling=True`` the k scaling vectors are solved
    instead, for per-process breakdowns, and the totals are ``(B.T @ c) @ scaling``.

    ``method="lu"`` factorizes A once (SuperLU); ``"iterative"`` uses :func:`deflated_jacobi`
    (relative change below 1e-12; columns that do not converge are solved by LU); ``"auto"``,
    the default, iterates on systems from :data:`ITERATIVE_TOTALS_FROM` (totals) and
    :data:`ITERATIVE_SCALING_FROM` (scaling vectors) processes on.
    """
    block = np.asarray(demands, dtype=float)
    if block.ndim == 1:
        block = block[:, None]
    if block.ndim != 2 or block.shape[0] != system.size:
        raise ValueError(
            f"demands has shape {np.shape(demands)}, expected ({system.size}, k): "
            "one column per functional unit"
        )
    if method not in ("auto", "lu", "iterative"):
        raise ValueError(f"method must be 'auto', 'lu' or 'iterative', got {method!r}")
    auto = method == "auto"
    iterate_totals = method == "iterative" or (auto and system.size >= ITERATIVE_TOTALS_FROM)
    iterate_scaling = method == "iterative" or (auto and system.size >= ITERATIVE_SCALING_FROM)
    solver = _LazySolver(system)
    if scaling:
        scaled = _scaling(system, block, solver) if iterate_scaling else solver.get().scaling(block)
        totals = system.direct_intensity() @ scaled
        return ManySolution(system, block, totals, None, scaled)
    intensity = _intensity(system, solver) if iterate_totals else solver.get().intensity
    return ManySolution(system, block, intensity @ block, intensity)


class _LazySolver:
    """Factorizes only if something asks for the factors."""

    def __init__(self, system: ProductSystem) -> None:
        self.system = system
        self._solver: Solver | None = None

    def get(self) -> Solver:
        if self._solver is None:
            self._solver = Solver(self.system)
        return self._solver


def _intensity(system: ProductSystem, solver: _LazySolver) -> NDArray[np.float64]:
    transposed = sp.csr_matrix(system.technosphere.T)
    rhs = np.asarray(system.biosphere.T @ system.characterization).reshape(-1, 1)
    deflation = jacobi_deflation(transposed, rate_steps=0)
    if deflation is not None:
        intensity, converged = deflated_jacobi(transposed, rhs, deflation)
        if converged.all():
            return intensity.ravel()
    return solver.get().intensity


def _scaling(
    system: ProductSystem, block: NDArray[np.float64], solver: _LazySolver
) -> NDArray[np.float64]:
    a = sp.csr_matrix(system.technosphere)
    deflation = jacobi_deflation(a, rate_steps=0)
    if deflation is None:
        return solver.get().scaling(block)
    scaled, done = _columns_in_parallel(a, block, deflation)
    if not done.all():
        scaled[:, ~done] = solver.get().scaling(block[:, ~done])
    return scaled


def _columns_in_parallel(
    matrix: sp.csr_matrix, block: NDArray[np.float64], deflation: JacobiDeflation
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """:func:`deflated_jacobi` on groups of columns, two threads (the compiled kernel releases
    the GIL): at most half the columns per group, and few enough that a group's iterate and
    residual stay in cache. Columns are independent, so grouping changes no result."""
    k = block.shape[1]
    width = max(1, min(2**21 // (8 * matrix.shape[0]), -(-k // 2)))
    starts = range(0, block.shape[1], width)
    x = np.empty_like(block)
    done = np.zeros(block.shape[1], dtype=bool)

    def solve_group(start: int) -> None:
        part = np.ascontiguousarray(block[:, start : start + width])
        x[:, start : start + width], done[start : start + width] = deflated_jacobi(
            matrix, part, deflation
        )

    for _ in _workers().map(solve_group, starts):
        pass
    return x, done


@dataclass(frozen=True)
class JacobiDeflation:
    """The dominant mode of a matrix's Jacobi iteration ``T = I - D^-1 M``, to deflate it.

    ``u`` is T's dominant right eigenvector, ``v = D^-1 y`` with ``y`` its left eigenvector, and
    ``rate`` the spectral radius left once that mode is projected out: the contraction per
    iteration of :func:`deflated_jacobi` (``inf`` if it could not be estimated). Technosphere
    matrices have one Perron eigenvalue well above the rest (0.4 against 0.2 on the synthetic
    benchmark backgrounds), so deflating it halves the iterations.
    """

    inv_diagonal: NDArray[np.float64]
    u: NDArray[np.float64]
    v: NDArray[np.float64]
    rate: float


def jacobi_deflation(
    matrix: sp.csr_matrix, steps: int = 25, rate_steps: int = 20
) -> JacobiDeflation | None:
    """Dominant Jacobi mode of ``matrix`` by power iteration (fixed start: deterministic).

    ``None`` if a diagonal entry is zero (no Jacobi iteration). ``rate_steps=0`` skips the
    rate estimate (``rate`` is then ``nan``).
    """
    n = matrix.shape[0]
    diagonal = matrix.diagonal()
    if not np.all(diagonal != 0):
        return None
    inv_diagonal = 1.0 / diagonal
    m = sp.csr_matrix(matrix)
    arrays = (unsigned(m.indptr), unsigned(m.indices), np.asarray(m.data, dtype=np.float64))
    none = np.zeros(n)

    def power(
        transposed: bool,
        start: NDArray[np.float64],
        count: int,
        u: NDArray[np.float64] = none,
        y: NDArray[np.float64] = none,
        yu: float = 0.0,
    ) -> tuple[NDArray[np.float64], float]:
        return jacobi_power(*arrays, inv_diagonal, transposed, start, count, u, y, yu)

    u, dominant = power(False, np.ones(n), steps)
    y, _ = power(True, np.ones(n), steps)
    other = np.cos(np.arange(n, dtype=np.float64))  # fixed, not aligned with u
    yu = float(y @ u)
    if not (np.isfinite(dominant) and dominant > 0 and abs(yu) > 1e-8):
        radius = power(False, other, rate_steps)[1] if rate_steps else math.nan
        return JacobiDeflation(inv_diagonal, np.zeros(n), np.zeros(n), radius or math.inf)
    rate = power(False, other, rate_steps, u, y, yu)[1] if rate_steps else math.nan
    return JacobiDeflation(inv_diagonal, u, y * inv_diagonal, rate)


def deflated_jacobi(
    matrix: sp.csr_matrix,
    rhs: NDArray[np.float64],
    deflation: JacobiDeflation,
    tolerance: float = 1e-12,
    max_iterations: int = 100,
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Solve ``matrix @ X = rhs`` for the columns of ``rhs`` (n, k) without factorizing.

    Each iteration is one sparse product with all k columns, a correction along the deflated
    mode and a Jacobi step; a column stops changing the iteration its update is below
    ``tolerance`` relative (max-norm), so its result does not depend on the other columns.
    Returns X and which columns converged within ``max_iterations``.
    """
    unit = bool(np.all(deflation.inv_diagonal == 1.0))
    m = sp.csr_matrix(matrix)
    au = m @ deflation.u
    coarse = float(deflation.v @ au)
    q = deflation.u - deflation.inv_diagonal * au  # D^-1 (r - a Au) + a u = D^-1 r + a q
    inv_coarse = 1.0 / coarse if coarse != 0 else 0.0
    block = np.ascontiguousarray(rhs, dtype=np.float64)
    x = np.empty_like(block)
    converged = np.zeros(block.shape[1], dtype=bool)
    deflated_jacobi_block(
        unsigned(m.indptr),
        unsigned(m.indices),
        np.asarray(m.data, dtype=np.float64),
        deflation.inv_diagonal,
        unit,
        deflation.v,
        q,
        inv_coarse,
        block,
        tolerance,
        max_iterations,
        x,
        converged,
    )
    return x, converged
