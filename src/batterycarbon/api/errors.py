"""Errors as JSON: 4xx with the field and the problem, never a 500 for bad input.

Body: ``{"detail": "<summary>", "errors": [{"field": "a.b", "message": "..."}]}``.

A request refused before its handler ran (:class:`RequestValidationError`: a form field holding
a control character, a missing field) that a browser sent to a web page is answered with the
site's error page instead, same status, each field and its problem in words and a link back
(:func:`wants_page` tells the two apart). The page scripts' JSON endpoints under ``/web/`` and
the API keep the JSON body.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import Scope

from batterycarbon.errors import BatteryCarbonError, InputError
from batterycarbon.services import AuthenticationError, Conflict, NotFound, PermissionDenied
from batterycarbon.services.errors import Busy, RetryLater, TooManyAttempts
from batterycarbon.store.refusals import refusal_of
from batterycarbon.web import router as web_router
from batterycarbon.web.common import refused_request_page

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


#: What a browser names in ``Accept`` when it loads a page or sends a form; a page script's
#: ``fetch`` sends ``*/*`` (its default) or ``application/json``, which names neither.
PAGE_MEDIA_TYPES = frozenset(("text/html", "application/xhtml+xml"))
#: How the error page names where a refused value was, by the first part of its location.
PLACES = {
    "body": "Form field",
    "query": "Address parameter",
    "path": "Address part",
    "header": "Header",
    "cookie": "Cookie",
}


def _qualities(accept: str) -> dict[str, float]:
    """``Accept``'s media ranges and their quality (``q``, 1 when not given; a malformed one
    counts as 0, not acceptable)."""
    qualities: dict[str, float] = {}
    for part in accept.split(","):
        media, *parameters = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media:
            qualities[media.lower()] = quality
    return qualities


def wants_page(scope: Scope) -> bool:
    """Whether a refusal of this request is an HTML page rather than JSON: it is for a route of
    the web pages (:data:`batterycarbon.web.router`), its ``Accept`` names HTML
    (:data:`PAGE_MEDIA_TYPES`) at least as high as JSON, and its body is no JSON document (a
    browser's form never is; the pages' scripts send JSON and read JSON answers)."""
    if scope["type"] != "http":
        return False
    if not any(route.matches(scope)[0] != Match.NONE for route in web_router.routes):
        return False
    headers = Headers(scope=scope)
    media = headers.get("content-type", "").partition(";")[0].strip().lower()
    if media.endswith(("/json", "+json")):
        return False
    qualities = _qualities(headers.get("accept", ""))
    html = max((qualities.get(m, 0.0) for m in PAGE_MEDIA_TYPES), default=0.0)
    return html > 0 and html >= qualities.get("application/json", 0.0)


def _page_line(place: str, field: str, message: str) -> str:
    """One refused value as the error page shows it: ``Form field “name”: problem``."""
    if field == "(body)":
        return f"The form: {message}"
    return f"{PLACES.get(place, 'Value')} “{field}”: {message}"


#: The JSON schema of :func:`_body`, which the OpenAPI document gives for every 422 in place of
#: FastAPI's own ``HTTPValidationError`` (a list of pydantic errors these handlers never send).
ERROR_BODY_SCHEMA: dict[str, Any] = {
    "title": "ErrorBody",
    "description": "What was refused: a summary and each field with its problem.",
    "type": "object",
    "required": ["detail", "errors"],
    "properties": {
        "detail": {"type": "string", "title": "Detail"},
        "errors": {
            "type": "array",
            "title": "Errors",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"anyOf": [{"type": "string"}, {"type": "null"}], "title": "Field"},
                    "message": {"type": "string", "title": "Message"},
                },
            },
        },
    },
}


def _document_error_body(app: FastAPI) -> None:
    """Make the OpenAPI document describe the 422 body these handlers send."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schemas = generate().get("components", {}).get("schemas", {})
            if "HTTPValidationError" in schemas:
                schemas["HTTPValidationError"] = ERROR_BODY_SCHEMA
                schemas.pop("ValidationError", None)  # referenced only by the replaced one
        return app.openapi_schema or generate()

    app.openapi = openapi  # type: ignore[method-assign]


def install_error_handlers(app: FastAPI) -> None:
    _document_error_body(app)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> Response:
        errors, lines = [], []
        for item in exc.errors():
            location = [str(p) for p in item.get("loc", ())]
            place = location[0] if location else "body"
            if location and location[0] in ("body", "query", "path", "header"):
                location = location[1:]
            message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
            field = ".".join(location) or "(body)"
            errors.append({"field": field, "message": message})
            lines.append(_page_line(place, field, message))
        if wants_page(request.scope):
            message = "The form was not accepted and nothing was changed. Correct these values:"
            return await run_in_threadpool(
                refused_request_page, request, "Invalid input", message, lines, 422
            )
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
        # The token endpoint answers in RFC 6749 5.2's shape, also when the form parser refuses
        # the body before the route runs (a field over Starlette's 1 MiB part limit).
        if request.url.path == "/auth/token" and exc.status_code == 400:
            return JSONResponse(
                status_code=400,
                content={"error": "invalid_request", "error_description": f"(body): {exc.detail}"},
                headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
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
