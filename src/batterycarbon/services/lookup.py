"""One record by id, as the actor may know it: the record, or :class:`NotFound`.

A record the actor may not see gets the same answer, with the same message, as one that does
not exist, so that trying ids tells nobody whether another organization's record is there.
Each caller names what was not found in its message (``"calculation_id: calculation <id> not
found"``), the field first when the id came from a request's body.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from batterycarbon.services.errors import NotFound
from batterycarbon.store import Organization

Record = TypeVar("Record")
Access = TypeVar("Access")


def get_visible(
    session: Session,
    model: type[Record],
    ident: Any,
    not_found: str,
    visible: Callable[[Record], bool] = lambda _: True,
) -> Record:
    """The ``model`` row ``ident`` if it exists and ``visible(row)``; :class:`NotFound` with the
    message ``not_found`` otherwise."""
    row = session.get(model, ident)
    if row is None or not visible(row):
        raise NotFound(not_found)
    return row


def get_with_access(
    session: Session,
    model: type[Record],
    ident: Any,
    not_found: str,
    access: Callable[[Record], Access | None],
) -> tuple[Record, Access]:
    """The row and how the actor may use it (``access(row)``, ``None`` meaning not at all, as
    :func:`~batterycarbon.services.permissions.calculation_access` answers); :class:`NotFound`
    with the message ``not_found`` for no row or no access."""
    row = get_visible(session, model, ident, not_found)
    granted = access(row)
    if granted is None:
        raise NotFound(not_found)
    return row, granted


def get_organization(
    session: Session, field: str, organization_id: uuid.UUID, role: str | None = None
) -> Organization:
    """The organization a request names in ``field`` (holding ``role`` if one is given);
    :class:`NotFound` such as ``"verifier_org_id: no verifier organization <id>"`` otherwise."""
    kind = f"{role} organization" if role else "organization"
    return get_visible(
        session,
        Organization,
        organization_id,
        f"{field}: no {kind} {organization_id}",
        lambda organization: role is None or role in organization.roles,
    )
