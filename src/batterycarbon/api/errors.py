"""Errors as JSON: 4xx with the field and the problem, never a 500 for bad input.

Body: ``{"detail": "<summary>", "errors": [{"field": "a.b", "message": "..."}]}``.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from batterycarbon.errors import BatteryCarbonError, InputError
from batterycarbon.services import AuthenticationError, Conflict, NotFound, PermissionDenied
from batterycarbon.services.errors import Busy, RetryLater, TooManyAttempts
from batterycarbon.store.refusals import refusal_of

#: What may precede ": " to be a field name: ``cell.capacity_ah``, ``row 3, value``.
FIELD = re.compile(r"^[\w.\[\]() ,-]{1,80}$")
STATUS = {
    AuthenticationError: 401,
    PermissionDenied: 403,
    NotFound: 404,
    Conflict: 409,
    TooManyAttempts: 429,
    Busy: 503,
}


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

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Response:
        # FastAPI answers a JSON body it cannot parse for any reason but its syntax with a bare
        # 400; one nested deeper than Python's parser recurses (about 1 000 levels) is bad input.
        if isinstance(exc.__cause__, RecursionError):
            message = "(body): JSON nested too deeply to read"
            return JSONResponse(
                status_code=422, content=_body(message, [{"field": "(body)", "message": message}])
            )
        return await http_exception_handler(request, exc)

    @app.exception_handler(InputError)
    async def _input_error(request: Request, exc: InputError) -> JSONResponse:
        errors = [{"field": _field_of(p) or exc.source, "message": p} for p in exc.problems]
        return JSONResponse(status_code=422, content=_body(f"{exc.source}: invalid input", errors))

    @app.exception_handler(IntegrityError)
    @app.exception_handler(DataError)
    async def _database_refusal(request: Request, exc: DBAPIError) -> JSONResponse:
        # 409 only for a uniqueness race (the services check first, so only a concurrent
        # change gets here: sent again, the request meets the state the other one left);
        # data the database cannot store is the input's fault, and sent again fails again.
        refusal = refusal_of(exc)
        if refusal is None:
            raise exc
        status = 409 if refusal.kind == "conflict" else 422
        errors = [{"field": refusal.field, "message": refusal.message}]
        return JSONResponse(status_code=status, content=_body(refusal.message, errors))

    @app.exception_handler(BatteryCarbonError)
    async def _domain_error(request: Request, exc: BatteryCarbonError) -> JSONResponse:
        status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 422)
        message = str(exc)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if isinstance(exc, RetryLater):
            headers = {"Retry-After": str(exc.retry_after_seconds)}
        return JSONResponse(
            status_code=status,
            content=_body(
                message,
                [{"field": None if status == 401 else _field_of(message), "message": message}],
            ),
            headers=headers,
        )
