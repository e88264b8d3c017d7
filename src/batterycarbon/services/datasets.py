"""Supplier datasets: submit (JSON or CSV), read as the actor may, share and revoke, alerts.

Confidentiality: the owner sees everything; the verifier assigned to an open review of a
calculation that used the dataset sees everything; an organization it was shared with sees the
figure only (:class:`SharedFigureOut`); anyone else gets :class:`NotFound`.
"""

from __future__ import annotations

import difflib
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from batterycarbon.errors import InputError, excerpt
from batterycarbon.factors import FactorLibrary
from batterycarbon.services.calculations import is_material_factor
from batterycarbon.services.context import Actor, audit, unit_of_work
from batterycarbon.services.dataset_input import (
    DatasetIn,
    ReadDataset,
    listed,
    parse_dataset_csv,
    validate_fields,
)
from batterycarbon.services.errors import Conflict, NotFound
from batterycarbon.services.evidence import evidence_problems
from batterycarbon.services.factor_releases import release_library
from batterycarbon.services.lookup import get_organization, get_with_access
from batterycarbon.services.paging import ListQuery, Page, count_of, page_of, paginate, within
from batterycarbon.services.permissions import dataset_access, require, require_role
from batterycarbon.services.plausibility import check_plausibility
from batterycarbon.store import Alert, Organization, SharingGrant, SupplierDataset
from batterycarbon.store.base import utcnow
from batterycarbon.store.locks import serialize
from batterycarbon.units import conversion_factor


class AlertOut(BaseModel):
    id: uuid.UUID
    kind: str
    subject_type: str
    subject_id: uuid.UUID
    organization_id: uuid.UUID
    message: str
    observed: float | None
    expected_min: float | None
    expected_max: float | None
    unit: str | None
    status: str
    assigned_verifier_org_id: uuid.UUID | None
    resolution: str | None
    resolution_note: str | None
    resolved_at: datetime | None
    created_at: datetime


class DatasetOut(BaseModel):
    """Everything about a dataset: for its owner and its assigned verifier only."""

    id: uuid.UUID
    owner_org_id: uuid.UUID
    flow: str
    value: float
    unit: str
    region: str
    year: int
    dqr: float
    evidence: list[str]
    activity_data: dict[str, float | str]
    status: str
    supersedes_id: uuid.UUID | None
    shared_with: list[uuid.UUID]
    alerts: list[AlertOut]
    created_at: datetime


class SharedFigureOut(BaseModel):
    """What an organization a dataset was shared with sees: the figure, not the data behind it."""

    id: uuid.UUID
    supplier_org_id: uuid.UUID
    supplier: str
    flow: str
    value: float
    unit: str
    region: str
    year: int
    dqr: float
    status: str


class DatasetListing(BaseModel):
    own: list[DatasetOut]
    shared_with_me: list[SharedFigureOut]


class GrantIn(BaseModel):
    organization_id: uuid.UUID


class GrantOut(BaseModel):
    dataset_id: uuid.UUID
    grantee_org_id: uuid.UUID
    created_at: datetime
    revoked_at: datetime | None


def alert_out(alert: Alert) -> AlertOut:
    return AlertOut.model_validate(alert, from_attributes=True)


def dataset_out(session: Session, row: SupplierDataset) -> DatasetOut:
    alerts = session.scalars(
        select(Alert).where(Alert.subject_type == "dataset", Alert.subject_id == row.id)
    ).all()
    return DatasetOut(
        id=row.id,
        owner_org_id=row.owner_org_id,
        flow=row.flow,
        value=row.value,
        unit=row.unit,
        region=row.region,
        year=row.year,
        dqr=row.dqr,
        evidence=list(row.evidence),
        activity_data=dict(row.activity_data),
        status=row.status,
        supersedes_id=row.supersedes_id,
        shared_with=[g.grantee_org_id for g in row.grants if g.revoked_at is None],
        alerts=[alert_out(a) for a in alerts],
        created_at=row.created_at,
    )


def _figure(session: Session, row: SupplierDataset) -> SharedFigureOut:
    owner = session.get(Organization, row.owner_org_id)
    return SharedFigureOut(
        id=row.id,
        supplier_org_id=row.owner_org_id,
        supplier=owner.name if owner else "?",
        flow=row.flow,
        value=row.value,
        unit=row.unit,
        region=row.region,
        year=row.year,
        dqr=row.dqr,
        status=row.status,
    )


def dataset_problems(library: FactorLibrary, data: ReadDataset, where: str) -> list[str]:
    """Everything wrong with a dataset before it is stored, beyond its model: what the library
    says (:func:`library_problems`) and evidence its rating needs (``services.evidence``).
    ``data`` may be only the valid fields of a dataset the model refused: each check runs
    where the fields it needs are valid, so every problem is listed at once."""
    fields = data.model_dump() if isinstance(data, DatasetIn) else data
    problems = library_problems(library, fields, where)
    if "dqr" in fields and "evidence" in fields:
        problems += evidence_problems(fields["dqr"], fields["evidence"], where)
    return problems


def _flow_unit(library: FactorLibrary, flow: str) -> str:
    """The unit of ``flow``'s factors (a flow given only for some countries, e.g. a lithium
    route's, has no global row to resolve)."""
    return next(f.unit for f in library.release.factors.values() if f.flow == flow)


def supplier_flows(library: FactorLibrary) -> list[tuple[str, str]]:
    """(flow, factor unit) of every material flow of the release, sorted by flow."""
    units = {f.flow: f.unit for f in library.release.factors.values()}
    flows = []
    for flow in sorted(library.flows):
        unit = units[flow]
        if is_material_factor(unit):
            flows.append((flow, unit))
    return flows


def supplier_flow_problem(library: FactorLibrary, flow: str, where: str = "") -> str | None:
    """Why no supplier can give a figure for ``flow`` in ``library``: not a flow of the release
    (naming the closest material flows), or not a material; ``None`` if one can."""
    if flow not in library.flows:
        close = difflib.get_close_matches(flow, [f for f, _ in supplier_flows(library)], n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else " (the template lists them)"
        release = library.release_id
        return f"{where}flow: {excerpt(flow)} is not a flow of factor release {release}{hint}"
    unit = _flow_unit(library, flow)
    if not is_material_factor(unit):
        return (
            f"{where}flow: {excerpt(flow)} is not a material (its factor is in {unit!r}); "
            "supplier datasets are per kg of material"
        )
    return None


def library_problems(library: FactorLibrary, fields: Mapping[str, Any], where: str) -> list[str]:
    """What the library says is wrong with a dataset's (valid) ``fields``: a flow no supplier
    can give (:func:`supplier_flow_problem`), a unit that does not convert to its factor's."""
    if "flow" not in fields:
        return []
    flow_problem = supplier_flow_problem(library, fields["flow"], where)
    if flow_problem is not None:
        return [flow_problem]
    if "unit" not in fields:
        return []
    factor_unit = _flow_unit(library, fields["flow"])
    try:
        conversion_factor(fields["unit"], factor_unit)
    except ValueError:
        unit, flow = excerpt(fields["unit"]), fields["flow"]
        return [f"{where}unit: {unit} does not convert to {factor_unit!r} (flow {flow})"]
    return []


def store_dataset(
    session: Session,
    actor: Actor,
    library: FactorLibrary,
    data: DatasetIn,
    supersedes_id: uuid.UUID | None = None,
) -> SupplierDataset:
    """Store one validated dataset (a revision of ``supersedes_id`` if given), run the
    plausibility check, raise an alert if needed."""
    assert actor.organization_id is not None
    verdict = check_plausibility(
        library,
        data.flow,
        data.region,
        data.year,
        data.value * conversion_factor(data.unit, _flow_unit(library, data.flow)),
    )
    row = SupplierDataset(
        owner_org_id=actor.organization_id,
        submitted_by=actor.user_id,
        supersedes_id=supersedes_id,
        status="approved" if verdict is None or verdict.plausible else "flagged",
        **data.model_dump(mode="json"),
    )
    session.add(row)
    session.flush()
    audit(
        session, actor, "dataset.submitted", "dataset", row.id, after=data.model_dump(mode="json")
    )
    if verdict is not None and not verdict.plausible:
        alert = Alert(
            kind="plausibility",
            subject_type="dataset",
            subject_id=row.id,
            organization_id=actor.organization_id,
            message=verdict.message,
            observed=verdict.observed,
            expected_min=verdict.expected_min,
            expected_max=verdict.expected_max,
            unit=verdict.unit,
            status="open",
        )
        session.add(alert)
        session.flush()
        audit(session, actor, "alert.raised", "alert", alert.id, after=verdict.message)
    return row


def submit_dataset(session: Session, actor: Actor, data: DatasetIn) -> DatasetOut:
    """Store one dataset of the actor's (supplier) organization, checked against the library."""
    with unit_of_work(session):
        require_role(actor, "supplier")
        library = release_library(session, None)
        problems = dataset_problems(library, data, "")
        if problems:
            raise InputError("dataset", problems)
        return dataset_out(session, store_dataset(session, actor, library, data))


def submit_datasets_csv(session: Session, actor: Actor, text: str) -> list[DatasetOut]:
    """Store every row of a CSV upload, or none: any bad row rejects the whole upload and the
    :class:`InputError` lists every bad row and field."""
    return submit_table(session, actor, "CSV upload", lambda: parse_dataset_csv(text))


def submit_table(
    session: Session,
    actor: Actor,
    source: str,
    parse: Callable[[], tuple[list[tuple[int, ReadDataset]], list[str]]],
) -> list[DatasetOut]:
    """Store every row ``parse`` reads (line, dataset), or none if any row has a problem; the
    :class:`InputError` lists every problem of every row (:func:`listed`: bounded, by row)."""
    with unit_of_work(session):
        require_role(actor, "supplier")
        library = release_library(session, None)
        rows, problems = parse()
        for line, data in rows:
            problems.extend(dataset_problems(library, data, f"row {line}, "))
        if problems:
            raise InputError(source, listed(problems))
        datasets = [data for _, data in rows if isinstance(data, DatasetIn)]
        stored = [store_dataset(session, actor, library, data) for data in datasets]
        return [dataset_out(session, row) for row in stored]


def submit_dataset_document(session: Session, actor: Actor, document: Any) -> DatasetOut:
    """Store one dataset given as a document (an uploaded JSON object), as
    :func:`submit_dataset` does; the :class:`InputError` lists the model's and the library's
    problems at once."""
    if not isinstance(document, dict):
        raise InputError("dataset", ["(document): expected one JSON dataset object"])
    with unit_of_work(session):
        require_role(actor, "supplier")
        library = release_library(session, None)
        problems: list[str] = []
        data = validate_fields(document, "", problems)
        problems.extend(dataset_problems(library, data, ""))
        if problems or not isinstance(data, DatasetIn):
            raise InputError("dataset", listed(problems))
        return dataset_out(session, store_dataset(session, actor, library, data))


def visible_dataset(
    session: Session, actor: Actor, dataset_id: uuid.UUID
) -> tuple[SupplierDataset, str]:
    return get_with_access(
        session,
        SupplierDataset,
        dataset_id,
        f"dataset {dataset_id} not found",
        lambda row: dataset_access(session, actor, row),
    )


def get_dataset(
    session: Session, actor: Actor, dataset_id: uuid.UUID
) -> DatasetOut | SharedFigureOut:
    with unit_of_work(session):
        row, access = visible_dataset(session, actor, dataset_id)
        return _figure(session, row) if access == "grantee" else dataset_out(session, row)


class DatasetQuery(ListQuery):
    scope: Literal["all", "own", "shared"] = Field(
        default="all", description="Own datasets, figures shared with you, or both (own first)"
    )
    status: Literal["approved", "flagged", "rejected", "superseded"] | None = None
    flow: str | None = Field(default=None, max_length=100, examples=["cam_ncm811"])
    region: str | None = Field(default=None, max_length=10, examples=["KR"])
    year: int | None = Field(default=None, ge=1990, le=2100)
    organization_id: uuid.UUID | None = Field(default=None, description="Owner (supplier)")


def _dataset_filters(query: Any, filters: DatasetQuery | None) -> Any:
    if filters is None:
        return query
    query = within(query, SupplierDataset.created_at, filters)
    for column, wanted in (
        (SupplierDataset.status, filters.status),
        (SupplierDataset.flow, filters.flow),
        (SupplierDataset.region, filters.region),
        (SupplierDataset.year, filters.year),
        (SupplierDataset.owner_org_id, filters.organization_id),
    ):
        if wanted is not None:
            query = query.where(column == wanted)
    return query


def find_datasets(
    session: Session, actor: Actor, filters: DatasetQuery | None = None
) -> tuple[DatasetListing, int]:
    """The actor's organization's own datasets in full, then the figures shared with it, oldest
    first; one page over both lists, and the total of both."""
    scope = filters.scope if filters is not None else "all"
    order = (SupplierDataset.created_at, SupplierDataset.id)
    own_query = _dataset_filters(
        select(SupplierDataset).where(SupplierDataset.owner_org_id == actor.organization_id),
        filters,
    )
    shared_query = _dataset_filters(
        select(SupplierDataset)
        .join(SharingGrant, SharingGrant.dataset_id == SupplierDataset.id)
        .where(SharingGrant.grantee_org_id == actor.organization_id)
        .where(SharingGrant.revoked_at.is_(None)),
        filters,
    )
    with unit_of_work(session):
        own_total = count_of(session, own_query) if scope != "shared" else 0
        shared_total = count_of(session, shared_query) if scope != "own" else 0
        offset, limit = (filters.offset, filters.limit) if filters is not None else (0, None)
        own: list[SupplierDataset] = []
        if scope != "shared" and offset < own_total:
            own = list(session.scalars(own_query.order_by(*order).offset(offset).limit(limit)))
        shared: list[SupplierDataset] = []
        room = None if limit is None else limit - len(own)
        if scope != "own" and (room is None or room > 0):
            skip = max(0, offset - own_total)
            shared = list(session.scalars(shared_query.order_by(*order).offset(skip).limit(room)))
        listing = DatasetListing(
            own=[dataset_out(session, r) for r in own],
            shared_with_me=[_figure(session, r) for r in shared],
        )
        return listing, own_total + shared_total


def list_datasets(session: Session, actor: Actor) -> DatasetListing:
    """The actor's organization's own datasets in full, and the figures shared with it."""
    return find_datasets(session, actor)[0]


def _grant_out(grant: SharingGrant) -> GrantOut:
    return GrantOut(
        dataset_id=grant.dataset_id,
        grantee_org_id=grant.grantee_org_id,
        created_at=grant.created_at,
        revoked_at=grant.revoked_at,
    )


def _active_grant(
    session: Session, dataset_id: uuid.UUID, org_id: uuid.UUID
) -> SharingGrant | None:
    return session.scalar(
        select(SharingGrant).where(
            SharingGrant.dataset_id == dataset_id,
            SharingGrant.grantee_org_id == org_id,
            SharingGrant.revoked_at.is_(None),
        )
    )


def share_dataset(session: Session, actor: Actor, dataset_id: uuid.UUID, data: GrantIn) -> GrantOut:
    """Let another organization see and use this dataset's figure (owner only; idempotent)."""
    with unit_of_work(session):
        row, access = visible_dataset(session, actor, dataset_id)
        require(access == "owner", "only the dataset's owner may share it")
        if data.organization_id == row.owner_org_id:
            raise Conflict("organization_id: a dataset cannot be shared with its owner")
        get_organization(session, "organization_id", data.organization_id)
        return _grant_out(grant_access(session, actor, row, data.organization_id))


def grant_access(
    session: Session, actor: Actor, row: SupplierDataset, organization_id: uuid.UUID
) -> SharingGrant:
    """The active grant of ``row`` to ``organization_id``, made (and audited) if there is none.
    The caller has checked that ``actor`` owns ``row``. Identical grants made at once wait for
    each other, so the second finds the first's (one active grant per pair, one audit event)."""
    serialize(session, f"dataset-grant:{row.id}:{organization_id}")
    existing = _active_grant(session, row.id, organization_id)
    if existing is not None:
        return existing
    grant = SharingGrant(
        dataset_id=row.id, grantee_org_id=organization_id, granted_by=actor.user_id
    )
    session.add(grant)
    session.flush()
    audit(
        session,
        actor,
        "dataset.shared",
        "dataset",
        row.id,
        after={"grantee_org_id": str(organization_id)},
    )
    return grant


def revoke_share(
    session: Session, actor: Actor, dataset_id: uuid.UUID, organization_id: uuid.UUID
) -> GrantOut:
    """End a grant; calculations already made keep the figure they used (they are immutable)."""
    with unit_of_work(session):
        row, access = visible_dataset(session, actor, dataset_id)
        require(access == "owner", "only the dataset's owner may revoke its sharing")
        grant = _active_grant(session, row.id, organization_id)
        if grant is None:
            raise NotFound(f"dataset {dataset_id} is not shared with {organization_id}")
        grant.revoked_at = utcnow()
        session.flush()
        audit(
            session,
            actor,
            "dataset.share_revoked",
            "dataset",
            row.id,
            before={"grantee_org_id": str(organization_id)},
        )
        return _grant_out(grant)


class AlertQuery(ListQuery):
    status: Literal["open", "in_review", "resolved"] | None = None
    kind: str | None = Field(default=None, max_length=40, examples=["plausibility"])
    organization_id: uuid.UUID | None = Field(default=None, description="Owner of the data")


def find_alerts(
    session: Session, actor: Actor, filters: AlertQuery | None = None
) -> Page[AlertOut]:
    """Alerts about the actor's organization's data; regulators and administrators see all."""
    with unit_of_work(session):
        query = select(Alert)
        if not (actor.is_admin or actor.has_role("regulator")):
            query = query.where(or_(Alert.organization_id == actor.organization_id))
        if filters is not None:
            query = within(query, Alert.created_at, filters)
            for column, wanted in (
                (Alert.status, filters.status),
                (Alert.kind, filters.kind),
                (Alert.organization_id, filters.organization_id),
            ):
                if wanted is not None:
                    query = query.where(column == wanted)
        rows, total = paginate(session, query, filters, (Alert.created_at, Alert.id))
        return page_of([alert_out(a) for a in rows], total, filters)


def list_alerts(session: Session, actor: Actor) -> list[AlertOut]:
    return find_alerts(session, actor).items
