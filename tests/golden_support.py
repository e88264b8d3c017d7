"""The golden file: totals, stages and components of every bundled design at both levels in a
few regions under the default factor release and rule set, and the comparison the golden test
and ``scripts/regenerate_golden.py`` share.

The file is written only by that script, which prints what changed for review; the test
compares a fresh calculation with it to a relative 1e-9, so that a change of any factor the
designs use shows up as a named difference (the literature bands of the validation tests would
let a 30 % change pass).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from batterycarbon.battery import Options, bundled_design_ids, footprint, load_design
from batterycarbon.factors import FactorLibrary
from batterycarbon.rules import DEFAULT_RULE_SET

GOLDEN_FILE = Path(__file__).parent / "golden" / "footprints.json"
RELATIVE_TOLERANCE = 1e-9
LEVELS = ("pack", "cell")
#: "plants": the design's own plant countries; a country code: every plant there (--grid).
REGIONS = ("plants", "SE", "PL")


def golden_results(library: FactorLibrary) -> dict[str, Any]:
    """Every case's total (per kWh and per pack), stages and components, keyed
    ``design/level/region``, with the release and rule set they were computed under."""
    cases: dict[str, Any] = {}
    for design_id in bundled_design_ids():
        design = load_design(design_id)
        for level in LEVELS:
            for region in REGIONS:
                options = Options() if region == "plants" else Options(grid=region)
                result = footprint(design, library, options, level, DEFAULT_RULE_SET)
                cases[f"{design_id}/{level}/{region}"] = {
                    "total_kgco2e_per_kwh": result.total_kgco2e_per_kwh,
                    "total_kgco2e_per_pack": result.total_kgco2e_per_pack,
                    "stages": result.stages,
                    "components": result.components,
                }
    return {"factor_release": library.release_id, "rule_set": DEFAULT_RULE_SET, "cases": cases}


def read_golden() -> dict[str, Any]:
    return json.loads(GOLDEN_FILE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def write_golden(results: dict[str, Any]) -> None:
    GOLDEN_FILE.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Each place where ``actual`` differs from ``expected``: a number by more than
    :data:`RELATIVE_TOLERANCE` relative, any other value, or a key only one of them has."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        found = []
        for key in sorted(expected.keys() | actual.keys()):
            where = f"{path}/{key}" if path else key
            if key not in actual:
                found.append(f"{where}: in the golden file, no longer computed")
            elif key not in expected:
                found.append(f"{where}: computed, not in the golden file")
            else:
                found.extend(differences(expected[key], actual[key], where))
        return found
    numbers = (int, float)
    if isinstance(expected, numbers) and isinstance(actual, numbers):
        if math.isclose(expected, actual, rel_tol=RELATIVE_TOLERANCE, abs_tol=0.0):
            return []
        change = f" (relative change {actual / expected - 1:+.3g})" if expected else ""
        return [f"{path}: golden {expected!r}, computed {actual!r}{change}"]
    return [] if expected == actual else [f"{path}: golden {expected!r}, computed {actual!r}"]
