"""Vectorized Monte Carlo of a product system whose exchanges carry lognormal uncertainty.

Each run draws every uncertain exchange (technosphere entries of A and intervention entries
of B) at once and solves the sampled system ``A_s x_s = f`` for its scaling vector; the run's
footprint is ``g_s @ x_s`` with ``g_s = B_s.T @ c`` (kg CO2e), and the direct emissions of
chosen processes, ``g_s * x_s``, can be kept per run.

How a run is solved
-------------------
Refactorizing every sampled matrix, as a per-run loop does, repeats the dominant cost 1 000
times. Here samples share one sparsity pattern and are drawn and solved a *chunk* at a time
(chunks on worker threads), starting from the deterministic solution ``x0 = inv(A0) f``:

1. **Deflated Jacobi iteration** (the default on large, sparse backgrounds): per iteration one
   sparse mat-vec ``r = f - A_s x``, a correction along the dominant (Perron) mode of the
   deterministic ``T0 = I - D0^-1 A0`` (:func:`~batterycarbon.lca.solve.jacobi_deflation`,
   computed once), and a Jacobi step ``x += D_s^-1 r``. Background databases have one Perron
   eigenvalue well above the rest (about 0.4 against 0.2 on the synthetic benchmark systems),
   so removing that one mode halves the iterations. It runs in compiled code, one run at a
   time from start to convergence (:func:`~batterycarbon.lca.kernels.deflated_jacobi_runs`), so
   a run's matrix stays in cache across its iterations.
2. **Iterative refinement with the deterministic LU** ``x += inv(A0) (f - A_s x)``, for systems
   where stage 1 would be slow (Perron gap small, or factors nearly as sparse as A), and for
   runs that stage 1 did not converge within its cap. One factorization of ``A0.T`` serves every
   run; it contracts by about the size of the sampled perturbation per step.
3. **Exact factorization** of a run's own matrix, for runs that neither stage converged
   (``MonteCarloResult.exact`` flags them).

A run has converged when an update changes its scaling vector by less than ``tolerance``
relative (max-norm); the error is then below ``tolerance`` times a small factor. Each run is
updated only until its own convergence, so its result does not depend on which other runs
share its chunk: the same seed gives the same numbers whatever the chunk size or thread count.

Random numbers are drawn as :mod:`batterycarbon.lca.sampling` describes, so any run can be
redrawn alone with :func:`~batterycarbon.lca.sampling.draw_multipliers`.

References
----------
Heijungs, R. & Suh, S. (2002). The Computational Structure of Life Cycle Assessment. Kluwer.
Saad, Y. (2003). Iterative Methods for Sparse Linear Systems, 2nd ed. SIAM. (Jacobi, deflation)
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numpy.typing import NDArray

from batterycarbon.lca.kernels import deflated_jacobi_runs, unsigned
from batterycarbon.lca.sampling import (
    LognormalUncertainty,
    draw_multipliers,
    sample_system,
    standard_normals,
)
from batterycarbon.lca.solve import JacobiDeflation, Solver, deflated_jacobi, jacobi_deflation
from batterycarbon.lca.system import ProductSystem

Multipliers = NDArray[np.floating] | Callable[[int, int], NDArray[np.floating]]
"""Caller-supplied samples: a (runs, n_exchanges) array, or ``f(start, stop)`` giving rows."""

_EMPTY_INT = np.zeros(0, dtype=np.int64)

__all__ = [
    "LognormalUncertainty",
    "MonteCarloResult",
    "Multipliers",
    "default_chunk",
    "draw_multipliers",
    "monte_carlo",
    "sample_system",
    "standard_normals",
]


@dataclass(frozen=True)
class MonteCarloResult:
    """Per-run results of :func:`monte_carlo`.

    ``scores[r]``: footprint of the demand in run ``r``, kg CO2e. ``contributions[r, i]``: direct
    emissions of ``contribution_processes[i]`` in run ``r``, kg CO2e (when asked for).
    ``iterations[r]``: iterative updates run ``r`` took (stages 1 and 2); ``exact[r]``: run ``r``
    fell back to its own factorization. ``method`` names stage 1.
    """

    scores: NDArray[np.float64]
    iterations: NDArray[np.int64]
    exact: NDArray[np.bool_]
    method: str
    seed: int
    chunk: int
    contributions: NDArray[np.float64] | None = None
    contribution_processes: tuple[str, ...] = ()

    @property
    def runs(self) -> int:
        return len(self.scores)

    def percentiles(self, q: Sequence[float] = (2.5, 50.0, 97.5)) -> NDArray[np.float64]:
        """Percentiles of the scores, kg CO2e."""
        return np.asarray(np.percentile(self.scores, q))


@dataclass(frozen=True)
class _Pattern:
    """The sampled system's fixed structure: A in CSR order, B folded into ``g = B.T c``.

    ``tech_exchange[e]`` is the uncertain exchange stored at CSR position ``e`` of A, or
    ``n_exchanges`` for a certain entry; ``bio_exchange`` / ``bio_matrix`` map the uncertain B
    entries onto ``g`` (``bio_matrix[j, k] = c[row_k] * B[row_k, j]`` for ``j = col_k``).
    """

    n: int
    n_exchanges: int
    indptr: NDArray[np.int32]
    indices: NDArray[np.int32]
    data: NDArray[np.float64]
    diagonal: NDArray[np.int64] | None  # CSR position of A[i, i]; None if one is missing or 0
    tech_exchange: NDArray[np.int64]
    fixed_intensity: NDArray[np.float64]
    bio_exchange: NDArray[np.int64]
    bio_matrix: sp.csr_matrix

    @property
    def unit_diagonal(self) -> bool:
        """Every process makes exactly one unit, with certainty (no Jacobi scaling needed)."""
        if self.diagonal is None:
            return False
        certain = self.tech_exchange[self.diagonal] == self.n_exchanges
        return bool(np.all(self.data[self.diagonal] == 1.0) and np.all(certain))


def _positions(
    matrix: sp.csr_matrix, rows: NDArray[np.int64], cols: NDArray[np.int64], label: str
) -> NDArray[np.int64]:
    """Storage positions of entries (rows, cols) of a canonical CSR matrix."""
    n_cols = matrix.shape[1]
    if len(rows) and (
        rows.min() < 0 or cols.min() < 0 or rows.max() >= matrix.shape[0] or cols.max() >= n_cols
    ):
        raise ValueError(f"{label} uncertainty names an entry outside the {matrix.shape} matrix")
    stored_rows = np.repeat(np.arange(matrix.shape[0], dtype=np.int64), np.diff(matrix.indptr))
    keys = stored_rows * n_cols + matrix.indices
    wanted = rows * n_cols + cols
    positions = np.minimum(np.searchsorted(keys, wanted), max(len(keys) - 1, 0))
    missing = keys[positions] != wanted if len(keys) else np.ones(len(wanted), dtype=bool)
    if missing.any():
        k = int(np.argmax(missing))
        raise ValueError(
            f"{label} uncertainty names entry ({rows[k]}, {cols[k]}), which is not an exchange "
            "of the product system"
        )
    if len(np.unique(positions)) != len(positions):
        raise ValueError(f"{label} uncertainty names the same entry twice")
    return np.asarray(positions, dtype=np.int64)


def _pattern(system: ProductSystem, uncertainty: LognormalUncertainty) -> _Pattern:
    n, k = system.size, uncertainty.n_technosphere
    a = sp.csr_matrix(system.technosphere, dtype=np.float64, copy=True)
    a.sum_duplicates()
    tech = _positions(
        a, uncertainty.technosphere_rows, uncertainty.technosphere_cols, "technosphere"
    )
    tech_exchange = np.full(a.nnz, uncertainty.n_exchanges, dtype=np.int64)
    tech_exchange[tech] = np.arange(k)
    diagonal: NDArray[np.int64] | None
    try:
        diagonal = _positions(a, np.arange(n), np.arange(n), "diagonal")
    except ValueError:
        diagonal = None
    if diagonal is not None and not np.all(a.data[diagonal] != 0):
        diagonal = None
    b = sp.csr_matrix(system.biosphere, dtype=np.float64, copy=True)
    b.sum_duplicates()
    bio = _positions(b, uncertainty.biosphere_rows, uncertainty.biosphere_cols, "biosphere")
    c = np.asarray(system.characterization, dtype=np.float64)
    weights = c[uncertainty.biosphere_rows] * b.data[bio]
    certain = b.copy()
    certain.data[bio] = 0.0
    return _Pattern(
        n=n,
        n_exchanges=uncertainty.n_exchanges,
        indptr=a.indptr.astype(np.int32),
        indices=a.indices.astype(np.int32),
        data=a.data,
        diagonal=diagonal,
        tech_exchange=tech_exchange,
        fixed_intensity=np.asarray(certain.T @ c).ravel(),
        bio_exchange=np.arange(k, uncertainty.n_exchanges, dtype=np.int64),
        bio_matrix=sp.csr_matrix(
            (weights, (uncertainty.biosphere_cols, np.arange(len(bio)))), shape=(n, len(bio))
        ),
    )


class _Batch:
    """The runs of a chunk still being iterated, as one block-diagonal system."""

    def __init__(
        self,
        engine: _ChunkSolver,
        runs: NDArray[np.int64],
        values: NDArray[np.float64],
        x: NDArray[np.float64],
    ) -> None:
        self.engine = engine
        self.runs = runs
        self.values = values
        self.x = x
        self.live = np.ones(len(runs), dtype=bool)
        self.all_live = True
        self.matrix = engine.block_matrix(values)

    @property
    def size(self) -> int:
        return len(self.runs)

    def compact(self) -> None:
        keep = self.live
        self.runs, self.values, self.x = self.runs[keep], self.values[keep], self.x[keep]
        self.matrix = self.engine.block_matrix(self.values)
        self.live = np.ones(len(self.runs), dtype=bool)
        self.all_live = True


class _ChunkSolver:
    """Samples and solves chunks of runs; shared read-only by the worker threads."""

    def __init__(
        self,
        system: ProductSystem,
        uncertainty: LognormalUncertainty,
        demand: NDArray[np.float64],
        chunk: int,
        tolerance: float,
        max_iterations: int,
        method: str,
    ) -> None:
        self.uncertainty = uncertainty
        self.pattern = pattern = _pattern(system, uncertainty)
        self.demand = demand
        self.tolerance = tolerance
        self.max_iterations = max_iterations
        self.system = system
        self._solver: Solver | None = None
        self._solver_lock = threading.Lock()
        n, nnz = pattern.n, len(pattern.data)
        # Draw index and sigma of every stored A entry (sigma 0, multiplier 1, if certain).
        assert uncertainty.factor is not None
        uncertain = pattern.tech_exchange < uncertainty.n_exchanges
        factor_of = np.append(uncertainty.factor, 0)
        sigma_of = np.append(uncertainty.sigma, 0.0).astype(np.float32)
        self.tech_factor = factor_of[pattern.tech_exchange]
        self.tech_sigma = np.where(uncertain, sigma_of[pattern.tech_exchange], np.float32(0))
        self.bio_factor = uncertainty.factor[pattern.bio_exchange]
        self.bio_sigma = sigma_of[pattern.bio_exchange]
        blocks = np.arange(chunk, dtype=np.int64)
        # Block-diagonal structure of a chunk: block s holds run s's matrix.
        index_type = np.int32 if chunk * nnz < np.iinfo(np.int32).max else np.int64
        self.block_indices = (pattern.indices[None, :] + n * blocks[:, None]).ravel()
        self.block_indices = self.block_indices.astype(index_type)
        self.block_indptr = np.append(
            (pattern.indptr[None, :-1].astype(np.int64) + nnz * blocks[:, None]).ravel(),
            chunk * nnz,
        ).astype(index_type)
        a = sp.csr_matrix((pattern.data, pattern.indices, pattern.indptr), shape=(n, n))
        deflation = jacobi_deflation(a) if pattern.diagonal is not None else None
        self.u, self.v = (deflation.u, deflation.v) if deflation else (np.zeros(n), np.zeros(n))
        self.deflated_rate = deflation.rate if deflation else math.inf
        self.start = self._deterministic_scaling(a, deflation)
        if method == "auto":
            method = self._cheaper_method()
        if method not in ("jacobi", "lu"):
            raise ValueError(f"method must be 'auto', 'jacobi' or 'lu', got {method!r}")
        if method == "jacobi" and pattern.diagonal is None:
            raise ValueError("method 'jacobi' needs every process's own output A[i, i] nonzero")
        self.method = method
        self.unit_diagonal = pattern.unit_diagonal
        self.kernel_indptr = unsigned(pattern.indptr)
        self.kernel_indices = unsigned(pattern.indices)
        self.kernel_diagonal = unsigned(
            pattern.diagonal if pattern.diagonal is not None else _EMPTY_INT
        )

    @property
    def solver(self) -> Solver:
        """The deterministic LU factors, made on first use (threads share one)."""
        with self._solver_lock:
            if self._solver is None:
                self._solver = Solver(self.system)
            return self._solver

    def _deterministic_scaling(
        self, a: sp.csr_matrix, deflation: JacobiDeflation | None
    ) -> NDArray[np.float64]:
        """``x0 = inv(A0) f``, every run's starting point: iterated when that converges."""
        if deflation is not None and self.deflated_rate < 0.9:
            x, converged = deflated_jacobi(a, self.demand[:, None], deflation, self.tolerance)
            if converged.all():
                return x.ravel()
        return self.solver.scaling(self.demand)

    def _cheaper_method(self) -> str:
        """Stage 1 by estimated work: iterations to converge times multiply-adds per iteration.

        Deflated Jacobi converges at the deflated spectral radius; LU refinement at about the
        relative size of the sampled perturbation, taken as 0.05 (lognormal sigma ~0.1). The
        factors have at least A's nonzeros, so below a rate of 0.22 Jacobi wins without the
        factorization being made at all.
        """
        nnz = len(self.pattern.data)
        rate = self.deflated_rate
        if not 0 <= rate < 0.9:
            return "lu"
        if rate <= 0.22:
            return "jacobi"
        jacobi = nnz / -math.log(max(rate, 1e-3))
        lu = (nnz + self.solver.factor_nnz) / -math.log(0.05)
        return "jacobi" if jacobi <= lu else "lu"

    def sample(self, seed: int, runs: range) -> tuple[NDArray[np.float32], NDArray[np.float64]]:
        """Draw runs: multipliers of A's entries (runs, nnz) in CSR order (1 where certain) and
        intensities g (runs, n). A sampled entry is ``data * float64(multiplier)``.

        Computes exactly what :func:`draw_multipliers` gives, straight in storage order.
        """
        multipliers = np.empty((len(runs), len(self.pattern.data)), dtype=np.float32)
        bio = np.empty((len(runs), len(self.bio_factor)), dtype=np.float32)
        for i, run in enumerate(runs):
            z = standard_normals(seed, run, self.uncertainty.n_factors)
            row = multipliers[i]
            np.take(z, self.tech_factor, out=row)
            row *= self.tech_sigma
            np.exp(row, out=row)
            np.take(z, self.bio_factor, out=bio[i])
        bio *= self.bio_sigma
        np.exp(bio, out=bio)
        return multipliers, self._intensity(bio)

    def given(
        self, multipliers: NDArray[np.floating]
    ) -> tuple[NDArray[np.floating], NDArray[np.float64]]:
        """Caller's multipliers (runs, n_exchanges) -> A multipliers and intensities, as
        :meth:`sample`."""
        with_one = np.ones((len(multipliers), multipliers.shape[1] + 1), dtype=multipliers.dtype)
        with_one[:, :-1] = multipliers
        tech = np.take(with_one, self.pattern.tech_exchange, axis=1)
        if tech.dtype not in (np.float32, np.float64):
            tech = tech.astype(np.float64)
        return tech, self._intensity(with_one[:, self.pattern.bio_exchange])

    def values(self, multipliers: NDArray[np.floating]) -> NDArray[np.float64]:
        """Sampled A entries (runs, nnz) in CSR order."""
        return np.asarray(np.multiply(self.pattern.data, multipliers, dtype=np.float64))

    def _intensity(self, bio: NDArray[np.floating]) -> NDArray[np.float64]:
        intensity = np.empty((len(bio), self.pattern.n))
        intensity[:] = self.pattern.fixed_intensity
        if bio.shape[1]:
            # (n, K) sparse @ (K, runs): a fixed summation order per run, whatever the chunk.
            intensity += (self.pattern.bio_matrix @ bio.T.astype(np.float64)).T
        return intensity

    def block_matrix(self, values: NDArray[np.float64]) -> sp.csr_matrix:
        runs, nnz = values.shape
        n = self.pattern.n
        return sp.csr_matrix(
            (values.ravel(), self.block_indices[: runs * nnz], self.block_indptr[: runs * n + 1]),
            shape=(runs * n, runs * n),
        )

    def solve(
        self, multipliers: NDArray[np.floating]
    ) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.bool_]]:
        """Scaling vectors (runs, n) of the sampled systems, iterations and exact flags."""
        runs = len(multipliers)
        x = np.empty((runs, self.pattern.n))
        x[:] = self.start
        iterations = np.zeros(runs, dtype=np.int64)
        todo = np.arange(runs)
        if self.method == "jacobi":
            todo = self._jacobi(multipliers, x, iterations)
        exact = np.zeros(runs, dtype=bool)
        if not len(todo):
            return x, iterations, exact
        # Stage 2 and 3 on the (few) runs stage 1 did not settle.
        values = self.values(multipliers[todo])
        x[todo] = self.start  # a run stage 1 gave up on may hold a diverged iterate
        part = x[todo]
        counts = iterations[todo]
        left = self._iterate(values, part, counts, self._lu_step, self.max_iterations)
        for i in left:
            part[i] = self._exact(values[i])
        x[todo], iterations[todo], exact[todo[left]] = part, counts, True
        return x, iterations, exact

    @property
    def jacobi_cap(self) -> int:
        """Stage 1 gives a run up after twice the iterations its predicted rate needs."""
        if not 0 < self.deflated_rate < 1:
            return self.max_iterations
        predicted = math.log(self.tolerance / 0.1) / math.log(self.deflated_rate)
        return min(self.max_iterations, 10 + 2 * math.ceil(predicted))

    def _jacobi(
        self,
        multipliers: NDArray[np.floating],
        x: NDArray[np.float64],
        iterations: NDArray[np.int64],
    ) -> NDArray[np.int64]:
        """Stage 1, run by run in compiled code (:func:`kernels.deflated_jacobi_runs`); returns
        the runs that did not converge."""
        p = self.pattern
        assert p.diagonal is not None
        converged = np.zeros(len(multipliers), dtype=bool)
        deflated_jacobi_runs(
            self.kernel_indptr,
            self.kernel_indices,
            p.data,
            multipliers,
            self.kernel_diagonal,
            self.unit_diagonal,
            self.demand,
            self.start,
            self.u,
            self.v,
            self.tolerance,
            self.jacobi_cap,
            x,
            iterations,
            converged,
        )
        return np.flatnonzero(~converged)

    def _lu_step(self, batch: _Batch) -> NDArray[np.float64]:
        """One refinement update ``inv(A0) (f - A_s x)`` with the deterministic factors."""
        return self.solver.scaling(self._residual(batch).T).T

    def _residual(self, batch: _Batch) -> NDArray[np.float64]:
        residual: NDArray[np.float64] = (batch.matrix @ batch.x.ravel()).reshape(batch.x.shape)
        np.subtract(self.demand, residual, out=residual)
        return residual

    def _iterate(
        self,
        values: NDArray[np.float64],
        x: NDArray[np.float64],
        iterations: NDArray[np.int64],
        step: Callable[[_Batch], NDArray[np.float64]],
        cap: int,
    ) -> NDArray[np.int64]:
        """Update every run (row of ``values`` and ``x``, in place) with ``step`` until each
        converges; returns those that did not.

        A run stops being updated the iteration it converges, so its result is the same
        whatever other runs share the batch.
        """
        batch = _Batch(self, np.arange(len(values)), values, x.copy())
        size = np.abs(batch.x).max(axis=1)
        given_up: list[NDArray[np.int64]] = []
        for count in range(1, cap + 1):
            update = step(batch)
            if not batch.all_live:
                update[~batch.live] = 0.0
            batch.x += update
            change = np.maximum(update.max(axis=1), -update.min(axis=1))
            near = change <= 1e-6 * size
            if near.any():  # x has settled: refresh its norm for the exact test
                size[near] = np.abs(batch.x[near]).max(axis=1)
            done = batch.live & (change <= self.tolerance * size)
            broken = batch.live & ~np.isfinite(change)
            if broken.any():
                given_up.append(batch.runs[broken])
                batch.live &= ~broken
            if done.any():
                iterations[batch.runs[done]] += count
                x[batch.runs[done]] = batch.x[done]
                batch.live &= ~done
            batch.all_live = bool(batch.live.all())
            if not batch.all_live:
                if not batch.live.any():
                    break
                if 2 * int(batch.live.sum()) <= batch.size:
                    size = size[batch.live]
                    batch.compact()  # stop paying for finished runs
        else:
            iterations[batch.runs[batch.live]] += cap
            given_up.append(batch.runs[batch.live])
        return np.sort(np.concatenate(given_up)) if given_up else _EMPTY_INT

    def _exact(self, values: NDArray[np.float64]) -> NDArray[np.float64]:
        p = self.pattern
        # CSC with A's CSR arrays is A.T: the orientation that factorizes fast.
        transposed = sp.csc_matrix((values, p.indices, p.indptr), shape=(p.n, p.n))
        return np.asarray(spla.splu(transposed).solve(self.demand, trans="T"))


def _default_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def default_chunk(system: ProductSystem, memory_mb: float, threads: int) -> int:
    """Runs per chunk: about 16 MB of working arrays per thread, and all threads within
    ``memory_mb``.

    Per run a chunk holds the multipliers of A (4 bytes per nonzero), the block indices that
    stage 2 needs for the runs stage 1 leaves (up to 8 more) and about eight work vectors of
    n doubles. Chunks that stay in cache iterate faster than big
    ones (measured: 4 runs per chunk at 20 000 processes, 16 at 5 000), while a chunk of one
    pays Python's per-call overhead on every iteration.
    """
    per_run = 12 * system.technosphere.nnz + 64 * system.size
    cache_friendly = 16 * 2**20 // per_run
    within_memory = memory_mb * 2**20 // (per_run * max(1, threads))
    return int(max(1, min(64, max(2, cache_friendly), within_memory)))


def monte_carlo(
    system: ProductSystem,
    uncertainty: LognormalUncertainty,
    demand: NDArray[np.float64],
    runs: int,
    seed: int = 0,
    *,
    chunk: int | None = None,
    contributions: NDArray[np.bool_] | None = None,
    multipliers: Multipliers | None = None,
    tolerance: float = 1e-12,
    max_iterations: int = 100,
    method: str = "auto",
    threads: int | None = None,
    memory_mb: float = 128.0,
) -> MonteCarloResult:
    """Footprint of ``demand`` in ``runs`` samples of the uncertain exchanges.

    ``demand`` is a final-demand vector (n,) in the processes' units. Samples come from ``seed``
    (see the module docstring) unless ``multipliers`` supplies them: a (runs, n_exchanges) array,
    or a callable ``f(start, stop)`` returning those rows, whose entry ``[r, k]`` multiplies
    exchange ``k``'s median in run ``r`` (so a caller can pass common random numbers, or any
    distribution). ``contributions`` is a boolean mask over processes whose direct emissions
    (kg CO2e) to keep per run. ``chunk`` runs are solved together (default: as many as fit in
    ``memory_mb`` over ``threads`` worker threads); neither changes the results. ``method``
    picks stage 1: ``"jacobi"``, ``"lu"`` or ``"auto"`` (the cheaper by estimated work).
    """
    demand = np.asarray(demand, dtype=np.float64)
    if demand.shape != (system.size,):
        raise ValueError(f"demand has shape {demand.shape}, expected ({system.size},)")
    if runs < 0:
        raise ValueError(f"runs must be >= 0, got {runs}")
    if not 0 < tolerance < 1:
        raise ValueError(f"tolerance must be in (0, 1), got {tolerance}")
    mask = None if contributions is None else np.asarray(contributions, dtype=bool)
    if mask is not None and mask.shape != (system.size,):
        raise ValueError(f"contributions mask has shape {mask.shape}, expected ({system.size},)")
    if isinstance(multipliers, np.ndarray) and multipliers.shape != (
        runs,
        uncertainty.n_exchanges,
    ):
        raise ValueError(
            f"multipliers has shape {multipliers.shape}, expected ({runs}, "
            f"{uncertainty.n_exchanges}): one row per run, one column per uncertain exchange"
        )
    workers = threads or _default_threads()
    size = chunk or default_chunk(system, memory_mb, workers)
    if size < 1:
        raise ValueError(f"chunk must be >= 1, got {size}")
    engine = _ChunkSolver(system, uncertainty, demand, size, tolerance, max_iterations, method)

    scores = np.zeros(runs)
    iterations = np.zeros(runs, dtype=np.int64)
    exact = np.zeros(runs, dtype=bool)
    kept = None if mask is None else np.zeros((runs, int(mask.sum())))

    def run_chunk(start: int) -> None:
        stop = min(runs, start + size)
        if multipliers is None:
            multipliers_s, intensity = engine.sample(seed, range(start, stop))
        else:
            given = multipliers(start, stop) if callable(multipliers) else multipliers[start:stop]
            drawn = np.asarray(given)
            if drawn.shape != (stop - start, uncertainty.n_exchanges):
                raise ValueError(
                    f"multipliers({start}, {stop}) has shape {drawn.shape}, expected "
                    f"({stop - start}, {uncertainty.n_exchanges})"
                )
            multipliers_s, intensity = engine.given(drawn)
        if not np.any(demand):
            return
        x, iterations[start:stop], exact[start:stop] = engine.solve(multipliers_s)
        direct = intensity * x
        scores[start:stop] = direct.sum(axis=1)
        if kept is not None and mask is not None:
            kept[start:stop] = direct[:, mask]

    starts = range(0, runs, size)
    if workers == 1 or len(starts) == 1:
        for start in starts:
            run_chunk(start)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for _ in pool.map(run_chunk, starts):
                pass
    return MonteCarloResult(
        scores=scores,
        iterations=iterations,
        exact=exact,
        method=engine.method,
        seed=seed,
        chunk=size,
        contributions=kept,
        contribution_processes=()
        if mask is None
        else tuple(p for p, m in zip(system.process_ids, mask, strict=True) if m),
    )
