"""What a declaration says about the maker, the model and the plant (issue 13 §3): the battery
model is the product's name everywhere (declaration, PDF, passport); the plant's country is the
one the user names, checked against ISO 3166-1 and against the plant the calculation counted;
the manufacturer's postal address is required and printed; the passport preview carries what
was entered; the PDF names no internal file path."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from compliance_support import FIXTURE_CLASSES
from pypdf import PdfReader

from batterycarbon.battery import Design
from batterycarbon.compliance.classes import load_class_table
from batterycarbon.compliance.declare import DeclarationBundle, declare
from batterycarbon.errors import InputError
from batterycarbon.factors import FactorLibrary
from batterycarbon.reports.pdf import declaration_pdf
from batterycarbon.rules.functional_unit import UseProfile

STUDY = "https://example.com/cfb-study.pdf"
MAKER = "Danube Cell Works"
MAKER_ADDRESS = "2 Works Road, 9027 Győr"
PLANT_ADDRESS = "1 Cell Street, 9027 Győr"
MODEL = "EV pack 60 kWh NCM811"
#: A path inside a source tree or a temporary folder: "battery/data/distribution.toml",
#: "/tmp/x/declaration.pdf", "C:\\Users\\...". URLs (the study link) are removed before.
FILE_PATH = re.compile(r"[\w.-]+/[\w./-]*\.(toml|ya?ml|csv|json|py|pdf)\b|/tmp/|/home/|[A-Z]:\\")


@pytest.fixture(scope="module")
def hungarian(ncm811: Design) -> Design:
    """The reference design with its pack assembled in Hungary."""
    return ncm811.model_copy(update={"plants": ncm811.plants.model_copy(update={"pack": "HU"})})


def _declare(
    design: Design, library: FactorLibrary, use: UseProfile, **given: Any
) -> DeclarationBundle:
    fields: dict[str, Any] = {
        "manufacturer": MAKER,
        "manufacturer_address": MAKER_ADDRESS,
        "manufacturer_country": "HU",
        "plant_address": PLANT_ADDRESS,
        "plant_country": "HU",
        "study_url": STUDY,
        "battery_model": MODEL,
        "class_table": load_class_table(FIXTURE_CLASSES),
        "use": use,
    }
    return declare(design, library, **{**fields, **given})


def _pdf_text(declaration: dict[str, Any], folder: Path) -> str:
    pdf = declaration_pdf(declaration, folder / "declaration.pdf").read_bytes()
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_battery_model_is_the_named_model_in_declaration_pdf_and_passport(
    hungarian: Design, open_library: FactorLibrary, car: UseProfile, tmp_path: Path
) -> None:
    bundle = _declare(hungarian, open_library, car, battery_model_id="product-1")
    declaration = bundle.declaration.to_json_dict()
    assert declaration["battery_model"]["name"] == MODEL
    assert declaration["battery_model"]["id"] == "product-1"
    assert bundle.passport["GeneralProductInformation"]["productIdentifier"] == MODEL
    assert f"Battery model {MODEL}" in _pdf_text(declaration, tmp_path).replace("\n", " ")


def test_the_plant_country_is_the_one_named(
    hungarian: Design, open_library: FactorLibrary, car: UseProfile
) -> None:
    declaration = _declare(hungarian, open_library, car).declaration
    assert declaration.manufacturing_plant.country == "HU"
    assert declaration.manufacturing_plant.address == PLANT_ADDRESS


@pytest.mark.parametrize(
    ("country", "message"),
    [
        ("SW", "--plant-country: 'SW' is not an ISO 3166-1 alpha-2 country code; did you mean SE"),
        (
            "DE",
            "--plant-country: DE is not the country of the pack plant the calculation counted (HU)",
        ),
    ],
)
def test_a_plant_country_outside_iso_or_other_than_the_calculated_plant_is_refused(
    hungarian: Design, open_library: FactorLibrary, car: UseProfile, country: str, message: str
) -> None:
    with pytest.raises(InputError) as caught:
        _declare(hungarian, open_library, car, plant_country=country)
    assert any(p.startswith(message) for p in caught.value.problems), caught.value.problems


def test_the_manufacturer_address_is_required_and_printed(
    hungarian: Design, open_library: FactorLibrary, car: UseProfile, tmp_path: Path
) -> None:
    with pytest.raises(InputError) as caught:
        _declare(hungarian, open_library, car, manufacturer_address=None)
    assert "--manufacturer-address: required by Annex II (got nothing)" in caught.value.problems
    declaration = _declare(hungarian, open_library, car).declaration.to_json_dict()
    assert declaration["manufacturer"] == {"name": MAKER, "address": MAKER_ADDRESS, "country": "HU"}
    text = _pdf_text(declaration, tmp_path).replace("\n", " ")
    # Core PDF fonts have no "ő": the letter is printed without its accent, never as "?".
    assert "2 Works Road, 9027 Gyor, HU" in text
    assert "1 Cell Street, 9027 Gyor, HU" in text and "?" not in text


def test_the_passport_preview_carries_what_was_entered(
    hungarian: Design, open_library: FactorLibrary, car: UseProfile
) -> None:
    passport = _declare(hungarian, open_library, car).passport
    general = passport["GeneralProductInformation"]
    assert general["manufacturerInformation"] == {
        "contactName": MAKER,
        "postalAddress": {"streetAddress": MAKER_ADDRESS, "addressCountry": "HU"},
    }
    assert general["manufacturingPlace"] == {"streetAddress": PLANT_ADDRESS, "addressCountry": "HU"}
    missing = set(passport["notProvided"])
    assert "GeneralProductInformation.manufacturerInformation" not in missing
    assert "GeneralProductInformation.manufacturingPlace" not in missing
    # What was not asked stays named as missing, never invented.
    assert "GeneralProductInformation.manufacturingPlace.postalCode" in missing


def test_the_pdf_names_no_internal_file_path(
    hungarian: Design, open_library: FactorLibrary, car: UseProfile, tmp_path: Path
) -> None:
    for rule_set in ("jrc-cfb-ev-2023", "eu-draft-2024"):
        declaration = _declare(hungarian, open_library, car, rule_set_id=rule_set)
        text = _pdf_text(declaration.declaration.to_json_dict(), tmp_path).replace(STUDY, "")
        assert FILE_PATH.search(text) is None, FILE_PATH.search(text)


def test_the_declaration_id_changes_with_what_is_declared(
    hungarian: Design, open_library: FactorLibrary, car: UseProfile
) -> None:
    """The id names one declared content: another model name or maker's address is another
    declaration (issued as its own record), the same content is the same id."""
    first = _declare(hungarian, open_library, car).declaration.declaration_id
    assert _declare(hungarian, open_library, car).declaration.declaration_id == first
    for change in ({"battery_model": "Another pack"}, {"manufacturer_address": "9 New Road, Pécs"}):
        assert _declare(hungarian, open_library, car, **change).declaration.declaration_id != first
