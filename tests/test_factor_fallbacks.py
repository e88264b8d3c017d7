"""A known country without its own factor, or a year outside a factor's years, is computed with a
named fallback that the result carries as a warning (issue 13 §2): in the library's lookup, the
Footprint, the CLI's JSON, table and CSV. It used to be computed silently with the wider region's
or the nearest year's factor. A flow the library defines only for wider regions (a chemical with a
global factor only) and a factor with one reference year are the documented rule, not warnings."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from batterycarbon.battery import Options, footprint, load_design
from batterycarbon.battery.design import DESIGNS_DIR
from batterycarbon.cli import app
from batterycarbon.factors import DEFAULT_RELEASE, FactorLibrary

runner = CliRunner()
ICELAND_GRID = f"electricity_grid: no factor for IS in {DEFAULT_RELEASE}; used GLO (global average)"
IRELAND_GRID = f"electricity_grid: no factor for IE in {DEFAULT_RELEASE}; used EU27 (EU-27 average)"
KOREA_2030 = "electricity_grid KR: asked 2030, latest factor 2023"


def test_lookup_names_a_country_without_its_own_factor(open_library: FactorLibrary) -> None:
    iceland = open_library.lookup("electricity_grid", "IS", 2022)
    assert iceland.factor.region == "GLO" and iceland.warnings == (ICELAND_GRID,)
    ireland = open_library.lookup("electricity_grid", "IE", 2022)
    assert ireland.factor.region == "EU27" and ireland.warnings == (IRELAND_GRID,)
    # the factor is the one resolve() returns: the warning changes no figure
    assert ireland.factor == open_library.resolve("electricity_grid", "IE", 2022)
    own = open_library.lookup("electricity_grid", "DE", 2022)
    assert own.factor.region == "DE" and own.warnings == ()


@pytest.mark.parametrize(
    ("flow", "region"),
    [
        ("separator_pe_pp", "DE"),  # defined only as GLO: a global commodity
        ("polypropylene", "DE"),  # defined only for regions (EUROPE, GLO): DE takes EUROPE
        ("electricity_grid", "GLO"),  # asked for the global factor itself
    ],
)
def test_flows_the_library_defines_for_wider_regions_only_do_not_warn(
    open_library: FactorLibrary, flow: str, region: str
) -> None:
    assert open_library.lookup(flow, region, 2022).warnings == ()


def test_lookup_names_a_year_outside_the_factor_years(open_library: FactorLibrary) -> None:
    later = open_library.lookup("electricity_grid", "KR", 2030)
    assert later.factor.year == 2023 and later.warnings == (KOREA_2030,)
    earlier = open_library.lookup("electricity_grid", "RO", 2018)
    assert earlier.factor.year == 2021
    assert earlier.warnings == ("electricity_grid RO: asked 2018, earliest factor 2021",)
    # inside the years, between two of them, the latest before is the documented rule
    assert open_library.lookup("electricity_grid", "CN", 2024).warnings == ()
    assert open_library.lookup("electricity_grid", "CN", 2024).factor.year == 2023
    # a factor with one reference year is a static figure for every year (its time
    # representativeness is in its data-quality rating), not a fallback
    assert open_library.lookup("carbon_black", "GLO", 2035).warnings == ()


def test_both_fallbacks_of_one_lookup_are_named(open_library: FactorLibrary) -> None:
    both = open_library.lookup("electricity_grid", "IS", 2030)
    assert both.warnings == (
        f"electricity_grid: no factor for IS in {DEFAULT_RELEASE}; used GLO (global average)",
        "electricity_grid GLO: asked 2030, latest factor 2023",
    )


def test_footprint_carries_each_fallback_once(open_library: FactorLibrary) -> None:
    design = load_design("ncm811-prismatic")
    design = design.model_copy(update={"plants": design.plants.model_copy(update={"cell": "IS"})})
    result = footprint(design, open_library)
    assert ICELAND_GRID in result.warnings
    assert len(result.warnings) == len(set(result.warnings))
    assert result.to_dict()["warnings"] == result.warnings
    later = footprint(design, open_library, Options(grid="KR", year=2030))
    assert KOREA_2030 in later.warnings and ICELAND_GRID not in later.warnings


def test_design_with_only_own_country_factors_has_no_warnings(open_library: FactorLibrary) -> None:
    # every plant of lfp-prismatic is in China; with lithium from spodumene each factor it uses
    # is China's own row or a flow the release gives only globally
    design = load_design("lfp-prismatic").model_copy(update={"lithium_route": "spodumene"})
    assert footprint(design, open_library).warnings == []


def _iceland_design(tmp_path: Path) -> Path:
    data = yaml.safe_load((DESIGNS_DIR / "ncm811-prismatic.yaml").read_text())
    data["plants"] = {**data["plants"], "cell": "IS"}
    path = tmp_path / "iceland.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_cli_footprint_shows_the_warnings_in_json_table_and_csv(tmp_path: Path) -> None:
    path = str(_iceland_design(tmp_path))
    as_json = runner.invoke(app, ["footprint", path, "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    assert ICELAND_GRID in json.loads(as_json.output)["warnings"]
    table = runner.invoke(app, ["footprint", path])
    assert table.exit_code == 0, table.output
    assert f"warning: {ICELAND_GRID}" in " ".join(table.output.split())
    as_csv = runner.invoke(app, ["footprint", path, "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(as_csv.output)))
    assert [r["key"] for r in rows if r["breakdown"] == "warning"].count(ICELAND_GRID) == 1
    quiet = runner.invoke(app, ["footprint", "ncm811-prismatic", "--factors", "whitepaper-2023"])
    assert quiet.exit_code == 0 and "warning:" not in quiet.output
