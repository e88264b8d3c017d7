"""After the factory gate too, each substitution of the factor lookup is a warning the result
carries (issue 13 §2): the use stage's grid of a country without its own factor, the recycler's
electricity at a year past the grid factors' years. Both were computed silently with the global
or the latest factor. ``standards`` and the declaration show them."""

from __future__ import annotations

import io
import json
from pathlib import Path

from compliance_support import acme_declaration
from pypdf import PdfReader
from typer.testing import CliRunner

from batterycarbon.battery import Design, Options
from batterycarbon.cli.compliance import app
from batterycarbon.compliance.standards import Downstream, account, compare, standards_report
from batterycarbon.factors import DEFAULT_RELEASE, FactorLibrary
from batterycarbon.recycling import process_emissions, remanufacture
from batterycarbon.reports.pdf import declaration_pdf
from batterycarbon.rules.functional_unit import UseProfile
from batterycarbon.rules.use_stage import UseLosses

ICELAND_GRID = f"electricity_grid: no factor for IS in {DEFAULT_RELEASE}; used GLO (global average)"
GLO_2030 = "electricity_grid GLO: asked 2030, latest factor 2023"
USE = ["--usable-kwh", "54", "--vehicle-category", "M1", "--warranty-years", "8"]


def test_recycling_process_names_its_fallbacks(open_library: FactorLibrary) -> None:
    emissions = process_emissions("hydro", 400.0, 60.0, open_library, country="IS", year=2030)
    assert emissions.warnings[:2] == (ICELAND_GRID, GLO_2030)
    assert process_emissions("hydro", 400.0, 60.0, open_library, "DE", 2022).warnings == ()


def test_remanufacture_carries_the_recycler_s_fallbacks(
    ncm811: Design, open_library: FactorLibrary
) -> None:
    outcome = remanufacture("hydro", ncm811, open_library, country="IS")
    assert ICELAND_GRID in outcome.warnings
    assert ICELAND_GRID not in outcome.virgin.warnings  # every plant of the design is in CN


def test_use_stage_grid_fallback_is_a_warning_of_the_rule_set_result(
    ncm811: Design, open_library: FactorLibrary, car: UseProfile
) -> None:
    losses = UseLosses(battery_efficiency=0.95, charger_efficiency=0.9, country="IS")
    result = account(
        ncm811, open_library, "pefcr-batteries", None, car, downstream=Downstream(use_losses=losses)
    )
    assert ICELAND_GRID in result.warnings
    assert set(result.footprint.warnings) <= set(result.warnings)
    assert result.to_dict()["warnings"] == list(result.warnings)
    german = UseLosses(battery_efficiency=0.95, charger_efficiency=0.9, country="DE")
    quiet = account(
        ncm811, open_library, "pefcr-batteries", None, car, downstream=Downstream(use_losses=german)
    )
    assert ICELAND_GRID not in quiet.warnings


def test_standards_command_json_carries_the_warnings_of_each_rule_set() -> None:
    command = ["standards", "ncm811-prismatic", "--grid", "IS", "--format", "json", *USE]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert all(ICELAND_GRID in r["warnings"] for r in report["rule_sets"])


def test_standards_report_of_a_design_without_fallbacks_has_none(
    ncm811: Design, whitepaper: FactorLibrary, car: UseProfile
) -> None:
    report = standards_report(compare(ncm811, whitepaper, ["whitepaper-c2g"], profile=car), car)
    assert report["rule_sets"][0]["warnings"] == []


def test_declaration_json_and_pdf_carry_the_warnings(
    ncm811: Design, open_library: FactorLibrary, car: UseProfile, tmp_path: Path
) -> None:
    bundle = acme_declaration(ncm811, open_library, car, options=Options(plants={"cell": "IS"}))
    document = bundle.declaration.to_json_dict()
    declared = document["warnings"]
    assert ICELAND_GRID in declared and declared == list(bundle.result.warnings)
    pdf = declaration_pdf(document, tmp_path / "declaration.pdf").read_bytes()
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert all(warning in text for warning in declared), text


def test_standards_and_declare_tables_print_each_warning_once(tmp_path: Path) -> None:
    standards = CliRunner().invoke(app, ["standards", "ncm811-prismatic", "--grid", "IS", *USE])
    assert standards.exit_code == 0, standards.output
    assert standards.output.count(f"warning: {ICELAND_GRID}") == 1  # once, not per rule set
    maker = ["--manufacturer", "ACME", "--manufacturer-address", "2 Works Road", "--plant", "X"]
    study = ["--study-url", "https://example.com/s.pdf", "--out", str(tmp_path)]
    command = ["declare", "ncm811-prismatic", "--grid", "IS", *maker, *study, *USE]
    declared = CliRunner().invoke(app, command)
    assert declared.exit_code == 0, declared.output
    assert declared.output.count(f"warning: {ICELAND_GRID}") == 1
    document = json.loads((tmp_path / "declaration.json").read_text())
    assert ICELAND_GRID in document["warnings"]
