"""Load and validate a factor release from its data files.

A release is a folder (see ``docs/factor-format.md``): ``release.toml``, ``sources/*.toml`` and
``factors/*.csv``. Loading validates every row and, if any is bad, rejects the whole release with
one report listing all bad rows (file, line, field, what was expected).
"""

from __future__ import annotations

import csv
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from batterycarbon.errors import FactorReleaseError, validation_problems
from batterycarbon.factors.model import Factor, Fit, PinnedParameter, Release, Source

_T = TypeVar("_T", bound=BaseModel)

RELEASES_DIR = Path(__file__).parent / "releases"
DEFAULT_RELEASE = "open-2026.1"

COLUMNS = (
    "id", "flow", "name", "value", "unit", "region", "year", "source_id",
    "dqr_ter", "dqr_ger", "dqr_tir", "dqr_p", "distribution", "gsd", "min", "mode", "max", "notes",
)  # fmt: skip


def bundled_release_ids() -> list[str]:
    """Ids of the releases shipped with the package, sorted."""
    return sorted(p.name for p in RELEASES_DIR.iterdir() if (p / "release.toml").is_file())


def _optional_float(text: str) -> float | None:
    return float(text) if text.strip() else None


def _load_sources(folder: Path, problems: list[str]) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    for path in sorted((folder / "sources").glob("*.toml")):
        try:
            tables = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            problems.append(f"{path.name}: not valid TOML ({exc})")
            continue
        for source_id, table in tables.items():
            if source_id in sources:
                problems.append(f"{path.name}: source id {source_id!r} defined twice")
                continue
            try:
                sources[source_id] = Source(id=source_id, **table)
            except (ValidationError, TypeError) as exc:
                detail = (
                    validation_problems(exc, "row")
                    if isinstance(exc, ValidationError)
                    else [str(exc)]
                )
                problems.extend(f"{path.name} [{source_id}]: {d}" for d in detail)
    return sources


def _row_to_factor(row: dict[str, str], sources: dict[str, Source]) -> Factor:
    source_id = row["source_id"].strip()
    if source_id not in sources:
        raise ValueError(f"source_id {source_id!r} is not defined in sources/*.toml")
    fields: dict[str, Any] = {
        "id": row["id"].strip(),
        "flow": row["flow"].strip(),
        "name": row["name"].strip(),
        "value": row["value"].strip(),
        "unit": row["unit"].strip(),
        "region": row["region"].strip(),
        "year": row["year"].strip(),
        "source": sources[source_id],
        "quality": {
            "technological": row["dqr_ter"],
            "geographical": row["dqr_ger"],
            "time": row["dqr_tir"],
            "precision": row["dqr_p"],
        },
        "uncertainty": None
        if not row["distribution"].strip()
        else {
            "distribution": row["distribution"].strip(),
            "gsd": _optional_float(row["gsd"]),
            "minimum": _optional_float(row["min"]),
            "mode": _optional_float(row["mode"]),
            "maximum": _optional_float(row["max"]),
        },
        "notes": row["notes"].strip(),
    }
    return Factor(**fields)


def load_release_dir(folder: Path) -> Release:
    """Load the release in ``folder``; raise :class:`FactorReleaseError` listing every bad row."""
    problems: list[str] = []
    meta_path = folder / "release.toml"
    if not meta_path.is_file():
        raise FactorReleaseError(folder.name, [f"{meta_path} is missing"])
    meta = tomllib.loads(meta_path.read_text(encoding="utf-8"))
    release_id = str(meta.get("id", folder.name))
    sources = _load_sources(folder, problems)
    factors: dict[str, Factor] = {}
    csv_files = sorted((folder / "factors").glob("*.csv"))
    if not csv_files:
        problems.append("factors/: no CSV file")
    for path in csv_files:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            header = tuple(reader.fieldnames or ())
            if header != COLUMNS:
                problems.append(
                    f"{path.name}: header must be {','.join(COLUMNS)}; got {','.join(header)}"
                )
                continue
            for line_no, row in enumerate(reader, start=2):
                where = f"{path.name}:{line_no}"
                if None in row or any(v is None for v in row.values()):
                    problems.append(f"{where}: expected {len(COLUMNS)} columns")
                    continue
                try:
                    factor = _row_to_factor(row, sources)
                except ValidationError as exc:
                    problems.extend(
                        f"{where} ({row['id']}): {d}" for d in validation_problems(exc, "row")
                    )
                    continue
                except ValueError as exc:
                    problems.append(f"{where} ({row['id']}): {exc}")
                    continue
                if factor.id in factors:
                    problems.append(f"{where}: factor id {factor.id!r} appears twice")
                    continue
                factors[factor.id] = factor
    fitted = _load_tables("fitted", Fit, meta.get("fitted", []), problems)
    pinned = _load_tables(
        "model_parameters", PinnedParameter, meta.get("model_parameters", []), problems
    )
    if problems:
        raise FactorReleaseError(release_id, problems)
    try:
        return Release(
            id=release_id,
            title=str(meta.get("title", release_id)),
            published=meta["published"],
            description=str(meta.get("description", "")),
            supersedes=meta.get("supersedes"),
            factors=factors,
            sources=sources,
            fitted=fitted,
            gwp_basis=meta.get("gwp_basis", {}),
            model_parameters=pinned,
            sourcing=meta.get("sourcing", "single-route"),
        )
    except ValidationError as exc:  # the checks across fields, e.g. a fitted id not in factors
        raise FactorReleaseError(release_id, _release_problems(exc)) from None


def _release_problems(exc: ValidationError) -> list[str]:
    """One line per problem; the model's messages name the field and quote values via excerpt."""
    lines = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        lines.append(f"release.toml: {field}: {message}" if field else f"release.toml: {message}")
    return lines


def _load_tables(key: str, model: type[_T], entries: object, problems: list[str]) -> tuple[_T, ...]:
    """release.toml's ``[[<key>]]`` tables as ``model``s; each bad field is added to
    ``problems`` (``[[fitted]]`` groups, ``[[model_parameters]]`` pins)."""
    if not isinstance(entries, list):
        problems.append(f"release.toml: {key}: expected [[{key}]] tables")
        return ()
    tables = []
    for index, entry in enumerate(entries):
        try:
            tables.append(model.model_validate(entry))
        except ValidationError as exc:
            problems.extend(
                f"release.toml: {key}.{index}.{p}" for p in validation_problems(exc, "(table)")
            )
    return tuple(tables)


@lru_cache(maxsize=8)
def load_release(release_id: str = DEFAULT_RELEASE) -> Release:
    """A bundled release by id (cached: releases are immutable)."""
    folder = RELEASES_DIR / release_id
    if not (folder / "release.toml").is_file():
        known = ", ".join(bundled_release_ids())
        raise FactorReleaseError(release_id, [f"no such release; bundled releases: {known}"])
    return load_release_dir(folder)
