"""Cell design per chemistry and format (data/cell_designs.toml): masses computed by hand from
the cited parameters, derived Wh/kg and Wh/L, the plausibility band and its warning, the CLI."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from batterycarbon.battery import build_system, footprint, load_design
from batterycarbon.battery.cell import cell_specs, derive_cell_masses, design_parameters
from batterycarbon.battery.design import Design
from batterycarbon.cli import app
from batterycarbon.factors import FactorLibrary, load_release
from batterycarbon.factors.model import PinnedParameter

runner = CliRunner()

LFP_150AH: dict[str, Any] = {
    "chemistry": "LFP",
    "format": "prismatic",
    "cell": {"capacity_ah": 150, "nominal_voltage_v": 3.2},
    "pack": {"cells": 100, "type": "ctp", "cell_to_pack_mass_ratio": 0.70},
}


def test_lfp_prismatic_cell_masses_by_hand() -> None:
    # Parameters (cell_designs.toml unless noted): LFP 150 mAh/g, coating 92/4/4 % CAM/carbon/
    # binder (chemistries.toml); utilisation 0.80, 3.44 mAh/cm2, N/P 1.064, Al 12 um, Cu 5 um,
    # separator 13 um (stock2023); separator porosity 0.45, PE 0.95 g/cm3; cathode 3.53 g/cm3 at
    # 32 % porosity, anode 2.2 g/cm3 at 32 %; electrolyte 1.2 g/cm3 filling pores x 1.2; overhang
    # 1.05; Al 2.70, Cu 8.96 g/cm3; graphite 350 mAh/g, 96.5/3.5 % graphite/binder; box can
    # 7.15 x V^(2/3) x 0.8 mm x 2.70 g/cm3; stack 80 % of the cell; tabs 2 % of the cell.
    masses = derive_cell_masses(Design.model_validate(LFP_150AH))
    # cathode loaded with 150 Ah / 0.80 = 187.5 Ah -> 187 500 / 150 = 1250 g of LFP;
    # coating 1250 / 0.92 = 1358.70 g -> carbon and binder 4 % each = 54.348 g
    assert masses["cathode_active_material"] == pytest.approx(1.25000, rel=1e-4)
    assert masses["conductive_carbon"] == pytest.approx(0.054348, rel=1e-4)
    assert masses["cathode_binder"] == pytest.approx(0.054348, rel=1e-4)
    # coated area 187 500 / 3.44 = 54 505.8 cm2, foil area half: 27 252.9 cm2
    # Al: 27 252.9 x 12e-4 cm = 32.703 cm3 x 2.70 = 88.30 g
    assert masses["aluminium_foil"] == pytest.approx(0.088299, rel=1e-4)
    # Cu: 1.05 x 27 252.9 x 5e-4 cm = 14.308 cm3 x 8.96 = 128.20 g
    assert masses["copper_foil"] == pytest.approx(0.128198, rel=1e-4)
    # graphite 187 500 x 1.064 / 350 = 570.0 g; binder 570 / 0.965 x 0.035 = 20.674 g
    assert masses["anode_active_material"] == pytest.approx(0.570000, rel=1e-4)
    assert masses["anode_binder"] == pytest.approx(0.020674, rel=1e-4)
    # separator 1.05 x 54 505.8 x 13e-4 cm = 74.400 cm3 x 0.55 x 0.95 = 38.874 g
    assert masses["separator"] == pytest.approx(0.038874, rel=1e-4)
    # pores: cathode 1358.70 / 3.53 / 0.68 = 566.02 cm3 x 0.32 = 181.13; anode 590.674 / 2.2
    # / 0.68 = 394.83 cm3 x 0.32 = 126.35; separator 74.40 x 0.45 = 33.48 -> 340.96 cm3
    # electrolyte 340.96 x 1.2 x 1.2 = 490.98 g
    assert masses["electrolyte"] == pytest.approx(0.490978, rel=1e-4)
    # stack 566.02 + 394.83 + 74.40 + 32.70 + 14.31 = 1082.26 cm3 -> cell 1352.8 cm3;
    # can 7.15 x 1352.8^(2/3) = 874.5 cm2 x 0.08 cm x 2.70 = 188.9 g
    assert masses["casing"] == pytest.approx(0.188912, rel=1e-4)
    # inner parts 2695.72 g; tabs (2695.72 + 188.91) x 0.02 / 0.98 = 58.87 g
    assert masses["tabs_other"] == pytest.approx(0.058870, rel=1e-4)
    assert sum(masses.values()) == pytest.approx(2.94350, rel=1e-4)


def test_lfp_prismatic_energy_figures_by_hand(open_library: FactorLibrary) -> None:
    bsys = build_system(Design.model_validate(LFP_150AH), open_library)
    # 150 Ah x 3.2 V = 480 Wh over 2.94350 kg and 1.35284 L
    assert bsys.cell_wh_per_kg == pytest.approx(163.07, rel=1e-4)
    assert bsys.cell_wh_per_l == pytest.approx(354.81, rel=1e-4)
    # pack: cells' mass / 0.70 -> 163.07 x 0.70 = 114.15 Wh/kg; CTP volume ratio 0.60
    # (cell_designs.toml [pack_volume.ctp]) -> 354.81 x 0.60 = 212.88 Wh/L
    assert bsys.pack_wh_per_kg == pytest.approx(114.15, rel=1e-4)
    assert bsys.pack_wh_per_l == pytest.approx(212.88, rel=1e-4)
    assert bsys.pack_volume_l == pytest.approx(100 * 1.35284 / 0.60, rel=1e-4)
    # inside the LFP prismatic band 160-166 Wh/kg widened by 10 %: 144-182.6
    assert not any("cell specific energy" in w for w in bsys.warnings)
    assert bsys.cell_band is not None
    assert bsys.cell_band.wh_per_kg == pytest.approx((144.0, 182.6))


def test_fallback_order_names_the_table_of_each_value() -> None:
    values, origin = design_parameters("NCM811", "pouch")
    assert (values["areal_capacity_mah_per_cm2"], origin["areal_capacity_mah_per_cm2"]) == (
        5.02,
        "design.layered.pouch",
    )
    assert (values["cathode_porosity"], origin["cathode_porosity"]) == (0.22, "chemistry.layered")
    assert (values["casing_model"], origin["casing_model"]) == ("share", "format.pouch")
    assert (values["anode_porosity"], origin["anode_porosity"]) == (0.30, "generic")
    # NCM622 has no table of its own: its family's values, the prismatic format's casing model
    # (NCM111 has one since the reference designs were modelled on cited cells, see the end)
    values, origin = design_parameters("NCM622", "prismatic")
    assert (values["areal_capacity_mah_per_cm2"], origin["areal_capacity_mah_per_cm2"]) == (
        5.0,
        "chemistry.layered",
    )
    assert (values["casing_model"], origin["casing_model"]) == ("box", "format.prismatic")
    # a design table of the family comes before the chemistry tables
    values, origin = design_parameters("NCM811", "cylindrical")
    assert (values["aluminium_foil_thickness_um"], origin["aluminium_foil_thickness_um"]) == (
        20.0,
        "design.layered.cylindrical",
    )


@pytest.mark.parametrize(
    ("cell", "low", "high"),
    [
        # teardown cells of each band's own sources, derived without their masses
        ({"chemistry": "LFP", "format": "prismatic", "capacity_ah": 135}, 144.0, 182.6),
        ({"chemistry": "NCM811", "format": "cylindrical", "capacity_ah": 23.125}, 209.25, 299.2),
    ],
)
def test_teardown_cells_derive_inside_their_band(
    cell: dict[str, Any], low: float, high: float
) -> None:
    voltage = 3.2 if cell["chemistry"] == "LFP" else 3.7
    design = Design.model_validate(
        {
            "chemistry": cell["chemistry"],
            "format": cell["format"],
            "cell": {"capacity_ah": cell["capacity_ah"], "nominal_voltage_v": voltage},
        }
    )
    specs = cell_specs(design, derive_cell_masses(design))
    assert specs.band is not None and specs.band.wh_per_kg == pytest.approx((low, high))
    assert low <= specs.wh_per_kg <= high
    assert specs.warnings == ()


@pytest.mark.parametrize(
    ("design_id", "inside"),
    [
        ("lfp-prismatic", True),
        ("ncm811-prismatic", True),
        ("ncm811-cylindrical", True),
        ("ssb-sulfide-pouch", True),
        # the cell model derives these lighter than the cited commercial cells they are modelled
        # on (Samsung SDI 94 / 120 Ah, LG E78; see the tests at the end and SOURCES.md)
        ("ncm111-prismatic", False),
        ("ncm622-prismatic", False),
        ("ncm811-pouch", False),
    ],
)
def test_bundled_designs_against_their_bands(design_id: str, inside: bool) -> None:
    design = load_design(design_id)
    specs = cell_specs(design, derive_cell_masses(design))
    assert specs.band is not None
    low, high = specs.band.wh_per_kg
    assert (low <= specs.wh_per_kg <= high) is inside
    assert bool(specs.warnings) is not inside


def test_implausible_given_masses_warn_naming_band_and_sources(open_library: FactorLibrary) -> None:
    # a 150 Ah / 3.2 V LFP cell whose given masses add up to 1.5 kg: 480 Wh / 1.5 kg = 320 Wh/kg
    masses = {
        "cathode_active_material": 0.70,
        "conductive_carbon": 0.03,
        "cathode_binder": 0.03,
        "aluminium_foil": 0.05,
        "anode_active_material": 0.30,
        "anode_binder": 0.01,
        "copper_foil": 0.07,
        "electrolyte": 0.17,
        "separator": 0.02,
        "casing": 0.09,
        "tabs_other": 0.03,
    }
    data = {**LFP_150AH, "cell": {**LFP_150AH["cell"], "masses_kg": masses}}
    result = footprint(Design.model_validate(data), open_library)
    assert result.pack["cell_mass_kg"] == pytest.approx(1.5)
    assert result.pack["cell_wh_per_kg"] == pytest.approx(320.0)
    expected = (
        "cell specific energy: 320 Wh/kg is outside the plausible 144-183 Wh/kg of commercial "
        "LFP prismatic cells (cell_designs.toml; sources: gorsch2025, stock2023)"
    )
    assert any(w.startswith(expected) for w in result.warnings)


def test_combination_without_band_is_not_checked_and_says_so(open_library: FactorLibrary) -> None:
    design = Design.model_validate(
        {"chemistry": "NCA", "format": "pouch", "cell": {"capacity_ah": 60}}
    )
    result = footprint(design, open_library)
    assert result.pack["cell_band"] is None
    assert not any("cell specific energy" in w for w in result.warnings)


def test_cli_prints_wh_per_kg_under_the_headline_and_in_designs() -> None:
    shown = runner.invoke(app, ["footprint", "lfp-prismatic"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[1].startswith("cell 163 Wh/kg (plausible 144-183 Wh/kg: gorsch2025, stock2023)")
    listed = runner.invoke(app, ["designs"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0, listed.output
    row = next(line for line in listed.output.splitlines() if "lfp-prismatic" in line)
    assert "│ 163 " in row and "│ 355 " in row


def test_a_release_may_pin_a_cell_design_parameter() -> None:
    pinned = load_release("whitepaper-2023").model_copy(
        update={
            "model_parameters": (
                PinnedParameter(
                    file="cell_designs.toml",
                    key="design.LFP.prismatic.cathode_utilisation",
                    value=1.0,
                    source="a test of the pin",
                ),
            )
        }
    )
    design = Design.model_validate(LFP_150AH)
    # 150 Ah / 1.0 at 150 mAh/g = 1.000 kg of LFP, where the default 0.80 gives 1.250 kg
    assert derive_cell_masses(design, pinned)["cathode_active_material"] == pytest.approx(1.0)
    assert derive_cell_masses(design)["cathode_active_material"] == pytest.approx(1.25)


# --- reference designs modelled on cited cells (Samsung SDI 94 / 120 Ah, LG E78) ---------------


def test_ncm111_electrode_design_is_the_nmc111_teardown() -> None:
    # aboutenergy2022 (Faraday Institution BPX example, NMC111 12.5 Ah pouch after teardown):
    # 12.5 Ah over 34 electrode pairs of 168.08 cm2 = 2.1873 mAh/cm2 delivered per coated side,
    # over the cathode utilisation 0.93 = 2.352 mAh/cm2 of cathode capacity
    delivered = 12_500 / (34 * 168.08)
    values, origin = design_parameters("NCM111", "prismatic")
    assert values["areal_capacity_mah_per_cm2"] == pytest.approx(delivered / 0.93, abs=0.005)
    expected = {
        "areal_capacity_mah_per_cm2": 2.35,
        "cathode_porosity": 0.277,
        "anode_porosity": 0.254,
        "separator_thickness_um": 20.0,
        "separator_porosity": 0.47,
    }
    for key, value in expected.items():
        assert (values[key], origin[key]) == (value, "chemistry.NCM111")
    # the family's N/P and the format's can still apply
    assert (values["np_ratio"], origin["np_ratio"]) == (1.04, "chemistry.layered")
    assert (values["casing_model"], origin["casing_model"]) == ("box", "format.prismatic")
    # an NCM111 pouch cell keeps the layered pouch table's areal capacity (it comes first) but
    # takes the NCM111 separator; other layered chemistries are unchanged
    values, origin = design_parameters("NCM111", "pouch")
    assert (values["areal_capacity_mah_per_cm2"], origin["areal_capacity_mah_per_cm2"]) == (
        5.02,
        "design.layered.pouch",
    )
    assert (values["separator_thickness_um"], origin["separator_thickness_um"]) == (
        20.0,
        "chemistry.NCM111",
    )
    values, origin = design_parameters("NCM622", "prismatic")
    assert (values["areal_capacity_mah_per_cm2"], values["separator_thickness_um"]) == (5.0, 14.0)


@pytest.mark.parametrize(
    ("design_id", "capacity_ah", "voltage_v", "cells", "cell_wh", "pack_kwh"),
    [
        # Samsung SDI 94 Ah NCM111: 3.68 V (pushevs_specs, simses_tum); 94 x 3.68 = 345.92 Wh
        ("ncm111-prismatic", 94.0, 3.68, 174, 345.92, 60.190),
        # Samsung SDI 120 Ah NCM622: 3.66 V (pushevs_specs; 42.2 kWh / 96 / 120 Ah)
        ("ncm622-prismatic", 120.0, 3.66, 137, 439.20, 60.170),
        # LG E78 format: 78 Ah, 3.65 V (pushevs2020_meb)
        ("ncm811-pouch", 78.0, 3.65, 211, 284.70, 60.072),
    ],
)
def test_reference_designs_are_the_cited_cells(
    design_id: str,
    capacity_ah: float,
    voltage_v: float,
    cells: int,
    cell_wh: float,
    pack_kwh: float,
) -> None:
    design = load_design(design_id)
    assert (design.cell.capacity_ah, design.cell.nominal_voltage_v) == (capacity_ah, voltage_v)
    assert design.pack.cells == cells
    specs = cell_specs(design, derive_cell_masses(design))
    assert specs.energy_wh == pytest.approx(cell_wh, rel=1e-9)
    # cells x Wh: a pack of about 60 kWh like the other reference designs
    assert cells * specs.energy_wh / 1000 == pytest.approx(pack_kwh, abs=5e-4)


def test_sdi_94ah_cell_masses_by_hand() -> None:
    # ncm111-prismatic: 94 Ah; NCM111 160 mAh/g, coating 94/3/3 % (chemistries.toml);
    # [chemistry.NCM111]: 2.35 mAh/cm2, porosities 0.277 / 0.254, separator 20 um at 0.47;
    # layered N/P 1.04; generic: utilisation 0.93, Al 12 um, Cu 8 um, overhangs 1.05, electrolyte
    # 1.2 g/cm3 filling the pores x 1.2, cathode solid 4.4 and anode 2.2 g/cm3, graphite 350
    # mAh/g at 96.5 %, tabs 2 %; casing given: 151.4 g (the published 173 x 125 x 45 mm can)
    masses = derive_cell_masses(load_design("ncm111-prismatic"))
    # loaded 94 000 / 0.93 = 101 075.27 mAh -> 631.72 g of NCM111; coating 672.04 g, 3 % = 20.16
    assert masses["cathode_active_material"] == pytest.approx(0.63172, rel=1e-4)
    assert masses["conductive_carbon"] == pytest.approx(0.020161, rel=1e-4)
    # coated area 101 075.27 / 2.35 = 43 010.75 cm2, foils 21 505.38 cm2
    # Al 21 505.38 x 12e-4 = 25.806 cm3 x 2.70 = 69.68 g; Cu 1.05 x 21 505.38 x 8e-4 = 18.065
    # cm3 x 8.96 = 161.86 g
    assert masses["aluminium_foil"] == pytest.approx(0.069678, rel=1e-4)
    assert masses["copper_foil"] == pytest.approx(0.16186, rel=1e-4)
    # graphite 101 075.27 x 1.04 / 350 = 300.34 g; binder 300.34 / 0.965 x 0.035 = 10.893 g
    assert masses["anode_active_material"] == pytest.approx(0.30034, rel=1e-4)
    assert masses["anode_binder"] == pytest.approx(0.010893, rel=1e-3)
    # separator 1.05 x 43 010.75 x 20e-4 = 90.323 cm3 x 0.53 x 0.95 = 45.48 g
    assert masses["separator"] == pytest.approx(0.045477, rel=1e-4)
    # pores: cathode 672.04 / 4.4 / 0.723 = 211.25 cm3 x 0.277 = 58.52; anode 311.23 / 2.2 /
    # 0.746 = 189.64 cm3 x 0.254 = 48.17; separator 90.32 x 0.47 = 42.45 -> 149.14 cm3;
    # electrolyte 149.14 x 1.2 x 1.2 = 214.76 g
    assert masses["electrolyte"] == pytest.approx(0.21476, rel=1e-3)
    assert masses["casing"] == pytest.approx(0.1514)
    # inner parts 1475.05 g; tabs (1475.05 + 151.4) x 0.02 / 0.98 = 33.19 g; cell 1659.6 g
    assert masses["tabs_other"] == pytest.approx(0.03319, rel=1e-3)
    assert sum(masses.values()) == pytest.approx(1.6596, rel=1e-3)


def test_sdi_can_is_the_published_outline() -> None:
    # 173 x 125 x 45 mm (pushevs2018, pushevs2017; the 120 Ah cell shares the can, gosavetime2020):
    # 2 x (17.3 x 12.5 + 17.3 x 4.5 + 12.5 x 4.5) = 700.70 cm2 x 0.08 cm x 2.70 g/cm3 = 151.35 g
    can_kg = 2 * (17.3 * 12.5 + 17.3 * 4.5 + 12.5 * 4.5) * 0.08 * 2.70 / 1000
    for design_id in ("ncm111-prismatic", "ncm622-prismatic"):
        assert load_design(design_id).cell.masses_kg.casing == pytest.approx(can_kg, abs=1e-4)


@pytest.mark.parametrize(
    ("design_id", "published_kg", "precision_kg"),
    [
        # Samsung SDI 94 Ah: "2 Kg" (pushevs2017), 2.01 kg (pushevs_specs): 2.0 +- 0.05 kg
        ("ncm111-prismatic", 2.0, 0.05),
        # Samsung SDI 120 Ah: 2.24 kg (pushevs_specs, its estimate) or 439.2 Wh / 200 Wh/kg =
        # 2.20 kg (batterydesign_i3): 2.22 +- 0.02 kg
        ("ncm622-prismatic", 2.22, 0.02),
        # LG E78 format: 1073 g (pushevs2020_meb, to the gram), but an NCM712 cell; the NCM811
        # design of its class derives lighter still (195 mAh/g CAM)
        ("ncm811-pouch", 1.073, 0.001),
    ],
)
def test_derived_cells_are_lighter_than_the_published_cells_known_gap(
    design_id: str, published_kg: float, precision_kg: float
) -> None:
    """A known gap, not a target: derived from the cited electrode designs (the SDI 94 Ah mass is
    computed by hand above, 1.660 kg), these cells come out lighter than the published cells
    beyond the sources' precision (SDI 94 Ah 17 %, 120 Ah 22 %), above their band, and carry the
    band warning. With a teardown of these cells, fix the model, then update this test."""
    design = load_design(design_id)
    specs = cell_specs(design, derive_cell_masses(design))
    assert specs.mass_kg < published_kg - precision_kg
    assert specs.band is not None and specs.wh_per_kg > specs.band.wh_per_kg[1]
    assert any(w.startswith("cell specific energy") for w in specs.warnings)
