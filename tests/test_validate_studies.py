"""``batterycarbon validate``: the default results beside published studies (issue 15 §2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from batterycarbon.battery import Options, footprint, load_design
from batterycarbon.cli import app
from batterycarbon.errors import BatteryCarbonError
from batterycarbon.factors import FactorLibrary
from batterycarbon.reports.validation import Study, comparisons, load_studies, region_matches


def _study(**changes: object) -> Study:
    base: dict[str, object] = {
        "id": "test-study",
        "citation": "A test study of LFP packs made in China (2024)",
        "year": 2024,
        "chemistries": ["LFP"],
        "level": "pack",
        "region": "CN",
        "boundary": "cradle-to-gate",
        "low": 50.0,
        "high": 500.0,
        "unit": "kg CO2e/kWh",
        "checked": True,
    }
    return Study.model_validate({**base, **changes})


def test_the_bundled_studies_load_and_each_names_its_source() -> None:
    studies = load_studies()
    assert len(studies) >= 10
    for s in studies:
        assert s.citation and s.boundary and s.year >= 2000, s.id


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"low": 90.0, "high": 80.0}, "high 80.0 is below low 90.0"),
        ({"chemistries": ["LMFP"]}, "LMFP not in chemistries.toml"),
        ({"level": "material"}, "level material needs a product"),
        ({"central": 600.0}, "central 600.0 is outside 50.0..500.0"),
    ],
)
def test_a_bad_study_entry_is_refused_naming_what_is_wrong(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        _study(**changes)


def test_a_data_file_with_a_bad_entry_is_refused_as_a_whole(tmp_path: Path) -> None:
    path = tmp_path / "studies.toml"
    path.write_text('[[study]]\nid = "x"\n', encoding="utf-8")
    with pytest.raises(BatteryCarbonError, match="study.0"):
        load_studies.__wrapped__(path)


def test_regions_match_where_the_study_describes_that_production() -> None:
    assert region_matches("GLO", "CN") and region_matches("CN", "CN")
    assert region_matches("EU", "DE") and not region_matches("EU", "CN")
    assert not region_matches("US", "CN")


def test_a_result_is_judged_against_each_study_s_range(open_library: FactorLibrary) -> None:
    model = footprint(
        load_design("lfp-prismatic"), open_library, Options(grid="CN")
    ).total_kgco2e_per_kwh
    wide, narrow = _study(id="wide"), _study(id="narrow", low=1.0, high=2.0)
    single = _study(id="single", low=80.0, high=80.0)
    elsewhere = _study(id="elsewhere", region="US")
    cell = _study(id="cell-level", level="cell")
    rows = comparisons(
        open_library, (wide, narrow, single, elsewhere, cell), ["lfp-prismatic"], ("CN",)
    )
    by_id = {r.study.id: r for r in rows}
    assert set(by_id) == {"wide", "narrow", "single", "cell-level"}  # not the US study
    assert by_id["wide"].model == model and by_id["wide"].inside is True
    assert by_id["narrow"].inside is False and by_id["narrow"].verdict() == "OUTSIDE"
    assert by_id["single"].inside is None
    assert by_id["single"].deviation == pytest.approx(model / 80.0 - 1)
    cell_total = footprint(
        load_design("lfp-prismatic"), open_library, Options(grid="CN"), level="cell"
    ).total_kgco2e_per_kwh
    assert by_id["cell-level"].model == cell_total < model


def test_a_study_the_release_took_inputs_from_is_not_evidence(open_library: FactorLibrary) -> None:
    source = _study(id="source", factor_sources=("mat-istrate-2024",))
    (row,) = comparisons(open_library, (source,), ["lfp-prismatic"], ("CN",))
    assert row.input_not_evidence and "not evidence" in row.verdict()


def test_the_command_prints_every_comparison_as_json() -> None:
    result = CliRunner().invoke(app, ["validate", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    designs = {row["design"] for row in report["comparisons"]}
    assert {"lfp-prismatic", "ncm811-prismatic", "ssb-sulfide-pouch"} <= designs
    assert {row["region"] for row in report["comparisons"]} == {"CN", "DE", "SE", "US"}
    assert "results inside a published range" in report["summary"]
