"""Each release says which IPCC report's GWPs its sources' CO2e figures use (``[gwp_basis]``).

Exports list the reports a result rests on from these marks (compliance/pcf_figures.py), so a
mark must be checked like any figure: a basis the model does not know, or a source the release
does not have, is refused naming the field.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from batterycarbon.errors import FactorReleaseError
from batterycarbon.factors import load_release, load_release_dir
from batterycarbon.factors.loader import RELEASES_DIR


def _release_with(tmp_path: Path, table: str) -> Path:
    folder = tmp_path / "whitepaper-2023"
    shutil.copytree(RELEASES_DIR / "whitepaper-2023", folder)
    meta = folder / "release.toml"
    text = meta.read_text(encoding="utf-8")
    meta.write_text(text[: text.index("[gwp_basis]")] + table, encoding="utf-8")
    return folder


def test_sources_that_state_their_basis_are_marked_and_the_rest_are_unknown():
    release = load_release("open-2024.1")
    assert release.gwp_basis_of("plastics:GLO:2011") == "AR4"  # ICE v2.0, IPCC 2007 CO2e
    assert release.gwp_basis_of("electricity_grid:cn:2022") == "AR5"
    assert release.gwp_basis_of("lithium_carbonate_brine:CL:2023") == "AR6"  # Istrate 2024
    assert release.gwp_basis_of("steel:GLO:2022") == "CO2-only"  # worldsteel
    assert release.gwp_basis_of("graphite_synthetic:GLO:2022") == "unknown"  # Surovtseva


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('[gwp_basis]\nmat-istrate-2024 = "AR7"\n', "gwp_basis.mat-istrate-2024"),
        ('[gwp_basis]\nno-such-source = "AR5"\n', "'no-such-source' is not a source"),
    ],
)
def test_a_bad_gwp_basis_is_refused_naming_the_field(tmp_path: Path, table: str, expected: str):
    with pytest.raises(FactorReleaseError) as caught:
        load_release_dir(_release_with(tmp_path, table))
    assert expected in str(caught.value)
