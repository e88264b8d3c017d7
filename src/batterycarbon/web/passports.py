"""The public passport page ``/p/{id}``: what the QR code on a battery opens. No sign-in; it
shows the public view only (``compliance/data/passport_access.toml``), whoever asks: readers
with a legitimate interest or authorities read their view over ``GET /passports/{id}``."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from batterycarbon.compliance.battery_passport import ASPECTS
from batterycarbon.errors import BatteryCarbonError
from batterycarbon.services.paging import MAX_SERIAL
from batterycarbon.services.passports import read_passport
from batterycarbon.web.common import DbSession, render, service_error, signed_in_actor

router = APIRouter(include_in_schema=False)


@router.get("/p/{passport_id}")
def public_passport_page(
    request: Request,
    db: DbSession,
    passport_id: uuid.UUID,
    version: Annotated[int | None, Query(ge=1, le=MAX_SERIAL)] = None,
) -> Response:
    actor = signed_in_actor(request, db)  # for the navigation only: the view stays public
    try:
        passport = read_passport(db, None, passport_id, version)
    except BatteryCarbonError as exc:
        return service_error(request, actor, exc)
    document = passport.document
    aspects = [(aspect, document[aspect]) for aspect in ASPECTS if document.get(aspect)]
    context = {
        "title": f"Battery passport {passport.unit_identifier}",
        "passport": passport,
        "aspects": aspects,
        "footprint": document.get("CarbonFootprintForBatteries", {}),
    }
    return render(request, "passport_public.html", context, actor=actor)
