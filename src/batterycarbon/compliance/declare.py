"""The declaration use case: account a design, classify it, build declaration and passport.

The passport is built from the declaration: the battery model's name is the passport's product
identifier (until a unit's serial number replaces it), and the manufacturer and plant entered
for the declaration fill ``manufacturerInformation`` and ``manufacturingPlace``, so what was
entered once is never listed as "not provided". Attributes given in the compliance inputs file
win over them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from batterycarbon.battery import Design, Options, build_system
from batterycarbon.compliance.battery_passport import build_passport, unknown_aspects
from batterycarbon.compliance.classes import Classification, ClassTable, classify
from batterycarbon.compliance.declaration import Declaration, build_declaration, party_problems
from batterycarbon.compliance.inputs import ComplianceInputs, use_profile_for
from batterycarbon.compliance.passport import passport_document
from batterycarbon.compliance.standards import RuleSetFootprint, account
from batterycarbon.errors import InputError
from batterycarbon.factors import FactorLibrary
from batterycarbon.rules import load_rule_set
from batterycarbon.rules.functional_unit import UseProfile, use_profile_problems

DEFAULT_DECLARATION_RULE_SET = "jrc-cfb-ev-2023"


@dataclass(frozen=True)
class DeclarationBundle:
    result: RuleSetFootprint
    classification: Classification
    declaration: Declaration
    passport: dict[str, Any]


def declare(
    design: Design,
    library: FactorLibrary,
    *,
    manufacturer: str | None,
    plant_address: str | None,
    class_table: ClassTable,
    inputs: ComplianceInputs | None = None,
    use: UseProfile | None = None,
    study_url: str | None = None,
    rule_set_id: str = DEFAULT_DECLARATION_RULE_SET,
    options: Options | None = None,
    issued: dt.date | None = None,
    battery_model: str | None = None,
    battery_model_id: str | None = None,
    declaration_id: str | None = None,
    passport_identifier: str | None = None,
    manufacturer_address: str | None = None,
    manufacturer_country: str | None = None,
    plant_country: str | None = None,
) -> DeclarationBundle:
    """Everything ``declare`` writes, or :class:`InputError` naming what is missing.

    Options override the inputs file, which overrides the design (see :mod:`.inputs`).
    ``battery_model``: the model's name (a stored product's name; default the design's name or
    id). ``plant_country``: see :func:`.declaration.build_declaration`.
    ``passport_identifier``: the URN a passport registry gives this battery unit or batch.
    """
    inputs = inputs or ComplianceInputs()
    profile = use_profile_for(design, inputs, use)
    missing_use = use_profile_problems(load_rule_set(rule_set_id), profile)
    if missing_use:  # named together with every other missing field, not one group at a time
        parties = party_problems(
            manufacturer=manufacturer,
            manufacturer_address=manufacturer_address,
            manufacturer_country=manufacturer_country,
            plant_address=plant_address,
            plant_country=plant_country,
            study_url=study_url or inputs.study_url,
            counted=None,
        )
        problems = [*missing_use, *parties, *unknown_aspects(inputs.passport)]
        raise InputError("declaration", problems)
    result = account(design, library, rule_set_id, options, profile, downstream=inputs.downstream())
    issued = issued or dt.date.today()
    classification = classify(
        result.total_kgco2e_per_fu, class_table, inputs.battery_category, on=issued
    )
    try:
        declaration = build_declaration(
            result,
            manufacturer=manufacturer,
            plant_address=plant_address,
            study_url=study_url or inputs.study_url,
            classification=classification,
            chemistry=design.chemistry,
            battery_category=inputs.battery_category,
            issued=issued,
            battery_model=battery_model or design.name,
            battery_model_id=battery_model_id,
            declaration_id=declaration_id,
            eu_declaration_of_conformity_id=inputs.eu_declaration_of_conformity_id,
            manufacturer_address=manufacturer_address,
            manufacturer_country=manufacturer_country,
            plant_country=plant_country,
        )
    except InputError as exc:  # the passport's unknown aspects are named with the rest
        raise InputError(exc.source, [*exc.problems, *unknown_aspects(inputs.passport)]) from None
    cf_document = passport_document(declaration, result)
    passport = build_passport(
        design=design,
        bsys=build_system(design, library, options or Options()),
        declaration_id=declaration.declaration_id,
        battery_category=inputs.battery_category,
        carbon_footprint=cf_document["CarbonFootprintForBatteries"],
        given=_with_entered(inputs.passport, declaration),
        base_url=inputs.passport_base_url,
        complete=inputs.passport_complete,
        identifier=passport_identifier,
    )
    passport["extensions"] = cf_document["extensions"]
    return DeclarationBundle(result, classification, declaration, passport)


def entered_attributes(declaration: Declaration) -> dict[str, Any]:
    """The ``GeneralProductInformation`` attributes the declaration's entries fill (Battery Pass
    1.2 names); an attribute nobody entered (a postal code) is left out, so the passport lists
    it under ``notProvided``."""
    maker = declaration.manufacturer
    plant = declaration.manufacturing_plant
    maker_address = {"streetAddress": maker.address, "addressCountry": maker.country}
    return {
        "productIdentifier": declaration.battery_model.name,
        "manufacturerInformation": {
            "contactName": maker.name,
            "postalAddress": {k: v for k, v in maker_address.items() if v is not None},
        },
        "manufacturingPlace": {"streetAddress": plant.address, "addressCountry": plant.country},
    }


def _with_entered(
    given: dict[str, dict[str, Any]], declaration: Declaration
) -> dict[str, dict[str, Any]]:
    general = {**entered_attributes(declaration), **given.get("GeneralProductInformation", {})}
    return {**given, "GeneralProductInformation": general}
