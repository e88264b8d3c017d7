"""PACT v3 exchange as a host: stored calculations served as ProductFootprints, events received.

Which footprints a caller sees: the pack-level calculations its organization may read through
:func:`~batterycarbon.services.calculation_sharing.readable_calculation` (its own, one it was
asked to verify, or one a manufacturer shared with it as a customer, see
:mod:`~batterycarbon.services.calculation_sharing`; a footprint carries declared figures only).
:func:`_candidates` and :func:`visible_footprint` are the two places that decide it; they must
agree, and the second has the last word. A footprint's ``id`` is the calculation's id; it is rebuilt
from the calculation's stored inputs (design with the supplier figures used, factor release,
rule set), checked against the stored total, and exported by
:func:`~batterycarbon.compliance.pact_v3.to_product_footprint_v3`.

Identifiers: ``companyIds`` = ``urn:uuid:<organization id>``, ``productIds`` =
``urn:uuid:<product id>`` (RFC 4122 URN namespace), so the list filters ``productId`` and
``companyId`` of the specification map to database ids.

References
----------
WBCSD PACT, Technical Specifications for PCF Data Exchange, version 3.0: REST API (Action
ListFootprints, Filtering, Pagination, Action GetFootprint, Action Events, error responses);
repository wbcsd/data-exchange-protocol, spec/v3/openapi.yaml and spec/v3/rest-api.md.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session

from batterycarbon.battery.design import read_stored_design
from batterycarbon.compliance.inputs import use_profile_for
from batterycarbon.compliance.pact_v3 import CPC_URN, to_product_footprint_v3
from batterycarbon.compliance.standards import account
from batterycarbon.errors import BatteryCarbonError, InputError, excerpt
from batterycarbon.services.calculation_sharing import readable_calculation
from batterycarbon.services.calculations import product_of
from batterycarbon.services.context import Actor, audit, joined_work, unit_of_work
from batterycarbon.services.errors import NotFound
from batterycarbon.services.factor_releases import release_library
from batterycarbon.services.pact_client import PulledFootprint, import_footprints
from batterycarbon.services.paging import json_text
from batterycarbon.store import (
    Calculation,
    CalculationGrant,
    DesignVersion,
    Organization,
    Verification,
)
from batterycarbon.text import problem_lines

#: Largest page served; a larger ``limit`` gets this many and a ``next`` link (the
#: specification lets a host return fewer footprints than asked for).
MAX_PAGE = 50
#: Relative difference allowed between a recomputed total and the stored one (both come from
#: the same inputs, so they agree to rounding; anything more means the engine changed).
RECOMPUTE_RTOL = 1e-9
URN_UUID = "urn:uuid:"

#: CloudEvent types of the v3 events (openapi.yaml) and the names the PACT conformance service
#: sends for the same events.
REQUEST_CREATED = {
    "org.wbcsd.pathfinder.ProductFootprintRequest.Created.v1",
    "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3",
}
PUBLISHED = {
    "org.wbcsd.pathfinder.ProductFootprint.Published.v1",
    "org.wbcsd.pact.ProductFootprint.PublishedEvent.3",
}
FULFILLED = {
    "org.wbcsd.pathfinder.ProductFootprintRequest.Fulfilled.v1",
    "org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3",
}
REJECTED = {
    "org.wbcsd.pathfinder.ProductFootprintRequest.Rejected.v1",
    "org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3",
}
CRITERIA_LISTS = ("productId", "companyId", "geography", "classification")
CRITERIA_DATES = ("validOn", "validAfter", "validBefore")
STATUSES = ("Active", "Deprecated")


class NotImplementedCriterion(BatteryCarbonError):
    """A filter or event the host does not implement (PACT error code ``NotImplemented``)."""


class RecomputationMismatch(BatteryCarbonError):
    """A stored calculation no longer recomputes to its stored total (engine changed)."""


@dataclass(frozen=True)
class FootprintCriteria:
    """The v3 filter criteria (lists match any of their values; all given criteria must hold)."""

    product_ids: tuple[str, ...] = ()
    company_ids: tuple[str, ...] = ()
    geography: tuple[str, ...] = ()
    classification: tuple[str, ...] = ()
    status: str | None = None
    unsupported: tuple[str, ...] = field(default=())

    @classmethod
    def parse(cls, values: dict[str, list[str]], source: str = "criteria") -> FootprintCriteria:
        """Criteria from query parameters or a RequestCreated event's ``data`` (lists of
        strings per name). :class:`InputError` names each bad value; a validity-date criterion
        is recorded in ``unsupported`` (footprints here carry no validity period)."""
        problems = []
        for name in ("productId", "companyId", "classification"):
            for value in values.get(name, []):
                if not value.lower().startswith("urn:"):
                    problems.append(f"{name}: {excerpt(value)} is not a URN (expected urn:...)")
        for value in values.get("geography", []):
            if not value.strip():
                problems.append("geography: empty value (expected a region or ISO 3166 code)")
        statuses = values.get("status", [])
        if len(statuses) > 1 or any(s not in STATUSES for s in statuses):
            problems.append(f"status: {excerpt(statuses)}: expected one of {', '.join(STATUSES)}")
        if problems:
            raise InputError(source, problems)
        return cls(
            product_ids=tuple(values.get("productId", [])),
            company_ids=tuple(values.get("companyId", [])),
            geography=tuple(values.get("geography", [])),
            classification=tuple(values.get("classification", [])),
            status=statuses[0] if statuses else None,
            unsupported=tuple(n for n in CRITERIA_DATES if values.get(n)),
        )


def _uuids(urns: tuple[str, ...]) -> list[uuid.UUID]:
    """The UUIDs of the ``urn:uuid:`` values (others name nothing here, so match nothing)."""
    found = []
    for urn in urns:
        if urn.lower().startswith(URN_UUID):
            try:
                found.append(uuid.UUID(urn[len(URN_UUID) :]))
            except ValueError:
                continue
    return found


def _candidates(actor: Actor, criteria: FootprintCriteria) -> Any:
    """Pack-level calculations the actor's organization owns, was asked to verify or was shared
    as a customer (an active grant), filtered."""
    shared = select(CalculationGrant.calculation_id).where(
        CalculationGrant.grantee_org_id == actor.organization_id,
        CalculationGrant.revoked_at.is_(None),
    )
    visible = or_(Calculation.organization_id == actor.organization_id, Calculation.id.in_(shared))
    if actor.has_role("verifier"):
        assigned = select(Verification.calculation_id).where(
            Verification.verifier_org_id == actor.organization_id
        )
        visible = or_(visible, Calculation.id.in_(assigned))
    query = select(Calculation).where(visible, json_text(Calculation.inputs, "level") == "pack")
    if criteria.product_ids:
        versions = select(DesignVersion.id).where(
            DesignVersion.product_id.in_(_uuids(criteria.product_ids))
        )
        query = query.where(Calculation.design_version_id.in_(versions))
    if criteria.company_ids:
        query = query.where(Calculation.organization_id.in_(_uuids(criteria.company_ids)))
    if criteria.geography:
        cell_plant = json_text(Calculation.inputs, "design", "plants", "cell")
        query = query.where(cell_plant.in_([g.upper() for g in criteria.geography]))
    if criteria.classification and CPC_URN not in criteria.classification:
        query = query.where(false())
    if criteria.status == "Deprecated":  # a stored calculation is never deprecated
        query = query.where(false())
    return query.order_by(Calculation.created_at, Calculation.id)


def visible_footprint(session: Session, actor: Actor, calculation_id: uuid.UUID) -> Calculation:
    """The calculation behind footprint ``calculation_id`` if the actor may read it as a
    footprint (maker, verifier, or a customer with an active grant); :class:`NotFound` if not."""
    return readable_calculation(session, actor, calculation_id)[0]


def product_footprint(session: Session, calculation: Calculation) -> dict[str, Any]:
    """The v3 ProductFootprint of a stored pack-level calculation (id = calculation id)."""
    inputs = calculation.inputs
    design = read_stored_design(inputs["design"])
    library = release_library(session, calculation.factor_release_id)
    result = account(design, library, calculation.rule_set, None, use_profile_for(design))
    stored, recomputed = calculation.total_kgco2e_per_kwh, result.footprint.total_kgco2e_per_kwh
    if not math.isclose(recomputed, stored, rel_tol=RECOMPUTE_RTOL):
        raise RecomputationMismatch(
            f"calculation {calculation.id}: recomputed {recomputed!r} kg CO2e/kWh, stored "
            f"{stored!r}; recalculate it with this software version before exchanging it"
        )
    owner = session.get_one(Organization, calculation.organization_id)
    product = product_of(session, calculation)
    created = calculation.created_at.replace(microsecond=0)
    return to_product_footprint_v3(
        result,
        library,
        company_name=owner.name,
        company_ids=[f"{URN_UUID}{owner.id}"],
        product_ids=[f"{URN_UUID}{product.id}"],
        product_name=product.name,
        created=created if created.tzinfo else created.replace(tzinfo=dt.UTC),
        footprint_id=calculation.id,
        graphite_anode=design.anode_material != "lithium_metal",
    )


@dataclass(frozen=True)
class FootprintPage:
    """One page of footprints and whether more follow (for the ``Link: rel="next"`` header)."""

    footprints: list[dict[str, Any]]
    has_more: bool


def list_footprints(
    session: Session, actor: Actor, criteria: FootprintCriteria, limit: int, offset: int
) -> FootprintPage:
    """Footprints the actor may see matching ``criteria``, oldest first, at most ``limit``."""
    if criteria.unsupported:
        raise NotImplementedCriterion(
            f"{', '.join(criteria.unsupported)}: footprints here declare no validity period, "
            "so this filter is not implemented"
        )
    if limit < 1 or offset < 0:
        raise InputError("list footprints", ["limit: must be a positive integer"] if limit < 1 else ["offset: must be 0 or more"])  # fmt: skip
    size = min(limit, MAX_PAGE)
    with unit_of_work(session):
        query = _candidates(actor, criteria).offset(offset).limit(size + 1)
        rows = list(session.scalars(query))
        # The candidate query and the permission check must agree; the check has the last word.
        shown = [visible_footprint(session, actor, row.id) for row in rows[:size]]
        return FootprintPage([product_footprint(session, row) for row in shown], len(rows) > size)


def get_footprint(session: Session, actor: Actor, footprint_id: uuid.UUID) -> dict[str, Any]:
    """The footprint of calculation ``footprint_id``; :class:`NotFound` if not visible."""
    with unit_of_work(session):
        row = visible_footprint(session, actor, footprint_id)
        if row.inputs.get("level") != "pack":
            raise NotFound(f"footprint {footprint_id}: a cell-level calculation, not a pack footprint")  # fmt: skip
        return product_footprint(session, row)


def _strings(value: Any, where: str, problems: list[str]) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"{where}: {excerpt(value)} is not a list of strings")
        return []
    return list(value)


def receive_event(session: Session, actor: Actor, event: Any) -> str:
    """Check a CloudEvent sent to ``/3/events`` and record it in the audit log; its kind.

    A RequestCreated event's criteria are validated like the list filters; a Published
    event must list the footprint ids; a Rejected event must carry ``requestEventId`` and an
    error response. A Fulfilled event's footprints (``data.pfs``, at least one) are stored as
    supplier datasets of the sender's organization by
    :func:`~batterycarbon.services.pact_client.import_footprints`, all or none, in the same
    transaction as the audit event. No request inbox or outbound event sender exists yet, so
    ``requestEventId`` is recorded, not matched, and no response event is sent back.
    """
    if not isinstance(event, dict):
        raise InputError("event", ["(body): expected a JSON object (a CloudEvent)"])
    # Read from the raw body, so the API's check of request text has not seen it (text.py).
    text_problems = problem_lines(event)
    if text_problems:
        raise InputError("event", text_problems)
    problems = [
        f"{key}: required" for key in ("type", "specversion", "id", "source", "time", "data")
        if key not in event
    ]  # fmt: skip
    for key in ("type", "specversion", "id", "source", "time"):
        if key in event and not (isinstance(event[key], str) and event[key]):
            problems.append(f"{key}: {excerpt(event[key])} is not a non-empty string")
    if "specversion" in event and event["specversion"] != "1.0":
        problems.append(
            f"specversion: {excerpt(event['specversion'])}: expected '1.0' (CloudEvents)"
        )
    if isinstance(event.get("time"), str):
        try:
            dt.datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
        except ValueError:
            problems.append(f"time: {excerpt(event['time'])} is not an RFC 3339 date-time")
    data = event.get("data")
    if "data" in event and not isinstance(data, dict):
        problems.append(f"data: {excerpt(data)} is not a JSON object")
    if problems:
        raise InputError("event", problems)
    assert isinstance(data, dict)
    kind = str(event["type"])
    summary: dict[str, Any]
    if kind in REQUEST_CREATED:
        # The v3 text puts the criteria in ``data``; older examples nest them in ``data.pf``
        # with the ProductFootprint's plural names.
        pf = data.get("pf")
        fragment: dict[str, Any] = pf if isinstance(pf, dict) else {}
        raw = {
            name: data.get(name, fragment.get(f"{name}s"))
            for name in (*CRITERIA_LISTS, *CRITERIA_DATES, "status")
        }
        values: dict[str, list[str]] = {}
        for name, value in raw.items():
            if value is None:
                continue
            where = f"data.{name}"
            values[name] = [value] if name in (*CRITERIA_DATES, "status") and isinstance(value, str) else _strings(value, where, problems)  # fmt: skip
        if "comment" in data and not isinstance(data["comment"], str):
            problems.append(f"data.comment: {excerpt(data['comment'])} is not a string")
        if problems:
            raise InputError("event", problems)
        FootprintCriteria.parse(values, "event")  # the same checks as the list filters
        summary = {"criteria": {k: v for k, v in values.items() if v}, "comment": data.get("comment")}  # fmt: skip
        action = "pact.request_received"
    elif kind in PUBLISHED:
        ids = _strings(data.get("pfIds"), "data.pfIds", problems)
        if not problems and not ids:
            problems.append("data.pfIds: must list at least one footprint id")
        if problems:
            raise InputError("event", problems)
        summary = {"pfIds": ids}
        action = "pact.published_received"
    elif kind in FULFILLED or kind in REJECTED:
        request_id = data.get("requestEventId")
        if not (isinstance(request_id, str) and request_id):
            problems.append(f"data.requestEventId: {excerpt(request_id)} is not a non-empty string")
        if kind in FULFILLED:
            return _receive_fulfilled(session, actor, event, data, problems)
        error = data.get("error")
        if not (isinstance(error, dict) and all(isinstance(error.get(k), str) and error.get(k) for k in ("code", "message"))):  # fmt: skip
            problems.append(
                f"data.error: {excerpt(error)} is not an error response {{'code', 'message'}}"
            )
        if problems:
            raise InputError("event", problems)
        assert isinstance(error, dict)
        summary = {"requestEventId": request_id, "error": {"code": error["code"], "message": error["message"]}}  # fmt: skip
        action = "pact.request_rejected_received"
    else:
        raise InputError("event", [f"type: {excerpt(kind)} is not a PACT v3 event type"])
    with unit_of_work(session):
        audit(
            session, actor, action, "pact_event", event["id"],
            after={"type": kind, "source": event["source"], "time": event["time"], **summary},
        )  # fmt: skip
    return kind


def _receive_fulfilled(
    session: Session, actor: Actor, event: dict[str, Any], data: dict[str, Any], problems: list[str]
) -> str:
    """A RequestFulfilled event: its footprints become supplier datasets of the sender's
    organization (each must belong to it), audited as ``pact.request_fulfilled_received``."""
    pfs = data.get("pfs")
    if not isinstance(pfs, list) or not pfs:
        problems.append(
            f"data.pfs: {'must list at least one ProductFootprint' if isinstance(pfs, list) else f'{excerpt(pfs)} is not a list of ProductFootprints'}"
        )
    if problems:
        raise InputError("event", problems)
    assert isinstance(pfs, list)
    reference = f"event {event['id']} from {event['source']}"
    received = [PulledFootprint(reference, pf) for pf in pfs]
    with unit_of_work(session), joined_work(session):
        organization = session.get(Organization, actor.organization_id) if actor.organization_id else None  # fmt: skip
        if organization is None:
            raise InputError("event", ["data.pfs: the sender belongs to no organization"])
        report = import_footprints(
            session, received, organization=organization, actor_for=lambda _: actor,
            source="event",
        )  # fmt: skip
        audit(
            session, actor, "pact.request_fulfilled_received", "pact_event", event["id"],
            after={
                "type": event["type"], "source": event["source"], "time": event["time"],
                "requestEventId": data["requestEventId"],
                "datasets": [{"footprint_id": d.footprint_id, "dataset_id": str(d.dataset_id), "status": d.status} for d in report.datasets],
            },
        )  # fmt: skip
    return str(event["type"])
