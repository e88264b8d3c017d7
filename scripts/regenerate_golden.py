"""Regenerate the golden file tests/golden/footprints.json, printing what changed.

The golden test (tests/test_golden.py) compares every bundled design's totals, stages and
components under the default factor release with this file to a relative 1e-9. When a change
of factors or of the model is meant to move the results, run

    .venv/bin/python scripts/regenerate_golden.py           # prints the differences, writes
    .venv/bin/python scripts/regenerate_golden.py --check   # prints them only; exit 1 if any

review the printed differences (each is named design/level/region/breakdown with the old and new
value and the relative change) and commit the file with the change that explains them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from golden_support import (  # noqa: E402 (the tests folder is put on the path just above)
    GOLDEN_FILE,
    differences,
    golden_results,
    read_golden,
    write_golden,
)

from batterycarbon.factors import library  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="print the differences, write nothing")
    args = parser.parse_args(argv)
    computed = golden_results(library())
    previous = read_golden() if GOLDEN_FILE.exists() else {}
    changes = differences(previous, computed)
    for line in changes:
        print(line)
    print(f"{len(changes)} difference(s) from {GOLDEN_FILE.name}")
    if args.check:
        return 1 if changes else 0
    if changes:
        write_golden(computed)
        print(f"written: {GOLDEN_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
