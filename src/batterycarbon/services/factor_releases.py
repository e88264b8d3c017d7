"""Factor-library releases in the database: import the bundled ones, know the active one.

The factors themselves stay in the bundled data files (immutable, versioned); the database
records which releases exist, their content digest (so a changed file is noticed) and which one
is the default for new calculations.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from batterycarbon.errors import excerpt
from batterycarbon.factors import (
    DEFAULT_RELEASE,
    FactorLibrary,
    Release,
    bundled_release_ids,
    load_release,
)
from batterycarbon.services.context import SYSTEM, Actor, audit, unit_of_work
from batterycarbon.services.errors import Conflict
from batterycarbon.services.lookup import get_visible
from batterycarbon.services.paging import ListQuery, Page, page_of, paginate, within
from batterycarbon.services.permissions import require
from batterycarbon.store import FactorRelease
from batterycarbon.store.audit import canonical_json


class FactorReleaseOut(BaseModel):
    id: str
    title: str
    factor_count: int
    content_digest: str
    is_active: bool


def release_digest(release: Release) -> str:
    """SHA-256 of the release's factors in canonical JSON."""
    factors = {fid: f.model_dump(mode="json") for fid, f in sorted(release.factors.items())}
    return hashlib.sha256(canonical_json(factors).encode()).hexdigest()


@lru_cache(maxsize=8)
def library_for(release_id: str) -> FactorLibrary:
    """The (immutable, cached) library of a bundled release."""
    return FactorLibrary(load_release(release_id))


def _out(row: FactorRelease) -> FactorReleaseOut:
    return FactorReleaseOut(
        id=row.id,
        title=row.title,
        factor_count=row.factor_count,
        content_digest=row.content_digest,
        is_active=row.is_active,
    )


def import_bundled_releases(session: Session, actor: Actor = SYSTEM) -> list[FactorReleaseOut]:
    """Record every bundled release not yet in the database; activate the default if none is."""
    with unit_of_work(session):
        require(
            actor.is_admin or actor.has_role("regulator"),
            "only administrators and regulators manage factor releases",
        )
        known = {row.id: row for row in session.scalars(select(FactorRelease))}
        for release_id in bundled_release_ids():
            release = load_release(release_id)
            digest = release_digest(release)
            if release_id in known:
                if known[release_id].content_digest != digest:
                    raise Conflict(
                        f"bundled release {excerpt(release_id)} differs from the one imported "
                        "earlier; releases are immutable, publish a new release id instead"
                    )
                continue
            row = FactorRelease(
                id=release.id,
                title=release.title,
                published=release.published,
                factor_count=len(release.factors),
                content_digest=digest,
                is_active=False,
            )
            session.add(row)
            known[release_id] = row
            audit(
                session,
                actor,
                "factor_release.imported",
                "factor_release",
                release_id,
                after={"digest": digest},
            )
        session.flush()
        if not any(row.is_active for row in known.values()) and DEFAULT_RELEASE in known:
            known[DEFAULT_RELEASE].is_active = True
            audit(session, actor, "factor_release.activated", "factor_release", DEFAULT_RELEASE)
        return [_out(row) for row in sorted(known.values(), key=lambda r: r.id)]


def active_release_id(session: Session) -> str:
    """Id of the active release (call inside a transaction)."""
    release_id = session.scalar(select(FactorRelease.id).where(FactorRelease.is_active))
    if release_id is None:
        raise Conflict("no factor release is active; run 'batterycarbon db upgrade' first")
    return release_id


def release_library(session: Session, release_id: str | None) -> FactorLibrary:
    """The library of ``release_id`` (must be imported) or of the active release."""
    chosen = release_id or active_release_id(session)
    get_visible(
        session,
        FactorRelease,
        chosen,
        f"factor_release: {excerpt(chosen)} is not an imported release",
    )
    return library_for(chosen)


class ReleaseQuery(ListQuery):
    active: bool | None = Field(default=None, description="Only the active release (or the others)")


def find_releases(
    session: Session, actor: Actor, filters: ReleaseQuery | None = None
) -> Page[FactorReleaseOut]:
    """Imported releases by id (anyone authenticated: calculations name them)."""
    with unit_of_work(session):
        query = select(FactorRelease)
        if filters is not None:
            query = within(query, FactorRelease.created_at, filters)
            if filters.active is not None:
                query = query.where(FactorRelease.is_active == filters.active)
        rows, total = paginate(session, query, filters, (FactorRelease.id,))
        return page_of([_out(row) for row in rows], total, filters)


def list_releases(session: Session, actor: Actor) -> list[FactorReleaseOut]:
    return find_releases(session, actor).items


def activate_release(session: Session, actor: Actor, release_id: str) -> FactorReleaseOut:
    """Make ``release_id`` the default for new calculations (platform administrators)."""
    with unit_of_work(session):
        require(actor.is_admin, "only a platform administrator activates a factor release")
        row = get_visible(
            session,
            FactorRelease,
            release_id,
            f"release_id: {excerpt(release_id)} is not an imported release",
        )
        current = session.scalar(select(FactorRelease).where(FactorRelease.is_active))
        if current is not None and current.id != row.id:
            # Deactivate first and flush: the one-active partial unique index forbids two at once.
            current.is_active = False
            session.flush()
        row.is_active = True
        session.flush()
        audit(
            session,
            actor,
            "factor_release.activated",
            "factor_release",
            row.id,
            before={"active": current.id if current else None},
            after={"active": row.id},
        )
        return _out(row)
