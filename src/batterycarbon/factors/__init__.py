"""The battery emission-factor library: versioned, sourced, regional and dated factors."""

from batterycarbon.factors.library import (
    FactorLibrary,
    Lookup,
    diff_releases,
    merge_warnings,
    region_fallbacks,
)
from batterycarbon.factors.loader import (
    DEFAULT_RELEASE,
    bundled_release_ids,
    load_release,
    load_release_dir,
)
from batterycarbon.factors.model import DataQuality, Factor, Release, Source, Uncertainty

__all__ = [
    "DEFAULT_RELEASE", "DataQuality", "Factor", "FactorLibrary", "Lookup", "Release", "Source",
    "Uncertainty", "bundled_release_ids", "diff_releases", "load_release", "load_release_dir",
    "merge_warnings", "region_fallbacks",
]  # fmt: skip


def library(release_id: str = DEFAULT_RELEASE) -> FactorLibrary:
    """A :class:`FactorLibrary` over a bundled release."""
    return FactorLibrary(load_release(release_id))
