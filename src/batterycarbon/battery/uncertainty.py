"""Monte Carlo of a battery footprint, with common random numbers across designs and scenarios.

Uncertain inputs are (a) every library factor, drawn from its own distribution (lognormal GSD
or triangular; a factor with only a data-quality rating gets the pedigree GSD), and (b) the
model's exchange amounts (energy, cell masses, stoichiometry, pack parts, freight), lognormal
with the pedigree GSD of their rating in ``data/defaults.toml``. Each input has a stable key
(the factor id, or consumer and supplied flow), and its draws come from a generator seeded by
the run seed and that key: two designs sharing a factor see the same draws for it, so their
comparison measures their difference, not two independent noises (common random numbers).

The system is small (tens of processes), so each chunk of runs is solved as a stack of dense
systems in one batched LAPACK call.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from batterycarbon.battery.assembly import ProcessInfo
from batterycarbon.battery.design import Design
from batterycarbon.battery.footprint import accounting_policy
from batterycarbon.battery.inventory import COMPONENTS, BatterySystem, build_system
from batterycarbon.battery.options import Options
from batterycarbon.battery.params import model_defaults
from batterycarbon.factors import Factor, FactorLibrary
from batterycarbon.factors.model import DataQuality
from batterycarbon.factors.pedigree import pedigree_gsd
from batterycarbon.rules import load_rule_set

Level = Literal["pack", "cell"]
STATS = ("mean", "median", "p2_5", "p97_5")
_STOICHIOMETRIC_CONSUMERS = {"precursor", "cathode_active_material", "aluminium_foil", "copper_foil",
                             "electrolyte", "separator"}  # fmt: skip
_CELL_CONSUMERS = {"cathode", "anode", "casing_other", "cell", "anode_active_material"}
#: The cell plant's steps: their energy exchanges share one draw per run (``cell_plant_energy``).
CELL_PLANT_PROCESSES = ("electrode_production", "cell_assembly", "formation")


def stable_seed(seed: int, key: str) -> list[int]:
    """Seed material for ``key``'s own generator: the run seed and a hash of the key."""
    digest = hashlib.sha256(key.encode()).digest()
    return [seed, int.from_bytes(digest[:8], "little")]


def draw_multipliers(
    key: str, seed: int, runs: int, sampler: tuple[str, float, float, float]
) -> NDArray[np.float64]:
    """``runs`` multipliers (sample / deterministic value) for one uncertain input."""
    rng = np.random.default_rng(stable_seed(seed, key))
    kind, a, b, c = sampler
    if kind == "lognormal":  # a = sigma of ln
        return np.exp(rng.normal(0.0, a, runs))
    if kind == "triangular":  # a, b, c = min, mode, max relative to the value
        if c <= a:
            return np.full(runs, b)
        return rng.triangular(a, b, c, runs)
    if kind == "uniform":  # a, c = min, max relative to the value
        return rng.uniform(a, c, runs)
    if kind == "normal":  # a = sd relative to the value; truncated at zero (a footprint is >= 0)
        return np.maximum(rng.normal(1.0, a, runs), 0.0)
    return np.ones(runs)


def factor_sampler(factor: Factor) -> tuple[str, float, float, float]:
    u = factor.uncertainty
    if u is None:
        return ("lognormal", float(np.log(pedigree_gsd(factor.quality))), 0.0, 0.0)
    if u.distribution == "lognormal" and u.gsd is not None:
        return ("lognormal", float(np.log(u.gsd)), 0.0, 0.0)
    if u.distribution in ("uniform", "normal") and factor.value > 0:
        assert u.minimum is not None and u.maximum is not None
        if u.distribution == "uniform":
            return ("uniform", u.minimum / factor.value, 0.0, u.maximum / factor.value)
        return ("normal", (u.maximum - u.minimum) / 3.92 / factor.value, 0.0, 0.0)
    if u.distribution == "triangular" and factor.value > 0:
        assert u.minimum is not None and u.mode is not None and u.maximum is not None
        v = factor.value
        return ("triangular", u.minimum / v, u.mode / v, u.maximum / v)
    return ("none", 0.0, 0.0, 0.0)


def _parameter_sigmas() -> dict[str, float]:
    """Sigma of ln per exchange kind: from a rating's pedigree GSD, or a GSD given directly (a
    number: the spread of the sources, ``cell_plant_energy``)."""
    ratings = model_defaults()["uncertainty"]
    return {
        kind: float(
            np.log(
                r
                if isinstance(r, int | float)
                else pedigree_gsd(
                    DataQuality(technological=r[0], geographical=r[1], time=r[2], precision=r[3])
                )
            )
        )
        for kind, r in ratings.items()
    }


def _exchange_kind(
    consumer: ProcessInfo, supplier: ProcessInfo, supplier_flow: str | None
) -> str | None:
    if supplier_flow is not None and supplier_flow.startswith(("electricity_", "heat_")):
        if consumer.id == "anode_active_material":  # the synthetic graphite chain
            return "graphite_chain_energy"
        return "cell_plant_energy" if consumer.id in CELL_PLANT_PROCESSES else "energy"
    if supplier_flow is not None and supplier_flow.startswith("transport_"):
        return "transport"
    if consumer.id == "module_pack_parts":
        return "pack_parts"
    if supplier.stage is not None and consumer.id in ("cell", "pack"):
        # structural edges (one cathode per cell, N cells per pack) carry no uncertainty,
        # except the per-cell masses of materials bought by mass
        return (
            "cell_materials"
            if supplier.id in ("electrolyte", "separator", "aluminium_foil", "copper_foil")
            else None
        )
    if consumer.id in _STOICHIOMETRIC_CONSUMERS:
        return "stoichiometry"
    if consumer.id in _CELL_CONSUMERS:
        return "cell_materials"
    return None


@dataclass(frozen=True)
class UncertainInput:
    key: str
    kind: str  # "factor" or an exchange kind
    row: int
    col: int  # -1 for a factor (biosphere entry of process ``row``)
    sampler: tuple[str, float, float, float]


def uncertain_inputs(bsys: BatterySystem, library: FactorLibrary) -> list[UncertainInput]:
    """Every uncertain input of the system with its key and distribution."""
    sigmas = _parameter_sigmas()
    procs = bsys.processes
    flows = {i: library.get(p.factor_id).flow if p.factor_id else None for i, p in enumerate(procs)}
    inputs: list[UncertainInput] = []
    for i, p in enumerate(procs):
        if p.factor_id and not p.id.startswith("recycled:") and not p.primary:
            factor = library.get(p.factor_id)
            inputs.append(
                UncertainInput(f"factor:{factor.id}", "factor", i, -1, factor_sampler(factor))
            )
    a = bsys.system.technosphere.tocoo()
    for i, j, value in zip(a.row, a.col, a.data, strict=True):
        if i == j or value == 0:
            continue
        kind = _exchange_kind(procs[j], procs[i], flows[i])
        if kind is None:
            continue
        supplied = flows[i] or procs[i].id
        # One key, so one draw, for the whole cell plant: its sources disagree on the plant.
        key = (
            f"parameter:{kind}"
            if kind in ("cell_plant_energy", "graphite_chain_energy")
            else f"exchange:{procs[j].id}<-{supplied}"
        )
        inputs.append(
            UncertainInput(key, kind, int(i), int(j), ("lognormal", sigmas[kind], 0.0, 0.0))
        )
    return inputs


@dataclass(frozen=True)
class MonteCarloSamples:
    """Per-run totals and breakdowns (kg CO2e per kWh) and the sampled multipliers."""

    design: str
    level: str
    runs: int
    seed: int
    total: NDArray[np.float64]
    stages: dict[str, NDArray[np.float64]]
    components: dict[str, NDArray[np.float64]]
    inputs: list[UncertainInput]
    multipliers: NDArray[np.float64]  # (runs, n_inputs)
    deterministic: dict[str, float]  # every input at its library value: "total", "stages:x", ...
    warnings: tuple[str, ...] = ()  # the factor lookup's fallbacks (``Footprint.warnings``)

    def point(self, kind: str, key: str) -> float:
        """The deterministic value of a breakdown entry (``kind`` "stages" or "components")."""
        return self.deterministic[f"{kind}:{key}"]


def summary(values: NDArray[np.float64]) -> dict[str, float]:
    """mean, median and the 2.5 / 97.5 percentiles."""
    p = np.percentile(values, [50, 2.5, 97.5])
    return {
        "mean": float(values.mean()),
        "median": float(p[0]),
        "p2_5": float(p[1]),
        "p97_5": float(p[2]),
    }


def monte_carlo(
    design: Design,
    library: FactorLibrary,
    runs: int = 1000,
    seed: int = 42,
    options: Options | None = None,
    level: Level = "pack",
    rule_set_id: str = "whitepaper-c2g",
    chunk: int = 2000,
    progress: Callable[[int, int], None] | None = None,
) -> MonteCarloSamples:
    """Sample the footprint ``runs`` times; same seed, same numbers (whatever ``chunk`` is).

    ``chunk``: runs solved per batched LAPACK call (memory grows with it: a chunk holds
    ``chunk`` dense copies of the technosphere matrix). ``progress``, if given, is called after
    each chunk with (runs done, runs in all); it does not change the numbers.
    """
    if runs < 1:
        raise ValueError(f"runs must be >= 1, got {runs}")
    options = options or Options()
    bsys = build_system(design, library, options, accounting_policy(load_rule_set(rule_set_id)))
    system = bsys.system
    n = system.size
    a0 = system.technosphere.toarray()
    b0 = system.direct_intensity()
    demand = system.demand(
        {"pack": 1.0} if level == "pack" else {"cell": float(bsys.cells_per_pack)}
    )
    inputs = uncertain_inputs(bsys, library)
    multipliers = np.column_stack([draw_multipliers(u.key, seed, runs, u.sampler) for u in inputs])
    fg = np.array([p.stage is not None for p in bsys.processes])
    per_kwh = 1.0 / bsys.pack_capacity_kwh
    factor_cols = [(k, u.row) for k, u in enumerate(inputs) if u.col < 0]
    exchange_cols = [(k, u.row, u.col) for k, u in enumerate(inputs) if u.col >= 0]

    def evaluate(m: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Totals (rows of m) and each foreground step's attributed footprint, per kWh."""
        a = np.broadcast_to(a0, (len(m), n, n)).copy()
        for k, i, j in exchange_cols:
            a[:, i, j] = a0[i, j] * m[:, k]
        b = np.broadcast_to(b0, (len(m), n)).copy()
        for k, i in factor_cols:
            b[:, i] = b0[i] * m[:, k]
        scaling = np.linalg.solve(a, np.broadcast_to(demand, (len(m), n))[..., None])[..., 0]
        background_b = np.where(fg, 0.0, b)
        # each foreground step: its own emissions + its background inputs at their intensity
        bg_use = -np.einsum("rij,ri->rj", a, background_b)
        attributed = np.where(fg, scaling * (b + bg_use), 0.0) * per_kwh
        return np.einsum("ri,ri->r", b, scaling) * per_kwh, attributed

    total = np.empty(runs)
    attributed = np.empty((runs, n))
    for start in range(0, runs, chunk):
        stop = min(start + chunk, runs)
        total[start:stop], attributed[start:stop] = evaluate(multipliers[start:stop])
        if progress is not None:
            progress(stop, runs)
    # The same arithmetic with every input at its library value: the deterministic result.
    point_total, point_attributed = evaluate(np.ones((1, len(inputs))))
    names = COMPONENTS if level == "pack" else COMPONENTS[:-1]
    groups = {
        "stages": {s: [i for i, p in enumerate(bsys.processes) if p.stage == s]
                   for s in ("raw_materials", "production")},
        "components": {c: [i for i, p in enumerate(bsys.processes) if p.component == c and p.stage]
                       for c in names},
    }  # fmt: skip
    stages = {s: attributed[:, cols].sum(axis=1) for s, cols in groups["stages"].items()}
    components = {c: attributed[:, cols].sum(axis=1) for c, cols in groups["components"].items()}
    deterministic = {
        "total": float(point_total[0]),
        **{
            f"{kind}:{key}": float(point_attributed[0, cols].sum())
            for kind, members in groups.items()
            for key, cols in members.items()
        },
    }
    return MonteCarloSamples(
        design.id or "design",
        level,
        runs,
        seed,
        total,
        stages,
        components,
        inputs,
        multipliers,
        deterministic,
        bsys.warnings,
    )


def sensitivity(samples: MonteCarloSamples, top: int = 10) -> list[dict[str, float | str]]:
    """Inputs ranked by squared Spearman rank correlation with the total, normalized to 1.

    References: Saltelli, A. et al. (2008). Global Sensitivity Analysis: The Primer. Wiley,
    ch. 1 (rank correlation as a screening measure of variance contribution).
    """
    from scipy.stats import rankdata

    ranks_total = rankdata(samples.total)
    ranks_total = (ranks_total - ranks_total.mean()) / ranks_total.std()
    found: list[tuple[UncertainInput, float]] = []
    seen: set[str] = set()  # inputs sharing a key share their draws: rank them once
    for k, u in enumerate(samples.inputs):
        column = samples.multipliers[:, k]
        if np.ptp(column) == 0 or u.key in seen:
            continue
        seen.add(u.key)
        r = rankdata(column)
        r = (r - r.mean()) / r.std()
        found.append((u, float(np.mean(r * ranks_total))))
    norm = sum(rho * rho for _, rho in found) or 1.0
    rows: list[dict[str, float | str]] = [
        {"input": u.key, "kind": u.kind, "spearman_rho": rho, "rho_squared": rho * rho,
         "share_of_variance": rho * rho / norm}
        for u, rho in found
    ]  # fmt: skip
    return sorted(rows, key=lambda row: -float(row["rho_squared"]))[:top]
