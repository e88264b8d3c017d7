"""The way out of ``flagged`` and the revision of a dataset.

A dataset that failed the plausibility check is ``flagged``: kept, but never used in a
calculation. Its alert is resolved in one of three ways:

- the owner assigns a verifier organization to the alert (the alert goes ``in_review`` and that
  verifier may read the dataset's activity data); the verifier approves the figure
  (alert ``cleared``, dataset ``approved``) or rejects it (alert ``confirmed``, dataset
  ``rejected``);
- the owner approves it itself by adding new evidence and a note (alert ``explained``); the
  regulator's view shows how every alert was closed, so this path is visible to oversight;
- the owner revises the dataset (alert ``superseded``).

The assigned verifier must be another organization than the dataset's owner: an organization
holding both roles would otherwise put its own figure "in review" as if by a third party
(:class:`PermissionDenied`). Its own way out is the owner's, which the alert records as
``explained``; an owner's decision is never recorded as a verifier's ``cleared``. Once the owner
has put an alert in review, only the assigned verifier approves the figure: the owner may still
withdraw or revise it, but not approve it past the review it asked for.

A revision (any status but ``superseded``) stores a new dataset that ``supersedes`` the old one,
is checked again, and inherits the old one's active sharing grants; the old one becomes
``superseded``. Calculations made with the old figure keep it (they are immutable).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from batterycarbon.bounds import MAX_EVIDENCE_CHARS, MAX_EVIDENCE_REFERENCES
from batterycarbon.errors import InputError
from batterycarbon.services.context import Actor, audit, unit_of_work
from batterycarbon.services.dataset_input import DatasetIn
from batterycarbon.services.datasets import (
    AlertOut,
    DatasetOut,
    alert_out,
    dataset_out,
    dataset_problems,
    grant_access,
    store_dataset,
    visible_dataset,
)
from batterycarbon.services.errors import Conflict
from batterycarbon.services.evidence import evidence_problems
from batterycarbon.services.factor_releases import release_library
from batterycarbon.services.lookup import get_organization, get_visible
from batterycarbon.services.permissions import assigned_alert_reviewer, require, require_role
from batterycarbon.store import Alert
from batterycarbon.store.base import utcnow

OPEN_ALERT_STATES = ("open", "in_review")


class AlertAssignmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    verifier_org_id: uuid.UUID


class DatasetDecisionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "decision": "approve",
                    "note": "Metered plant electricity confirms the figure.",
                    "evidence": ["meter-readings-2023.pdf"],
                }
            ]
        },
    )

    decision: Literal["approve", "reject"]
    note: str = Field(min_length=3, max_length=5000)
    evidence: list[Annotated[str, Field(min_length=1, max_length=MAX_EVIDENCE_CHARS)]] = Field(
        default=[], max_length=MAX_EVIDENCE_REFERENCES, description="New evidence references"
    )


def _open_alerts(session: Session, dataset_id: uuid.UUID) -> list[Alert]:
    return list(
        session.scalars(
            select(Alert).where(
                Alert.subject_type == "dataset",
                Alert.subject_id == dataset_id,
                Alert.status.in_(OPEN_ALERT_STATES),
            )
        )
    )


def _resolve(session: Session, actor: Actor, alert: Alert, resolution: str, note: str) -> None:
    before = {"status": alert.status}
    alert.status, alert.resolution, alert.resolution_note = "resolved", resolution, note
    alert.resolved_by, alert.resolved_at = actor.label, utcnow()
    session.flush()
    audit(
        session,
        actor,
        "alert.resolved",
        "alert",
        alert.id,
        before=before,
        after={"resolution": resolution, "note": note},
    )


def assign_alert(
    session: Session, actor: Actor, alert_id: uuid.UUID, data: AlertAssignmentIn
) -> AlertOut:
    """The dataset's owner asks a verifier organization to review an open alert."""
    with unit_of_work(session):
        alert = get_visible(
            session,
            Alert,
            alert_id,
            f"alert {alert_id} not found",
            lambda row: row.organization_id == actor.organization_id,
        )
        require(alert.subject_type == "dataset", "only alerts about datasets are reviewed")
        if alert.status != "open":
            raise Conflict(f"alert {alert.id} is {alert.status}; only open alerts are assigned")
        verifier = get_organization(session, "verifier_org_id", data.verifier_org_id, "verifier")
        require(
            verifier.id != alert.organization_id,
            "verifier_org_id: an organization may not review its own dataset; assign an "
            "independent verifier, or approve it yourself with new evidence (recorded as "
            "explained)",
        )
        alert.status, alert.assigned_verifier_org_id = "in_review", verifier.id
        session.flush()
        audit(
            session,
            actor,
            "alert.assigned",
            "alert",
            alert.id,
            before={"status": "open"},
            after={"status": "in_review", "verifier_org_id": str(verifier.id)},
        )
        return alert_out(alert)


def decide_dataset(
    session: Session, actor: Actor, dataset_id: uuid.UUID, data: DatasetDecisionIn
) -> DatasetOut:
    """Approve or reject a flagged dataset: its assigned verifier, or its owner (approving needs
    new evidence; rejecting withdraws the figure)."""
    with unit_of_work(session):
        row, access = visible_dataset(session, actor, dataset_id)
        reviewer = access == "verifier" and assigned_alert_reviewer(session, actor, row)
        require(
            access == "owner" or reviewer,
            "only the dataset's owner or the verifier assigned to its alert decides it",
        )
        if row.status != "flagged":
            raise Conflict(f"dataset {row.id} is {row.status}; only flagged datasets are decided")
        if access == "owner" and data.decision == "approve":
            in_review = [a for a in _open_alerts(session, row.id) if a.status == "in_review"]
            require(
                not in_review,
                "decision: the alert is in review by the verifier you assigned; only that "
                "verifier approves the figure now (you may still withdraw or revise it)",
            )
            new = [ref for ref in data.evidence if ref not in row.evidence]
            if not new:
                raise InputError(
                    "decision",
                    [
                        "evidence: approving your own flagged figure needs at least one new evidence reference"
                    ],
                )
            row.evidence = [*row.evidence, *new]
        approve = data.decision == "approve"
        if approve:
            # An approved figure may be used in calculations: its rating must be backed.
            problems = evidence_problems(row.dqr, list(row.evidence))
            if problems:
                raise InputError("decision", problems)
        resolution = (
            ("cleared" if approve else "confirmed")
            if reviewer
            else ("explained" if approve else "withdrawn")
        )
        before = {"status": row.status}
        row.status = "approved" if approve else "rejected"
        session.flush()
        audit(
            session,
            actor,
            f"dataset.{row.status}",
            "dataset",
            row.id,
            before=before,
            after={"status": row.status, **data.model_dump()},
        )
        for alert in _open_alerts(session, row.id):
            _resolve(session, actor, alert, resolution, data.note)
        return dataset_out(session, row)


def revise_dataset(
    session: Session, actor: Actor, dataset_id: uuid.UUID, data: DatasetIn
) -> DatasetOut:
    """Store a revision of one of the actor's datasets (same flow); the old one is superseded."""
    with unit_of_work(session):
        require_role(actor, "supplier")
        old, access = visible_dataset(session, actor, dataset_id)
        require(access == "owner", "only the dataset's owner may revise it")
        if old.status == "superseded":
            raise Conflict(f"dataset {old.id} is already superseded; revise its newest revision")
        if data.flow != old.flow:
            raise InputError(
                "revision",
                [
                    f"flow: a revision keeps the flow {old.flow!r}; submit {data.flow!r} as a new dataset"
                ],
            )
        library = release_library(session, None)
        problems = dataset_problems(library, data, "")
        if problems:
            raise InputError("revision", problems)
        before = {"status": old.status}
        old.status = "superseded"
        session.flush()
        new = store_dataset(session, actor, library, data, supersedes_id=old.id)
        audit(
            session,
            actor,
            "dataset.superseded",
            "dataset",
            old.id,
            before=before,
            after={"status": "superseded", "superseded_by": str(new.id)},
        )
        for alert in _open_alerts(session, old.id):
            _resolve(session, actor, alert, "superseded", f"revised as dataset {new.id}")
        for grant in [g for g in old.grants if g.revoked_at is None]:
            grant_access(session, actor, new, grant.grantee_org_id)
        session.refresh(new)
        return dataset_out(session, new)
