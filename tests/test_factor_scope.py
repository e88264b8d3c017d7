"""Scope metadata of factors (issue 15) and the grid rows as life-cycle consumption factors.

Every source of ``open-2026.1`` states what its figures cover (a controlled term plus detail);
the immutable older releases load unchanged and show ``not stated``. The grid rows are per kWh
delivered at medium voltage: checked by hand against the generation table and loss factor the
generator script uses.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from batterycarbon.cli import app
from batterycarbon.cli.common import out
from batterycarbon.errors import FactorReleaseError
from batterycarbon.factors import Source, load_release, load_release_dir
from batterycarbon.factors.model import SCOPE_NOT_STATED, SCOPE_TERMS, scope_term

ROOT = Path(__file__).resolve().parents[1]
RELEASES = ROOT / "src" / "batterycarbon" / "factors" / "releases"
runner = CliRunner()


def _grid_script() -> ModuleType:
    path = ROOT / "scripts" / "derive_grid_factors.py"
    spec = importlib.util.spec_from_file_location("derive_grid_factors", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("derive_grid_factors", module)
    spec.loader.exec_module(module)
    return module


# --- the scope field ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("cradle-to-gate", "cradle-to-gate"),
        ("gate-to-gate process energy", "gate-to-gate"),
        ("life-cycle, consumption mix incl. T&D losses", "life-cycle"),
        ("life-cycle consumption; medium voltage, imports excluded", "life-cycle consumption"),
        ("Life-cycle generation (AR5 medians)", "life-cycle generation"),
        ("scope 1+2; company figures", "scope 1+2"),
        ("direct combustion: CO2, CH4, N2O", "direct combustion"),
        ("cradle-to-gatex", None),
        ("process emissions", None),
        ("", None),
    ],
)
def test_scope_term_is_the_longest_controlled_term_the_text_begins_with(
    text: str, term: str | None
) -> None:
    assert scope_term(text) == term


def test_a_scope_without_a_controlled_term_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError) as caught:
        Source(id="s", citation="A citation of ten+", scope="process emissions only")
    message = str(caught.value)
    assert "scope" in message and "must begin with one of" in message
    assert "cradle-to-gate" in message and "life-cycle consumption" in message


def test_a_source_without_scope_serializes_as_before_so_old_digests_hold() -> None:
    # The fields a source had before scope existed, in their order: the content digest of
    # open-2024.1 and whitepaper-2023 (services/factor_releases.py) covers this dump.
    plain = Source(id="s", citation="A citation of ten+")
    assert list(plain.model_dump()) == [
        "id",
        "citation",
        "url",
        "year",
        "licence",
        "notes",
        "used_for",
        "copy_url",
    ]
    scoped = Source(id="s", citation="A citation of ten+", scope="cradle-to-gate; at the gate")
    assert scoped.model_dump()["scope"] == "cradle-to-gate; at the gate"


# --- the bundled releases ----------------------------------------------------------------------


def test_every_source_and_factor_of_open_2026_1_has_a_scope() -> None:
    release = load_release("open-2026.1")
    unscoped = sorted(s.id for s in release.sources.values() if s.scope is None)
    assert unscoped == []
    for factor in release.factors.values():
        assert factor.scope != SCOPE_NOT_STATED, factor.id
        assert factor.scope_term in SCOPE_TERMS, factor.id


@pytest.mark.parametrize("release_id", ["open-2024.1", "whitepaper-2023"])
def test_releases_written_before_scope_load_with_scope_not_stated(release_id: str) -> None:
    release = load_release(release_id)
    assert release.factors
    assert {f.scope for f in release.factors.values()} == {"not stated"}
    assert {f.scope_term for f in release.factors.values()} == {"not stated"}


def test_grid_rows_of_open_2026_1_are_life_cycle_consumption_without_imports() -> None:
    release = load_release("open-2026.1")
    grid = [f for f in release.factors.values() if f.flow == "electricity_grid"]
    assert len(grid) == 402
    for factor in grid:
        assert factor.scope_term == "life-cycle consumption", factor.id
        assert "imports excluded" in factor.notes, factor.id
        assert "medium voltage" in factor.scope, factor.id
        assert "imports and exports not included" in factor.scope, factor.id
    heat = release.factors["heat_natural_gas:glo:2006"]
    assert heat.scope_term == "direct combustion"
    assert "upstream gas chain" in heat.scope and "not included" in heat.scope


def test_a_release_with_a_bad_scope_is_rejected_naming_file_and_source(tmp_path: Path) -> None:
    (tmp_path / "sources").mkdir()
    (tmp_path / "factors").mkdir()
    (tmp_path / "release.toml").write_text(
        'id = "scope-test"\ntitle = "Scope test"\npublished = 2026-01-01\n', encoding="utf-8"
    )
    (tmp_path / "sources" / "a.toml").write_text(
        '[src-a]\ncitation = "Some publication (2026)."\nscope = "upstream only"\n',
        encoding="utf-8",
    )
    header = (
        "id,flow,name,value,unit,region,year,source_id,dqr_ter,dqr_ger,dqr_tir,dqr_p,"
        "distribution,gsd,min,mode,max,notes\n"
    )
    row = "steam:glo:2020,steam,Steam,0.07,kg CO2e / MJ,GLO,2020,src-a,2,2,2,2,,,,,,\n"
    (tmp_path / "factors" / "a.csv").write_text(header + row, encoding="utf-8")
    with pytest.raises(FactorReleaseError) as caught:
        load_release_dir(tmp_path)
    problems = "\n".join(caught.value.problems)
    assert "a.toml [src-a]: scope: scope 'upstream only' must begin with one of" in problems


# --- command line -------------------------------------------------------------------------------


def test_factors_show_prints_the_scope() -> None:
    result = runner.invoke(app, ["factors", "show", "electricity_grid:cn:2022"])
    assert result.exit_code == 0, result.output
    assert "scope" in result.output and "life-cycle consumption" in result.output
    old = runner.invoke(
        app, ["factors", "show", "electricity_grid:cn:2022", "--release", "open-2024.1"]
    )
    assert old.exit_code == 0 and "not stated" in old.output


def test_factors_json_carries_scope_and_term() -> None:
    result = runner.invoke(app, ["factors", "show", "steam:glo:2006", "--format", "json"])
    data = json.loads(result.stdout)
    assert data["scope_term"] == "direct combustion"
    assert data["scope"].startswith("direct combustion;")
    assert data["source"]["scope"] == data["scope"]
    listed = runner.invoke(
        app,
        ["factors", "list", "--release", "open-2024.1", "--flow", "steam", "--format", "json"],
    )
    rows = json.loads(listed.stdout)
    assert [(r["id"], r["scope"], r["scope_term"]) for r in rows] == [
        ("steam:glo:2006", "not stated", "not stated")
    ]
    assert "scope" not in rows[0]["source"]


def test_factors_list_table_has_a_scope_column(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(out, "width", 200)  # the test runner's 80 columns would cut the cells
    result = runner.invoke(app, ["factors", "list", "--flow", "transport_road", "--region", "GLO"])
    assert result.exit_code == 0
    assert "scope" in result.output and "well-to-wheel" in result.output


# --- grid rows: T&D losses by hand ---------------------------------------------------------------


def test_generator_applies_the_loss_factor_to_the_generation_factor() -> None:
    script = _grid_script()
    # 60 TWh coal (820 g/kWh) + 40 TWh gas (490 g/kWh): (60*820 + 40*490)/100 = 688 g/kWh
    # generated; x loss factor 1.05 to medium voltage = 722.4 g/kWh = 0.7224 kg/kWh delivered.
    rec = {
        "region": "DE",
        "year": 2022,
        "twh": np.array([60.0, 40.0, 0, 0, 0, 0, 0, 0, 0]),
        "source": "owid-ember-2022",
        "ember_ci": None,
        "aggregate": None,
    }
    row = script.hist_row(rec, 1.05, "DE")
    assert row["value"] == "0.7224"
    assert "688 g CO2e/kWh generated" in row["notes"]
    assert "loss factor 1.050" in row["notes"]
    assert row["notes"].startswith("Scope: life-cycle consumption at medium voltage")


def test_china_2022_row_is_its_generation_factor_times_its_loss_factor() -> None:
    # Ember via OWID (codecarbon 2.5.0), China 2022, TWh: coal 5397.80, gas 290.58, oil 72.37,
    # nuclear 417.80, hydro 1303.13, wind 762.70, solar 427.72, bioenergy 176.63, other 0.
    twh = [5397.80, 290.58, 72.37, 417.80, 1303.13, 762.70, 427.72, 176.63]
    g_per_kwh = [820, 490, 840, 12, 24, 11, 48, 230]  # AR5 medians, oil SRREN 840
    generation = sum(t * g for t, g in zip(twh, g_per_kwh, strict=True)) / sum(twh)
    assert generation == pytest.approx(535.13, abs=0.01)
    # carculator-utils 1.3.5 cumulative_electricity_losses.csv, CN, column MV: 1.05461158
    expected = round(generation * 1.05461158 / 1000, 4)
    assert expected == 0.5644
    path = RELEASES / "open-2026.1" / "factors" / "electricity.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = {r["id"]: r for r in csv.DictReader(handle)}
    assert float(rows["electricity_grid:cn:2022"]["value"]) == expected
    assert "x cumulative HV->MV loss factor 1.055" in rows["electricity_grid:cn:2022"]["notes"]


def test_grid_notes_say_lignite_is_valued_as_hard_coal() -> None:
    # No lignite life-cycle figure nor national lignite split was read for open-2026.1: the rows
    # must say so rather than imply a split (SOURCES.md, "Scope metadata and grid electricity").
    release = load_release("open-2026.1")
    for code in ("de", "pl", "cz"):
        notes = release.factors[f"electricity_grid:{code}:2022"].notes
        assert "lignite valued as hard coal" in notes
