"""The multi-page customer report: it opens, has its sections in order, renders, and prints
the calculation's own numbers (recomputed here, never copied from a run)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from compliance_support import FIXTURE_CLASSES
from dependency_support import require_program
from pypdf import PdfReader
from typer.testing import CliRunner

from batterycarbon.battery import Design, footprint, load_design
from batterycarbon.battery.hotspots import hotspots
from batterycarbon.battery.uncertainty import monte_carlo, summary
from batterycarbon.cli.compliance import app
from batterycarbon.compliance.report import (
    MC_RUNS,
    MC_SEED,
    factor_provenance,
    pathway_content,
    pathway_preset_for,
    uncertainty_content,
)
from batterycarbon.compliance.standards import account, compare, reconcile
from batterycarbon.errors import InputError
from batterycarbon.factors import DEFAULT_RELEASE, FactorLibrary
from batterycarbon.reports.report_pdf import SECTIONS
from batterycarbon.rules.functional_unit import UseProfile
from batterycarbon.scenarios import load_pathway, pathway

RULE_SET = "jrc-cfb-ev-2023"
COMPARED = ("whitepaper-c2g", "iso14067-c2g", "eu-draft-2024")
ARGS = [
    "report", "ncm811-prismatic", "--manufacturer", "ACME Cells",
    "--manufacturer-address", "2 Works Road, 352100 Ningde",
    "--plant", "1 Battery Road, Skelleftea, Sweden", "--study-url", "https://example.com/s.pdf",
    "--usable-kwh", "54", "--vehicle-category", "M1", "--warranty-years", "8",
    "--issued", "2025-06-01", "--factors", DEFAULT_RELEASE, "--classes", str(FIXTURE_CLASSES),
    *(x for rs in COMPARED for x in ("--compare", rs)),
]  # fmt: skip


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.pdf"
    result = CliRunner().invoke(app, [*ARGS, "--out", str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(scope="module")
def pages(report: Path) -> list[str]:
    """The text of each page, whitespace collapsed so wrapped cells still match."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(report).pages]


def _section_pages(report: Path) -> dict[str, int]:
    reader = PdfReader(report)
    return {o.title: reader.get_destination_page_number(o) for o in reader.outline}  # type: ignore[union-attr]


def _pages_of(report: Path, pages: list[str], section: str) -> str:
    """All text from the first page of ``section`` up to the next section's first page."""
    starts = _section_pages(report)
    first = starts[section]
    later = [p for p in starts.values() if p > first]
    return " ".join(pages[first : min(later) if later else len(pages)])


def test_sections_are_bookmarked_in_order_each_on_its_own_page(
    report: Path, pages: list[str]
) -> None:
    starts = _section_pages(report)
    assert list(starts) == list(SECTIONS)
    assert list(starts.values()) == sorted(set(starts.values()))
    assert starts[SECTIONS[0]] == 0
    assert len(pages) >= len(SECTIONS)
    for title, page in starts.items():
        assert title.split(":")[0] in pages[page]


def test_cover_names_design_release_rule_set_date_and_digest(
    report: Path, pages: list[str], ncm811: Design, open_library: FactorLibrary, car: UseProfile
) -> None:
    result = account(ncm811, open_library, RULE_SET, profile=car)
    cover = pages[0]
    assert "ncm811-prismatic" in cover
    assert DEFAULT_RELEASE in cover
    assert f"{RULE_SET} {result.rule_set.version}" in cover
    assert "2025-06-01" in cover
    assert result.footprint.inputs_digest in cover.replace(" ", "")
    assert f"{result.total_kgco2e_per_fu:.4f} kg CO2e per kWh delivered" in cover
    assert f"{result.total_kgco2e_per_kwh_capacity:.2f} kg CO2e per kWh of capacity" in cover


def test_stage_and_component_numbers_are_the_footprints(
    report: Path, pages: list[str], ncm811: Design, open_library: FactorLibrary, car: UseProfile
) -> None:
    result = account(ncm811, open_library, RULE_SET, profile=car)
    text = _pages_of(report, pages, "Results by stage and component")
    per_fu = result.stages_kgco2e_per_fu
    for stage, value in result.stages_kgco2e_per_kwh_capacity.items():
        name = result.rule_set.stage_names[stage]
        assert f"{name} {value:.3f} {per_fu[stage]:.5f}" in text, stage
    assert f"Total {result.total_kgco2e_per_kwh_capacity:.3f} {result.total_kgco2e_per_fu:.5f}" in (
        text
    )
    for component, value in result.footprint.components.items():
        assert f"{component} {value:.3f}" in text, component
    assert f"Total cradle to gate {result.footprint.total_kgco2e_per_kwh:.3f}" in text


def test_chart_is_embedded_as_an_image(report: Path, ncm811: Design) -> None:
    reader = PdfReader(report)
    page = reader.pages[_section_pages(report)["Results by stage and component"]]
    images = list(page.images)
    assert len(images) == 1
    assert images[0].image is not None and images[0].image.width > 1000


def test_hotspots_are_the_models(
    report: Path, pages: list[str], ncm811: Design, open_library: FactorLibrary
) -> None:
    text = _pages_of(report, pages, "Hotspots")
    spots = hotspots(ncm811, open_library, top=8, rule_set_id=RULE_SET)
    assert spots
    for spot in spots:
        assert f"{spot.kgco2e_per_kwh:.3f} {100 * spot.share:.1f} %" in text, spot.id


def test_uncertainty_figures_are_a_fresh_monte_carlo_with_the_same_seed(
    report: Path, pages: list[str], ncm811: Design, open_library: FactorLibrary
) -> None:
    text = _pages_of(report, pages, "Uncertainty")
    assert f"{MC_RUNS} runs, seed {MC_SEED}" in text
    samples = monte_carlo(ncm811, open_library, MC_RUNS, MC_SEED, rule_set_id=RULE_SET)
    fp = footprint(ncm811, open_library, level="pack", rule_set_id=RULE_SET)
    names = {"raw_materials": "Raw material acquisition and pre-processing",
             "production": "Main product production"}  # fmt: skip
    rows = [(names[s], samples.stages[s], fp.stages[s]) for s in ("raw_materials", "production")]
    rows.append(("Total cradle to gate", samples.total, fp.total_kgco2e_per_kwh))
    for label, values, deterministic in rows:
        stats = summary(values)
        cells = " ".join(f"{stats[k]:.3f}" for k in ("mean", "median", "p2_5", "p97_5"))
        assert f"{label} {deterministic:.3f} {cells}" in text, label
    # The percentiles bracket the median, and another seed gives other figures (the seed matters).
    total = summary(samples.total)
    assert total["p2_5"] < total["median"] < total["p97_5"]
    other = summary(monte_carlo(ncm811, open_library, MC_RUNS, MC_SEED + 1, rule_set_id=RULE_SET).total)  # fmt: skip
    assert f"{other['mean']:.3f}" not in text


def test_uncertainty_names_bad_runs_and_seed(ncm811: Design, open_library: FactorLibrary) -> None:
    with pytest.raises(InputError) as info:
        uncertainty_content(ncm811, open_library, RULE_SET, runs=1, seed=-3)
    assert any("mc_runs" in p for p in info.value.problems)
    assert any("mc_seed" in p for p in info.value.problems)


def test_pathway_is_the_bundled_preset_applied_to_this_design(
    report: Path, pages: list[str], ncm811: Design, open_library: FactorLibrary
) -> None:
    text = _pages_of(report, pages, "Reduction pathway")
    assert pathway_preset_for(ncm811) == "whitepaper-ncm"
    preset = load_pathway("whitepaper-ncm")
    fresh = pathway(ncm811, [(s.name, s.resolve()) for s in preset.steps], open_library,
                    level="pack", rule_set_id=RULE_SET)  # fmt: skip
    assert len(fresh.steps) == len(preset.steps) + 1
    for step in fresh.steps:
        row = (f"{step.name} {step.total_kgco2e_per_kwh:.3f} {100 * step.change_vs_previous:+.1f} % "
               f"{100 * step.change_vs_start:+.1f} %")  # fmt: skip
        assert row in text, step.name
    # The start is the report's own cradle-to-gate result, so the sections agree.
    fp = footprint(ncm811, open_library, level="pack", rule_set_id=RULE_SET)
    assert fresh.steps[0].total_kgco2e_per_kwh == fp.total_kgco2e_per_kwh
    reader = PdfReader(report)
    page = reader.pages[_section_pages(report)["Reduction pathway"]]
    assert len(list(page.images)) == 1


def test_pathway_by_chemistry_family(open_library: FactorLibrary) -> None:
    assert pathway_preset_for(load_design("lfp-prismatic")) == "whitepaper-lfp"
    assert pathway_preset_for(load_design("ncm622-prismatic")) == "whitepaper-ncm"
    solid_state = load_design("ssb-sulfide-pouch")
    assert pathway_preset_for(solid_state) is None
    assert pathway_content(solid_state, open_library, RULE_SET) is None


def test_rule_sets_and_reconciliation_rows(
    report: Path, pages: list[str], ncm811: Design, open_library: FactorLibrary, car: UseProfile
) -> None:
    text = _pages_of(report, pages, "Rule sets side by side")
    results = compare(ncm811, open_library, [*COMPARED, RULE_SET], None, car)
    for r in results:
        assert f"{r.total_kgco2e_per_kwh_capacity:.2f}" in text, r.rule_set.id
        if r.total_kgco2e_per_kwh_delivered is not None:
            assert f"{r.total_kgco2e_per_kwh_delivered:.4f}" in text, r.rule_set.id
    rows = reconcile(results)
    assert len(rows) == 4 * (len(results) - 1)
    for row in rows:
        if row["effect_kgco2e_per_kwh_capacity"] is not None:
            assert f"{row['effect_kgco2e_per_kwh_capacity']:+.3f}" in text, row
        else:
            assert f"/ {row['fu_divisor']:.4g}" in text, row


def test_sources_page_gives_each_factors_provenance_and_quality(
    report: Path, pages: list[str], ncm811: Design, open_library: FactorLibrary, car: UseProfile
) -> None:
    text = _pages_of(report, pages, "Data sources and quality").replace(" ", "")
    rows = factor_provenance(account(ncm811, open_library, RULE_SET, profile=car), open_library)
    library_rows = [r for r in rows if r["kind"] == "library"]
    assert len(library_rows) >= 10
    for row in rows:
        assert row["id"] in text
    for row in library_rows:
        factor = open_library.get(row["id"])
        cells = f"{row['kgco2e_per_kwh']:.4f}{100 * row['share']:.1f}%{factor.region}{factor.year}"
        assert f"{cells}{factor.quality.dqr:.2f}" in text, row["id"]


def test_declaration_is_the_annex(
    report: Path, pages: list[str], ncm811: Design, open_library: FactorLibrary, car: UseProfile
) -> None:
    text = _pages_of(report, pages, SECTIONS[-1])
    result = account(ncm811, open_library, RULE_SET, profile=car)
    assert "ACME Cells" in text and "Regulation (EU) 2023/1542" in text
    assert f"{result.total_kgco2e_per_fu:.4f} kg CO2e per kWh delivered" in text
    assert "CFD-" in text


def test_every_page_renders(report: Path, tmp_path: Path) -> None:
    pdftoppm = require_program("pdftoppm", "poppler-utils")
    done = subprocess.run(
        [pdftoppm, "-r", "40", "-png", str(report), str(tmp_path / "p")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rendered = sorted(tmp_path.glob("p-*.png"))
    assert len(rendered) == len(PdfReader(report).pages)
    assert all(p.stat().st_size > 2000 for p in rendered)


@pytest.mark.parametrize(
    ("drop", "extra", "field"),
    [
        ("--manufacturer", [], "--manufacturer"),
        ("--usable-kwh", [], "usable"),
        (None, ["--out", "report.txt"], "--out"),
        (None, ["--compare", "no-such-rules"], "no-such-rules"),
        (None, ["--issued", "June"], "--issued"),
        (None, ["--runs", "1"], "mc_runs"),
        (None, ["--seed", "-3"], "mc_seed"),
    ],
)
def test_bad_input_names_the_field_and_exits_2(
    tmp_path: Path, drop: str | None, extra: list[str], field: str
) -> None:
    args = list(ARGS)
    if drop is not None:
        i = args.index(drop)
        del args[i : i + 2]
    if "--out" not in extra:
        extra = [*extra, "--out", str(tmp_path / "r.pdf")]
    result = CliRunner().invoke(app, [*args, *extra])
    assert result.exit_code == 2, result.output
    assert field in result.output
    assert not (tmp_path / "r.pdf").exists()
