"""The full battery passport: aspects validated, gaps named, access views, link and QR code."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from batterycarbon.battery import Design, Options, build_system
from batterycarbon.battery.chemistry import ATOMIC_MASS_G_PER_MOL as M
from batterycarbon.compliance.battery_passport import (
    ASPECTS,
    build_passport,
    check_aspect,
    passport_url,
    passport_view,
    write_qr,
)
from batterycarbon.errors import InputError
from batterycarbon.factors import FactorLibrary

CF = {
    "batteryCarbonFootprint": 0.19,
    "carbonFootprintPerLifecycleStage": [
        {"lifecycleStage": "MainProduction", "carbonFootprint": 0.03}
    ],
    "carbonFootprintPerformanceClass": "not yet defined",
    "carbonFootprintStudy": "https://example.org/study.pdf",
}
ADDRESS = {"addressCountry": "CN", "postalCode": "352100", "streetAddress": "1 Example Road"}
#: Everything a maker must give for a complete passport (test values, not real data).
GIVEN: dict[str, dict[str, Any]] = {
    "GeneralProductInformation": {
        "manufacturerInformation": {"contactName": "Cell Maker", "postalAddress": ADDRESS,
                                    "identifier": "maker-1"},
        "operatorInformation": {"contactName": "Cell Maker", "postalAddress": ADDRESS,
                                "identifier": "maker-1"},
        "manufacturingPlace": ADDRESS,
        "manufacturingDate": "2025-01-15T08:00:00Z",
        "puttingIntoService": "2025-03-01T08:00:00Z",
        "batteryStatus": "Original",
        "warrentyPeriod": "--08",
    },
    "MaterialComposition": {"hazardousSubstances": []},
    "PerformanceAndDurability": {"batteryTechicalProperties": {}, "batteryCondition": {}},
    "Circularity": {"dismantlingAndRemovalInformation": [], "sparePartSources": [],
                    "recycledContent": [], "safetyMeasures": {}, "endOfLifeInformation": {},
                    "renewableContent": 0},
    "Labeling": {"declarationOfConformity": "https://example.org/doc.pdf",
                 "resultOfTestReport": "https://example.org/tests.pdf", "labels": []},
    "SupplyChainDueDiligence": {"supplyChainDueDiligenceReport": "https://example.org/dd.pdf"},
}  # fmt: skip


def _passport(ncm811: Design, lib: FactorLibrary, **kw: Any) -> dict[str, Any]:
    bsys = build_system(ncm811, lib, Options())
    return build_passport(design=ncm811, bsys=bsys, declaration_id="DECL-1",
                          battery_category="ev", carbon_footprint=CF, **kw)  # fmt: skip


def test_without_maker_data_every_gap_is_named_never_filled(
    ncm811: Design, open_library: FactorLibrary
) -> None:
    passport = _passport(ncm811, open_library)
    assert set(ASPECTS) <= set(passport)
    gaps = passport["notProvided"]
    assert "GeneralProductInformation.manufacturerInformation" in gaps
    assert "MaterialComposition.hazardousSubstances" in gaps
    assert "Circularity.recycledContent" in gaps
    assert "SupplyChainDueDiligence.supplyChainDueDiligenceReport" in gaps
    # Nothing invented: attributes nobody gave are absent, not filled with placeholders.
    assert "manufacturerInformation" not in passport["GeneralProductInformation"]
    assert passport["Labeling"] == {}
    with pytest.raises(InputError, match="hazardousSubstances: required attribute not provided"):
        _passport(ncm811, open_library, complete=True)


def test_given_attributes_close_gaps_and_nested_gaps_are_named_by_path(
    ncm811: Design, open_library: FactorLibrary
) -> None:
    passport = _passport(ncm811, open_library, given=GIVEN)
    gaps = passport["notProvided"]
    assert not [g for g in gaps if g.startswith(("GeneralProductInformation", "Labeling"))]
    assert "SupplyChainDueDiligence.supplyChainDueDiligenceReport" not in gaps
    assert "Circularity.safetyMeasures.extinguishingAgent" in gaps
    assert "PerformanceAndDurability.batteryTechicalProperties.ratedEnergy" in gaps
    for aspect in ("GeneralProductInformation", "Labeling", "SupplyChainDueDiligence"):
        assert check_aspect(aspect, passport[aspect]) == [], aspect


def test_cathode_elements_follow_the_stoichiometry(
    ncm811: Design, open_library: FactorLibrary
) -> None:
    bsys = build_system(ncm811, open_library, Options())
    materials = {m["batteryMaterialName"]: m for m in
                 _passport(ncm811, open_library)["MaterialComposition"]["batteryMaterials"]}  # fmt: skip
    cam = bsys.cell_masses_kg["cathode_active_material"] * bsys.cells_per_pack
    molar = M["Li"] + 0.8 * M["Ni"] + 0.1 * M["Co"] + 0.1 * M["Mn"] + 2 * M["O"]
    assert materials["Nickel"]["batteryMaterialMass"] == pytest.approx(cam * 0.8 * M["Ni"] / molar)
    assert materials["Lithium"]["batteryMaterialIdentifier"] == "7439-93-2"
    # ncm811-prismatic uses synthetic graphite, which is not a critical raw material.
    assert materials["Graphite"]["isCriticalRawMaterial"] is False


def test_bad_values_are_rejected_naming_the_attribute(
    ncm811: Design, open_library: FactorLibrary
) -> None:
    bad = copy.deepcopy(GIVEN)
    bad["GeneralProductInformation"]["batteryStatus"] = "Brand new"
    with pytest.raises(InputError, match=r"GeneralProductInformation\.batteryStatus"):
        _passport(ncm811, open_library, given=bad)
    with pytest.raises(InputError, match="Warranty: unknown aspect"):
        _passport(ncm811, open_library, given={"Warranty": {}})


def test_views_follow_the_access_groups(ncm811: Design, open_library: FactorLibrary) -> None:
    passport = _passport(ncm811, open_library, given=GIVEN)
    public = passport_view(passport, "public")
    interested = passport_view(passport, "legitimate_interest")
    authority = passport_view(passport, "authorities")
    assert "batteryMaterials" not in public["MaterialComposition"]
    assert "batteryChemistry" in public["MaterialComposition"]
    assert "batteryMaterials" in interested["MaterialComposition"]
    assert "sparePartSources" not in public["Circularity"]
    assert "resultOfTestReport" not in interested["Labeling"]
    assert "resultOfTestReport" in authority["Labeling"]
    assert public["CarbonFootprintForBatteries"] == CF
    with pytest.raises(InputError, match="role"):
        passport_view(passport, "competitor")


def test_public_link_and_qr_code(
    ncm811: Design, open_library: FactorLibrary, tmp_path: Path
) -> None:
    passport = _passport(ncm811, open_library, base_url="https://passports.example.org/")
    url = passport["publicUrl"]
    assert url == f"https://passports.example.org/passports/{passport['batteryPassportIdentifier']}"
    png = write_qr(url, tmp_path / "qr.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(InputError, match="base_url"):
        passport_url("passports.example.org", "urn:x:y")
