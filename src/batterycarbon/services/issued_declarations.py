"""EU carbon-footprint declarations of a product: previewed from a stored calculation, then
issued as a write-once record of the product, listed and downloaded again.

A declaration counts the calculation's design exactly as calculated (supplier figures in
place) with its factor release; the battery model is the product (its name and id), the plant
and manufacturer are what the declarer enters (the plant's country must be the design's pack
plant: :mod:`batterycarbon.compliance.declaration`). Issuing stores the declaration's JSON text
as issued, who issued it and when, the calculation and the rule set; the JSON downloads again
byte for byte and the PDF is drawn again from it. A new calculation of the product never
changes an issued declaration (the row is write-once); the same declaration is issued once.
Only the organization that owns the product sees and issues its declarations, and issuing
needs the manufacturer role; both are audited like every change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
import uuid
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from batterycarbon.battery.design import read_stored_design
from batterycarbon.bounds import MAX_NAME_CHARS
from batterycarbon.compliance.declaration import MANUFACTURING_PLANT_STEP
from batterycarbon.compliance.declare import (
    DEFAULT_DECLARATION_RULE_SET,
    DeclarationBundle,
    declare,
)
from batterycarbon.compliance.inputs import ComplianceInputs
from batterycarbon.errors import InputError
from batterycarbon.reports.pdf import declaration_pdf
from batterycarbon.rules import RuleSetError, load_rule_set
from batterycarbon.rules.functional_unit import CLI_HINT, UseProfile, parse_use_profile
from batterycarbon.services.calculations import product_of, visible_calculation
from batterycarbon.services.class_tables import active_class_table
from batterycarbon.services.context import Actor, audit, unit_of_work
from batterycarbon.services.errors import Conflict
from batterycarbon.services.factor_releases import release_library
from batterycarbon.services.lookup import get_visible
from batterycarbon.services.paging import ListQuery, Page, page_of, paginate, within
from batterycarbon.services.permissions import require_role
from batterycarbon.services.products import own_product
from batterycarbon.store import Calculation, DesignVersion, IssuedDeclaration, Organization, Product
from batterycarbon.text import Line

#: Rule sets a declaration may be counted under (per kWh delivered, Annex II).
DECLARATION_RULE_SETS = ("jrc-cfb-ev-2023", "eu-draft-2024")
#: The declaration's option names (``compliance`` speaks CLI) to this API's field names.
FIELD_NAMES = {
    "--manufacturer": "manufacturer",
    "--manufacturer-address": "manufacturer_address",
    "--manufacturer-country": "manufacturer_country",
    "--plant": "plant_address",
    "--plant-country": "plant_country",
    "--study-url": "study_url",
    "--rule-set": "rule_set",
    "usable_capacity_kwh": "use.usable_capacity_kwh",
    "vehicle_category": "use.vehicle_category",
    "warranty_years": "use.warranty_years",
}
MAX_ADDRESS_CHARS = 500
"""A postal address on one line: street, number, postal code and town; 500 characters hold the
longest real ones several times over."""


class DeclarationIn(BaseModel):
    """What a declaration needs besides the stored calculation (Annex II)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "manufacturer": "Danube Cell Works",
                    "manufacturer_address": "2 Works Road, 9027 Győr",
                    "manufacturer_country": "HU",
                    "plant_address": "1 Cell Street, 9027 Győr",
                    "plant_country": "HU",
                    "study_url": "https://example.org/cfb-study.pdf",
                    "use": {
                        "usable_capacity_kwh": 56,
                        "vehicle_category": "M1",
                        "warranty_years": 8,
                    },
                }
            ]
        },
    )

    manufacturer: Line | None = Field(
        default=None, max_length=MAX_NAME_CHARS, description="Default: your organization's name"
    )
    manufacturer_address: Line | None = Field(
        default=None,
        max_length=MAX_ADDRESS_CHARS,
        description="Postal address: street, postal code, town",
    )
    manufacturer_country: Line | None = Field(
        default=None, max_length=100, description="ISO 3166-1 alpha-2"
    )
    plant_address: Line | None = Field(
        default=None, max_length=MAX_ADDRESS_CHARS, description="The manufacturing plant's address"
    )
    plant_country: Line | None = Field(
        default=None,
        max_length=100,
        description="ISO 3166-1 alpha-2; must be the design's pack plant (default: that plant)",
    )
    study_url: Line | None = Field(
        default=None,
        max_length=MAX_ADDRESS_CHARS,
        description="Public link to the supporting study",
    )
    eu_declaration_of_conformity_id: Line | None = Field(default=None, max_length=100)
    rule_set: str = Field(default=DEFAULT_DECLARATION_RULE_SET, max_length=100)
    use: UseProfile = UseProfile()
    issued: dt.date | None = Field(default=None, description="Issue date; default today")


class IssueDeclarationIn(DeclarationIn):
    """Issue the declaration of one of the product's calculations."""

    calculation_id: uuid.UUID


class IssuedDeclarationSummary(BaseModel):
    """An issued declaration without its document (lists)."""

    id: uuid.UUID = Field(description="The record's id")
    product_id: uuid.UUID
    calculation_id: uuid.UUID
    declaration_id: str = Field(description="The document's id, CFD-...")
    rule_set: str
    issued: dt.date = Field(description="The declaration's issue date")
    issued_at: datetime = Field(description="When it was stored")
    issued_by: str = Field(description="Who issued it (user:<name> or client:<id>)")
    digest: str = Field(description="SHA-256 of the JSON document as issued")


class IssuedDeclarationOut(IssuedDeclarationSummary):
    document: dict[str, object] = Field(description="The declaration as issued")


def _summary(row: IssuedDeclaration) -> dict[str, object]:
    return {
        "id": row.id,
        "product_id": row.product_id,
        "calculation_id": row.calculation_id,
        "declaration_id": row.declaration_id,
        "rule_set": row.rule_set,
        "issued": row.issued,
        "issued_at": row.created_at,
        "issued_by": row.issued_by_label,
        "digest": row.digest,
    }


def _field_named(problem: str) -> str:
    """A compliance problem in this module's field names, without the hint about command-line
    options a form or API user has none of."""
    head, sep, rest = problem.partition(": ")
    if head not in FIELD_NAMES:
        return problem
    return f"{FIELD_NAMES[head]}{sep}{rest.partition(CLI_HINT)[0]}"


def build_declaration_bundle(
    session: Session, calculation: Calculation, product: Product, data: DeclarationIn
) -> DeclarationBundle:
    """The declaration (and passport preview) of ``calculation`` for ``data``; raises
    :class:`InputError` naming each missing or invalid field (this module's field names)."""
    try:
        load_rule_set(data.rule_set)
    except RuleSetError as exc:
        raise InputError("declaration", [f"rule_set: {exc}"]) from None
    organization = session.get_one(Organization, calculation.organization_id)
    inputs = ComplianceInputs(eu_declaration_of_conformity_id=data.eu_declaration_of_conformity_id)
    try:
        return declare(
            read_stored_design(calculation.inputs["design"]),
            release_library(session, calculation.factor_release_id),
            manufacturer=data.manufacturer or organization.name,
            manufacturer_address=data.manufacturer_address,
            manufacturer_country=data.manufacturer_country,
            plant_address=data.plant_address,
            plant_country=data.plant_country,
            class_table=active_class_table(session, inputs.battery_category),
            inputs=inputs,
            use=data.use,
            study_url=data.study_url,
            rule_set_id=data.rule_set,
            issued=data.issued,
            battery_model=product.name,
            battery_model_id=str(product.id),
        )
    except InputError as exc:
        raise InputError("declaration", [_field_named(p) for p in exc.problems]) from None


def declaration_defaults(
    session: Session, actor: Actor, calculation_id: uuid.UUID
) -> DeclarationIn:
    """What the declaration form starts with: the organization's name and country, the
    design's pack plant (the declared plant's country: see the module) and use profile."""
    with unit_of_work(session):
        calculation = visible_calculation(session, actor, calculation_id)
        organization = session.get_one(Organization, calculation.organization_id)
        design = read_stored_design(calculation.inputs["design"])
        plants = design.plants.model_dump()
        stored_use = calculation.inputs["design"].get("use") or {}
        try:
            use = parse_use_profile(
                {
                    k: stored_use[k]
                    for k in UseProfile.model_fields
                    if stored_use.get(k) is not None
                },
                "design: use",
            )
        except InputError:  # stored before a rule refused it: the declaration names the field
            use = UseProfile()
        return DeclarationIn(
            manufacturer=organization.name,
            manufacturer_country=organization.country,
            plant_country=plants[MANUFACTURING_PLANT_STEP],
            use=use,
        )


def preview_declaration(
    session: Session, actor: Actor, calculation_id: uuid.UUID, data: DeclarationIn
) -> DeclarationBundle:
    """The declaration ``data`` would issue from the calculation (nothing is stored); for the
    organization that made it and the verifier asked to verify it."""
    with unit_of_work(session):
        calculation = visible_calculation(session, actor, calculation_id)
        return build_declaration_bundle(
            session, calculation, product_of(session, calculation), data
        )


def document_text(declaration: dict[str, object]) -> str:
    """The JSON text a declaration is issued, stored and downloaded as."""
    return json.dumps(declaration, ensure_ascii=False, indent=2) + "\n"


def issue_declaration(
    session: Session, actor: Actor, product_id: uuid.UUID, data: IssueDeclarationIn
) -> IssuedDeclarationOut:
    """Issue the declaration of one of the product's calculations and store it; nothing is
    stored when any input is missing or wrong, or when the same declaration was issued."""
    with unit_of_work(session):
        require_role(actor, "manufacturer")
        product = own_product(session, actor, product_id, "product_id")
        versions = select(DesignVersion.id).where(DesignVersion.product_id == product.id)
        calculation = get_visible(
            session,
            Calculation,
            data.calculation_id,
            f"calculation_id: calculation {data.calculation_id} of this product not found",
            lambda row: (
                row.organization_id == actor.organization_id
                and row.design_version_id in set(session.scalars(versions))
            ),
        )
        declaration = build_declaration_bundle(session, calculation, product, data).declaration
        existing = session.scalar(
            select(IssuedDeclaration.id).where(
                IssuedDeclaration.organization_id == actor.organization_id,
                IssuedDeclaration.declaration_id == declaration.declaration_id,
            )
        )
        if existing is not None:
            raise Conflict(
                f"declaration {declaration.declaration_id} was already issued (record {existing})"
            )
        text = document_text(declaration.to_json_dict())
        assert actor.organization_id is not None
        row = IssuedDeclaration(
            organization_id=actor.organization_id,
            product_id=product.id,
            calculation_id=calculation.id,
            declaration_id=declaration.declaration_id,
            rule_set=declaration.rule_set.id,
            issued=declaration.issued,
            document=text,
            digest=hashlib.sha256(text.encode()).hexdigest(),
            issued_by=actor.user_id,
            issued_by_label=actor.label,
        )
        session.add(row)
        session.flush()
        audit(
            session,
            actor,
            "declaration.issued",
            "declaration",
            row.id,
            after={
                "declaration_id": row.declaration_id,
                "product_id": str(product.id),
                "calculation_id": str(calculation.id),
                "rule_set": row.rule_set,
                "digest": row.digest,
            },
        )
        return IssuedDeclarationOut(**_summary(row), document=json.loads(text))


def find_issued_declarations(
    session: Session, actor: Actor, product_id: uuid.UUID, filters: ListQuery | None = None
) -> Page[IssuedDeclarationSummary]:
    """The declarations issued for the product, oldest first (``filters`` ``None``: all)."""
    with unit_of_work(session):
        product = own_product(session, actor, product_id, "product_id")
        query = select(IssuedDeclaration).where(IssuedDeclaration.product_id == product.id)
        if filters is not None:
            query = within(query, IssuedDeclaration.created_at, filters)
        order = (IssuedDeclaration.created_at, IssuedDeclaration.id)
        rows, total = paginate(session, query, filters, order)
        return page_of([IssuedDeclarationSummary(**_summary(r)) for r in rows], total, filters)


def issued_declarations(
    session: Session, actor: Actor, product_id: uuid.UUID
) -> list[IssuedDeclarationSummary]:
    """Every declaration issued for the product, newest first (the product page's list)."""
    return list(reversed(find_issued_declarations(session, actor, product_id).items))


def _issued(
    session: Session, actor: Actor, product_id: uuid.UUID, record_id: uuid.UUID
) -> IssuedDeclaration:
    product = own_product(session, actor, product_id, "product_id")
    return get_visible(
        session,
        IssuedDeclaration,
        record_id,
        f"declaration {record_id} not found",
        lambda row: row.product_id == product.id,
    )


def get_issued_declaration(
    session: Session, actor: Actor, product_id: uuid.UUID, record_id: uuid.UUID
) -> IssuedDeclarationOut:
    with unit_of_work(session):
        row = _issued(session, actor, product_id, record_id)
        return IssuedDeclarationOut(**_summary(row), document=json.loads(row.document))


def issued_declaration_file(
    session: Session, actor: Actor, product_id: uuid.UUID, record_id: uuid.UUID, kind: str
) -> tuple[str, bytes]:
    """(file name, bytes) of an issued declaration: ``json``, the text as issued, or ``pdf``,
    drawn again from it."""
    with unit_of_work(session):
        row = _issued(session, actor, product_id, record_id)
        if kind == "json":
            return f"{row.declaration_id}.json", row.document.encode()
        with tempfile.TemporaryDirectory() as folder:
            pdf = declaration_pdf(json.loads(row.document), Path(folder) / "declaration.pdf")
            return f"{row.declaration_id}.pdf", pdf.read_bytes()
