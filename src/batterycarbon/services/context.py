"""Who is acting (:class:`Actor`), the one-transaction helper and the audit helper.

Every service function takes a :class:`~sqlalchemy.orm.Session` and an :class:`Actor`, runs its
work in :func:`unit_of_work` (commit on success, roll back on any error, so a rejected input
changes nothing) and records what it changed with :func:`audit`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.orm import Session

from batterycarbon.store import append_event


@dataclass(frozen=True)
class Actor:
    """An authenticated person (``user``), machine (``client``) or the system itself."""

    kind: Literal["user", "client", "system"]
    name: str
    organization_id: uuid.UUID | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    user_id: uuid.UUID | None = None
    is_org_admin: bool = False
    #: The account's ``credentials_version`` when it was loaded: a token or web session issued
    #: under another version was revoked (``store.accounts``).
    credentials_version: int = 0

    @property
    def label(self) -> str:
        """How the audit log names the actor: ``user:alice``, ``client:abc``, ``system``."""
        return self.kind if self.kind == "system" else f"{self.kind}:{self.name}"

    @property
    def is_admin(self) -> bool:
        """Platform administrator: a member of an organization holding the ``admin`` role."""
        return self.kind == "system" or "admin" in self.roles

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


SYSTEM = Actor(kind="system", name="system")


#: ``session.info`` key set while an enclosing transaction owns the session (see
#: :func:`joined_work`): a use case run inside it joins that transaction instead of its own.
JOINED = "batterycarbon.joined_transaction"


@contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    """One transaction: commit if the block succeeds, roll back everything if it raises.

    Inside :func:`joined_work` the block runs in the enclosing transaction, which commits or
    rolls back the whole (the use case and, e.g., the idempotency record of its response)."""
    if session.info.get(JOINED):
        yield session
        return
    if session.in_transaction():
        # A read made earlier on this session opened a transaction implicitly; it wrote nothing.
        session.rollback()
    with session.begin():
        yield session


@contextmanager
def joined_work(session: Session) -> Iterator[Session]:
    """Run use cases inside the caller's open transaction (:func:`unit_of_work` joins it)."""
    if not session.in_transaction():
        raise RuntimeError("joined_work needs an open transaction on the session")
    session.info[JOINED] = True
    try:
        yield session
    finally:
        session.info.pop(JOINED, None)


def audit(
    session: Session,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID | str,
    *,
    before: Any = None,
    after: Any = None,
) -> None:
    """Append an audit event for ``actor`` in the current transaction."""
    append_event(
        session,
        actor=actor.label,
        organization_id=str(actor.organization_id) if actor.organization_id else None,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        before=before,
        after=after,
        user_id=actor.user_id,
    )
