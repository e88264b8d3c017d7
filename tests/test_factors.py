"""Factor library: loading, validation of whole releases, lookup rule, diff."""

from __future__ import annotations

import csv
import shutil
import tomllib
from pathlib import Path

import pytest

from batterycarbon.errors import FactorNotFoundError, FactorReleaseError
from batterycarbon.factors import (
    FactorLibrary,
    bundled_release_ids,
    diff_releases,
    load_release,
    load_release_dir,
    region_fallbacks,
)
from batterycarbon.factors.loader import COLUMNS, RELEASES_DIR


def test_bundled_releases_load_and_every_factor_is_sourced():
    assert {"whitepaper-2023", "open-2024.1"} <= set(bundled_release_ids())
    for rid in bundled_release_ids():
        release = load_release(rid)
        assert release.factors, rid
        for factor in release.factors.values():
            assert len(factor.source.citation) >= 10
            assert 1 <= factor.quality.dqr <= 5


def test_open_release_covers_the_required_countries_and_years(open_library: FactorLibrary):
    countries = ["CN", "US", "DE", "FR", "SE", "NO", "PL", "HU", "KR", "JP", "IN", "ID", "AU", "CL", "AR", "CA", "GB", "ES", "IT", "BE", "NL", "FI", "CZ", "SK", "MX", "BR", "TH", "VN", "MY", "ZA"]  # fmt: skip
    for country in countries:
        years = open_library.years("electricity_grid", country)
        assert years, f"no grid factor for {country}"
        assert min(years) <= 2019 and max(years) >= 2022, (country, years)


REQUIRED_MATERIALS = [
    "lithium_carbonate_brine",
    "lithium_carbonate_spodumene",
    "lithium_hydroxide_brine",
    "lithium_hydroxide_spodumene",
    "nickel_sulfate",
    "cobalt_sulfate",
    "manganese_sulfate",
    "iron_phosphate",
    "pcam_ncm111",
    "pcam_ncm523",
    "pcam_ncm622",
    "pcam_ncm811",
    "cam_lfp",
    "cam_ncm111",
    "cam_ncm523",
    "cam_ncm622",
    "cam_ncm811",
    "cam_nca",
    "graphite_natural",
    "graphite_synthetic",
    "graphite_silicon_coated",
    "lithium_metal",
    "sulfide_solid_electrolyte",
    "lipf6",
    "carbonate_solvents",
    "separator_pe_pp",
    "pvdf",
    "nmp",
    "carbon_black",
    "cmc",
    "sbr",
    "aluminium_primary",
    "copper",
    "aluminium_foil_rolling",
    "copper_foil_rolling",
    "steel",
    "plastics",
    "electronics_bms",
    "heat_natural_gas",
    "steam",
    "transport_road",
    "transport_rail",
    "transport_sea",
    "electricity_green",
]


def test_open_release_covers_the_required_materials(open_library: FactorLibrary):
    """Every required flow has a factor, or is a known gap the release states with a reason."""
    meta = tomllib.loads((RELEASES_DIR / "open-2024.1" / "release.toml").read_text())
    gaps = meta.get("known_gaps", {})
    missing = [flow for flow in REQUIRED_MATERIALS if flow not in open_library.flows]
    assert set(missing) == set(gaps), (missing, gaps)
    assert all(len(reason) > 40 for reason in gaps.values())
    assert len(gaps) <= 1  # a second gap is a regression of the release, not a footnote


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="") as handle:
        return list(csv.reader(handle))


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)


def _copy_release(tmp_path: Path, rid: str = "whitepaper-2023") -> Path:
    target = tmp_path / rid
    shutil.copytree(RELEASES_DIR / rid, target)
    return target


def test_a_release_with_bad_rows_is_rejected_listing_every_bad_row(tmp_path: Path):
    folder = _copy_release(tmp_path)
    csv_path = next((folder / "factors").glob("*.csv"))
    lines = _rows(csv_path)
    assert tuple(lines[0]) == COLUMNS
    first = lines[1]
    negative = list(first)
    negative[0], negative[3] = "bad:negative", "-1"
    bad_unit = list(first)
    bad_unit[0], bad_unit[4] = "bad:unit", "furlongs"
    bad_dqr = list(first)
    bad_dqr[0], bad_dqr[8] = "bad:dqr", "7"
    _write(csv_path, [*lines, negative, bad_unit, bad_dqr])
    with pytest.raises(FactorReleaseError) as info:
        load_release_dir(folder)
    report = "\n".join(info.value.problems)
    assert len(info.value.problems) == 3
    assert "bad:negative" in report and "greater than or equal to 0" in report
    assert "bad:unit" in report and "furlongs" in report
    assert "bad:dqr" in report and "less than or equal to 5" in report


def test_a_duplicate_id_and_an_unknown_source_are_reported(tmp_path: Path):
    folder = _copy_release(tmp_path)
    csv_path = next((folder / "factors").glob("*.csv"))
    lines = _rows(csv_path)
    unknown_source = list(lines[2])
    unknown_source[0], unknown_source[7] = "bad:source", "nowhere-2099"
    _write(csv_path, [*lines, lines[1], unknown_source])
    with pytest.raises(FactorReleaseError) as info:
        load_release_dir(folder)
    report = "\n".join(info.value.problems)
    assert "appears twice" in report
    assert "nowhere-2099" in report


def test_lookup_falls_back_from_country_to_group_to_global(open_library: FactorLibrary):
    assert region_fallbacks("DE")[:3] == ["DE", "EU27", "EUROPE"]
    assert region_fallbacks("NO")[-1] == "GLO"
    factor = open_library.resolve("electricity_grid", "DE", 2020)
    assert factor.region == "DE" and factor.year == 2020
    # a year beyond the data falls back to the latest year at or before it
    later = open_library.resolve("electricity_grid", "DE", 2100)
    assert later.year == max(open_library.years("electricity_grid", "DE"))
    # a material without a German row falls back to a wider region
    separator = open_library.resolve("separator_pe_pp", "DE", 2023)
    assert separator.region in {"DE", "EU27", "EUROPE", "RER", "GLO"}


def test_unknown_flow_and_unknown_id_are_clear(open_library: FactorLibrary):
    with pytest.raises(FactorNotFoundError, match="unobtainium"):
        open_library.resolve("unobtainium", "CN", 2023)
    with pytest.raises(FactorNotFoundError, match="does not exist"):
        open_library.get("electricity_grid:XX:1900")


def test_diff_lists_changes_between_releases():
    old, new = load_release("whitepaper-2023"), load_release("open-2024.1")
    changes = diff_releases(old, new)
    kinds = {c.kind for c in changes}
    assert "added" in kinds
    assert diff_releases(old, old) == []


def test_search_finds_by_words(open_library: FactorLibrary):
    hits = open_library.search("electricity_grid CN 2022")
    assert any(f.id for f in hits if f.region == "CN" and f.year == 2022)
