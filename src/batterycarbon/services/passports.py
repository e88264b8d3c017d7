"""The battery passport registry: issue a passport per battery unit or batch from a stored
calculation, list one's own, and read one in the view the reader's role allows.

Issuing (the manufacturer that made the calculation, pack level only): the passport document is
built by :func:`batterycarbon.compliance.declare.declare` from the calculation's design exactly
as calculated (supplier figures in place) and its factor release, with the maker's declaration
inputs and Battery Pass attributes. It must be complete: every required attribute missing is
named (``attributes.<Aspect>.<attribute>``) and nothing is stored. A version is write-once; a
new version of the same unit or batch (``supersedes``) keeps the passport's id, identifier and
public URL and marks the previous version ``superseded``. Both are audited.

Reading (:func:`read_passport`, no sign-in needed) cuts the view from the stored document with
:func:`~batterycarbon.compliance.battery_passport.passport_view`, following
``compliance/data/passport_access.toml`` (Regulation (EU) 2023/1542, Art. 77(2), Annex XIII):

=========================================================  ======================  =========
reader                                                     view                    ``access``
=========================================================  ======================  =========
not signed in, or an organization with no relation          ``public``              public
a recycler (Annex XIII(4): legitimate interest)             ``legitimate_interest`` recycler
the verifier asked to verify the calculation                ``legitimate_interest`` verifier
a customer the calculation is shared with (the OEM)         ``legitimate_interest`` customer
a regulator (market surveillance authority)                 ``authorities``         authority
the issuing manufacturer                                    ``authorities`` (all)   issuer
=========================================================  ======================  =========
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from batterycarbon.battery.design import read_stored_design
from batterycarbon.battery.downstream import DistributionLeg
from batterycarbon.bounds import MAX_TRANSPORT_LEGS, finite_json
from batterycarbon.compliance.battery_passport import passport_identifier, passport_view, qr_png
from batterycarbon.compliance.classes import BatteryCategory
from batterycarbon.compliance.declare import DEFAULT_DECLARATION_RULE_SET, declare
from batterycarbon.compliance.inputs import parse_compliance_inputs
from batterycarbon.errors import InputError, excerpt
from batterycarbon.rules import RuleSetError, load_rule_set
from batterycarbon.rules.functional_unit import UseProfile
from batterycarbon.rules.use_stage import UseLosses
from batterycarbon.services.calculations import product_of
from batterycarbon.services.class_tables import active_class_table
from batterycarbon.services.context import Actor, audit, unit_of_work
from batterycarbon.services.errors import Conflict, NotFound
from batterycarbon.services.factor_releases import release_library
from batterycarbon.services.lookup import get_with_access
from batterycarbon.services.paging import ListQuery, Page, page_of, paginate, within
from batterycarbon.services.permissions import calculation_access, require, require_role
from batterycarbon.store import Calculation, Organization, Passport
from batterycarbon.store.audit import canonical_json
from batterycarbon.store.base import new_id

View = Literal["public", "legitimate_interest", "authorities"]
Access = Literal["public", "recycler", "verifier", "customer", "authority", "issuer"]
#: Where a passport gives the manufacturer's postal address the declaration needs (Annex II).
MAKER_ADDRESS = "attributes.GeneralProductInformation.manufacturerInformation.postalAddress"
#: The declaration's option names (``compliance`` speaks CLI) to this API's field names.
FIELD_NAMES = {
    "--manufacturer": "manufacturer",
    "--plant": "plant_address",
    "--study-url": "study_url",
    "--rule-set": "rule_set",
    "usable_capacity_kwh": "use.usable_capacity_kwh",
    "vehicle_category": "use.vehicle_category",
    "warranty_years": "use.warranty_years",
    "--manufacturer-address": f"{MAKER_ADDRESS}.streetAddress",
    "--manufacturer-country": f"{MAKER_ADDRESS}.addressCountry",
}
UNIT_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$"


class PassportIn(BaseModel):
    """What issuing a passport needs besides the stored calculation.

    ``attributes``: Battery Pass 1.2 aspect -> attributes the maker gives (what the engine does
    not know: manufacturer and operator information, dates, status, warranty, hazardous
    substances, circularity, labels, due diligence). ``supersedes``: the passport this is a new
    version of (same unit or batch)."""

    model_config = ConfigDict(extra="forbid")

    calculation_id: uuid.UUID
    unit_kind: Literal["unit", "batch"] = Field(description="One battery, or a batch")
    unit_identifier: str = Field(
        pattern=UNIT_PATTERN, description="Serial or batch number", examples=["SN-2025-000123"]
    )
    supersedes: uuid.UUID | None = Field(
        default=None, description="Passport id this is a new version of"
    )
    manufacturer: str | None = Field(
        default=None, max_length=200, description="Default: your organization's name"
    )
    plant_address: str | None = Field(default=None, max_length=500)
    study_url: str | None = Field(
        default=None, max_length=500, description="Public link to the supporting study"
    )
    eu_declaration_of_conformity_id: str | None = Field(default=None, max_length=100)
    rule_set: str = Field(default=DEFAULT_DECLARATION_RULE_SET, max_length=100)
    battery_category: BatteryCategory = "ev"
    use: UseProfile = UseProfile()
    distribution: tuple[DistributionLeg, ...] | None = Field(
        default=None, max_length=MAX_TRANSPORT_LEGS
    )
    use_losses: UseLosses | None = None
    issued: dt.date | None = Field(default=None, description="Declaration date; default today")
    attributes: Annotated[dict[str, dict[str, Any]], AfterValidator(finite_json)] = Field(
        default_factory=dict
    )


class PassportSummary(BaseModel):
    """A passport version without its document (lists)."""

    id: uuid.UUID = Field(description="The passport's stable id (its public URL's)")
    version: int
    version_id: uuid.UUID
    identifier: str = Field(description="batteryPassportIdentifier (URN)")
    unit_kind: str
    unit_identifier: str
    status: Literal["issued", "superseded"]
    public_url: str
    calculation_id: uuid.UUID | None = Field(description="The issuer's calculation (issuer only)")
    created_at: datetime


class PassportOut(PassportSummary):
    """A passport version as the reader may see it."""

    view: View
    access: Access
    current_version: int
    document: dict[str, Any]


#: Hosts whose own address a server without ``BATTERYCARBON_PUBLIC_BASE_URL`` puts into the
#: passports it issues: by default this machine's loopback names only, so that the embedded demo
#: (``batterycarbon serve`` on 127.0.0.1) issues passports as it always did, while a request that
#: names any other host (a forged ``Host`` header) cannot write that host into a write-once
#: passport and its QR code.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def passport_base_url(
    configured: str | None,
    request_base_url: str,
    request_host: str | None,
    allowed_hosts: Iterable[str],
) -> str:
    """Where issued passports point: ``configured`` (``BATTERYCARBON_PUBLIC_BASE_URL``) if set;
    else the address the request came to, if its host is one of ``allowed_hosts``
    (``BATTERYCARBON_ALLOWED_HOSTS``); else :class:`InputError` naming the ``Host`` header and
    the two settings, because the URL is written once into the passport and its QR code."""
    if configured:
        return configured
    allowed = {h.strip().strip("[]").lower() for h in allowed_hosts if h.strip()}
    host = (request_host or "").strip("[]").lower()
    if host and host in allowed:
        return request_base_url
    expected = f"one of {', '.join(sorted(allowed)) or '(none)'}"
    why = "set BATTERYCARBON_PUBLIC_BASE_URL (or list the host in BATTERYCARBON_ALLOWED_HOSTS)"
    what = "the hosts whose address may go into a passport's public URL"
    problem = f"Host: {excerpt(request_host)} is not {expected}, {what}; {why}"
    raise InputError("passport", [problem])


def public_url(base_url: str, passport_id: uuid.UUID) -> str:
    """The stable public link of a passport: ``<base_url>/p/<passport id>``."""
    if not base_url.startswith(("https://", "http://")):
        raise InputError(
            "passport", [f"public_base_url: expected an http(s) URL (got {excerpt(base_url)})"]
        )
    return f"{base_url.rstrip('/')}/p/{passport_id}"


def _summary(row: Passport, issuer: bool) -> dict[str, Any]:
    return {
        "id": row.passport_id,
        "version": row.version,
        "version_id": row.id,
        "identifier": row.identifier,
        "unit_kind": row.unit_kind,
        "unit_identifier": row.unit_identifier,
        "status": row.status,
        "public_url": row.document.get("publicUrl") or "",
        "calculation_id": row.calculation_id if issuer else None,
        "created_at": row.created_at,
    }


def _field_named(problem: str) -> str:
    head, sep, rest = problem.partition(": ")
    if head in FIELD_NAMES:
        return f"{FIELD_NAMES[head]}{sep}{rest}"
    # build_passport names an unknown aspect "<name>: unknown aspect; ..."
    if "unknown aspect" in rest or head.split(".")[0] in {
        "GeneralProductInformation",
        "CarbonFootprintForBatteries",
        "PerformanceAndDurability",
        "MaterialComposition",
        "Circularity",
        "Labeling",
        "SupplyChainDueDiligence",
    }:
        return f"attributes.{problem}"
    return problem


def build_document(
    session: Session,
    calculation: Calculation,
    data: PassportIn,
    manufacturer: str,
    identifier: str,
    url: str,
) -> dict[str, Any]:
    """The complete passport document of ``calculation`` for ``data``'s unit or batch.

    Raises :class:`InputError` naming each missing or invalid field (API field names)."""
    if calculation.inputs.get("level", "pack") != "pack":
        raise InputError(
            "passport",
            [
                "calculation_id: a passport declares a battery pack; this calculation is at cell "
                "level"
            ],
        )
    given = copy.deepcopy(data.attributes)
    general = given.setdefault("GeneralProductInformation", {})
    if general.get("productIdentifier", data.unit_identifier) != data.unit_identifier:
        raise InputError(
            "passport",
            [
                "attributes.GeneralProductInformation.productIdentifier: must be the "
                "unit_identifier (the serial or batch number)"
            ],
        )
    general["productIdentifier"] = data.unit_identifier
    maker = general.get("manufacturerInformation")
    maker_address = maker.get("postalAddress") if isinstance(maker, dict) else None
    maker_address = maker_address if isinstance(maker_address, dict) else {}
    model = product_of(session, calculation)
    library = release_library(session, calculation.factor_release_id)
    try:
        load_rule_set(data.rule_set)
    except RuleSetError as exc:
        raise InputError("passport", [f"rule_set: {exc}"]) from None
    try:
        inputs = parse_compliance_inputs(
            {
                "use": data.use.model_dump(exclude_none=True),
                "battery_category": data.battery_category,
                "study_url": data.study_url,
                "eu_declaration_of_conformity_id": data.eu_declaration_of_conformity_id,
                "distribution": [leg.model_dump() for leg in data.distribution]
                if data.distribution is not None
                else None,
                "use_losses": data.use_losses.model_dump() if data.use_losses else None,
                "passport": given,
                "passport_complete": True,
            },
            "passport",
        )
        bundle = declare(
            read_stored_design(calculation.inputs["design"]),
            library,
            manufacturer=manufacturer,
            plant_address=data.plant_address,
            manufacturer_address=maker_address.get("streetAddress"),
            manufacturer_country=maker_address.get("addressCountry"),
            battery_model=model.name,
            battery_model_id=str(model.id),
            class_table=active_class_table(session, data.battery_category),
            inputs=inputs,
            rule_set_id=data.rule_set,
            issued=data.issued,
            passport_identifier=identifier,
        )
    except InputError as exc:
        raise InputError("passport", [_field_named(p) for p in exc.problems]) from None
    document = bundle.passport
    document["publicUrl"] = url
    return document


def _current(session: Session, passport_id: uuid.UUID) -> Passport | None:
    return session.scalar(
        select(Passport).where(Passport.passport_id == passport_id, Passport.status == "issued")
    )


def issue_passport(
    session: Session, actor: Actor, data: PassportIn, public_base_url: str | Callable[[], str]
) -> PassportOut:
    """Issue the passport of a unit or batch (or a new version of one, ``data.supersedes``)
    from the actor's own calculation; nothing is stored if any input is missing or wrong.
    ``public_base_url`` may be a function (:func:`passport_base_url` of the request), asked
    only once the actor may issue and only for a first version (later ones keep its URL)."""
    with unit_of_work(session):
        require_role(actor, "manufacturer")
        calculation, access = get_with_access(
            session,
            Calculation,
            data.calculation_id,
            f"calculation_id: calculation {data.calculation_id} not found",
            lambda row: calculation_access(session, actor, row),
        )
        require(
            access == "owner",
            "only the organization that made the calculation may issue its passport",
        )
        previous = None
        if data.supersedes is not None:
            previous = _current(session, data.supersedes)
            if previous is None or previous.organization_id != actor.organization_id:
                raise NotFound(f"supersedes: passport {data.supersedes} not found")
            if (previous.unit_kind, previous.unit_identifier) != (
                data.unit_kind,
                data.unit_identifier,
            ):
                raise InputError(
                    "passport",
                    [
                        f"unit_identifier: a new version is of the same {previous.unit_kind} "
                        f"{excerpt(previous.unit_identifier)} (got {data.unit_kind} "
                        f"{excerpt(data.unit_identifier)})"
                    ],
                )
        else:
            existing = session.scalar(
                select(Passport.passport_id)
                .where(
                    Passport.organization_id == actor.organization_id,
                    Passport.unit_kind == data.unit_kind,
                    Passport.unit_identifier == data.unit_identifier,
                )
                .limit(1)
            )
            if existing is not None:
                raise Conflict(
                    f"unit_identifier: {data.unit_kind} {excerpt(data.unit_identifier)} already "
                    f"has passport {existing}; give supersedes to issue a new version"
                )
        passport_id = previous.passport_id if previous else new_id()
        identifier = (
            previous.identifier if previous else passport_identifier(f"passport:{passport_id}")
        )
        if previous is not None:
            url = previous.document["publicUrl"]
        else:
            base = public_base_url() if callable(public_base_url) else public_base_url
            url = public_url(base, passport_id)
        organization = session.get_one(Organization, actor.organization_id)
        document = build_document(
            session, calculation, data, data.manufacturer or organization.name, identifier, url
        )
        digest = hashlib.sha256(canonical_json(document).encode()).hexdigest()
        if previous is not None:
            previous.status = "superseded"
            session.flush()
            audit(
                session,
                actor,
                "passport.superseded",
                "passport",
                passport_id,
                before={"version": previous.version, "digest": previous.digest},
            )
        assert actor.organization_id is not None
        row = Passport(
            id=new_id(),
            passport_id=passport_id,
            version=previous.version + 1 if previous else 1,
            organization_id=actor.organization_id,
            calculation_id=calculation.id,
            identifier=identifier,
            unit_kind=data.unit_kind,
            unit_identifier=data.unit_identifier,
            document=document,
            digest=digest,
            status="issued",
            supersedes_id=previous.id if previous else None,
            issued_by=actor.user_id,
        )
        session.add(row)
        session.flush()
        audit(
            session,
            actor,
            "passport.issued",
            "passport",
            passport_id,
            after={
                "version": row.version,
                "version_id": str(row.id),
                "identifier": identifier,
                "unit_kind": row.unit_kind,
                "unit_identifier": row.unit_identifier,
                "calculation_id": str(calculation.id),
                "digest": digest,
            },
        )
        return _out(row, "authorities", "issuer", row.version)


def reader_access(session: Session, actor: Actor | None, row: Passport) -> tuple[View, Access]:
    """Which view of ``row`` the reader gets, and why (see the module's table)."""
    if actor is None or actor.organization_id is None:
        return "public", "public"
    if actor.organization_id == row.organization_id:
        return "authorities", "issuer"
    if actor.has_role("regulator"):
        return "authorities", "authority"
    calculation = session.get_one(Calculation, row.calculation_id)
    relation = calculation_access(session, actor, calculation)
    if relation == "verifier":
        return "legitimate_interest", "verifier"
    if relation == "grantee":
        return "legitimate_interest", "customer"
    if actor.has_role("recycler"):
        return "legitimate_interest", "recycler"
    return "public", "public"


def _out(row: Passport, view: View, access: Access, current_version: int) -> PassportOut:
    return PassportOut(
        **_summary(row, access == "issuer"),
        view=view,
        access=access,
        current_version=current_version,
        document=passport_view(row.document, view),
    )


def _version(session: Session, passport_id: uuid.UUID, version: int | None) -> tuple[Passport, int]:
    """(the version asked, or the current one; the current version number), else NotFound."""
    current = _current(session, passport_id)
    if current is None:
        raise NotFound(f"passport {passport_id} not found")
    if version is None or version == current.version:
        return current, current.version
    row = session.scalar(
        select(Passport).where(Passport.passport_id == passport_id, Passport.version == version)
    )
    if row is None:
        raise NotFound(f"version: passport {passport_id} has no version {version}")
    return row, current.version


def read_passport(
    session: Session, actor: Actor | None, passport_id: uuid.UUID, version: int | None = None
) -> PassportOut:
    """The passport's current version (or ``version``) in the view the reader may see;
    ``actor`` ``None``: not signed in (the public view)."""
    with unit_of_work(session):
        row, current = _version(session, passport_id, version)
        view, access = reader_access(session, actor, row)
        return _out(row, view, access, current)


def passport_qr(session: Session, passport_id: uuid.UUID) -> bytes:
    """PNG of the QR code of the passport's public URL (public, like the URL itself)."""
    with unit_of_work(session):
        row, _ = _version(session, passport_id, None)
        return qr_png(row.document["publicUrl"])


class PassportQuery(ListQuery):
    status: Literal["issued", "superseded"] | None = Field(
        default=None, description="issued: current versions only"
    )
    unit_kind: Literal["unit", "batch"] | None = None
    calculation_id: uuid.UUID | None = None
    unit_identifier: str | None = Field(default=None, max_length=100)


def find_passports(
    session: Session, actor: Actor, filters: PassportQuery | None = None
) -> Page[PassportSummary]:
    """Every version of the passports the actor's organization issued, oldest first."""
    with unit_of_work(session):
        query = select(Passport).where(Passport.organization_id == actor.organization_id)
        if filters is not None:
            query = within(query, Passport.created_at, filters)
            for column, value in (
                (Passport.status, filters.status),
                (Passport.unit_kind, filters.unit_kind),
                (Passport.calculation_id, filters.calculation_id),
                (Passport.unit_identifier, filters.unit_identifier),
            ):
                if value is not None:
                    query = query.where(column == value)
        rows, total = paginate(session, query, filters, (Passport.created_at, Passport.id))
        return page_of([PassportSummary(**_summary(r, True)) for r in rows], total, filters)


def passports_of_calculation(
    session: Session, actor: Actor, calculation_id: uuid.UUID
) -> list[PassportSummary]:
    """The current passports the actor's organization issued from ``calculation_id``."""
    return find_passports(
        session, actor, PassportQuery(calculation_id=calculation_id, status="issued", limit=500)
    ).items
