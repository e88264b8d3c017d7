"""The world the permission matrix acts in: two independent supply chains, A ("own") and B
("other"), each with a supplier, a manufacturer, an OEM and a verifier, plus one regulator and
the platform administrator; and the objects each chain holds. Built through the services."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from passport_support import passport_request
from sqlalchemy import select
from sqlalchemy.orm import Session

from batterycarbon.services import Actor
from batterycarbon.services.accounts import (
    OrganizationIn,
    UserIn,
    authenticate_user,
    register_organization,
    register_user,
)
from batterycarbon.services.calculation_sharing import CalculationGrantIn, share_calculation
from batterycarbon.services.calculations import CalculationIn, calculate_design
from batterycarbon.services.complaints import ComplaintIn, file_complaint
from batterycarbon.services.data_requests import DataRequestIn, request_data
from batterycarbon.services.dataset_input import DatasetIn
from batterycarbon.services.dataset_review import AlertAssignmentIn, assign_alert
from batterycarbon.services.datasets import GrantIn, share_dataset, submit_dataset
from batterycarbon.services.issued_declarations import IssueDeclarationIn, issue_declaration
from batterycarbon.services.jobs import JobRunner
from batterycarbon.services.passports import PassportIn, issue_passport
from batterycarbon.services.portfolio import RecomputeIn, submit_recomputation
from batterycarbon.services.products import DesignIn, ProductIn, add_design_version, create_product
from batterycarbon.services.verifications import VerificationIn, submit_for_verification
from batterycarbon.store import Alert

PASSWORD = "matrix test passphrase"  # test-only credential
CHAIN_ROLES = ("supplier", "manufacturer", "oem", "verifier")
ROLES = (*CHAIN_ROLES, "regulator", "admin")
CAM = DatasetIn(flow="cam_ncm811", value=28.4, region="KR", year=2023, dqr=1.75, evidence=["pcf-2023.pdf"], activity_data={"electricity_kwh_per_kg": 22.0})  # fmt: skip
DESIGN = {
    "chemistry": "NCM811", "format": "prismatic", "pack": {"cells": 162},
    "cell": {"capacity_ah": 100, "nominal_voltage_v": 3.7}, "year": 2023,
}  # fmt: skip


def design(side: str) -> dict[str, Any]:
    """The side's design: its cathode material from the side's supplier (whose dataset it uses)."""
    supply = {"cathode_active_material": {"supplier": f"supplier {side}"}}
    return {**DESIGN, "plants": {"cathode": "KR"}, "supply": supply}


def declaration_request(
    calculation_id: uuid.UUID, manufacturer: str | None = None
) -> dict[str, Any]:
    """The body of ``POST /products/{id}/declarations`` for the side's calculation (the design's
    pack plant is in CN, the default plant)."""
    return {
        "calculation_id": str(calculation_id),
        "manufacturer": manufacturer,
        "manufacturer_address": "2 Works Road, 352100 Ningde",
        "plant_address": "1 Pack Road, 352100 Ningde",
        "study_url": "https://example.org/cfb-study.pdf",
        "use": {"usable_capacity_kwh": 54, "vehicle_category": "M1", "warranty_years": 8},
    }


def _id(value: uuid.UUID | None) -> uuid.UUID:
    assert value is not None
    return value


@dataclass
class Side:
    """One chain: its organizations and actors by role, and the objects it holds."""

    name: str
    session: Session
    orgs: dict[str, uuid.UUID] = field(default_factory=dict)
    actors: dict[str, Actor] = field(default_factory=dict)
    ids: dict[str, uuid.UUID] = field(default_factory=dict)

    def org(self, role: str) -> uuid.UUID:
        return self.orgs[role]

    # Fresh objects, for requests that change the state of what they act on.
    def dataset(self, value: float = 28.4) -> uuid.UUID:
        """An approved (or, far off the range, flagged) dataset shared with the manufacturer."""
        row = submit_dataset(self.session, self.actors["supplier"], CAM.model_copy(update={"value": value}))  # fmt: skip
        share_dataset(self.session, self.actors["supplier"], row.id, GrantIn(organization_id=self.org("manufacturer")))  # fmt: skip
        return row.id

    def flagged_alert(self, assign: bool) -> tuple[uuid.UUID, uuid.UUID]:
        """(dataset, alert) of a flagged dataset, the alert assigned to the verifier if asked."""
        dataset_id = self.dataset(400.0)
        alert_id = _id(self.session.scalar(select(Alert.id).where(Alert.subject_id == dataset_id)))
        if assign:
            assign_alert(self.session, self.actors["supplier"], alert_id, AlertAssignmentIn(verifier_org_id=self.org("verifier")))  # fmt: skip
        return dataset_id, alert_id

    def calculation(self) -> uuid.UUID:
        """The first call: of the product's design; then fresh ones, each of a new design
        version (identical inputs answer with the stored calculation)."""
        version = self.ids["version"]
        if "calculation" in self.ids:
            revision = {**design(self.name), "description": f"revision {uuid.uuid4()}"}
            version = add_design_version(
                self.session,
                self.actors["manufacturer"],
                self.ids["product"],
                DesignIn(design=revision),
            ).id
        calc = calculate_design(
            self.session, self.actors["manufacturer"], CalculationIn(design_version_id=version)
        )
        return calc.id

    def shared_calculation(self) -> uuid.UUID:
        """The side's calculation, shared (again, if a request revoked it) with its OEM."""
        grant = CalculationGrantIn(organization_id=self.org("oem"))
        share_calculation(self.session, self.actors["manufacturer"], self.ids["calculation"], grant)
        return self.ids["calculation"]

    def verification(self, calculation_id: uuid.UUID | None = None) -> uuid.UUID:
        """A verification, submitted, of ``calculation_id`` (default: a fresh calculation)."""
        calculation_id = calculation_id or self.calculation()
        request = VerificationIn(calculation_id=calculation_id, verifier_org_id=self.org("verifier"))  # fmt: skip
        return submit_for_verification(self.session, self.actors["manufacturer"], request).id

    def data_request(self) -> uuid.UUID:
        request = DataRequestIn(supplier_org_id=self.org("supplier"), flow="cam_ncm811")
        return request_data(self.session, self.actors["manufacturer"], request).id

    def complaint(self) -> uuid.UUID:
        text = "The figure looks too low for this plant."
        complaint = ComplaintIn(subject_type="dataset", subject_id=self.ids["dataset"], text=text)
        return file_complaint(self.session, self.actors["manufacturer"], complaint).id


def build_side(session: Session, admin: Actor, name: str, jobs: JobRunner) -> Side:
    side = Side(name=name, session=session)
    for role in CHAIN_ROLES:
        org = register_organization(session, admin, OrganizationIn(name=f"{role} {name}", roles=[role]))  # fmt: skip
        username = f"{role}_{name}".lower()
        register_user(session, admin, UserIn(organization_id=org.id, username=username, password=PASSWORD))  # fmt: skip
        side.orgs[role] = org.id
        side.actors[role] = authenticate_user(session, username, PASSWORD)
    side.ids["dataset"] = side.dataset()
    product = create_product(
        session, side.actors["manufacturer"], ProductIn(name=f"Pack {name}", design=design(name))
    )
    side.ids["product"] = product.id
    side.ids["version"] = product.designs[0].id
    side.ids["calculation"] = side.calculation()  # uses the dataset; its review is open
    side.ids["verification"] = side.verification(side.ids["calculation"])
    side.shared_calculation()  # the side's OEM is the manufacturer's customer
    side.ids["data_request"] = side.data_request()
    side.ids["complaint"] = side.complaint()
    job = submit_recomputation(session, side.actors["manufacturer"], RecomputeIn(), jobs)
    jobs.wait(job.id, 300)
    side.ids["job"] = job.id
    body = PassportIn.model_validate(passport_request(side.ids["calculation"], unit=f"SN-{name}"))
    declaration = IssueDeclarationIn.model_validate(declaration_request(side.ids["calculation"]))
    side.ids["declaration"] = issue_declaration(
        session, side.actors["manufacturer"], product.id, declaration
    ).id
    side.ids["passport"] = issue_passport(session, side.actors["manufacturer"], body, "https://passports.example.org").id  # fmt: skip
    return side
