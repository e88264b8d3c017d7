"""The declaration use case: account a design, classify it, build declaration and passport."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from batterycarbon.battery import Design, Options, build_system
from batterycarbon.compliance.battery_passport import build_passport
from batterycarbon.compliance.classes import Classification, ClassTable, classify
from batterycarbon.compliance.declaration import Declaration, build_declaration
from batterycarbon.compliance.inputs import ComplianceInputs, use_profile_for
from batterycarbon.compliance.passport import passport_document
from batterycarbon.compliance.standards import RuleSetFootprint, account
from batterycarbon.factors import FactorLibrary
from batterycarbon.rules import load_rule_set
from batterycarbon.rules.functional_unit import UseProfile, require_use_profile

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
    declaration_id: str | None = None,
    passport_identifier: str | None = None,
) -> DeclarationBundle:
    """Everything ``declare`` writes, or :class:`InputError` naming what is missing.

    Options override the inputs file, which overrides the design (see :mod:`.inputs`).
    ``passport_identifier``: the URN a passport registry gives this battery unit or batch.
    """
    inputs = inputs or ComplianceInputs()
    profile = use_profile_for(design, inputs, use)
    require_use_profile(load_rule_set(rule_set_id), profile)
    result = account(design, library, rule_set_id, options, profile, downstream=inputs.downstream())
    issued = issued or dt.date.today()
    classification = classify(
        result.total_kgco2e_per_fu, class_table, inputs.battery_category, on=issued
    )
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
        declaration_id=declaration_id,
        eu_declaration_of_conformity_id=inputs.eu_declaration_of_conformity_id,
    )
    cf_document = passport_document(declaration, result)
    passport = build_passport(
        design=design,
        bsys=build_system(design, library, options or Options()),
        declaration_id=declaration.declaration_id,
        battery_category=inputs.battery_category,
        carbon_footprint=cf_document["CarbonFootprintForBatteries"],
        given=inputs.passport,
        base_url=inputs.passport_base_url,
        complete=inputs.passport_complete,
        identifier=passport_identifier,
    )
    passport["extensions"] = cf_document["extensions"]
    return DeclarationBundle(result, classification, declaration, passport)
