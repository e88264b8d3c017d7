"""The factor library's release diff: pick two imported releases, see the factors added, removed
and changed, with old and new value, relative change and the source of each.

Adapter only: the releases come from ``services.factor_releases`` (only imported releases can be
compared), the comparison is ``factors.diff_releases``; this module filters and renders it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from batterycarbon.errors import excerpt
from batterycarbon.factors import Factor, FactorLibrary, Source, diff_releases
from batterycarbon.services.errors import NotFound
from batterycarbon.services.factor_releases import list_releases, release_library
from batterycarbon.web.common import DbSession, SignedIn, render

router = APIRouter(include_in_schema=False)
KINDS = ("added", "removed", "changed")
MAX_DIFF_ROWS = 200


@dataclass(frozen=True)
class DiffRow:
    """One change as the page shows it: the library's change plus the factors' provenance."""

    factor_id: str
    name: str
    kind: str
    old_value: float | None
    new_value: float | None
    unit: str
    relative_change: float | None
    source: Source  # of the new factor; of the old one for a removed factor
    old_source: Source | None  # set only when a changed factor's source changed too


def _factor(library: FactorLibrary, factor_id: str) -> Factor | None:
    return library.release.factors.get(factor_id)


def diff_rows(old: FactorLibrary, new: FactorLibrary) -> list[DiffRow]:
    """The library's diff of ``old`` -> ``new``, each change with its factors' name and source."""
    rows = []
    for change in diff_releases(old.release, new.release):
        before, after = _factor(old, change.factor_id), _factor(new, change.factor_id)
        shown = after or before
        assert shown is not None  # a change has a factor on at least one side
        moved = before is not None and after is not None and before.source != after.source
        rows.append(
            DiffRow(
                factor_id=change.factor_id,
                name=shown.name,
                kind=change.kind,
                old_value=change.old_value,
                new_value=change.new_value,
                unit=change.unit,
                relative_change=change.relative_change,
                source=shown.source,
                old_source=before.source if moved and before is not None else None,
            )
        )
    return rows


def _matches(row: DiffRow, words: list[str]) -> bool:
    haystack = f"{row.factor_id} {row.name}".lower()
    return all(word in haystack for word in words)


@router.get("/factors/diff")
def factor_diff(
    request: Request,
    db: DbSession,
    actor: SignedIn,
    old: Annotated[str, Query(max_length=100)] = "",
    new: Annotated[str, Query(max_length=100)] = "",
    kind: Annotated[str, Query(max_length=20)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    releases = list_releases(db, actor)
    context: dict[str, object] = {
        "title": "Factor release diff",
        "releases": releases,
        "kinds": KINDS,
        "old": old,
        "new": new,
        "kind": kind,
        "q": q,
        "errors": {},
        "rows": None,
        "limit": MAX_DIFF_ROWS,
    }
    if not old and not new:  # the form alone, preset to the active release and the one before
        active = next((r.id for r in releases if r.is_active), "")
        others = [r.id for r in releases if r.id != active]
        context.update(old=others[-1] if others else "", new=active)
        return render(request, "factor_diff.html", context, actor=actor)
    errors: dict[str, list[str]] = {}
    libraries: dict[str, FactorLibrary] = {}
    for field, release_id in (("old", old), ("new", new)):
        if not release_id:
            errors[field] = ["choose a release"]
            continue
        try:
            libraries[field] = release_library(db, release_id)
        except NotFound:
            known = ", ".join(r.id for r in releases)
            errors[field] = [
                f"{excerpt(release_id)} is not an imported release (expected one of {known})"
            ]
    if old and old == new:
        errors.setdefault("new", []).append(
            f"is the same release as old ({excerpt(old)}); choose another"
        )
    if kind and kind not in KINDS:
        errors["kind"] = [
            f"{excerpt(kind)} is not a kind of change (expected one of {', '.join(KINDS)})"
        ]
    if errors:
        context["errors"] = errors
        return render(request, "factor_diff.html", context, status_code=422, actor=actor)
    every = diff_rows(libraries["old"], libraries["new"])
    words = q.lower().split()
    rows = [r for r in every if (not kind or r.kind == kind) and _matches(r, words)]
    context.update(
        rows=rows[:MAX_DIFF_ROWS],
        shown_total=len(rows),
        counts={k: sum(1 for r in every if r.kind == k) for k in KINDS},
    )
    return render(request, "factor_diff.html", context, actor=actor)
