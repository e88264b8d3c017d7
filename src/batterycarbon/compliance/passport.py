"""Battery-passport carbon-footprint attributes (Battery Pass data model 1.2, DIN DKE SPEC 99100).

:func:`carbon_footprint_aspect` maps a declaration onto the ``CarbonFootprintForBatteries``
aspect, whose JSON Schema (CC BY 4.0, Battery Pass consortium) ships in
``data/batterypass-1.2/``: footprint per kWh delivered over the service life, per life-cycle
stage (``RawMaterialExtraction``, ``MainProduction``, ``Distribution``, ``Recycling``, each in
the same unit), performance class, study link and the absolute footprint (kg CO2e per battery).
What the schema has no attribute for (functional-unit inputs, rule set, electricity rule,
primary-data share, data quality, verifier) goes into the ``extensions.batterycarbon`` object of
the passport document, never into invented attributes of the aspect. :func:`validate_aspect`
rejects an incomplete or malformed aspect naming every missing attribute.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from jsonschema import Draft4Validator

from batterycarbon.compliance.classes import NOT_YET_DEFINED
from batterycarbon.compliance.declaration import Declaration
from batterycarbon.compliance.standards import RuleSetFootprint
from batterycarbon.errors import InputError

from .classes import DATA_DIR

SCHEMA_PATH = DATA_DIR / "batterypass-1.2" / "CarbonFootprintForBatteries-schema.json"
ASPECT = "CarbonFootprintForBatteries"
#: The engine's stages to the data model's ``LifecycleStage`` values.
LIFECYCLE_STAGES = {
    "raw_materials": "RawMaterialExtraction",
    "production": "MainProduction",
    "distribution": "Distribution",
    "end_of_life": "Recycling",
}


@lru_cache(maxsize=1)
def aspect_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def validate_aspect(aspect: dict[str, Any], source: str = ASPECT) -> None:
    """Raise :class:`InputError` listing every schema violation (missing attributes first)."""
    validator = Draft4Validator(aspect_schema())
    problems = []
    for error in sorted(
        validator.iter_errors(aspect), key=lambda e: (e.validator != "required", list(e.path))
    ):
        where = ".".join(str(p) for p in error.absolute_path) or "(aspect)"
        if error.validator == "required":
            missing = str(error.message).split("'")[1]
            problems.append(f"{missing}: required attribute missing (at {where})")
        else:
            problems.append(f"{where}: {error.message}")
    if problems:
        raise InputError(f"battery passport, {source}", problems)


def carbon_footprint_aspect(declaration: Declaration) -> dict[str, Any]:
    """The ``CarbonFootprintForBatteries`` aspect of a declaration, validated."""
    cf = declaration.carbon_footprint
    aspect = {
        "batteryCarbonFootprint": cf.total_kgco2e_per_fu,
        "carbonFootprintPerLifecycleStage": [
            {"lifecycleStage": LIFECYCLE_STAGES[s.stage], "carbonFootprint": s.kgco2e_per_fu}
            for s in cf.stages
            if s.stage in LIFECYCLE_STAGES  # the use stage has no LifecycleStage value
        ],
        "carbonFootprintPerformanceClass": str(
            declaration.performance_class.get("performance_class") or NOT_YET_DEFINED
        ),
        "carbonFootprintStudy": str(declaration.study_url),
        "absoluteCarbonFootprint": cf.absolute_kgco2e_per_battery,
    }
    validate_aspect(aspect)
    return aspect


def passport_extension(declaration: Declaration, result: RuleSetFootprint) -> dict[str, Any]:
    """What the data model lacks, in one clearly named object (not part of the schema)."""
    cf = declaration.carbon_footprint
    rs = result.rule_set
    return {
        "description": "batterycarbon extension: inputs and methods behind the carbon-footprint "
        "attributes; not part of the Battery Pass data model",
        "unit": "kg CO2e per kWh of total energy delivered over the service life",
        "functional_unit_inputs": {
            "usable_capacity_kwh": cf.usable_capacity_kwh,
            "vehicle_category": cf.vehicle_category,
            "full_equivalent_cycles_per_year": cf.cycles_per_year,
            "service_life_years": cf.service_life_years,
            "delivered_energy_kwh": cf.delivered_energy_kwh,
        },
        "kgco2e_per_kwh_capacity": cf.total_kgco2e_per_kwh_capacity,
        "rule_set": {"id": rs.id, "version": rs.version, "status": rs.status},
        "electricity_rule": rs.electricity,
        "green_contracts_counted": list(rs.accepted_green_contracts),
        "end_of_life_formula": rs.end_of_life,
        "end_of_life_route": result.end_of_life_route,
        "primary_data_share": result.footprint.primary_share,
        # the share resting on factors fitted to published figures, not read in a source
        "fitted_factor_share": result.footprint.fitted_share,
        "fitted_factors": list(result.footprint.fitted_factors),
        "data_quality_rating": None,
        "verifier": None,
        "not_modelled": list(rs.not_modelled),
        "stages_outside_data_model": {
            s.stage: s.kgco2e_per_fu for s in cf.stages if s.stage not in LIFECYCLE_STAGES
        },
        "declaration_id": declaration.declaration_id,
        "factor_release": declaration.provenance.factor_release,
        "inputs_digest": declaration.provenance.inputs_digest,
    }


def passport_document(declaration: Declaration, result: RuleSetFootprint) -> dict[str, Any]:
    """``passport.json``: the carbon-footprint aspect plus the batterycarbon extension."""
    return {
        "dataModel": {
            "name": "Battery Pass data model",
            "version": "1.2.0",
            "specification": "DIN DKE SPEC 99100:2025-02",
            "aspectUrn": aspect_schema()["x-samm-aspect-model-urn"],
        },
        "batteryModel": declaration.battery_model.name,
        ASPECT: carbon_footprint_aspect(declaration),
        "extensions": {"batterycarbon": passport_extension(declaration, result)},
    }
