"""Vectorized Monte Carlo and many-demand solves against exact per-sample solves."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from batterycarbon.lca import (
    LognormalUncertainty,
    ProductSystem,
    Solver,
    SystemBuilder,
    draw_multipliers,
    monte_carlo,
    sample_system,
    solve_many,
)
from batterycarbon.lca.sampling import standard_normals
from batterycarbon.lca.synthetic import synthetic_system

RUNS = 60


@pytest.fixture(scope="module")
def background():
    return synthetic_system(500, seed=3)


def exact_scores(system, uncertainty, demand, runs, seed):
    """Each run's footprint from its own sampled system, factorized afresh."""
    multipliers = draw_multipliers(uncertainty, runs, seed=seed)
    return np.array(
        [Solver(sample_system(system, uncertainty, m)).solve(demand).total for m in multipliers]
    )


@pytest.mark.parametrize("method", ["jacobi", "lu"])
def test_every_run_matches_an_exact_solve_of_its_sample(background, method):
    system, uncertainty = background.system, background.uncertainty()
    demand = system.demand({"p7": 2.0})
    result = monte_carlo(system, uncertainty, demand, RUNS, seed=11, method=method)
    expected = exact_scores(system, uncertainty, demand, RUNS, seed=11)
    np.testing.assert_allclose(result.scores, expected, rtol=1e-9)
    assert result.method == method
    assert not result.exact.any()
    assert result.iterations.min() > 0 and result.iterations.max() < 40


def test_contributions_are_each_runs_direct_emissions(background):
    system, uncertainty = background.system, background.uncertainty()
    demand = system.demand({"p0": 1.0})
    mask = np.zeros(system.size, dtype=bool)
    mask[[0, 5, 17]] = True
    result = monte_carlo(system, uncertainty, demand, 5, seed=2, contributions=mask)
    assert result.contribution_processes == ("p0", "p5", "p17")
    assert result.contributions is not None
    for run, m in enumerate(draw_multipliers(uncertainty, 5, seed=2)):
        exact = Solver(sample_system(system, uncertainty, m)).solve(demand)
        np.testing.assert_allclose(
            result.contributions[run], exact.direct_contributions()[mask], rtol=1e-9
        )


def test_same_seed_same_numbers_other_seed_other_numbers(background):
    system, uncertainty = background.system, background.uncertainty()
    demand = system.demand({"p1": 1.0})
    first = monte_carlo(system, uncertainty, demand, 20, seed=5)
    again = monte_carlo(system, uncertainty, demand, 20, seed=5)
    other = monte_carlo(system, uncertainty, demand, 20, seed=6)
    np.testing.assert_array_equal(first.scores, again.scores)
    assert not np.any(first.scores == other.scores)


def test_chunk_size_threads_and_memory_budget_do_not_change_any_bit(background):
    system, uncertainty = background.system, background.uncertainty()
    demand = system.demand({"p3": 1.0})
    reference = monte_carlo(system, uncertainty, demand, 30, seed=8, chunk=30, threads=1)
    for kwargs in (
        {"chunk": 1, "threads": 1},
        {"chunk": 7, "threads": 2},
        {"memory_mb": 0.5, "threads": 2},
    ):
        result = monte_carlo(system, uncertainty, demand, 30, seed=8, **kwargs)
        np.testing.assert_array_equal(result.scores, reference.scores, err_msg=str(kwargs))
        np.testing.assert_array_equal(result.iterations, reference.iterations)


def test_a_run_can_be_redrawn_alone(background):
    uncertainty = background.uncertainty()
    all_runs = draw_multipliers(uncertainty, 10, seed=4)
    np.testing.assert_array_equal(draw_multipliers(uncertainty, [7, 2], seed=4), all_runs[[7, 2]])


def test_caller_supplied_multipliers_array_or_callable(background):
    system, uncertainty = background.system, background.uncertainty()
    demand = system.demand({"p9": 1.0})
    drawn = draw_multipliers(uncertainty, 12, seed=21)
    internal = monte_carlo(system, uncertainty, demand, 12, seed=21)
    given = monte_carlo(system, uncertainty, demand, 12, multipliers=drawn, chunk=5)
    by_callable = monte_carlo(
        system, uncertainty, demand, 12, multipliers=lambda a, b: drawn[a:b], chunk=4
    )
    np.testing.assert_array_equal(given.scores, internal.scores)
    np.testing.assert_array_equal(by_callable.scores, internal.scores)
    with pytest.raises(ValueError, match="one row per run"):
        monte_carlo(system, uncertainty, demand, 13, multipliers=drawn)


def two_plants_one_grid():
    """Two plants each buying grid power; the grid's emission factor is one shared factor."""
    b = SystemBuilder()
    for pid in ("pack", "cell_plant", "cathode_plant", "grid"):
        b.add_process(pid)
    b.add_input("pack", "cell_plant", 1.0)
    b.add_input("pack", "cathode_plant", 0.8)
    b.add_input("cell_plant", "grid", 30.0)
    b.add_input("cathode_plant", "grid", 12.0)
    b.add_emission("cell_plant", 5.0)
    b.add_emission("grid", 0.5)
    return b.build()


def test_shared_factor_draws_one_number_for_all_its_exchanges():
    system = two_plants_one_grid()
    index = system.index
    uncertainty = LognormalUncertainty(
        technosphere_rows=[index["grid"], index["grid"]],
        technosphere_cols=[index["cell_plant"], index["cathode_plant"]],
        technosphere_sigma=[0.2, 0.2],
        biosphere_rows=[0],
        biosphere_cols=[index["grid"]],
        biosphere_sigma=[0.3],
        factor=[0, 0, 1],  # both plants' grid use move together; the grid factor alone
    )
    m = draw_multipliers(uncertainty, 50, seed=1)
    np.testing.assert_array_equal(m[:, 0], m[:, 1])
    assert not np.allclose(m[:, 0], m[:, 2])
    demand = system.demand({"pack": 1.0})
    result = monte_carlo(system, uncertainty, demand, 50, seed=1)
    np.testing.assert_allclose(
        result.scores, exact_scores(system, uncertainty, demand, 50, seed=1), rtol=1e-9
    )


def strong_loop(sigma: float):
    """Two processes buying half of each other's output: far from the deterministic matrix
    when the inputs vary a lot, so refinement with its factors diverges for some runs."""
    b = SystemBuilder()
    b.add_process("a")
    b.add_process("b")
    b.add_input("a", "b", 0.5)
    b.add_input("b", "a", 0.5)
    b.add_emission("a", 1.0)
    b.add_emission("b", 2.0)
    system = b.build()
    uncertainty = LognormalUncertainty(
        technosphere_rows=[1, 0], technosphere_cols=[0, 1], technosphere_sigma=[sigma, sigma]
    )
    return system, uncertainty


def test_runs_that_do_not_converge_fall_back_to_their_own_factorization():
    system, uncertainty = strong_loop(sigma=0.8)
    demand = system.demand({"a": 1.0})
    result = monte_carlo(system, uncertainty, demand, 200, seed=3, method="lu")
    assert result.exact.any() and not result.exact.all()
    np.testing.assert_allclose(
        result.scores, exact_scores(system, uncertainty, demand, 200, seed=3), rtol=1e-9
    )


def test_an_iteration_cap_sends_every_run_to_the_exact_solve(background):
    system, uncertainty = background.system, background.uncertainty()
    demand = system.demand({"p2": 1.0})
    result = monte_carlo(system, uncertainty, demand, 8, seed=9, max_iterations=2)
    assert result.exact.all()
    np.testing.assert_allclose(
        result.scores, exact_scores(system, uncertainty, demand, 8, seed=9), rtol=1e-12
    )


def test_draws_are_standard_normal_and_lognormal_multipliers_have_the_given_sigma():
    z = standard_normals(seed=0, run=0, count=200_001).astype(np.float64)
    assert len(z) == 200_001
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01
    uncertainty = LognormalUncertainty([0], [1], [0.1])
    log_m = np.log(draw_multipliers(uncertainty, 20_000, seed=0)[:, 0])
    assert abs(log_m.mean()) < 0.003 and abs(log_m.std() - 0.1) < 0.003


def test_uncertainty_on_an_entry_the_system_does_not_have_is_rejected():
    system = two_plants_one_grid()
    wrong = LognormalUncertainty([0], [3], [0.1])  # the pack buys nothing from the grid
    with pytest.raises(ValueError, match=r"entry \(0, 3\).*not an exchange"):
        monte_carlo(system, wrong, system.demand({"pack": 1.0}), 3)
    twice = LognormalUncertainty([1, 1], [0, 0], [0.1, 0.1])
    with pytest.raises(ValueError, match="same entry twice"):
        monte_carlo(system, twice, system.demand({"pack": 1.0}), 3)


@pytest.mark.parametrize("method", ["lu", "iterative", "auto"])
def test_many_demands_match_one_solve_per_demand(background, method):
    system = background.system
    demands = np.zeros((system.size, 6))
    demands[[0, 10, 50, 90, 200, 399], np.arange(6)] = [1.0, 2.0, 0.5, 1.0, 3.0, 1.0]
    many = solve_many(system, demands, scaling=True, method=method)
    solver = Solver(system)
    for k in range(6):
        one = solver.solve(demands[:, k])
        assert many.totals[k] == pytest.approx(one.total, rel=1e-10)
        assert many.scaling is not None
        # The iteration's accuracy is relative to the largest entry (max-norm), 1e-12.
        largest = np.abs(one.scaling).max()
        np.testing.assert_allclose(many.scaling[:, k], one.scaling, rtol=0, atol=1e-11 * largest)
    np.testing.assert_allclose(many.direct_contributions().sum(axis=0), many.totals, rtol=1e-10)


def test_many_demands_reject_a_wrongly_shaped_block(background):
    with pytest.raises(ValueError, match="one column per functional unit"):
        solve_many(background.system, np.ones((3, 2)))


def test_synthetic_background_has_the_promised_shape():
    first, again = synthetic_system(1000, seed=1), synthetic_system(1000, seed=1)
    np.testing.assert_array_equal(first.technosphere.values, again.technosphere.values)
    a = first.system.technosphere.toarray()
    np.testing.assert_array_equal(np.diag(a), 1.0)
    inputs = -(a - np.diag(np.diag(a)))
    assert inputs.min() >= 0 and inputs.sum(axis=0).max() < 1  # column diagonally dominant
    per_process = (inputs > 0).sum(axis=0)
    assert 9 <= per_process.mean() <= 10
    assert len(first.hubs) == 10
    hub_share = (inputs[first.hubs] > 0).sum() / (inputs > 0).sum()
    assert 0.45 <= hub_share <= 0.55  # half of all inputs come from 1 % of the processes


def test_block_solve_on_superlu_factors_matches_a_dense_solve_when_pivoting_is_needed():
    """The compiled row-wise triangular solves must undo SuperLU's row and column
    permutations: a matrix with zeros on its diagonal forces row pivoting."""
    rng = np.random.default_rng(7)
    n = 60
    dense = rng.uniform(-1, 1, size=(n, n)) * (rng.random((n, n)) < 0.15)
    dense[np.arange(n), np.arange(n)] = 0.0
    dense[np.arange(n), rng.permutation(n)] += 3.0  # nonsingular, pivots off the diagonal
    assert np.any(np.diag(dense) == 0)
    system = ProductSystem(
        tuple(f"q{j}" for j in range(n)),
        sp.csc_matrix(dense),
        sp.csr_matrix(np.ones((1, n))),
        np.ones(1),
        ("co2",),
    )
    block = rng.uniform(0, 1, size=(n, 7))
    expected = np.linalg.solve(dense, block)
    solver = Solver(system)
    np.testing.assert_allclose(solver.scaling(block), expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(solver.scaling(block[:, 0]), expected[:, 0], rtol=1e-10)
