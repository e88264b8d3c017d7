"""Factors fitted to a published figure are marked in their release, the default one included.

A fitted value was set so that the model reproduces a published figure; it was not read in a
source, so it is no evidence for that figure and must not pass for a sourced value. Each release
lists its fitted factors under ``[[fitted]]`` in ``release.toml`` (validated by
``factors.model.Release``). The checks below find fitted rows from what the release data say
about themselves, not from a list of ids: the white-paper release's IMPLIED rows, notes that say
a value was implied by or back-calculated from the paper, and any row that copies the value of
a fitted row of the same flow (a regional proxy of a fitted figure is just as fitted).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from batterycarbon.errors import FactorReleaseError
from batterycarbon.factors import DEFAULT_RELEASE, load_release, load_release_dir
from batterycarbon.factors.loader import RELEASES_DIR
from batterycarbon.factors.model import Release

#: How a row's notes say that its value was fitted to the white paper.
FITTED_NOTE = re.compile(
    r"^IMPLIED|implied by the white paper|back-calculated from the white paper", re.IGNORECASE
)


def fitted_by_rule(release: Release, reference: Release) -> dict[str, str]:
    """Factor id -> why the rule finds it fitted (``reference``: the white-paper release)."""
    found = {
        fid: "its notes say so" for fid, f in release.factors.items() if FITTED_NOTE.search(f.notes)
    }
    fitted_values = {
        (reference.factors[fid].flow, reference.factors[fid].value): f"copies {fid}"
        for fid in reference.fitted_ids
    }
    for fid, factor in release.factors.items():
        if (factor.flow, factor.value) in fitted_values:
            found.setdefault(fid, fitted_values[factor.flow, factor.value])
    changed = True
    while changed:  # a proxy that copies a fitted row is fitted
        changed = False
        copied = {(release.factors[fid].flow, release.factors[fid].value): fid for fid in found}
        for fid, factor in release.factors.items():
            if fid not in found and (factor.flow, factor.value) in copied:
                found[fid] = f"copies {copied[factor.flow, factor.value]}"
                changed = True
    return found


def unmarked_fitted(release: Release) -> list[str]:
    reference = load_release("whitepaper-2023")
    found = fitted_by_rule(release, reference)
    return sorted(f"{fid} ({why})" for fid, why in found.items() if fid not in release.fitted_ids)


def test_the_white_paper_release_marks_exactly_its_implied_rows():
    release = load_release("whitepaper-2023")
    implied = {fid for fid, f in release.factors.items() if f.notes.startswith("IMPLIED")}
    assert len(implied) >= 7  # the seven IMPLIED rows of its SOURCES.md
    assert set(release.fitted_ids) == implied


def test_every_fitted_factor_of_the_default_release_is_marked():
    release = load_release(DEFAULT_RELEASE)
    paper = load_release("whitepaper-2023")
    # The rule must find something where fitted rows exist (the white-paper release); the
    # default release has none left since open-2026.1 (the BMS row is sourced there).
    assert fitted_by_rule(paper, paper), "the rule finds none"
    assert unmarked_fitted(release) == []


def test_the_check_fails_when_a_fitted_factor_loses_its_mark():
    release = load_release(DEFAULT_RELEASE)
    stripped = release.model_copy(update={"fitted": ()})
    # Nothing of the default release is fitted any more: stripping its marks reveals nothing.
    assert unmarked_fitted(stripped) == []
    # The recycled-material rows are sourced since open-2026.1 (no longer fitted); the
    # white-paper release keeps fitted rows, so stripping its marks must reveal them.
    paper = load_release("whitepaper-2023")
    missing = unmarked_fitted(paper.model_copy(update={"fitted": ()}))
    assert any(m.startswith("nickel_sulfate:GLO:2022 ") for m in missing), missing
    assert any(m.startswith("iron_phosphate:GLO:2022 ") for m in missing), missing
    assert any(m.startswith("electronics_bms:GLO:2022 ") for m in missing), missing


def test_a_fitted_mark_says_what_it_was_fitted_to():
    release = load_release("whitepaper-2023")
    fit = release.fit_of("electronics_bms:GLO:2022")
    assert fit is not None and "cells-lfp-prismatic" in fit.figures
    assert "65 %" in fit.how
    assert load_release(DEFAULT_RELEASE).fit_of("electronics_bms:GLO:2026") is None


def _release_copy(tmp_path: Path, fitted: str) -> Path:
    folder = tmp_path / "whitepaper-2023"
    shutil.copytree(RELEASES_DIR / "whitepaper-2023", folder)
    meta = folder / "release.toml"
    text = re.sub(r"(?ms)^\[\[fitted\]\].*", "", meta.read_text(encoding="utf-8"))
    meta.write_text(text + fitted, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("fitted", "expected"),
    [
        (
            '[[fitted]]\nfactors = ["no_such:GLO:2022"]\nfigures = ["gen-ncm622-prismatic"]\n'
            'how = "fitted to the generation ratios"\n',
            "fitted.0.factors: 'no_such:GLO:2022' is not a factor of this release",
        ),
        (
            '[[fitted]]\nfactors = ["iron_phosphate:GLO:2022"]\nfigures = []\n'
            'how = "fitted to the LFP cathode"\n',
            "fitted.0.figures",
        ),
        (
            '[[fitted]]\nfactors = ["iron_phosphate:GLO:2022"]\nfigures = ["cam-lfp"]\nhow = ""\n',
            "fitted.0.how",
        ),
        (
            '[[fitted]]\nfactors = ["iron_phosphate:GLO:2022"]\nfigures = ["cam-lfp"]\n'
            'how = "fitted to the LFP cathode"\n'
            '[[fitted]]\nfactors = ["iron_phosphate:GLO:2022"]\nfigures = ["cathode-lfp"]\n'
            'how = "fitted to the LFP cathode share"\n',
            "fitted.1.factors: 'iron_phosphate:GLO:2022' is marked twice",
        ),
    ],
)
def test_a_bad_fitted_mark_is_refused_naming_the_field(tmp_path: Path, fitted: str, expected: str):
    with pytest.raises(FactorReleaseError) as caught:
        load_release_dir(_release_copy(tmp_path, fitted))
    assert expected in str(caught.value)


def test_a_footprint_says_how_much_of_it_rests_on_fitted_factors(open_library, whitepaper):
    """Under the white-paper release the NCM811 pack rests on fitted rows, the BMS electronics
    (120 kg CO2e/kg, about 10 % of the pack) among them; the share is their rows over the total.
    The default release rests on none since open-2026.1."""
    from batterycarbon.battery import footprint, load_design

    result = footprint(load_design("ncm811-prismatic"), whitepaper)
    assert "electronics_bms:GLO:2022" in result.fitted_factors
    rows = [f for f in result.factors if f["id"] in result.fitted_factors]
    assert {f["id"] for f in rows} == set(result.fitted_factors)
    fitted = sum(f["kgco2e_per_kwh"] for f in rows)
    assert result.fitted_share == pytest.approx(fitted / result.total_kgco2e_per_kwh)
    bms = next(f for f in rows if f["id"] == "electronics_bms:GLO:2022")
    assert 0.05 < bms["kgco2e_per_kwh"] / result.total_kgco2e_per_kwh < 0.15
    assert result.to_dict()["fitted_share"] == result.fitted_share
    default = footprint(load_design("ncm811-prismatic"), open_library)
    assert default.fitted_factors == [] and default.fitted_share == 0.0


def test_cells_alone_rest_on_no_fitted_factor_of_the_default_release(open_library):
    from batterycarbon.battery import footprint, load_design

    result = footprint(load_design("ncm811-prismatic"), open_library, level="cell")
    assert result.fitted_factors == [] and result.fitted_share == 0.0


def test_under_the_white_paper_release_the_implied_salts_count_too(whitepaper):
    from batterycarbon.battery import footprint, load_design

    result = footprint(load_design("ncm811-prismatic"), whitepaper)
    used = {str(f["id"]) for f in result.factors}
    assert set(result.fitted_factors) == used & whitepaper.release.fitted_ids
    assert "nickel_sulfate:GLO:2022" in result.fitted_factors
    fitted = sum(f["kgco2e_per_kwh"] for f in result.factors if f["id"] in result.fitted_factors)
    assert result.fitted_share == pytest.approx(fitted / result.total_kgco2e_per_kwh)
