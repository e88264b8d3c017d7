"""Errors as JSON: 4xx with the field and the problem, never a 500 for bad input.

Body: ``{"detail": "<summary>", "errors": [{"field": "a.b", "message": "..."}]}``.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from batterycarbon.errors import BatteryCarbonError, InputError
from batterycarbon.services import AuthenticationError, Conflict, NotFound, PermissionDenied

#: What may precede ": " to be a field name: ``cell.capacity_ah``, ``row 3, value``.
FIELD = re.compile(r"^[\w.\[\]() ,-]{1,80}$")
STATUS = {AuthenticationError: 401, PermissionDenied: 403, NotFound: 404, Conflict: 409}


def _field_of(message: str) -> str | None:
    """``"field.path: problem"`` -> ``"field.path"`` (the services' and models' convention)."""
    head, sep, _ = message.partition(": ")
    return head if sep and FIELD.match(head) else None


def _body(detail: str, errors: list[dict[str, Any]]) -> dict[str, Any]:
    return {"detail": detail, "errors": errors}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for item in exc.errors():
            location = [str(p) for p in item.get("loc", ())]
            if location and location[0] in ("body", "query", "path", "header"):
                location = location[1:]
            message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
            errors.append({"field": ".".join(location) or "(body)", "message": message})
        return JSONResponse(status_code=422, content=_body("invalid request", errors))

    @app.exception_handler(InputError)
    async def _input_error(request: Request, exc: InputError) -> JSONResponse:
        errors = [{"field": _field_of(p) or exc.source, "message": p} for p in exc.problems]
        return JSONResponse(status_code=422, content=_body(f"{exc.source}: invalid input", errors))

    @app.exception_handler(IntegrityError)
    async def _integrity_error(request: Request, exc: IntegrityError) -> JSONResponse:
        # A uniqueness race between two requests (the services check first, so only a
        # concurrent change gets here): the request changed nothing and may be retried.
        message = "the request conflicts with a concurrent change; nothing was stored, retry"
        return JSONResponse(status_code=409, content=_body(message, [{"field": None, "message": message}]))  # fmt: skip

    @app.exception_handler(BatteryCarbonError)
    async def _domain_error(request: Request, exc: BatteryCarbonError) -> JSONResponse:
        status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 422)
        message = str(exc)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(
            status_code=status,
            content=_body(
                message,
                [{"field": None if status == 401 else _field_of(message), "message": message}],
            ),
            headers=headers,
        )
