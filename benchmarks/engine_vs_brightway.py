"""The batterycarbon engine against Brightway (bw2calc) on the same synthetic technospheres.

For each size N (default 500, 5 000 and 20 000 processes) the same system (see
``batterycarbon.lca.synthetic``: ~10 inputs per process, half from Zipf-weighted hubs, half from
neighbours within +-30, lognormal sigma 0.1 on every input and emission) is built in both
engines and timed, in one process:

1. one deterministic LCA (matrices from arrays, factorization, solve, score);
2. 100 functional units after one factorization (scores only, and with supply arrays);
3. Monte Carlo, 1 000 iterations, checked against exact solves of a subset of its samples
   (relative 1e-9), with the peak resident memory each engine adds while it runs;
4. the top-10 processes by direct contribution, after the deterministic LCA.

Every Brightway configuration that applies is timed (``LCA`` with PARDISO, ``IterativeLCA``,
``JacobiGMRESLCA``; ``LCA`` loop, ``MultiLCA``, ``FastScoresOnlyMultiLCA`` forward and adjoint)
and each ratio is to the fastest one producing the same output. Brightway is imported here
only; it is never a dependency of batterycarbon (install with the ``bench`` extra).

Usage: python benchmarks/engine_vs_brightway.py [--sizes 500 5000 20000] [--iterations 1000]
       [--quick] [--output benchmarks/results/NAME.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import time
import warnings
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from batterycarbon.lca import (
    ProductSystem,
    Solver,
    draw_multipliers,
    monte_carlo,
    sample_system,
    solve_many,
)
from batterycarbon.lca.synthetic import SyntheticSystem, synthetic_system

RESULTS = Path(__file__).parent / "results"
FLOW_ID = 10**9  # Brightway ids: products/activities 0..N-1, the one flow after them
METHOD = ("synthetic", "co2e")


# --- measuring ---------------------------------------------------------------------------


def best_seconds(
    func: Callable[[Any], object], repeat: int, setup: Callable[[], Any] = lambda: None
) -> float:
    """Best wall time of ``func(setup())`` over ``repeat`` runs, ``setup`` untimed."""
    times = []
    for _ in range(repeat):
        prepared = setup()
        start = time.perf_counter()
        func(prepared)
        times.append(time.perf_counter() - start)
    return min(times)


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


# --- Brightway side ----------------------------------------------------------------------


def brightway_package(synthetic: SyntheticSystem) -> Any:
    """The synthetic system as one bw_processing datapackage (lognormal, loc = ln median)."""
    import bw_processing as bwp

    package = bwp.create_datapackage()
    for matrix, entries, row_offset in (
        ("technosphere_matrix", synthetic.technosphere, 0),
        ("biosphere_matrix", synthetic.biosphere, FLOW_ID),
    ):
        indices = np.empty(len(entries), dtype=bwp.INDICES_DTYPE)
        indices["row"] = entries.rows + row_offset
        indices["col"] = entries.cols
        uncertain = entries.sigma > 0
        amounts = np.abs(entries.values)
        distributions = np.zeros(len(entries), dtype=bwp.UNCERTAINTY_DTYPE)
        distributions["uncertainty_type"] = np.where(uncertain, 2, 0)  # 2: lognormal
        distributions["loc"] = np.where(uncertain, np.log(amounts), amounts)
        distributions["scale"] = np.where(uncertain, entries.sigma, np.nan)
        for column in ("shape", "minimum", "maximum"):
            distributions[column] = np.nan
        package.add_persistent_vector(
            matrix=matrix,
            indices_array=indices,
            data_array=amounts,
            flip_array=entries.values < 0,  # inputs are stored positive and flipped
            distributions_array=distributions,
            # reference products (the diagonal): IterativeLCA's Jacobi pivots
            **({"reference_array": entries.rows == entries.cols} if row_offset == 0 else {}),
        )
    package.add_persistent_vector(
        matrix="characterization_matrix",
        indices_array=np.array([(FLOW_ID, 0)], dtype=bwp.INDICES_DTYPE),
        data_array=synthetic.characterization.astype(float),
        global_index=0,
        identifier=list(METHOD),
    )
    return package


def brightway_versions() -> dict[str, str]:
    versions = {}
    for name in ("bw2calc", "bw_processing", "matrix_utils", "pypardiso", "mkl", "stats_arrays"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


class Brightway:
    def __init__(self, synthetic: SyntheticSystem, seed: int) -> None:
        import bw2calc

        self.bc = bw2calc
        self.package = brightway_package(synthetic)
        self.seed = seed
        self.demand = {0: 1.0}

    def deterministic(self) -> Any:
        lca = self.bc.LCA(self.demand, data_objs=[self.package])
        lca.lci()
        lca.lcia()
        return lca

    def top10(self, lca: Any) -> list[int]:
        per_process = np.asarray(lca.characterized_inventory.sum(axis=0)).ravel()
        top = np.argsort(-per_process)[:10]
        return [int(lca.dicts.activity.reversed[i]) for i in top]

    def multi_demands(self, ids: list[int]) -> dict[str, dict[int, float]]:
        return {f"fu{i}": {pid: 1.0} for i, pid in enumerate(ids)}

    # Each "many demands" configuration: an untimed setup that loads the matrices, and a timed
    # run that factorizes once and returns one score per demand.

    def lca_loop_setup(self, ids: list[int]) -> Any:
        lca = self.bc.LCA({ids[0]: 1.0}, data_objs=[self.package])
        lca.load_lci_data()
        lca.load_lcia_data()
        return lca

    def lca_loop(self, lca: Any, ids: list[int]) -> np.ndarray:
        scores = []
        for pid in ids:  # PARDISO keeps the factorization between demands
            lca.lci({pid: 1.0})
            lca.lcia_calculation()
            scores.append(lca.score)
        return np.array(scores)

    def multi_lca_setup(self, ids: list[int]) -> Any:
        mlca = self.bc.MultiLCA(
            self.multi_demands(ids), {"impact_categories": [METHOD]}, data_objs=[self.package]
        )
        mlca.load_lci_data()
        mlca.build_demand_array()
        mlca.load_lcia_data()
        return mlca

    def multi_lca(self, mlca: Any, ids: list[int]) -> np.ndarray:
        mlca.lci_calculation()
        mlca.lcia_calculation()
        scores = mlca.scores
        return np.array([scores[(METHOD, f"fu{i}")] for i in range(len(ids))])

    def fast_scores_setup(self, ids: list[int], direction: str) -> Any:
        mlca = self.bc.FastScoresOnlyMultiLCA(
            self.multi_demands(ids),
            {"impact_categories": [METHOD]},
            data_objs=[self.package],
            direction=direction,
        )
        mlca._load_datapackages()
        mlca.build_precalculated()
        return mlca

    def fast_scores(self, mlca: Any) -> np.ndarray:
        return np.asarray(mlca.calculate().values).ravel()

    # "Class:tight" asks an iterative class for the engine's accuracy (relative 1e-12).
    TIGHT = {"rtol": 1e-12, "max_error": 1e-9}

    def monte_carlo(self, name: str, iterations: int) -> tuple[np.ndarray, float]:
        cls_name, _, variant = name.partition(":")
        cls = getattr(self.bc, cls_name)
        lca = cls(
            self.demand,
            data_objs=[self.package],
            use_distributions=True,
            seed_override=self.seed,
            **(self.TIGHT if variant == "tight" else {}),
        )
        lca.lci()
        lca.lcia()
        scores = np.empty(iterations)
        start = time.perf_counter()
        for i in range(iterations):
            next(lca)
            scores[i] = lca.score
        return scores, time.perf_counter() - start


# --- peak memory, each side in a fresh process ------------------------------------------


def memory_child(side: str, n: int, iterations: int, seed: int) -> None:
    """Run one side's Monte Carlo alone and print its process's memory as JSON (MB)."""
    locate_mkl_runtime()
    warnings.filterwarnings("ignore")
    synthetic = synthetic_system(n, seed=seed)
    system = synthetic.system
    if side == "ours":
        uncertainty = synthetic.uncertainty()
        demand = system.demand({"p0": 1.0})
        before = _status_kb("VmRSS:")
        monte_carlo(system, uncertainty, demand, iterations, seed=seed)
    else:
        bw = Brightway(synthetic, seed)
        before = _status_kb("VmRSS:")
        bw.monte_carlo(side, iterations)
    print(json.dumps({"before_mb": before / 1024, "peak_mb": _status_kb("VmHWM:") / 1024}))


def measure_memory(side: str, n: int, iterations: int, seed: int) -> dict[str, float]:
    import subprocess
    import sys

    command = [sys.executable, __file__, "--memory-child", side, "--sizes", str(n)]
    command += ["--iterations", str(iterations), "--seed", str(seed)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return {**figures, "added_mb": figures["peak_mb"] - figures["before_mb"]}


# --- one size --------------------------------------------------------------------------


def ours_deterministic(synthetic: SyntheticSystem) -> tuple[ProductSystem, float]:
    """Build the product system from the COO arrays and solve it for its score and scaling
    vector (as Brightway's LCA does from its datapackage: supply array and score)."""
    tech, bio = synthetic.technosphere, synthetic.biosphere
    n = synthetic.system.size
    system = ProductSystem(
        process_ids=synthetic.system.process_ids,
        technosphere=sp.csc_matrix((tech.values, (tech.rows, tech.cols)), shape=(n, n)),
        biosphere=sp.csr_matrix((bio.values, (bio.rows, bio.cols)), shape=(1, n)),
        characterization=synthetic.characterization,
    )
    solution = solve_many(system, system.demand({"p0": 1.0}), scaling=True)
    return system, float(solution.totals[0])


def ratio(theirs: float, ours: float) -> float:
    return theirs / ours if ours > 0 else float("inf")


def run_size(n: int, args: argparse.Namespace) -> dict[str, Any]:
    print(f"\n=== N = {n} processes ===", flush=True)
    synthetic = synthetic_system(n, seed=args.seed)
    system = synthetic.system
    uncertainty = synthetic.uncertainty()
    demand = system.demand({"p0": 1.0})
    bw = Brightway(synthetic, args.seed)
    result: dict[str, Any] = {
        "n_processes": n,
        "technosphere_nnz": int(system.technosphere.nnz),
        "uncertain_exchanges": uncertainty.n_exchanges,
        "hubs": len(synthetic.hubs),
    }

    # 1. deterministic LCA
    ours_score = ours_deterministic(synthetic)[1]
    bw_lca = bw.deterministic()
    assert abs(bw_lca.score / ours_score - 1) < 1e-9, (bw_lca.score, ours_score)
    t_ours = best_seconds(lambda _: ours_deterministic(synthetic), args.repeat)
    t_bw = best_seconds(lambda _: bw.deterministic(), args.repeat)
    result["deterministic"] = {
        "ours_s": t_ours,
        "brightway_s": t_bw,
        "ratio": ratio(t_bw, t_ours),
        "score_kg": ours_score,
        "factor_nnz": Solver(system).factor_nnz,
    }

    # 2. many functional units after one factorization
    rng = np.random.default_rng(args.seed)
    ids = sorted(int(i) for i in rng.choice(n, size=args.demands, replace=False))
    demands = np.zeros((n, len(ids)))
    demands[ids, np.arange(len(ids))] = 1.0
    totals = solve_many(system, demands).totals
    with_supply = solve_many(system, demands, scaling=True)
    # Both iterate to a relative change of 1e-12 where that pays; check them against LU.
    exact_totals = solve_many(system, demands, method="lu").totals
    deviation = {
        "scores": float(np.max(np.abs(totals / exact_totals - 1))),
        "supply": float(np.max(np.abs(with_supply.totals / exact_totals - 1))),
    }
    assert max(deviation.values()) <= 1e-10, deviation
    # name: (untimed setup, timed run, gives supply arrays too)
    bw_configs: dict[str, tuple[Callable[[], Any], Callable[[Any], np.ndarray], bool]] = {
        "LCA loop": (lambda: bw.lca_loop_setup(ids), lambda o: bw.lca_loop(o, ids), True),
        "MultiLCA": (lambda: bw.multi_lca_setup(ids), lambda o: bw.multi_lca(o, ids), True),
        "FastScoresOnlyMultiLCA forward": (
            lambda: bw.fast_scores_setup(ids, "forward"),
            bw.fast_scores,
            True,
        ),
        "FastScoresOnlyMultiLCA adjoint": (
            lambda: bw.fast_scores_setup(ids, "adjoint"),
            bw.fast_scores,
            False,
        ),
    }
    multi: dict[str, Any] = {
        "demands": len(ids),
        "ours_scores_s": best_seconds(lambda _: solve_many(system, demands), args.repeat),
        "ours_supply_s": best_seconds(
            lambda _: solve_many(system, demands, scaling=True), args.repeat
        ),
        "brightway_s": {},
        "max_rel_deviation_from_lu": deviation,
    }
    for name, (setup, run, _) in bw_configs.items():
        np.testing.assert_allclose(run(setup()), totals, rtol=1e-8, err_msg=name)
        multi["brightway_s"][name] = best_seconds(run, args.repeat, setup)
    supply_configs = {k: v for k, v in multi["brightway_s"].items() if bw_configs[k][2]}
    multi["brightway_best_scores"] = min(multi["brightway_s"], key=multi["brightway_s"].get)
    multi["brightway_best_supply"] = min(supply_configs, key=supply_configs.get)
    multi["ratio_scores"] = ratio(min(multi["brightway_s"].values()), multi["ours_scores_s"])
    multi["ratio_supply"] = ratio(min(supply_configs.values()), multi["ours_supply_s"])
    result["many_demands"] = multi

    # 3. Monte Carlo (best of --mc-repeat runs on each side; same seed every time)
    mc: dict[str, Any] = {"iterations": args.iterations, "brightway": {}}
    seconds = math.inf
    start = time.perf_counter()  # first call: compiles the kernels (or loads Numba's cache)
    monte_carlo(system, uncertainty, demand, 2, seed=args.seed, tolerance=args.tolerance)
    mc["ours_first_call_s"] = time.perf_counter() - start
    for _ in range(args.mc_repeat):
        start = time.perf_counter()
        ours = monte_carlo(
            system, uncertainty, demand, args.iterations, seed=args.seed, tolerance=args.tolerance
        )
        seconds = min(seconds, time.perf_counter() - start)
    checked = np.unique(np.linspace(0, args.iterations - 1, args.check).astype(int))
    multipliers = draw_multipliers(uncertainty, checked.tolist(), seed=args.seed)
    exact = np.array(
        [Solver(sample_system(system, uncertainty, m)).solve(demand).total for m in multipliers]
    )
    worst = float(np.max(np.abs(ours.scores[checked] / exact - 1)))
    mc["ours"] = {
        "seconds": seconds,
        "it_per_s": args.iterations / seconds,
        "method": ours.method,
        "chunk": ours.chunk,
        "iterations_mean": float(ours.iterations.mean()),
        "iterations_max": int(ours.iterations.max()),
        "exact_fallbacks": int(ours.exact.sum()),
        "checked_samples": len(checked),
        "tolerance": args.tolerance,
        "max_rel_error_vs_exact": worst,
        "within_1e-9": worst <= 1e-9,
        "mean_kg": float(ours.scores.mean()),
        "std_kg": float(ours.scores.std()),
    }
    reference_scores = None
    for name in args.bw_mc:
        cls_name, _, variant = name.partition(":")
        iterations = args.iterations
        if cls_name == "LCA" and args.bw_lca_iterations:
            iterations = min(iterations, args.bw_lca_iterations)
        seconds = math.inf
        for _ in range(args.mc_repeat):
            scores, elapsed = bw.monte_carlo(name, iterations)
            seconds = min(seconds, elapsed)
        entry = {
            "iterations": iterations,
            "seconds": seconds,
            "it_per_s": iterations / seconds,
            "mean_kg": float(scores.mean()),
            "std_kg": float(scores.std()),
        }
        if name == "LCA":
            reference_scores = scores
        elif reference_scores is not None:
            # Same seed, same samples: the direct solver's scores are the exact reference.
            k = min(len(scores), len(reference_scores))
            entry["max_rel_error_vs_LCA"] = float(
                np.max(np.abs(scores[:k] / reference_scores[:k] - 1))
            )
        mc["brightway"][name] = entry
    best_name = max(mc["brightway"], key=lambda k: mc["brightway"][k]["it_per_s"])
    mc["brightway_best"] = best_name
    mc["ratio"] = ratio(mc["ours"]["it_per_s"], mc["brightway"][best_name]["it_per_s"])
    if "LCA" in mc["brightway"]:
        mc["ratio_vs_LCA"] = ratio(mc["ours"]["it_per_s"], mc["brightway"]["LCA"]["it_per_s"])
    if args.memory_iterations:
        mc["memory"] = {
            side: measure_memory(side, n, args.memory_iterations, args.seed)
            for side in ("ours", best_name)
        }
        mc["memory_ratio"] = mc["memory"]["ours"]["peak_mb"] / mc["memory"][best_name]["peak_mb"]
    result["monte_carlo"] = mc

    # 4. top-10 contribution after the deterministic LCA
    solution = Solver(system).solve(demand)

    def ours_top10() -> list[int]:
        direct = solution.direct_contributions()
        top = np.argpartition(-direct, 9)[:10]
        return [int(i) for i in top[np.argsort(-direct[top])]]

    assert ours_top10() == bw.top10(bw_lca), (ours_top10(), bw.top10(bw_lca))
    t_ours = best_seconds(lambda _: ours_top10(), args.repeat)
    t_bw = best_seconds(lambda _: bw.top10(bw_lca), args.repeat)
    result["top10"] = {"ours_s": t_ours, "brightway_s": t_bw, "ratio": ratio(t_bw, t_ours)}
    print_size(result)
    return result


# --- report ------------------------------------------------------------------------------


def print_size(r: dict[str, Any]) -> None:
    mc, multi = r["monte_carlo"], r["many_demands"]
    rows = [
        (
            "deterministic LCA",
            _ms(r["deterministic"]["ours_s"]),
            _ms(r["deterministic"]["brightway_s"]),
            "LCA",
            r["deterministic"]["ratio"],
        ),
        (
            f"{multi['demands']} FUs, scores",
            _ms(multi["ours_scores_s"]),
            _ms(multi["brightway_s"][multi["brightway_best_scores"]]),
            multi["brightway_best_scores"],
            multi["ratio_scores"],
        ),
        (
            f"{multi['demands']} FUs, supply arrays",
            _ms(multi["ours_supply_s"]),
            _ms(multi["brightway_s"][multi["brightway_best_supply"]]),
            multi["brightway_best_supply"],
            multi["ratio_supply"],
        ),
    ]
    for name, entry in mc["brightway"].items():
        rows.append(
            (
                f"MC it/s vs {name}",
                f"{mc['ours']['it_per_s']:.1f}",
                f"{entry['it_per_s']:.1f}",
                name,
                mc["ours"]["it_per_s"] / entry["it_per_s"],
            )
        )
    rows.append(
        (
            "top-10 contribution",
            _ms(r["top10"]["ours_s"]),
            _ms(r["top10"]["brightway_s"]),
            "numpy on LCA",
            r["top10"]["ratio"],
        )
    )
    print(f"{'task':32} {'ours':>12} {'brightway':>12}  {'bw configuration':32} {'ratio':>7}")
    for task, ours, theirs, config, value in rows:
        print(f"{task:32} {ours:>12} {theirs:>12}  {config:32} {value:7.1f}x")
    o = mc["ours"]
    print(
        f"MC ours: {o['method']} chunk {o['chunk']}, iterations mean {o['iterations_mean']:.1f} "
        f"max {o['iterations_max']}, exact fallbacks {o['exact_fallbacks']}, "
        f"max rel error vs exact ({o['checked_samples']} samples) {o['max_rel_error_vs_exact']:.1e}"
    )
    for name, entry in mc["brightway"].items():
        if "max_rel_error_vs_LCA" in entry:
            print(f"MC {name}: max rel deviation from LCA {entry['max_rel_error_vs_LCA']:.1e}")
    for side, figures in mc.get("memory", {}).items():
        print(
            f"MC peak memory, {side} alone: {figures['peak_mb']:.0f} MB "
            f"(+{figures['added_mb']:.0f} MB during the Monte Carlo)"
        )
    print(
        f"MC ratio to best Brightway ({mc['brightway_best']}): {mc['ratio']:.1f}x"
        + (f", peak memory {mc['memory_ratio']:.2f}x" if "memory_ratio" in mc else ""),
        flush=True,
    )


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.2f} ms"


def machine() -> dict[str, Any]:
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(
                line.split(":", 1)[1].strip() for line in info if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "load_average_at_start": os.getloadavg(),
    }


def locate_mkl_runtime() -> None:
    """Point pypardiso at MKL once (its documented ``PYPARDISO_MKL_RT``): otherwise each new
    solver, i.e. each new Brightway LCA object, searches sys.prefix for the library, about
    0.2 s here, which would count against Brightway in every timing."""
    import sys

    if "PYPARDISO_MKL_RT" in os.environ:
        return
    found = sorted(Path(sys.prefix).glob("lib*/**/*mkl_rt*"), key=lambda p: len(str(p)))
    if found:
        os.environ["PYPARDISO_MKL_RT"] = str(found[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 5000, 20000])
    parser.add_argument("--iterations", type=int, default=1000, help="Monte Carlo iterations")
    parser.add_argument("--demands", type=int, default=100, help="functional units")
    parser.add_argument("--repeat", type=int, default=5, help="best of, for the short timings")
    parser.add_argument("--check", type=int, default=50, help="MC samples checked exactly")
    parser.add_argument(
        "--tolerance",
        type=float,
        default=1e-10,
        help="stopping test of our Monte Carlo iteration (relative change of the scaling "
        "vector); the accuracy target, 1e-9 relative per sample, is checked against exact "
        "solves of --check samples (the largest error found is in the JSON).",
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--bw-mc",
        nargs="+",
        default=["LCA", "IterativeLCA", "JacobiGMRESLCA", "JacobiGMRESLCA:tight"],
        help="Brightway Monte Carlo classes to time (':tight' = rtol 1e-12)",
    )
    parser.add_argument(
        "--bw-lca-iterations",
        type=int,
        default=200,
        help="cap the iterations of Brightway's direct LCA class, the slowest (0: no cap); "
        "its time per iteration is constant, it/s is reported",
    )
    parser.add_argument("--mc-repeat", type=int, default=2, help="best of, for Monte Carlo")
    parser.add_argument(
        "--memory-iterations",
        type=int,
        default=200,
        help="Monte Carlo iterations of the peak-memory runs, each side in its own process "
        "(0: skip)",
    )
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="smoke run: small sizes, 50 runs")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child, args.sizes[0], args.iterations, args.seed)
        return
    if args.quick:
        args.sizes, args.iterations, args.repeat, args.check = [500, 2000], 50, 2, 5
        args.mc_repeat, args.memory_iterations, args.bw_lca_iterations = 1, 20, 20
    locate_mkl_runtime()
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    started = dt.datetime.now(dt.UTC)
    results = [run_size(n, args) for n in args.sizes]
    report = {
        "benchmark": "engine_vs_brightway",
        "date": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": metadata.version("scipy"),
            "batterycarbon": metadata.version("batterycarbon"),
            **brightway_versions(),
        },
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "results": results,
        "summary": summary(results),
    }
    output = args.output or RESULTS / f"engine_vs_brightway-{started:%Y%m%dT%H%M%SZ}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n")
    print("\n" + "\n".join(report["summary"]))
    print(f"\nwritten {output}")


def summary(results: list[dict[str, Any]]) -> list[str]:
    lines = ["targets (ratios to the fastest Brightway configuration in this run):"]
    by_size = {r["n_processes"]: r for r in results}
    for n, key, target, label in (
        (5000, "monte_carlo", 10, "Monte Carlo"),
        (20000, "monte_carlo", 5, "Monte Carlo"),
        (500, "many_demands", 5, "100 FUs (supply arrays)"),
        (20000, "many_demands", 1.5, "100 FUs (supply arrays)"),
    ):
        if n not in by_size:
            continue
        entry = by_size[n][key]
        value = entry["ratio"] if key == "monte_carlo" else entry["ratio_supply"]
        verdict = "met" if value >= target else "NOT met"
        lines.append(f"  N={n:>6} {label:26} >= {target:>4}x: {value:6.1f}x  {verdict}")
        if key == "monte_carlo":
            ours = entry["ours"]
            lines.append(
                f"  N={n:>6} {'MC accuracy':26} <= 1e-9: {ours['max_rel_error_vs_exact']:.1e}  "
                + ("met" if ours["within_1e-9"] else "NOT met")
            )
            if "memory_ratio" in entry:
                lines.append(
                    f"  N={n:>6} {'MC peak memory (process)':26} <= 2x:  "
                    f"{entry['memory_ratio']:6.2f}x  "
                    + ("met" if entry["memory_ratio"] <= 2 else "NOT met")
                )
    lines.append(
        "mean MC iterations per run: "
        + ", ".join(
            f"N={r['n_processes']}: {r['monte_carlo']['ours']['iterations_mean']:.1f}"
            for r in results
        )
    )
    return lines


if __name__ == "__main__":
    main()
