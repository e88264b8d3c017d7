"""``batterycarbon footprint --product``: a stored product's latest calculation with the supplier
datasets it used; a design file naming a supplier is refused, never computed with the library."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from batterycarbon.cli import app
from batterycarbon.factors import DEFAULT_RELEASE

runner = CliRunner()
PRODUCT = "EV pack 60 kWh NCM811"  # the demo product (services/demo.py)


@pytest.fixture()
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'stored.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def test_a_stored_product_lists_the_datasets_it_used(database: str) -> None:
    assert runner.invoke(app, ["demo-data", "--format", "json"]).exit_code == 0
    result = runner.invoke(app, ["footprint", "--product", PRODUCT, "--format", "json"])
    assert result.exit_code == 0, result.output
    stored = json.loads(result.stdout)
    assert stored["organization"] == "Danube Cell Works" and stored["primary_share"] > 0
    used = {
        (d["material"], d["supplier"], d["plant"], d["version"])
        for d in stored["supplier_datasets"]
    }
    assert used == {
        ("cathode_active_material", "Hanil Cathode Materials", "KR", 1),
        ("anode_active_material", "Inner Mongolia Graphite", "CN", 1),
    }
    assert stored["newer_data"] == []
    # the demo's cell and pack plants (HU, DE) have no aluminium rows of their own
    assert (
        f"aluminium_primary: no factor for HU in {DEFAULT_RELEASE}; used EUROPE (European average)"
        in stored["warnings"]
    )
    table = runner.invoke(
        app, ["footprint", "--product", PRODUCT, "--organization", "Danube Cell Works"]
    )
    assert table.exit_code == 0 and "Hanil Cathode Materials" in table.stdout
    assert "primary data" in table.stdout
    assert "warning: aluminium_primary: no factor for HU" in table.stdout
    missing = runner.invoke(app, ["footprint", "--product", PRODUCT, "--organization", "Nobody"])
    assert missing.exit_code == 2 and "--product" in missing.output
    assert f"no product '{PRODUCT}' of organization 'Nobody'" in missing.output


def test_a_design_file_naming_a_supplier_is_refused(tmp_path: Path) -> None:
    design = {
        "chemistry": "NCM811",
        "format": "prismatic",
        "cell": {"capacity_ah": 100},
        "supply": {"cathode_active_material": {"supplier": "Hanil Cathode Materials"}},
    }
    path = tmp_path / "design.yaml"
    path.write_text(yaml.safe_dump(design), encoding="utf-8")
    result = runner.invoke(app, ["footprint", str(path)])
    assert result.exit_code == 2
    assert "supply.cathode_active_material" in result.output and "--product" in result.output
