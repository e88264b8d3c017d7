"""Module and pack parts: pack types, their cell-to-pack mass ratios and the BMS factor.

Masses are checked from literal inputs by hand; the shipped defaults and the BMS row against the
figures their sources give (data/defaults.toml [pack], open-2026.1 pack_materials.csv); the
white-paper release keeps the ratios and the BMS row its reproduction was built with.
"""

from __future__ import annotations

from typing import Any

import pytest

from batterycarbon.battery.design import Design, parse_design
from batterycarbon.battery.pack import (
    PACK_TYPES,
    cell_to_pack_mass_ratio,
    pack_parts_kg,
    pack_type,
)
from batterycarbon.battery.params import model_defaults
from batterycarbon.errors import InputError
from batterycarbon.factors import FactorLibrary
from batterycarbon.factors.loader import load_release

#: A literal pack table: 100 kg of cells leave 60 kg of parts in a module pack (1/0.625 - 1 =
#: 0.6) and 25 kg in a cell-to-pack one (1/0.8 - 1 = 0.25), split half and half.
PACK: dict[str, Any] = {
    "default_type": "module",
    "default_type_by_chemistry": {"LFP": "ctp"},
    "type": {
        "module": {"cell_to_pack_mass_ratio": 0.625},
        "ctp": {
            "cell_to_pack_mass_ratio": 0.8,
            "cell_to_pack_mass_ratio_by_chemistry": {"NCA": 0.5},
        },
    },
    "parts_share": {"aluminium_wrought_alloy": 0.5, "electronics_bms": 0.5},
}


def design(chemistry: str = "NCM811", **pack: Any) -> Design:
    doc = {"chemistry": chemistry, "format": "prismatic", "cell": {"capacity_ah": 100}}
    return parse_design({**doc, "pack": {"cells": 10, **pack}}, "test")


def test_module_pack_parts_by_hand() -> None:
    parts = pack_parts_kg(design("NCM811"), 100.0, PACK)
    assert parts == pytest.approx({"aluminium_wrought_alloy": 30.0, "electronics_bms": 30.0})


def test_cell_to_pack_parts_by_hand() -> None:
    parts = pack_parts_kg(design("NCM811", type="ctp"), 100.0, PACK)
    assert parts == pytest.approx({"aluminium_wrought_alloy": 12.5, "electronics_bms": 12.5})


def test_the_chemistry_default_type_applies_without_a_type() -> None:
    assert pack_type(design("LFP"), PACK) == "ctp"
    assert pack_type(design("NCM811"), PACK) == "module"
    assert pack_type(design("LFP", type="module"), PACK) == "module"
    assert pack_parts_kg(design("LFP"), 100.0, PACK)["electronics_bms"] == pytest.approx(12.5)


def test_a_chemistry_ratio_of_the_type_overrides_the_type_ratio() -> None:
    # NCA in a CTP pack: 0.5 instead of 0.8, 1/0.5 - 1 = 1 kg of parts per kg of cells.
    assert cell_to_pack_mass_ratio(design("NCA", type="ctp"), PACK) == 0.5
    assert cell_to_pack_mass_ratio(design("NCA"), PACK) == 0.625  # module: no chemistry entry
    parts = pack_parts_kg(design("NCA", type="ctp"), 100.0, PACK)
    assert parts == pytest.approx({"aluminium_wrought_alloy": 50.0, "electronics_bms": 50.0})


def test_a_design_ratio_overrides_its_type_and_a_bill_of_parts_overrides_both() -> None:
    # 1/0.5 - 1 = 1: as much pack parts as cells.
    assert cell_to_pack_mass_ratio(design("LFP", cell_to_pack_mass_ratio=0.5), PACK) == 0.5
    parts = pack_parts_kg(design("LFP", cell_to_pack_mass_ratio=0.5), 100.0, PACK)
    assert parts == pytest.approx({"aluminium_wrought_alloy": 50.0, "electronics_bms": 50.0})
    billed = design("LFP", type="ctp", parts_kg={"steel": 7.0})
    assert pack_parts_kg(billed, 100.0, PACK) == {"steel": 7.0}


def test_an_unknown_pack_type_is_refused_naming_the_field() -> None:
    with pytest.raises(InputError) as caught:
        design("NCM811", type="cell-to-chassis")
    assert "pack.type" in str(caught.value)
    assert set(PACK_TYPES) == {"module", "ctp"}


def test_a_default_type_missing_from_the_table_is_an_error_not_a_fallback() -> None:
    broken = {**PACK, "default_type_by_chemistry": {"LFP": "blade"}}
    with pytest.raises(InputError) as caught:
        pack_parts_kg(design("LFP"), 100.0, broken)
    assert "pack.type" in str(caught.value) and "blade" in str(caught.value)


def test_shipped_pack_defaults_are_the_cited_values() -> None:
    pack = model_defaults()["pack"]
    # Module: pack Wh/kg = 0.6235 x cell Wh/kg over the Battery Pack Database -> 0.62.
    assert pack["type"]["module"]["cell_to_pack_mass_ratio"] == 0.62
    # CTP: 10-20 % more pack energy density from the same cells, middle 15 %: 0.6235 x 1.15.
    assert pack["type"]["ctp"]["cell_to_pack_mass_ratio"] == round(0.6235 * 1.15, 2) == 0.72
    # LFP blade CTP: BYD Han 2023, 515 kg of cells in a 575 kg pack.
    assert pack["type"]["ctp"]["cell_to_pack_mass_ratio_by_chemistry"] == {
        "LFP": round(515 / 575, 2)
    }
    assert pack["default_type"] == "module"
    assert pack["default_type_by_chemistry"] == {"LFP": "ctp"}
    assert sum(pack["parts_share"].values()) == pytest.approx(1.0)


def test_the_bundled_lfp_design_is_a_cell_to_pack_pack(open_library: FactorLibrary) -> None:
    from batterycarbon.battery import load_design
    from batterycarbon.battery.inventory import build_system

    bsys = build_system(load_design("lfp-prismatic"), open_library)
    cells_kg = bsys.cells_per_pack * bsys.cell_mass_kg
    assert sum(bsys.pack_parts_kg.values()) == pytest.approx(cells_kg * (1 / 0.90 - 1))
    assert bsys.pack_mass_kg == pytest.approx(cells_kg / 0.90)


def test_the_bms_row_is_sourced_and_not_fitted() -> None:
    release = load_release("open-2026.1")
    rows = [f for f in release.factors.values() if f.flow == "electronics_bms"]
    assert [f.id for f in rows] == ["electronics_bms:GLO:2026"]
    bms = rows[0]
    # UK material-use factor, Electrical items - IT: 24,865.48 kg CO2e per tonne.
    assert bms.value == 24.87 and bms.unit == "kg CO2e / kg"
    assert bms.source.id == "pm-desnz-material-use"
    assert "Electrical items - IT 24,865.48" in bms.source.citation
    assert bms.source.scope is not None and bms.source.scope.startswith("cradle-to-gate")
    # Spread of the same table: small electrical items 5.65 as the lower 2-sigma point.
    assert bms.uncertainty.distribution == "lognormal"
    assert bms.uncertainty.gsd == round((24.87 / 5.65) ** 0.5, 1) == 2.1
    assert "PROXY" in bms.notes
    assert bms.id not in release.fitted_ids
    assert all(f.source.id != "pm-whitepaper-implied" for f in release.factors.values())


def test_the_white_paper_release_keeps_its_pack_and_bms(whitepaper: FactorLibrary) -> None:
    pack = model_defaults(whitepaper.release)["pack"]
    assert pack["type"]["module"]["cell_to_pack_mass_ratio"] == 0.65
    assert pack["type"]["ctp"]["cell_to_pack_mass_ratio"] == 0.70
    assert pack["type"]["ctp"]["cell_to_pack_mass_ratio_by_chemistry"]["LFP"] == 0.70
    assert pack["parts_share"]["electronics_bms"] == 0.05
    bms = whitepaper.release.factors["electronics_bms:GLO:2022"]
    assert bms.value == 120.0 and bms.id in whitepaper.release.fitted_ids


@pytest.mark.parametrize(
    ("design_id", "ratio"),
    # the white-paper release pins the pack split its reproduction was built with
    [("ncm811-prismatic", 0.65), ("lfp-prismatic", 0.70)],
)
def test_white_paper_packs_keep_their_pinned_cell_to_pack_ratio(
    whitepaper: FactorLibrary, design_id: str, ratio: float
) -> None:
    from batterycarbon.battery import load_design
    from batterycarbon.battery.inventory import build_system

    bsys = build_system(load_design(design_id), whitepaper)
    cells_kg = bsys.cells_per_pack * bsys.cell_mass_kg
    assert sum(bsys.pack_parts_kg.values()) == pytest.approx(cells_kg * (1 / ratio - 1))
