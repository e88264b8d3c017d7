"""PACT v3 host: ``GET /3/footprints``, ``GET /3/footprints/{id}``, ``POST /3/events``.

Authentication is the platform's own: an API client gets a bearer token from ``POST
/auth/token`` (``grant_type=client_credentials``, client id and secret by HTTP Basic), the
same tokens and accounts as every other endpoint. Each route needs a scope in the token
(``footprint:list``, ``footprint:read``, ``events:write``; see :mod:`batterycarbon.api.tokens`).
What differs is the error format: these routes answer ``{"code": ..., "message": ...}`` with
the specification's codes (BadRequest 400, TokenExpired 401, AccessDenied 403, NoSuchFootprint
404, NotImplemented 400, InternalError 500) instead of the platform's ``{"detail", "errors"}``;
the message names the field at fault.

References
----------
WBCSD PACT, Technical Specifications for PCF Data Exchange, version 3.0, REST API and error
responses (wbcsd/data-exchange-protocol, spec/v3/rest-api.md, spec/v3/openapi.yaml).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import jwt
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from batterycarbon.api.deps import ActorCache, SessionDep, oauth2_scheme
from batterycarbon.api.tokens import (
    EVENTS_WRITE,
    FOOTPRINT_LIST,
    FOOTPRINT_READ,
    InvalidToken,
)
from batterycarbon.errors import InputError, excerpt
from batterycarbon.services import Actor, AuthenticationError, NotFound, PermissionDenied
from batterycarbon.services.accounts import actor_for_subject, check_credentials_version
from batterycarbon.services.pact_exchange import (
    MAX_PAGE,
    FootprintCriteria,
    NotImplementedCriterion,
    RecomputationMismatch,
    get_footprint,
    list_footprints,
    receive_event,
)
from batterycarbon.services.paging import MAX_OFFSET


class PactError(Exception):
    """An error answered in the specification's format."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _input_message(exc: InputError) -> str:
    return "; ".join(exc.problems)


def _as_pact_error(exc: Exception) -> PactError | None:
    if isinstance(exc, PactError):
        return exc
    if isinstance(exc, RequestValidationError):
        parts = []
        for item in exc.errors():
            location = [str(p) for p in item.get("loc", ()) if p not in ("query", "path", "body")]
            parts.append(f"{'.'.join(location) or '(request)'}: {item.get('msg', 'invalid')}")
        return PactError(400, "BadRequest", "; ".join(parts))
    if isinstance(exc, NotImplementedCriterion):
        return PactError(400, "NotImplemented", str(exc))
    if isinstance(exc, InputError):
        return PactError(400, "BadRequest", _input_message(exc))
    if isinstance(exc, NotFound):
        return PactError(404, "NoSuchFootprint", str(exc))
    if isinstance(exc, PermissionDenied | AuthenticationError):
        return PactError(403, "AccessDenied", str(exc))
    if isinstance(exc, RecomputationMismatch):
        return PactError(500, "InternalError", str(exc))
    return None


class PactRoute(APIRoute):
    """Answers this router's errors (including those of its dependencies) in PACT's format."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def pact_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:
                error = _as_pact_error(exc)
                if error is None:
                    raise
                return JSONResponse(
                    status_code=error.status,
                    content={"code": error.code, "message": error.message},
                )

        return pact_handler


router = APIRouter(tags=["pact"], route_class=PactRoute)


def pact_actor(scope: str) -> Callable[..., Coroutine[Any, Any, Actor]]:
    """A dependency giving the actor of a bearer token that carries ``scope``.

    As the specification's error table says: a missing or invalid token is BadRequest, an
    expired one TokenExpired; a valid token without ``scope`` (or of an account since
    deactivated) is AccessDenied, as for a caller without the necessary permissions."""

    async def actor_with_scope(
        request: Request, session: SessionDep, token: Annotated[str | None, Depends(oauth2_scheme)]
    ) -> Actor:
        if not token:
            raise PactError(400, "BadRequest", "authorization: missing bearer token; get one from POST /auth/token")  # fmt: skip
        try:
            grant = request.app.state.tokens.grant(token)
        except InvalidToken as exc:
            if isinstance(exc.__cause__, jwt.ExpiredSignatureError):
                raise PactError(401, "TokenExpired", "authorization: the access token has expired") from None  # fmt: skip
            raise PactError(400, "BadRequest", f"authorization: invalid access token ({exc})") from None  # fmt: skip
        if scope not in grant.scopes:
            granted = " ".join(sorted(grant.scopes)) or "none"
            raise PactError(403, "AccessDenied", f"authorization: the access token lacks scope {scope!r} (it has: {granted}); ask POST /auth/token for it")  # fmt: skip
        cache: ActorCache = request.app.state.actor_cache
        actor = cache.get(grant.subject, grant.expires)
        if actor is None:
            actor = await run_in_threadpool(actor_for_subject, session, grant.subject)
            cache.put(grant.subject, grant.expires, actor)
        return check_credentials_version(actor, grant.version)  # revoked: as if deactivated

    return actor_with_scope


ListActor = Annotated[Actor, Depends(pact_actor(FOOTPRINT_LIST))]
ReadActor = Annotated[Actor, Depends(pact_actor(FOOTPRINT_READ))]
EventsActor = Annotated[Actor, Depends(pact_actor(EVENTS_WRITE))]
UrnList = Annotated[list[str] | None, Query()]


@router.get("/3/footprints")
def list_product_footprints(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: ListActor,
    limit: Annotated[
        int | None, Query(ge=1, description=f"At most this many (pages hold at most {MAX_PAGE})")
    ] = None,  # fmt: skip
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description="Set by the pagination link")
    ] = 0,
    productId: UrnList = None,  # noqa: N803 - the specification's parameter names
    companyId: UrnList = None,  # noqa: N803
    geography: UrnList = None,
    classification: UrnList = None,
    validOn: str | None = None,  # noqa: N803
    validAfter: str | None = None,  # noqa: N803
    validBefore: str | None = None,  # noqa: N803
    status: str | None = None,
    odata_filter: Annotated[str | None, Query(alias="$filter", deprecated=True)] = None,
) -> dict[str, Any]:
    """Action ListFootprints: the footprints the caller may see, oldest first; a ``Link``
    header with ``rel="next"`` while more follow."""
    if odata_filter is not None:
        raise PactError(400, "NotImplemented", "$filter: the OData filter is deprecated in v3 and not implemented; use productId, companyId, geography, classification, status")  # fmt: skip
    values = {
        "productId": productId or [], "companyId": companyId or [],
        "geography": geography or [], "classification": classification or [],
        "validOn": [validOn] if validOn else [], "validAfter": [validAfter] if validAfter else [],
        "validBefore": [validBefore] if validBefore else [], "status": [status] if status else [],
    }  # fmt: skip
    criteria = FootprintCriteria.parse(values, "list footprints")
    size = min(limit or MAX_PAGE, MAX_PAGE)
    page = list_footprints(session, actor, criteria, size, offset)
    if page.has_more:
        following = request.url.include_query_params(limit=size, offset=offset + size)
        response.headers["Link"] = f'<{following}>; rel="next"'
    return {"data": page.footprints}


@router.get("/3/footprints/{footprint_id}")
def get_product_footprint(footprint_id: str, session: SessionDep, actor: ReadActor) -> dict[str, Any]:  # fmt: skip
    """Action GetFootprint: one footprint by its id (NoSuchFootprint if not visible)."""
    try:
        parsed = uuid.UUID(footprint_id)
    except ValueError:
        raise PactError(
            404, "NoSuchFootprint", f"id: no footprint {excerpt(footprint_id)}"
        ) from None
    return {"data": get_footprint(session, actor, parsed)}


@router.post("/3/events")
async def post_event(request: Request, session: SessionDep, actor: EventsActor) -> Response:
    """Action Events: a RequestCreated, Published, RequestFulfilled (its footprints stored as
    supplier datasets of the sender) or RequestRejected CloudEvent (structured JSON mode) is
    checked and recorded in the audit log; 200 with an empty body."""
    try:
        event = json.loads(await request.body())
    except ValueError as exc:
        raise PactError(400, "BadRequest", f"(body): not JSON ({exc})") from None
    except RecursionError:  # Python's parser recurses once a level: about 1 000 levels
        raise PactError(400, "BadRequest", "(body): JSON nested too deeply to read") from None
    await run_in_threadpool(receive_event, session, actor, event)
    return Response(status_code=200)
