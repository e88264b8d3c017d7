"""Every output of a result says how much of it rests on fitted factors (issue 14 §1).

A fitted factor was set so that the model reproduces a published figure, not read in a source
(the release's ``[[fitted]]``). Under open-2024.1 an NCM811 pack rests about 10 % on the BMS
factor: the declaration (JSON and PDF) and the passport's extension say so with the result's own
share and factor ids; PACT's battery extension is checked in test_pact.py.
"""

from __future__ import annotations

import io
from pathlib import Path

from compliance_support import acme_declaration
from pypdf import PdfReader

from batterycarbon.battery import Design
from batterycarbon.factors import FactorLibrary, library
from batterycarbon.reports.pdf import declaration_pdf, fitted_factors_text
from batterycarbon.rules.functional_unit import UseProfile


def test_declaration_pdf_and_passport_state_the_fitted_share(
    ncm811: Design, car: UseProfile, tmp_path: Path
) -> None:
    # open-2024.1 still carries the fitted BMS factor; the default release carries none.
    bundle = acme_declaration(ncm811, library("open-2024.1"), car)
    footprint = bundle.result.footprint
    assert footprint.fitted_share > 0.05 and footprint.fitted_factors
    provenance = bundle.declaration.to_json_dict()["provenance"]
    assert provenance["fitted_share"] == footprint.fitted_share
    assert provenance["fitted_factors"] == list(footprint.fitted_factors)
    extension = bundle.passport["extensions"]["batterycarbon"]
    assert extension["fitted_factor_share"] == footprint.fitted_share
    assert extension["fitted_factors"] == list(footprint.fitted_factors)
    document = bundle.declaration.to_json_dict()
    pdf = declaration_pdf(document, tmp_path / "declaration.pdf").read_bytes()
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    share = f"{100 * footprint.fitted_share:.1f} % of the figure rests on factors fitted"
    assert share in text, text
    assert all(factor_id in text for factor_id in footprint.fitted_factors)


def test_a_declaration_on_the_default_release_says_none_is_fitted(
    ncm811: Design, open_library: FactorLibrary, car: UseProfile
) -> None:
    document = acme_declaration(ncm811, open_library, car).declaration.to_json_dict()
    assert document["provenance"]["fitted_share"] == 0.0
    assert fitted_factors_text(document["provenance"]).startswith("none")


def test_a_declaration_issued_before_fitted_marks_does_not_claim_none() -> None:
    assert fitted_factors_text({"factor_release": "open-2024.1"}) == (
        "not recorded for this declaration"
    )
    assert fitted_factors_text({"fitted_share": 0.0, "fitted_factors": []}).startswith("none")
