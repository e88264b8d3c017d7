"""Speed of the battery-level batch work: Monte Carlo and sweeps.

Targets (issue 4): 10 000 Monte Carlo runs of a bundled design under 1 s; 100 000 design
variants in a sweep under 5 s. The reference point printed beside each figure is the same work
done the plain way in this run (one footprint() call per run or variant, measured on a sample
and extrapolated), so the ratio says what the vectorized path buys.

Usage: python benchmarks/battery_speed.py
"""

from __future__ import annotations

import time

from batterycarbon.battery import Options, footprint, load_design
from batterycarbon.battery.uncertainty import monte_carlo
from batterycarbon.factors import library
from batterycarbon.scenarios.sweep import parse_vary, sweep


def seconds(func, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    lib = library()
    design = load_design("ncm811-prismatic")
    monte_carlo(design, lib, runs=100)  # warm caches
    mc = seconds(lambda: monte_carlo(design, lib, runs=10_000, seed=1))
    one = seconds(lambda: footprint(design, lib, Options(green={"cell": 0.3})), repeat=20)
    print(f"Monte Carlo, 10 000 runs of {design.id}: {mc:.3f} s (target < 1 s); "
          f"one footprint() {one * 1e3:.2f} ms, so 10 000 plain calls ~ {one * 1e4:.1f} s "
          f"(ratio {one * 1e4 / mc:.0f}x)")  # fmt: skip
    levels = ",".join(f"{x / 9:.4f}" for x in range(10))
    varies = parse_vary(
        [f"green.{s}={levels}" for s in ("precursor", "cathode", "anode", "cell", "pack")]
    )
    sw = seconds(lambda: sweep(design, lib, varies), repeat=2)
    count = 10**5
    print(f"Sweep, {count} variants (green share of 5 steps x 10 levels): {sw:.3f} s (target < 5 s); "
          f"plain calls ~ {one * count:.0f} s (ratio {one * count / sw:.0f}x)")  # fmt: skip


if __name__ == "__main__":
    main()
