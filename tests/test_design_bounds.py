"""Design, scenario and compliance-input files with NaN, Infinity, 1e308, ``true`` for a number
or oversized lists: the CLI exits 2 naming the file and the field (YAML writes them as ``.nan``,
``.inf``, ``1.0e+308`` and ``true``, and PyYAML reads them as such)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from batterycarbon.bounds import (
    MAX_CELLS_PER_PACK,
    MAX_DESCRIPTION_CHARS,
    MAX_SOURCES,
    MAX_TRANSPORT_LEGS,
)
from batterycarbon.cli import app
from batterycarbon.errors import InputError
from batterycarbon.scenarios import load_scenario

runner = CliRunner()
NAN, INF = float("nan"), float("inf")
MINIMAL: dict[str, Any] = {
    "chemistry": "NCM811", "format": "prismatic",
    "cell": {"capacity_ah": 100, "nominal_voltage_v": 3.7},
}  # fmt: skip


def write(tmp_path: Path, data: object, name: str) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def legs(count: int) -> list[dict[str, Any]]:
    # New dicts each time: PyYAML writes one object repeated as an anchor and aliases.
    return [{"product": "cell", "mode": "sea", "distance_km": 100} for _ in range(count)]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"cathode_ratio": [NAN, 0.5, 0.5]}, "cathode_ratio.0"),
        ({"cell": {"capacity_ah": INF}}, "cell.capacity_ah"),
        ({"cell": {"capacity_ah": 1e308}}, "cell.capacity_ah"),
        ({"cell": {"capacity_ah": True}}, "cell.capacity_ah"),
        (
            {"cell": {"capacity_ah": 100, "masses_kg": {"casing": "1e308 t"}}},
            "cell.masses_kg.casing",
        ),  # fmt: skip
        ({"pack": {"cells": True}}, "pack.cells"),
        ({"pack": {"cells": MAX_CELLS_PER_PACK + 1}}, "pack.cells"),
        ({"green_electricity": {"cell": NAN}}, "green_electricity.cell"),
        (
            {"transport": [{"product": "cell", "mode": "sea", "distance_km": 1e308}]},
            "transport.0.distance_km",
        ),  # fmt: skip
        ({"transport": legs(MAX_TRANSPORT_LEGS + 1)}, "transport"),
        ({"sources": [f"study {i}" for i in range(MAX_SOURCES + 1)]}, "sources"),
        ({"description": "x" * (MAX_DESCRIPTION_CHARS + 1)}, "description"),
    ],
)
def test_bad_numbers_and_long_lists_in_design_files_exit_2(
    tmp_path: Path, change: dict[str, Any], field: str
) -> None:
    path = write(tmp_path, {**MINIMAL, **change}, "bad.yaml")
    result = runner.invoke(app, ["footprint", str(path), "--factors", "whitepaper-2023"])
    assert result.exit_code == 2, result.output
    message = result.output + getattr(result, "stderr", "")
    assert str(path) in message and f"{field}:" in message, message
    assert len(message) < 5_000  # the long values are not repeated whole


def test_bad_numbers_in_compliance_inputs_exit_2(tmp_path: Path) -> None:
    for inputs, field in [
        ({"use": {"usable_capacity_kwh": True}}, "use.usable_capacity_kwh"),
        ({"distribution": [{"mode": "sea", "distance_km": INF}]}, "distribution.0.distance_km"),
        ({"passport": {"PerformanceAndDurability": {"ratedCapacity": NAN}}}, "passport"),
    ]:
        path = write(tmp_path, inputs, "inputs.yaml")
        out = tmp_path / "out"
        args = ["declare", "ncm811-prismatic", "--inputs", str(path), "--out", str(out)]
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        message = result.output + getattr(result, "stderr", "")
        assert str(path) in message and f"{field}:" in message, message
        assert not out.exists()


@pytest.mark.parametrize(
    ("scenario", "field"),
    [
        ({"green": {"cell": NAN}}, "green.cell.share"),
        ({"green": {"cell": True}}, "green.cell.share"),
        ({"recycled_content": {"lithium": INF}}, "recycled_content.lithium"),
        ({"year": True}, "year"),
        ({"sources": ["a study"] * (MAX_SOURCES + 1)}, "sources"),
        ({"description": "x" * (MAX_DESCRIPTION_CHARS + 1)}, "description"),
    ],
)
def test_bad_numbers_in_scenario_files_name_the_field(
    tmp_path: Path, scenario: dict[str, Any], field: str
) -> None:
    with pytest.raises(InputError) as caught:
        load_scenario(write(tmp_path, scenario, "scenario.yaml"))
    assert any(problem.startswith(f"{field}:") for problem in caught.value.problems), caught.value


def test_numbers_written_as_text_are_read_in_design_files(tmp_path: Path) -> None:
    """A web form's fields are text and PyYAML reads ``1e3`` (no dot) as text: both are numbers
    in a design; a boolean never is."""
    from batterycarbon.battery import load_design

    path = tmp_path / "text.yaml"
    path.write_text(
        "chemistry: NCM811\nformat: prismatic\ncell: {capacity_ah: '100', nominal_voltage_v: 3.7}\n"
        "pack: {cells: '162'}\ntransport: [{product: cell, mode: sea, distance_km: 1e3}]\n",
        encoding="utf-8",
    )
    design = load_design(path)
    assert (design.cell.capacity_ah, design.pack.cells) == (100.0, 162)
    assert design.transport[0].distance_km == 1000.0


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_non_finite_factor_values_are_rejected_naming_the_row(tmp_path: Path, value: str) -> None:
    import csv
    import shutil

    from batterycarbon.errors import FactorReleaseError
    from batterycarbon.factors.loader import RELEASES_DIR, load_release_dir

    folder = tmp_path / "whitepaper-2023"
    shutil.copytree(RELEASES_DIR / "whitepaper-2023", folder)
    csv_path = next((folder / "factors").glob("*.csv"))
    with csv_path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    bad = list(rows[1])
    bad[0], bad[3] = "bad:not-finite", value
    with csv_path.open("w", newline="") as handle:
        csv.writer(handle).writerows([*rows, bad])
    with pytest.raises(FactorReleaseError) as info:
        load_release_dir(folder)
    assert any("bad:not-finite" in p and "finite" in p for p in info.value.problems), info.value


def test_a_country_with_a_trailing_line_break_is_refused(tmp_path: Path) -> None:
    """``$`` matched before a final line break: "HU\\n" passed and was computed with the global
    fallback factors (117 instead of Hungary's 104 kg CO2e/kWh), silently."""
    path = write(tmp_path, {**MINIMAL, "plants": {"cell": "HU\n"}}, "bad.yaml")
    result = runner.invoke(app, ["footprint", str(path), "--factors", "open-2024.1"])
    assert result.exit_code == 2, result.output
    assert "plants.cell:" in result.output + getattr(result, "stderr", "")
    with pytest.raises(InputError) as caught:
        load_scenario(write(tmp_path, {"plants": {"cell": "HU\n"}, "grid": "DE\n"}, "s.yaml"))
    assert {p.split(":")[0] for p in caught.value.problems} == {"plants", "grid"}


def test_bad_numbers_in_an_imported_pact_footprint_are_named() -> None:
    """A PACT footprint is another system's JSON: ``true`` as a percentage became 1 %, and a
    400-digit decimal string was read as an infinite footprint."""
    from batterycarbon.battery import load_design
    from batterycarbon.compliance.pact import (
        from_product_footprint,
        product_footprint_json,
        to_product_footprint,
    )
    from batterycarbon.compliance.standards import account
    from batterycarbon.factors import FactorLibrary, library

    release = library("open-2024.1").release  # v2.3 cannot state the ICE rows' AR4
    lib = FactorLibrary(
        release.model_copy(
            update={"gwp_basis": {**release.gwp_basis, "aux-ice-v2-2011": "unknown"}}
        )
    )
    result = account(load_design("ncm811-prismatic"), lib, "iso14067-c2g")
    exported = product_footprint_json(
        to_product_footprint(result, lib, company_name="ACME Cells", company_ids=["urn:acme:cells"])
    )
    from_product_footprint(exported)  # as exported, it reads back
    pcf = exported["pcf"]
    assert isinstance(pcf, dict)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"primaryDataShare": True}, "pcf.primaryDataShare"),
        ({"exemptedEmissionsPercent": float("nan")}, "pcf.exemptedEmissionsPercent"),
        ({"pCfExcludingBiogenic": "9" * 400}, "pcf.pCfExcludingBiogenic"),
    ]
    for change, field in cases:
        document = {**exported, "pcf": {**pcf, **change}}
        with pytest.raises(InputError) as caught:
            from_product_footprint(document)
        assert any(p.startswith(f"{field}:") for p in caught.value.problems), caught.value
