"""Monte Carlo, common random numbers, sensitivity, pedigree, sweeps (local and on Dask)."""

from __future__ import annotations

import json
import math
import random

import numpy as np
import pytest
from typer.testing import CliRunner

from batterycarbon.battery import Options, footprint, load_design
from batterycarbon.battery.uncertainty import monte_carlo, sensitivity, summary
from batterycarbon.cli import app
from batterycarbon.errors import InputError
from batterycarbon.factors.model import DataQuality
from batterycarbon.factors.pedigree import pedigree_gsd, pedigree_variance_ln
from batterycarbon.scenarios.sweep import parse_vary, sweep

runner = CliRunner()


def test_pedigree_matches_a_hand_calculation():
    # basic 0.0006 + reliability(P=4) 0.008 + temporal(2) 0.0002 + geographical(2) 0.000025
    # + technological(3) 0.008 = 0.016825 (Weidema et al. 2013, tables 10.4-10.5)
    q = DataQuality(technological=3, geographical=2, time=2, precision=4)
    assert pedigree_variance_ln(q) == pytest.approx(0.016825)
    assert pedigree_gsd(q) == pytest.approx(math.exp(math.sqrt(0.016825)))
    best = DataQuality(technological=1, geographical=1, time=1, precision=1)
    assert pedigree_gsd(best) == pytest.approx(math.exp(math.sqrt(0.0006)))


def test_same_seed_same_numbers_whatever_the_chunk(open_library):
    design = load_design("ncm811-prismatic")
    a = monte_carlo(design, open_library, runs=500, seed=7)
    b = monte_carlo(design, open_library, runs=500, seed=7, chunk=33)
    c = monte_carlo(design, open_library, runs=500, seed=8)
    assert np.array_equal(a.total, b.total)
    assert not np.array_equal(a.total, c.total)


def test_samples_add_up_and_bracket_the_deterministic_result(open_library):
    design = load_design("lfp-prismatic")
    samples = monte_carlo(design, open_library, runs=2000, seed=1)
    np.testing.assert_allclose(sum(samples.stages.values()), samples.total, rtol=1e-10)
    np.testing.assert_allclose(sum(samples.components.values()), samples.total, rtol=1e-10)
    deterministic = footprint(design, open_library).total_kgco2e_per_kwh
    stats = summary(samples.total)
    assert stats["p2_5"] < deterministic < stats["p97_5"]
    assert len(samples.inputs) > 30


def test_deterministic_values_equal_the_footprint_and_are_reported(open_library):
    """The deterministic column is the footprint with every input at its library value; the
    footprint module computes it by another route (sparse solve and its own attribution)."""
    design = load_design("ncm811-prismatic")
    samples = monte_carlo(design, open_library, runs=50, seed=3)
    result = footprint(design, open_library)
    assert samples.deterministic["total"] == pytest.approx(result.total_kgco2e_per_kwh, rel=1e-9)
    for kind, expected in (("stages", result.stages), ("components", result.components)):
        for key, value in expected.items():
            assert samples.point(kind, key) == pytest.approx(value, rel=1e-9, abs=1e-9), key
    shown = json.loads(
        runner.invoke(
            app, ["uncertainty", "ncm811-prismatic", "--runs", "50", "--format", "json"]
        ).stdout
    )
    assert shown["deterministic"] == pytest.approx(result.total_kgco2e_per_kwh, rel=1e-9)
    assert shown["stages"]["production"]["deterministic"] == pytest.approx(
        result.stages["production"], rel=1e-9
    )


def test_one_sample_equals_an_exact_solve_with_the_same_inputs(open_library):
    """Take run 0's multipliers, rebuild that system by hand and solve it directly."""
    from batterycarbon.battery import build_system

    design = load_design("ncm622-prismatic")
    samples = monte_carlo(design, open_library, runs=3, seed=3)
    bsys = build_system(design, open_library)
    a = bsys.system.technosphere.toarray()
    b = bsys.system.direct_intensity().copy()
    for k, u in enumerate(samples.inputs):
        if u.col < 0:
            b[u.row] *= samples.multipliers[0, k]
        else:
            a[u.row, u.col] *= samples.multipliers[0, k]
    scaling = np.linalg.solve(a, bsys.system.demand({"pack": 1.0}))
    assert samples.total[0] == pytest.approx(b @ scaling / bsys.pack_capacity_kwh, rel=1e-12)


def test_common_random_numbers_make_a_design_equal_to_itself(open_library):
    design = load_design("ncm811-prismatic")
    a = monte_carlo(design, open_library, runs=300, seed=5)
    b = monte_carlo(design, open_library, runs=300, seed=5)
    assert np.array_equal(a.total, b.total)
    # a greener variant shares every other draw, so it is lower in every single run
    greener = monte_carlo(
        design, open_library, runs=300, seed=5, options=Options(green={"cell": 1.0})
    )
    assert np.all(greener.total < a.total)


def test_compare_reports_the_probability_a_is_lower():
    result = runner.invoke(app, ["compare", "ncm811-prismatic", "ncm111-prismatic", "--runs", "300",
                                 "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert 0.9 < data["probability_a_lower"] <= 1.0
    same = json.loads(runner.invoke(app, ["compare", "lfp-prismatic", "lfp-prismatic", "--runs", "100",
                                          "--format", "json"]).stdout)  # fmt: skip
    assert same["probability_a_lower"] == 0.0


def test_uncertainty_json_has_the_statistics():
    result = runner.invoke(
        app, ["uncertainty", "lfp-prismatic", "--runs", "200", "--seed", "3", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key in ("mean", "median", "p2_5", "p97_5"):
        assert (
            key in data
            and key in data["stages"]["raw_materials"]
            and key in data["components"]["cathode"]
        )
    again = json.loads(runner.invoke(app, ["uncertainty", "lfp-prismatic", "--runs", "200", "--seed", "3",
                                           "--format", "json"]).stdout)  # fmt: skip
    assert again == data


def test_sensitivity_ranks_inputs(open_library):
    """The statistics are Spearman's rho (scipy's own), its square, and the square's share of
    all inputs' squares; the top factor of ncm811-prismatic is the Chinese wrought aluminium
    alloy, as the linear estimate says: its contribution (29.3 kg CO2e/kWh) times its
    multiplier's spread (about 0.22) is the largest, ahead of the grid (38.4 x 0.14) and the BMS
    electronics (2.7 x 1.09). Nickel sulfate, the top factor before open-2026.1, is now a market
    of three routes whose spreads partly cancel."""
    from scipy.stats import spearmanr

    design = load_design("ncm811-prismatic")
    samples = monte_carlo(design, open_library, runs=1000, seed=2)
    rows = sensitivity(samples, top=len(samples.inputs))
    assert rows == sorted(rows, key=lambda r: -float(r["rho_squared"]))
    column = {u.key: k for k, u in enumerate(samples.inputs)}
    for row in rows:
        rho = spearmanr(samples.multipliers[:, column[str(row["input"])]], samples.total)[0]
        assert row["spearman_rho"] == pytest.approx(rho, rel=1e-9, abs=1e-12)
        assert row["rho_squared"] == pytest.approx(rho * rho, rel=1e-9, abs=1e-12)
    squares = sum(float(r["rho_squared"]) for r in rows)
    assert sum(float(r["share_of_variance"]) for r in rows) == pytest.approx(1.0)
    assert rows[0]["share_of_variance"] == pytest.approx(float(rows[0]["rho_squared"]) / squares)

    factors = footprint(design, open_library).factors
    contributions = {f"factor:{f['id']}": f["kgco2e_per_kwh"] for f in factors}
    spread = samples.multipliers.std(axis=0)
    linear = {
        u.key: contributions.get(u.key, 0.0) * spread[k] for k, u in enumerate(samples.inputs)
    }
    # the top factor row (model parameters such as the cell plant's energy rank beside them)
    top_factor = next(r for r in rows if str(r["input"]).startswith("factor:"))
    assert (
        top_factor["input"]
        == max(linear, key=linear.__getitem__)
        == "factor:aluminium_wrought_alloy:CN:2015"
    )
    assert sensitivity(samples, top=5) == rows[:5]


def test_sweep_equals_direct_footprints(open_library):
    design = load_design("ncm811-prismatic")
    varies = parse_vary(
        ["cell.country=CN,HU,US", "green.cell=0,0.5,1", "green.cathode=0,0.3", "recycled.Ni=0,0.15"]
    )
    result = sweep(design, open_library, varies)
    assert len(result.totals) == 3 * 3 * 2 * 2
    for k in random.Random(0).sample(range(len(result.totals)), 8):
        v = result.variants[k]
        options = Options(plants={"cell": v["plants.cell"]},
                          green={"cell": float(v["green.cell"]), "cathode": float(v["green.cathode"])},
                          recycled_content={"Ni": float(v["recycled.Ni"])})  # fmt: skip
        assert result.totals[k] == pytest.approx(
            footprint(design, open_library, options).total_kgco2e_per_kwh, rel=1e-10
        )


def test_bad_vary_items_are_rejected():
    with pytest.raises(InputError, match="KEY=V1,V2"):
        parse_vary(["kitchen.country=CN"])
    with pytest.raises(InputError, match="0..1"):
        sweep(load_design("lfp-prismatic"), None, parse_vary(["green.cell=0,2"]))  # type: ignore[arg-type]


def test_sweep_on_a_dask_cluster_equals_the_local_run(open_library):
    from distributed import LocalCluster

    design = load_design("lfp-prismatic")
    varies = parse_vary(["cell.country=CN,SE", "pack.country=CN,PL", "green.anode=0,1"])
    local = sweep(design, open_library, varies)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        distributed = sweep(design, open_library, varies, scheduler=cluster.scheduler_address)
    assert np.array_equal(local.totals, distributed.totals)
    assert local.variants == distributed.variants


def _factor(**uncertainty):
    from batterycarbon.factors.model import Factor, Source

    return Factor(
        id="x:GLO:2020",
        flow="x",
        name="x",
        value=2.0,
        unit="kg CO2e / kg",
        region="GLO",
        year=2020,
        source=Source(id="s", citation="A citation of ten chars"),
        quality=DataQuality(technological=3, geographical=2, time=2, precision=4),
        uncertainty=uncertainty or None,
    )


SIGMA = math.sqrt(0.016825)  # pedigree of the rating (3, 2, 2, 4), see the hand calculation above


@pytest.mark.parametrize(
    ("uncertainty", "mean", "p2_5", "p97_5"),
    [
        ({}, math.exp(SIGMA**2 / 2), math.exp(-1.96 * SIGMA), math.exp(1.96 * SIGMA)),
        ({"distribution": "uniform", "minimum": 1.0, "maximum": 3.0}, 1.0, 0.525, 1.475),
        ({"distribution": "normal", "minimum": 1.0, "maximum": 3.0}, 1.0, 0.5, 1.5),
        ({"distribution": "triangular", "minimum": 1.0, "mode": 2.0, "maximum": 4.0}, 7 / 6,
         0.5 + math.sqrt(0.025 * 1.5 * 0.5), 2.0 - math.sqrt(0.025 * 1.5 * 1.0)),
    ],
)  # fmt: skip
def test_every_distribution_samples_around_the_value(uncertainty, mean, p2_5, p97_5):
    """Multipliers of the value 2.0: mean and 95 % interval as the distribution's formulas say."""
    from batterycarbon.battery.uncertainty import draw_multipliers, factor_sampler

    draws = draw_multipliers("k", 1, 200_000, factor_sampler(_factor(**uncertainty)))
    assert draws.mean() == pytest.approx(mean, rel=0.01)
    low, high = np.percentile(draws, [2.5, 97.5])
    assert low == pytest.approx(p2_5, abs=0.01) and high == pytest.approx(p97_5, abs=0.01)
