"""Idempotency keys of creating requests: the first response to (client, key) is kept and
replayed to a retry, so that a request repeated after a lost answer stores nothing twice.

``request_digest`` is the SHA-256 of the operation and its canonical input; a retry with the
same key must have the same digest (else the client reused a key for another request).
``response`` is the JSON body returned the first time and ``status_code`` its HTTP status.
Rows are written in the same transaction as the record the request created, so either both
exist or neither does.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from batterycarbon.store.base import Base, CreatedMixin, IdMixin

#: Longest key accepted (the IETF draft sets none; UUIDs and ULIDs fit with room to spare).
MAX_KEY_LENGTH = 200


class IdempotencyRecord(IdMixin, CreatedMixin, Base):
    """The response given to ``client`` (an actor label) for its request with ``key``."""

    __tablename__ = "idempotency_keys"

    client: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    operation: Mapped[str] = mapped_column(String(100))
    request_digest: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[Any] = mapped_column(JSON)

    __table_args__ = (UniqueConstraint("client", "key", name="uq_idempotency_keys_client_key"),)
