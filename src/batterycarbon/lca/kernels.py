"""Compiled inner loops of the sparse engine (Numba), where NumPy/SciPy calls pay per call.

Two loops dominate large Monte Carlo and many-demand solves, and both are memory-bound
sweeps over a sparse matrix that SciPy can only do one call at a time:

- :func:`deflated_jacobi_runs` iterates each sampled run to convergence while the run's matrix
  values are still in cache (a SciPy product per iteration streams every run's values from
  memory again, and pays a Python round trip per iteration);
- :func:`triangular_solve_rows` is a triangular solve with many
  right-hand sides stored row by row, so each factor entry updates a contiguous row of all
  right-hand sides at once (SuperLU solves them one column at a time).

Every function is plain arithmetic in a fixed order, so a result does not depend on how runs
or columns are grouped. ``nogil=True``: callers run them on several threads. Index arrays are
unsigned (:func:`unsigned`): Numba then skips the negative-index wraparound test on every
gather, which made the inner loop 1.75x slower (52-64 against 36 us per product with a 55 000-
entry matrix, this machine).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np
from numpy.typing import NDArray

_ONE = np.uint32(1)
_F = TypeVar("_F", bound=Callable[..., Any])


def _compiled(function: _F) -> _F:
    """Numba-compile ``function`` (cached on disk, GIL released), keeping its signature for
    type checkers."""
    return cast(_F, numba.njit(cache=True, nogil=True)(function))


def unsigned(index: NDArray[np.integer]) -> NDArray[np.unsignedinteger]:
    """An index array as the kernels want it: uint32, or uint64 past 2**32 - 1."""
    index = np.asarray(index)
    if len(index) and index.min() < 0:
        raise ValueError("index arrays must be >= 0")
    wide = len(index) and int(index.max()) > np.iinfo(np.uint32).max
    return np.ascontiguousarray(index, dtype=np.uint64 if wide else np.uint32)


@_compiled
def deflated_jacobi_runs(
    indptr: NDArray[np.unsignedinteger],
    indices: NDArray[np.unsignedinteger],
    data: NDArray[np.float64],
    multipliers: NDArray[np.floating],
    diagonal: NDArray[np.unsignedinteger],
    unit_diagonal: bool,
    demand: NDArray[np.float64],
    start: NDArray[np.float64],
    u: NDArray[np.float64],
    v: NDArray[np.float64],
    tolerance: float,
    cap: int,
    x_out: NDArray[np.float64],
    iterations_out: NDArray[np.int64],
    converged_out: NDArray[np.bool_],
) -> None:
    """Solve ``A_s x = demand`` for each run ``s`` by deflated Jacobi iteration from ``start``.

    Run s's matrix entries are ``data * multipliers[s]`` in the CSR order of
    ``indptr``/``indices`` (multiplied here, once per run, into a cache-resident row);
    ``diagonal[i]`` is the storage position of entry (i, i). Each update is
    ``D_s^-1 r + along q`` with ``r = demand - A_s x``, ``along = v.r / v.A_s u`` and
    ``q = u - D_s^-1 A_s u`` (the dominant mode ``u``, ``v`` of the deterministic matrix, see
    :func:`batterycarbon.lca.solve.jacobi_deflation`). A run has converged when an update is
    below ``tolerance`` times max|x| (max-norm); it then stops. Writes x, the number of
    updates, and whether the run converged within ``cap`` updates with finite values.
    """
    runs, nnz = multipliers.shape
    n = demand.shape[0]
    row_values = np.empty(nnz)
    x = np.empty(n)
    residual = np.empty(n)
    q = np.empty(n)
    inv_diagonal = np.ones(n)
    for s in range(runs):
        for k in range(nnz):
            row_values[k] = data[k] * np.float64(multipliers[s, k])
        coarse = 0.0
        for i in range(n):
            acc = 0.0
            k, end = indptr[i], indptr[i + 1]
            while k < end:
                acc += row_values[k] * u[indices[k]]
                k += _ONE
            if not unit_diagonal:
                inv_diagonal[i] = 1.0 / row_values[diagonal[i]]
            coarse += v[i] * acc
            q[i] = u[i] - inv_diagonal[i] * acc
        inv_coarse = 1.0 / coarse if coarse != 0.0 else 0.0
        size = 0.0
        for i in range(n):
            x[i] = start[i]
            size = max(size, abs(x[i]))
        converged_out[s] = False
        iterations_out[s] = cap
        for count in range(1, cap + 1):
            projected = 0.0
            for i in range(n):
                acc = 0.0
                k, end = indptr[i], indptr[i + 1]
                while k < end:
                    acc += row_values[k] * x[indices[k]]
                    k += _ONE
                residual[i] = demand[i] - acc
                projected += v[i] * residual[i]
            along = projected * inv_coarse
            change = 0.0
            finite = True
            for i in range(n):
                update = residual[i] * inv_diagonal[i] + along * q[i]
                x[i] += update
                step = abs(update)
                if not np.isfinite(step):
                    finite = False
                elif step > change:
                    change = step
            if not finite:
                iterations_out[s] = count
                break
            if change <= 1e-6 * size:  # x has settled: refresh its norm for the exact test
                size = 0.0
                for i in range(n):
                    size = max(size, abs(x[i]))
            if change <= tolerance * size:
                iterations_out[s] = count
                converged_out[s] = True
                break
        for i in range(n):
            x_out[s, i] = x[i]


@_compiled
def triangular_solve_rows(
    indptr: NDArray[np.unsignedinteger],
    indices: NDArray[np.unsignedinteger],
    data: NDArray[np.float64],
    lower: bool,
    rhs: NDArray[np.float64],
) -> None:
    """In place: ``rhs <- inv(T) rhs`` for a triangular T in CSR, lower or upper (entries on
    the other side of the diagonal are ignored; a missing diagonal counts as 1); ``rhs`` is
    (n, k) C-ordered, one right-hand side per column."""
    n, k = rhs.shape
    for step in range(n):
        i = step if lower else n - 1 - step
        diagonal = 1.0
        p, end = indptr[i], indptr[i + 1]
        while p < end:
            j = indices[p]
            a = data[p]
            p += _ONE
            if (j < i) if lower else (j > i):
                for c in range(k):
                    rhs[i, c] -= a * rhs[j, c]
            elif j == i:
                diagonal = a
        if diagonal != 1.0:
            for c in range(k):
                rhs[i, c] /= diagonal


@_compiled
def jacobi_power(
    indptr: NDArray[np.unsignedinteger],
    indices: NDArray[np.unsignedinteger],
    data: NDArray[np.float64],
    inv_diagonal: NDArray[np.float64],
    transposed: bool,
    start: NDArray[np.float64],
    steps: int,
    u: NDArray[np.float64],
    y: NDArray[np.float64],
    yu: float,
) -> tuple[NDArray[np.float64], float]:
    """Power iteration with the Jacobi map of the CSR matrix M: ``T w = w - D^-1 M w``, or
    with ``transposed`` ``T' w = w - M.T D^-1 w``; when ``yu`` is nonzero each step first
    projects out ``u`` (``w - u (y.w) / yu``). Returns the normalized last iterate and the
    last growth factor (its 2-norm before normalizing)."""
    n = start.shape[0]
    w = start.copy()
    norm = np.sqrt(np.sum(w * w))
    if norm != 0.0:
        w /= norm
    out = np.empty(n)
    growth = 0.0
    for _ in range(steps):
        if yu != 0.0:
            along = np.sum(y * w) / yu
            for i in range(n):
                w[i] -= u[i] * along
        if transposed:
            for i in range(n):
                out[i] = w[i]
            for i in range(n):
                scaled = inv_diagonal[i] * w[i]
                p, end = indptr[i], indptr[i + 1]
                while p < end:
                    out[indices[p]] -= data[p] * scaled
                    p += _ONE
        else:
            for i in range(n):
                acc = 0.0
                p, end = indptr[i], indptr[i + 1]
                while p < end:
                    acc += data[p] * w[indices[p]]
                    p += _ONE
                out[i] = w[i] - inv_diagonal[i] * acc
        growth = np.sqrt(np.sum(out * out))
        scale = 1.0 / growth if growth != 0.0 else 1.0
        for i in range(n):
            w[i] = out[i] * scale
    return w, growth


@_compiled
def deflated_jacobi_block(
    indptr: NDArray[np.unsignedinteger],
    indices: NDArray[np.unsignedinteger],
    data: NDArray[np.float64],
    inv_diagonal: NDArray[np.float64],
    unit_diagonal: bool,
    v: NDArray[np.float64],
    q: NDArray[np.float64],
    inv_coarse: float,
    rhs: NDArray[np.float64],
    tolerance: float,
    max_iterations: int,
    x: NDArray[np.float64],
    converged: NDArray[np.bool_],
) -> None:
    """Deflated Jacobi for many right-hand sides, ``rhs`` and ``x`` (n, k) C-ordered, so that
    each matrix entry updates a contiguous row of all k columns.

    The arithmetic of :func:`batterycarbon.lca.solve.deflated_jacobi` column by column: start
    ``D^-1 rhs``; update ``D^-1 r + q (v.r) inv_coarse`` with ``r = rhs - M x``; a column stops
    changing the iteration its update is below ``tolerance`` times max|x| (max-norm).
    """
    n, k = rhs.shape
    residual = np.empty((n, k))
    along = np.empty(k)
    change = np.empty(k)
    size = np.zeros(k)
    live = np.ones(k, dtype=np.bool_)
    for i in range(n):
        for c in range(k):
            x[i, c] = rhs[i, c] * inv_diagonal[i]
            size[c] = max(size[c], abs(x[i, c]))
    remaining = k
    for _ in range(max_iterations):
        for c in range(k):
            along[c] = 0.0
            change[c] = 0.0
        for i in range(n):
            for c in range(k):
                residual[i, c] = rhs[i, c]
            p, end = indptr[i], indptr[i + 1]
            while p < end:
                a = data[p]
                j = indices[p]
                for c in range(k):
                    residual[i, c] -= a * x[j, c]
                p += _ONE
            for c in range(k):
                along[c] += v[i] * residual[i, c]
        for c in range(k):
            along[c] *= inv_coarse
        for i in range(n):
            scale = 1.0 if unit_diagonal else inv_diagonal[i]
            for c in range(k):
                if live[c]:
                    update = residual[i, c] * scale + q[i] * along[c]
                    x[i, c] += update
                    step = abs(update)
                    if step > change[c]:
                        change[c] = step
                    elif step != step:  # NaN: never converges
                        change[c] = np.inf
        for c in range(k):
            if not live[c]:
                continue
            if change[c] <= 1e-6 * size[c]:  # settled: refresh the norm for the exact test
                size[c] = 0.0
                for i in range(n):
                    size[c] = max(size[c], abs(x[i, c]))
            if change[c] <= tolerance * size[c]:
                live[c] = False
                remaining -= 1
        if remaining == 0:
            break
    for c in range(k):
        converged[c] = not live[c]
