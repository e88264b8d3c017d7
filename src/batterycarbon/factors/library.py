"""Look factors up by flow, region and year; search and diff releases.

Lookup rule (``docs/factor-format.md``): for a requested (flow, region, year) take the rows of that
flow in the region, else in the region's groups (EU27, then EUROPE for EU members; EUROPE for other
European countries), else GLO; among them the latest year not after the requested year, else the
earliest later year. The chosen factor's id goes into every result.

Two of these steps substitute one figure for another, and :meth:`FactorLibrary.lookup` names them
as warnings the result carries: a country without its own row for a flow the release gives per
country (grid electricity of Iceland taken from GLO), and a year outside the years of a flow the
release gives as a time series (Korea's grid asked for 2030, latest row 2023). A flow given only
for wider regions (a chemical with one global row) and a factor with a single reference year are
what the release defines, not substitutions: they do not warn.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from batterycarbon.errors import FactorNotFoundError
from batterycarbon.factors.model import Factor, Release

#: EU member states (2020 onward), ISO 3166 alpha-2.
EU27 = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    ]
)
#: Other European countries that fall back to EUROPE before GLO.
OTHER_EUROPE = frozenset(["GB", "NO", "CH", "IS", "RS", "UA", "BA", "ME", "MK", "AL", "TR"])
#: The region groups a release may use besides ISO 3166-1 countries, as a warning names them.
REGION_GROUPS = {
    "EU27": "EU-27 average",
    "EUROPE": "European average",
    "RER": "European average, ecoinvent's RER",
    "RoW": "rest-of-world average",
    "GLO": "global average",
}


def region_fallbacks(region: str) -> list[str]:
    """Regions to try, most specific first, for ``region``."""
    chain = [region]
    if region in EU27:
        chain += ["EU27", "EUROPE", "RER"]
    elif region in OTHER_EUROPE or region == "EU27":
        chain += ["EUROPE", "RER"]
    return [*chain, "GLO"] if region != "GLO" else chain


def merge_warnings(*groups: Iterable[str]) -> tuple[str, ...]:
    """The warnings of several lookups or results, each once, in the order met."""
    return tuple(dict.fromkeys(w for group in groups for w in group))


@dataclass(frozen=True)
class Lookup:
    """The factor the lookup rule chose and, in words, each substitution it made on the way."""

    factor: Factor
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class FactorChange:
    """One difference between two releases."""

    factor_id: str
    kind: str  # "added" | "removed" | "changed"
    old_value: float | None
    new_value: float | None
    unit: str

    @property
    def relative_change(self) -> float | None:
        if self.old_value in (None, 0) or self.new_value is None:
            return None
        return self.new_value / self.old_value - 1  # type: ignore[operator]


class FactorLibrary:
    """Indexed read access to one release."""

    def __init__(self, release: Release) -> None:
        self.release = release
        index: dict[tuple[str, str], list[Factor]] = defaultdict(list)
        for factor in release.factors.values():
            index[(factor.flow, factor.region)].append(factor)
        self._index = {key: sorted(rows, key=lambda f: f.year) for key, rows in index.items()}
        self.flows = frozenset(flow for flow, _ in self._index)
        #: Flows the release gives for at least one country: a country without a row falls back.
        self._per_country = frozenset(
            flow for flow, region in self._index if region not in REGION_GROUPS
        )
        #: Flows the release gives as a time series (several years in one region).
        self._time_series = frozenset(
            flow for (flow, _), rows in self._index.items() if len(rows) > 1
        )

    @property
    def release_id(self) -> str:
        return self.release.id

    def get(self, factor_id: str) -> Factor:
        """The factor with this id, or :class:`FactorNotFoundError` suggesting close ids."""
        try:
            return self.release.factors[factor_id]
        except KeyError:
            stem = factor_id.split(":")[0]
            close = [fid for fid in self.release.factors if fid.startswith(stem)][:5]
            hint = f"; similar ids: {', '.join(close)}" if close else ""
            raise FactorNotFoundError(
                f"factor id {factor_id!r} does not exist in release {self.release_id!r}{hint}"
            ) from None

    def resolve(self, flow: str, region: str = "GLO", year: int | None = None) -> Factor:
        """The factor for ``flow`` in ``region`` at ``year`` by the lookup rule above.

        Use :meth:`lookup` where a result is computed: it names the substitutions too."""
        if flow not in self.flows:
            raise FactorNotFoundError(
                f"release {self.release_id!r} has no factor for flow {flow!r}"
            )
        for candidate in region_fallbacks(region):
            rows = self._index.get((flow, candidate))
            if not rows:
                continue
            if year is None:
                return rows[-1]
            earlier = [f for f in rows if f.year <= year]
            return earlier[-1] if earlier else rows[0]
        raise FactorNotFoundError(
            f"release {self.release_id!r} has no factor for flow {flow!r} in {region} "
            f"or its fallbacks ({', '.join(region_fallbacks(region))})"
        )

    def lookup(self, flow: str, region: str = "GLO", year: int | None = None) -> Lookup:
        """The factor :meth:`resolve` returns, with a warning for each substitution it made.

        A region warning when ``flow`` has rows for some country but none for ``region`` (e.g.
        ``"electricity_grid: no factor for IS in open-2024.1; used GLO (global average)"``); a
        year warning when ``flow`` is a time series and ``year`` lies outside the years of the
        region used (``"electricity_grid KR: asked 2030, latest factor 2023"``).
        """
        factor = self.resolve(flow, region, year)
        warnings = []
        if factor.region != region and flow in self._per_country:
            used = f"{factor.region} ({REGION_GROUPS.get(factor.region, factor.region)})"
            warnings.append(f"{flow}: no factor for {region} in {self.release_id}; used {used}")
        if year is not None and flow in self._time_series:
            rows = self._index[(flow, factor.region)]
            first, last = rows[0].year, rows[-1].year
            if year > last:
                warnings.append(f"{flow} {factor.region}: asked {year}, latest factor {last}")
            elif year < first:
                warnings.append(f"{flow} {factor.region}: asked {year}, earliest factor {first}")
        return Lookup(factor, tuple(warnings))

    def years(self, flow: str, region: str) -> list[int]:
        """Reference years the release has for ``flow`` in exactly ``region``."""
        return [f.year for f in self._index.get((flow, region), [])]

    def search(self, text: str) -> list[Factor]:
        """Factors whose id, flow, name, region or notes contain every word of ``text``."""
        words = text.lower().split()
        hits = []
        for factor in self.release.factors.values():
            haystack = " ".join(
                (factor.id, factor.flow, factor.name, factor.region, str(factor.year))
            ).lower()
            if all(word in haystack for word in words):
                hits.append(factor)
        return sorted(hits, key=lambda f: f.id)


def diff_releases(old: Release, new: Release, rel_tol: float = 1e-9) -> list[FactorChange]:
    """Factors added, removed or changed in value or unit between two releases, sorted by id."""
    changes = []
    for fid in sorted(set(old.factors) | set(new.factors)):
        a, b = old.factors.get(fid), new.factors.get(fid)
        if a is None and b is not None:
            changes.append(FactorChange(fid, "added", None, b.value, b.unit))
        elif b is None and a is not None:
            changes.append(FactorChange(fid, "removed", a.value, None, a.unit))
        elif a is not None and b is not None:
            differs = a.unit != b.unit or abs(a.value - b.value) > rel_tol * max(abs(a.value), 1)
            if differs:
                changes.append(FactorChange(fid, "changed", a.value, b.value_in(a.unit), a.unit))
    return changes
