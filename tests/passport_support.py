"""What issuing a passport in the tests needs (test values, not real data)."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

#: Every Battery Pass attribute a maker must give for a complete passport: test values, filled
#: in for each attribute the 1.2 schemas require (nested ones included), nothing real.
ATTRIBUTES: dict[str, dict[str, Any]] = json.loads(
    (Path(__file__).parent / "passport_attributes.json").read_text(encoding="utf-8")
)
#: Attributes that only a reader with a legitimate interest, or an authority, may see
#: (compliance/data/passport_access.toml).
RESTRICTED = {
    "MaterialComposition": ("batteryMaterials",),
    "Circularity": ("dismantlingAndRemovalInformation", "sparePartSources", "safetyMeasures"),
    "PerformanceAndDurability": ("batteryCondition",),
    "Labeling": ("resultOfTestReport",),
}
AUTHORITIES_ONLY = {"Labeling": ("resultOfTestReport",)}


def passport_request(calculation_id: uuid.UUID | str, unit: str = "SN-0001", **extra: Any) -> dict[str, Any]:  # fmt: skip
    """The body of ``POST /passports`` (also ``PassportIn``'s fields) for one battery unit."""
    return {
        "calculation_id": str(calculation_id), "unit_kind": "unit", "unit_identifier": unit,
        "plant_address": "1 Example Road, 352100 Ningde, CN",
        "study_url": "https://example.org/cfb-study.pdf",
        "use": {"usable_capacity_kwh": 54, "vehicle_category": "M1", "warranty_years": 8},
        "attributes": copy.deepcopy(ATTRIBUTES), **extra,
    }  # fmt: skip
