"""Idempotency keys on creating requests (``Idempotency-Key``, IETF draft
draft-ietf-httpapi-idempotency-key-header).

A client that did not get the answer to a creating request (timeout, dropped connection) sends
it again with the same key. The first time, the use case runs and its response is stored with
the key **in the same transaction** as what it created; a retry from the same client (actor)
with the same key and the same input gets that stored response back and changes nothing. The
same key with other input (or for another operation) is refused with an error naming the
header: the client reused a key by mistake, and answering with the first response would hide
it. Two concurrent requests with one key cannot both store: the unique (client, key) index lets
one commit; the other is rolled back whole and then answered with the stored response.

A request that fails stores no key, so the corrected request may be sent again with it.
Keys are kept with the record they guard; accounts endpoints (users, API clients) take none,
since their input holds a password or their response a secret that must never be kept.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from batterycarbon.errors import InputError, excerpt
from batterycarbon.services.context import Actor, joined_work, unit_of_work
from batterycarbon.store import IdempotencyRecord
from batterycarbon.store.audit import canonical_json
from batterycarbon.store.base import utcnow
from batterycarbon.store.idempotency import MAX_KEY_LENGTH

HEADER = "Idempotency-Key"
#: Visible ASCII only: the key travels in an HTTP header and is compared byte for byte.
KEY_PATTERN = re.compile(rf"^[\x21-\x7e]{{1,{MAX_KEY_LENGTH}}}$")


@dataclass(frozen=True)
class IdempotentResponse:
    """The response to send: its status, its JSON body and whether it is a stored one."""

    status_code: int
    body: Any
    replayed: bool


def request_digest(operation: str, payload: Any) -> str:
    """SHA-256 of the operation and its input in canonical JSON (key order does not matter)."""
    document = canonical_json({"operation": operation, "input": to_jsonable_python(payload)})
    return hashlib.sha256(document.encode()).hexdigest()


def check_key(key: str) -> str:
    if not KEY_PATTERN.match(key):
        raise InputError(HEADER, [f"{HEADER}: expected 1 to {MAX_KEY_LENGTH} visible ASCII characters (got {key[:40]!r})"])  # fmt: skip
    return key


def _stored(session: Session, actor: Actor, key: str) -> IdempotencyRecord | None:
    return session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.client == actor.label, IdempotencyRecord.key == key
        )
    )


def _replay(record: IdempotencyRecord, operation: str, digest: str) -> IdempotentResponse:
    if record.operation != operation or record.request_digest != digest:
        raise InputError(HEADER, [
            f"{HEADER}: key {record.key!r} was already used for another request "
            f"({record.operation} with a different body); send a new key for a new request"
        ])  # fmt: skip
    return IdempotentResponse(record.status_code, record.response, replayed=True)


def run_idempotent(
    session: Session,
    actor: Actor,
    key: str | None,
    operation: str,
    payload: Any,
    call: Callable[[], Any],
    status_code: int = 201,
) -> IdempotentResponse:
    """Run the use case ``call`` once per (actor, ``key``); without a key, just run it.

    ``operation`` names the endpoint (e.g. ``POST /datasets``) and ``payload`` is its whole
    input (path parameters and body), from which the request digest is made.
    """
    if key is None:
        return IdempotentResponse(status_code, to_jsonable_python(call()), replayed=False)
    check_key(key)
    digest = request_digest(operation, payload)
    try:
        with unit_of_work(session):
            record = _stored(session, actor, key)
            if record is not None:
                return _replay(record, operation, digest)
            with joined_work(session):
                body = to_jsonable_python(call())
            session.add(
                IdempotencyRecord(
                    client=actor.label, key=key, operation=operation, request_digest=digest,
                    status_code=status_code, response=body,
                )
            )  # fmt: skip
            session.flush()
            return IdempotentResponse(status_code, body, replayed=False)
    except IntegrityError:
        # A concurrent request with the same key committed first: everything this one did
        # was rolled back; answer with what the first one stored (or fail if there is none).
        with unit_of_work(session):
            record = _stored(session, actor, key)
            if record is None:
                raise
            return _replay(record, operation, digest)


#: Oldest age a purge may name, days: a century, beyond any record (``timedelta`` overflows a
#: little past 2.7 million days, and ``inf`` or ``nan`` are no age).
MAX_KEY_AGE_DAYS = 36_500


def purge_idempotency_keys(session: Session, older_than_days: float) -> int:
    """Forget the responses kept for idempotency keys older than ``older_than_days`` (a retry
    with such a key is then a new request); returns how many were deleted. The records these
    requests created are untouched. Maintenance, run by an operator: ``batterycarbon db
    purge-idempotency-keys``."""
    if not 0 < older_than_days <= MAX_KEY_AGE_DAYS:
        expected = f"expected a number of days > 0 and at most {MAX_KEY_AGE_DAYS}"
        raise InputError(
            "older_than_days", [f"older_than_days: {excerpt(older_than_days)}: {expected}"]
        )
    cutoff = utcnow() - timedelta(days=older_than_days)
    with unit_of_work(session):
        old = list(session.scalars(select(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff)))  # fmt: skip
        for record in old:
            session.delete(record)
        return len(old)
