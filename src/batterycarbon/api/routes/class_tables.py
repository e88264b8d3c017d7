"""Performance-class tables: an administrator loads one from a file and activates it per
battery category; anyone signed in lists them (declarations name the table they used)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, File, Query, Request, Response, UploadFile, status

from batterycarbon.api.deps import ActorDep, SessionDep
from batterycarbon.api.paging import PAGED_RESPONSES, paged
from batterycarbon.services import class_tables
from batterycarbon.services.class_tables import (
    MAX_FILE_BYTES,
    ActivationIn,
    ClassTableOut,
    ClassTableQuery,
)

router = APIRouter(tags=["performance classes"])


@router.get("/performance-classes", response_model=list[ClassTableOut], responses=PAGED_RESPONSES)
def list_tables(session: SessionDep, actor: ActorDep, request: Request, response: Response, filters: Annotated[ClassTableQuery, Query()]) -> list[ClassTableOut]:  # fmt: skip
    """Every loaded table version, oldest first; ``active=true``: the ones in use."""
    return paged(request, response, class_tables.find_class_tables(session, actor, filters))


@router.post("/performance-classes", response_model=ClassTableOut, status_code=status.HTTP_201_CREATED)  # fmt: skip
def load_table(
    session: SessionDep,
    actor: ActorDep,
    file: Annotated[
        UploadFile,
        File(
            description="The table: a .toml or .json file in the format of compliance/data/performance_classes.toml"
        ),
    ],  # fmt: skip
) -> ClassTableOut:
    """Load a table version from a file (platform administrators); it is not active until
    activated. A bad file is answered 422 naming each bad field, and nothing is stored."""
    content = file.file.read(MAX_FILE_BYTES + 1)
    return class_tables.load_class_table_file(session, actor, file.filename or "", content)


@router.post("/performance-classes/{class_table_id}/activation", response_model=ClassTableOut)
def activate_table(
    session: SessionDep,
    actor: ActorDep,
    class_table_id: uuid.UUID,
    body: Annotated[ActivationIn | None, Body()] = None,
) -> ClassTableOut:
    """Make the table the one new declarations of its battery category use (platform
    administrators); a fixture table needs ``{"confirm_fixture": true}``."""
    return class_tables.activate_class_table(session, actor, class_table_id, body)
