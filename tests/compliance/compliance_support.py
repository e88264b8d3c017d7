"""Paths and a declaration the compliance tests share."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from batterycarbon.battery import Design
from batterycarbon.compliance.classes import load_class_table
from batterycarbon.compliance.declare import DeclarationBundle, declare
from batterycarbon.factors import FactorLibrary
from batterycarbon.rules.functional_unit import UseProfile

HERE = Path(__file__).parent
#: A fixture class table with invented boundaries: no EU table exists yet.
FIXTURE_CLASSES = HERE / "fixture-classes.toml"
#: The Battery Pass schemas of the shared reference folder, when present.
REFERENCE = Path(__file__).parents[3] / "shared" / "reference" / "batterypass-1.2"


def acme_declaration(
    design: Design, library: FactorLibrary, use: UseProfile, **options: Any
) -> DeclarationBundle:
    """The declaration of ``design`` by one fictitious maker (ACME Cells, Ningde), issued
    2025-03-01 under the bundled class table; ``options`` go to :func:`declare`."""
    return declare(
        design,
        library,
        manufacturer="ACME Cells",
        plant_address="1 Road, Ningde",
        manufacturer_address="2 Works Road, 352100 Ningde",
        use=use,
        class_table=load_class_table(),
        study_url="https://example.com/study.pdf",
        issued=dt.date(2025, 3, 1),
        **options,
    )
