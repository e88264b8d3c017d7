"""Time one footprint: building the product system from a design and solving it.

Prints the median wall time of a full ``footprint()`` call (design -> matrices -> LU solve ->
breakdowns) and of the solve alone, and the ratio of our sparse LU solve to a dense NumPy solve
of the same matrix measured in the same run (the baseline a hand-written tool would use).

Usage: python benchmarks/footprint_speed.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from batterycarbon.battery import build_system, footprint, load_design
from batterycarbon.factors import library
from batterycarbon.lca import Solver


def median_seconds(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    lib = library()
    design = load_design("ncm811-prismatic")
    footprint(design, lib)  # warm caches (release, defaults)
    full = median_seconds(lambda: footprint(design, lib), args.repeat)
    system = build_system(design, lib).system
    demand = system.demand({"pack": 1.0})
    sparse = median_seconds(lambda: Solver(system).solve(demand).total, args.repeat)
    dense_a = system.technosphere.toarray()
    rhs = np.asarray(system.biosphere.T @ system.characterization).ravel()
    dense = median_seconds(lambda: rhs @ np.linalg.solve(dense_a, demand), args.repeat)
    print(f"product system: {system.size} processes")
    print(
        f"one footprint (build + solve + breakdowns): {full * 1e3:.2f} ms (median of {args.repeat})"
    )
    print(
        f"solve only, sparse LU: {sparse * 1e6:.0f} us; dense numpy.linalg.solve: {dense * 1e6:.0f} us; "
        f"ratio sparse/dense = {sparse / dense:.2f}"
    )


if __name__ == "__main__":
    main()
