"""The ``Idempotency-Key`` header of creating requests (see ``services.idempotency``).

A route passes its use case as a callable to :func:`respond`; the answer is the stored response
when the key was seen before (marked ``Idempotent-Replayed: true``), else the new one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Header
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from batterycarbon.services import Actor
from batterycarbon.services.idempotency import run_idempotent
from batterycarbon.store.idempotency import MAX_KEY_LENGTH

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=MAX_KEY_LENGTH,
        description="Any unique string (e.g. a UUID) per request: a retry with the same key and "
        "body gets the first response back and stores nothing twice; the same key with another "
        "body is refused (422).",
        examples=["5f0c6a8e-2b1d-4c7e-9f3a-0d8b7e6c5a41"],
    ),
]
REPLAYED_HEADER = "Idempotent-Replayed"


def respond(
    session: Session,
    actor: Actor,
    key: str | None,
    operation: str,
    payload: Any,
    call: Callable[[], Any],
    status_code: int = 201,
) -> JSONResponse:
    result = run_idempotent(session, actor, key, operation, payload, call, status_code)
    headers = {REPLAYED_HEADER: "true"} if result.replayed else None
    return JSONResponse(content=result.body, status_code=result.status_code, headers=headers)
