"""The generic matrix engine against hand-computed systems."""

from __future__ import annotations

import numpy as np
import pytest

from batterycarbon.lca import Solver, SystemBuilder


def two_level_system():
    # product: 1 unit needs 2 kg steel and 3 kWh; steel needs 0.5 kWh/kg.
    # steel emits 1.5 kg/kg directly, electricity 0.4 kg/kWh.
    b = SystemBuilder()
    for pid in ("product", "steel", "electricity"):
        b.add_process(pid)
    b.add_input("product", "steel", 2.0)
    b.add_input("product", "electricity", 3.0)
    b.add_input("steel", "electricity", 0.5)
    b.add_emission("steel", 1.5)
    b.add_emission("electricity", 0.4)
    return b.build()


def test_total_matches_hand_calculation():
    system = two_level_system()
    solution = Solver(system).solve(system.demand({"product": 1.0}))
    # steel: 2 * 1.5 = 3.0; electricity: (3 + 2 * 0.5) * 0.4 = 1.6
    assert solution.total == pytest.approx(4.6)
    np.testing.assert_allclose(solution.scaling, [1.0, 2.0, 4.0])
    np.testing.assert_allclose(solution.direct_contributions(), [0.0, 3.0, 1.6])


def test_intensities_are_cumulative_footprints_per_unit():
    solver = Solver(two_level_system())
    np.testing.assert_allclose(solver.intensity, [4.6, 1.7, 0.4])


def test_attribution_to_foreground_sums_to_total():
    system = two_level_system()
    solution = Solver(system).solve(system.demand({"product": 1.0}))
    fg = np.array([True, True, False])
    attributed = solution.attributed_contributions(fg)
    # product: its 3 kWh = 1.2; steel: direct 3.0 + its 1 kWh = 0.4
    np.testing.assert_allclose(attributed, [1.2, 3.4, 0.0])
    assert attributed.sum() == pytest.approx(solution.total)


def test_many_demands_after_one_factorization():
    system = two_level_system()
    solver = Solver(system)
    demands = np.column_stack([system.demand({"product": k}) for k in (1.0, 2.0, 0.0)])
    np.testing.assert_allclose(solver.totals(demands), [4.6, 9.2, 0.0])


def test_negative_input_is_rejected():
    b = SystemBuilder()
    b.add_process("a")
    b.add_process("b")
    with pytest.raises(ValueError, match="must be >= 0"):
        b.add_input("a", "b", -1.0)
