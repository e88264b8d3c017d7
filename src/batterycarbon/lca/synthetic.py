"""Synthetic product systems shaped like a background database, for benchmarks and tests.

The shape follows what makes real background databases (ecoinvent and the like) hard for a
sparse solver: a few *hub* suppliers that almost every process buys from (electricity, heat and
transport markets) next to many local supply chains. Each of the ``n`` processes

* produces one unit of its own product (diagonal of A is 1, no uncertainty);
* buys ``inputs_per_process // 2`` products from hub suppliers, about ``n / 100`` of them,
  picked without replacement with Zipf weights ``1 / rank**zipf_exponent`` (a few hubs supply
  nearly everyone, as the electricity markets do);
* buys the other inputs from suppliers whose index is within ``neighbour_window`` of its own,
  picked uniformly without replacement (a local chain: ore -> concentrate -> metal -> part);
* emits one flow (kg CO2e per unit output, characterization factor 1).

Input coefficients are uniform in ``coefficient_range`` (units of input per unit of output), so
each column of ``I - A``'s off-diagonal part sums to at most ``inputs_per_process *
max(coefficient_range)`` < 1: A is column diagonally dominant, hence non-singular, and every
total is positive. Every input and every emission carries a lognormal uncertainty with
geometric standard deviation ``exp(sigma)`` around the stated (median) value, as in the
pedigree-matrix uncertainties of ecoinvent.

The same seed gives the same system, bit for bit.

References
----------
Heijungs, R. & Suh, S. (2002). The Computational Structure of Life Cycle Assessment. Kluwer.
Weidema, B. P. et al. (2013). Overview and methodology: Data quality guideline for the
ecoinvent database version 3. ecoinvent Report 1(v3). (lognormal basic uncertainty)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from batterycarbon.lca.sampling import LognormalUncertainty
from batterycarbon.lca.system import ProductSystem


@dataclass(frozen=True)
class MatrixEntries:
    """A sparse matrix as COO arrays, one entry per position (no duplicates).

    ``values`` are in the engine's sign convention (technosphere inputs negative); ``sigma`` is
    the lognormal shape parameter of each entry (standard deviation of ``ln(value)``), 0 where
    the entry is certain.
    """

    rows: NDArray[np.int64]
    cols: NDArray[np.int64]
    values: NDArray[np.float64]
    sigma: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.values)

    def uncertain(self) -> NDArray[np.bool_]:
        return self.sigma > 0


@dataclass(frozen=True)
class SyntheticSystem:
    """A generated product system with its raw matrix entries and uncertainties."""

    system: ProductSystem
    technosphere: MatrixEntries
    biosphere: MatrixEntries
    characterization: NDArray[np.float64]
    hubs: NDArray[np.int64]

    def uncertainty(self) -> LognormalUncertainty:
        """Every uncertain technosphere input and emission, each with its own independent draw."""
        tech, bio = self.technosphere, self.biosphere
        t, b = tech.uncertain(), bio.uncertain()
        return LognormalUncertainty(
            technosphere_rows=tech.rows[t],
            technosphere_cols=tech.cols[t],
            technosphere_sigma=tech.sigma[t],
            biosphere_rows=bio.rows[b],
            biosphere_cols=bio.cols[b],
            biosphere_sigma=bio.sigma[b],
        )


def _top_k_without_replacement(
    rng: np.random.Generator, log_weights: NDArray[np.float64], k: int
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Per row, ``k`` column indices drawn without replacement with probability ~ weights.

    Gumbel-top-k: the ``k`` largest of ``log w + Gumbel noise`` are a weighted sample without
    replacement (Kool, van Hoof & Welling 2019, "Stochastic beams and where to find them").
    Columns with weight 0 (``log_weights == -inf``) are drawn only where a row has fewer than
    ``k`` others, and are then flagged False in the returned mask.
    """
    keys = log_weights + rng.gumbel(size=log_weights.shape)
    top = np.argpartition(-keys, k - 1, axis=1)[:, :k]
    drawn = np.isfinite(np.take_along_axis(keys, top, axis=1))
    return np.asarray(top, dtype=np.int64), drawn


def synthetic_system(
    n_processes: int,
    *,
    inputs_per_process: int = 10,
    n_hubs: int | None = None,
    zipf_exponent: float = 1.0,
    neighbour_window: int = 30,
    coefficient_range: tuple[float, float] = (0.001, 0.08),
    emission_range_kg: tuple[float, float] = (0.1, 10.0),
    sigma: float = 0.1,
    seed: int = 0,
) -> SyntheticSystem:
    """Generate a background-database-like product system (see the module docstring).

    ``n_hubs`` defaults to ``max(1, n_processes // 100)``. Raises ``ValueError`` if the
    parameters cannot give a diagonally dominant system (``inputs_per_process *
    coefficient_range[1] >= 1``) or ask for more inputs than there are suppliers.
    """
    n = n_processes
    hubs_count = max(1, n // 100) if n_hubs is None else n_hubs
    hub_inputs = inputs_per_process // 2
    local_inputs = inputs_per_process - hub_inputs
    low, high = coefficient_range
    if not 0 < low <= high or inputs_per_process * high >= 1:
        raise ValueError(
            f"coefficient_range {coefficient_range} with {inputs_per_process} inputs: "
            "expected 0 < low <= high and inputs_per_process * high < 1 (diagonal dominance)"
        )
    if hub_inputs > hubs_count or local_inputs > min(neighbour_window, n - 1):
        raise ValueError(
            f"{inputs_per_process} inputs per process need at least {hub_inputs} hubs "
            f"(got {hubs_count}) and a neighbour window of at least {local_inputs} "
            f"(got {neighbour_window}) within {n} processes"
        )
    rng = np.random.default_rng(seed)
    consumers = np.arange(n)
    hubs = np.sort(rng.choice(n, size=hubs_count, replace=False)).astype(np.int64)

    # Hub inputs: Zipf weights by a random rank, no process buys from itself.
    rank = rng.permutation(hubs_count) + 1
    log_weights = np.broadcast_to(-zipf_exponent * np.log(rank), (n, hubs_count)).copy()
    log_weights[hubs, np.arange(hubs_count)] = -np.inf
    hub_picks, hub_drawn = _top_k_without_replacement(rng, log_weights, hub_inputs)

    # Local inputs: uniform among the neighbours within the window that exist.
    offsets = np.concatenate([np.arange(-neighbour_window, 0), np.arange(1, neighbour_window + 1)])
    candidates = consumers[:, None] + offsets[None, :]
    valid = (candidates >= 0) & (candidates < n)
    picks, local_drawn = _top_k_without_replacement(
        rng, np.where(valid, 0.0, -np.inf), local_inputs
    )
    local_suppliers = np.take_along_axis(candidates, picks, axis=1)

    # A hub buys from the other hubs only: with few hubs it has one hub input less.
    suppliers = np.concatenate([hubs[hub_picks], local_suppliers], axis=1)
    drawn = np.concatenate([hub_drawn, local_drawn], axis=1)
    users = np.broadcast_to(consumers[:, None], suppliers.shape)
    amounts = rng.uniform(low, high, size=suppliers.shape)[drawn]
    suppliers, users = suppliers[drawn], users[drawn]
    # A hub that is also a neighbour can be picked twice: sum, as a bill of materials would.
    key, inverse = np.unique(users * n + suppliers, return_inverse=True)
    summed = np.bincount(inverse, weights=amounts, minlength=len(key))
    input_rows, input_cols = key % n, key // n

    tech_rows = np.concatenate([consumers, input_rows]).astype(np.int64)
    tech_cols = np.concatenate([consumers, input_cols]).astype(np.int64)
    tech_values = np.concatenate([np.ones(n), -summed])
    tech_sigma = np.concatenate([np.zeros(n), np.full(len(key), sigma)])

    emissions_kg = rng.uniform(*emission_range_kg, size=n)
    technosphere = MatrixEntries(tech_rows, tech_cols, tech_values, tech_sigma)
    biosphere = MatrixEntries(
        np.zeros(n, dtype=np.int64), consumers.astype(np.int64), emissions_kg, np.full(n, sigma)
    )
    characterization = np.ones(1)
    system = ProductSystem(
        process_ids=tuple(f"p{j}" for j in range(n)),
        technosphere=sp.csc_matrix((tech_values, (tech_rows, tech_cols)), shape=(n, n)),
        biosphere=sp.csr_matrix((emissions_kg, (biosphere.rows, biosphere.cols)), shape=(1, n)),
        characterization=characterization,
    )
    return SyntheticSystem(system, technosphere, biosphere, characterization, hubs)
