"""Battery passports: issue one per battery unit or batch, list your own, and read one, without
a token in its public view or with one in the view your role allows; its QR code."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from batterycarbon.api.deps import ActorDep, SessionDep, get_actor, oauth2_scheme
from batterycarbon.api.paging import PAGED_RESPONSES, paged
from batterycarbon.services import Actor, passports
from batterycarbon.services.paging import MAX_SERIAL
from batterycarbon.services.passports import PassportIn, PassportOut, PassportQuery, PassportSummary

router = APIRouter(tags=["passports"])


async def optional_actor(
    request: Request, session: SessionDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Actor | None:
    """No token: ``None`` (the public reader); a token: its actor (401 if it is not valid)."""
    if not token:
        return None
    return await get_actor(request, session, token)


def public_base_url(request: Request) -> str:
    """``BATTERYCARBON_PUBLIC_BASE_URL`` if set, else the URL this request came to if its host
    is allowed (``BATTERYCARBON_ALLOWED_HOSTS``), else 422 naming the ``Host`` header
    (``services.passports.passport_base_url``)."""
    settings = request.app.state.settings
    return passports.passport_base_url(
        settings.public_base_url,
        str(request.base_url),
        request.url.hostname,
        settings.allowed_hosts,
    )


@router.post("/passports", response_model=PassportOut, status_code=status.HTTP_201_CREATED)
def issue_passport(request: Request, session: SessionDep, actor: ActorDep, body: PassportIn) -> PassportOut:  # fmt: skip
    """Issue the passport of a battery unit or batch from one of your calculations (or, with
    ``supersedes``, a new version of one): the Battery Pass 1.2 document with every required
    attribute, each missing one named; its public URL is ``<base>/p/{id}``."""
    return passports.issue_passport(session, actor, body, lambda: public_base_url(request))


@router.get("/passports", response_model=list[PassportSummary], responses=PAGED_RESPONSES)
def list_passports(session: SessionDep, actor: ActorDep, request: Request, response: Response, filters: Annotated[PassportQuery, Query()]) -> list[PassportSummary]:  # fmt: skip
    """Every version of the passports your organization issued, oldest first."""
    return paged(request, response, passports.find_passports(session, actor, filters))


@router.get("/passports/{passport_id}", response_model=PassportOut)
def read_passport(
    session: SessionDep, actor: Annotated[Actor | None, Depends(optional_actor)],
    passport_id: uuid.UUID, version: Annotated[int | None, Query(ge=1, le=MAX_SERIAL)] = None,
) -> PassportOut:  # fmt: skip
    """The passport (current version, or ``version``): without a token its public view; with
    one the view your role allows (legitimate interest: recyclers, the calculation's verifier
    and the customer it is shared with; authorities: regulators; everything: the issuer)."""
    return passports.read_passport(session, actor, passport_id, version)


@router.get(
    "/passports/{passport_id}/qr.png", response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "QR code of the public URL"}},
)  # fmt: skip
def passport_qr(session: SessionDep, passport_id: uuid.UUID) -> Response:
    """The QR code (PNG) of the passport's public URL; no token needed."""
    return Response(passports.passport_qr(session, passport_id), media_type="image/png")
