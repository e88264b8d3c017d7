"""Performance-class tables in the platform: an administrator loads one from a file, anyone
signed in lists them, an administrator activates one per battery category; declarations and
passports classify with the active one.

The EU sets classes and maximum thresholds by delegated acts (Regulation (EU) 2023/1542,
Article 7(2) and (3)) not adopted yet: none is invented here. Until a table is loaded and
activated for a battery category, :func:`active_class_table` gives the bundled table, which
defines no class, so the class is reported as ``"not yet defined"``.

A file (TOML or JSON, the format of ``compliance/data/performance_classes.toml``) is validated
by :func:`batterycarbon.compliance.classes.parse_class_table`; each problem names its field
(``classes.1.max_kgco2e_per_fu: ...``) and nothing is stored. A loaded version (file ``id`` and
``version``) is write-once: a changed table is loaded under a new version. A ``fixture`` table
(invented boundaries, for tests and demonstrations) is only activated when the administrator
confirms it, since every new declaration of that battery category would then report its
classes. Loading and activation are audited.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
import uuid
from datetime import datetime
from pathlib import PurePath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from batterycarbon.compliance.classes import (
    BatteryCategory,
    ClassTable,
    load_class_table,
    parse_class_table,
)
from batterycarbon.errors import InputError, excerpt
from batterycarbon.services.context import Actor, audit, unit_of_work
from batterycarbon.services.errors import Conflict
from batterycarbon.services.lookup import get_visible
from batterycarbon.services.paging import ListQuery, Page, page_of, paginate, within
from batterycarbon.services.permissions import require
from batterycarbon.store import ClassTableVersion
from batterycarbon.store.audit import canonical_json
from batterycarbon.text import problem_lines

#: The upload's form field, named by the errors about the file itself.
FILE_FIELD = "file"
SOURCE = "class table"
#: A class table is a few hundred bytes; anything much larger is not one.
MAX_FILE_BYTES = 1_000_000
#: Table-level rules of ``ClassTable`` whose message does not start with the field it is about.
RULE_FIELDS = (
    ("classes are required", "classes"),
    ("not-yet-defined table may give no class", "status"),
    ("threshold_applies_from go together", "threshold_applies_from"),
)
TABLE_FIELDS = tuple(ClassTable.model_fields)


class ClassTableOut(BaseModel):
    """A loaded table version: the table as validated, where it came from and whether it is the
    one declarations of its battery category use now."""

    id: uuid.UUID = Field(description="The loaded version's id (activate it by this id)")
    label: str = Field(description="The file's id@version", examples=["eu-ev-classes@1"])
    table: ClassTable = Field(
        description="The table as loaded (values in kg CO2e per functional unit)"
    )
    file_name: str = Field(description="The uploaded file's name")
    file_digest: str = Field(description="SHA-256 of the uploaded file's bytes")
    content_digest: str = Field(description="SHA-256 of the validated table's canonical JSON")
    loaded_by: str = Field(description="Who loaded it (user:NAME, client:ID or system)")
    loaded_at: datetime
    is_active: bool = Field(description="Used by new declarations of its battery category")


class ActivationIn(BaseModel):
    """Activating a table; a ``fixture`` table (invented boundaries) needs the confirmation."""

    model_config = ConfigDict(extra="forbid")

    confirm_fixture: bool = Field(
        default=False,
        description=(
            "Activate a fixture table (tests and demonstrations only: every new "
            "declaration of its battery category reports its invented classes)"
        ),
    )


class ClassTableQuery(ListQuery):
    battery_category: BatteryCategory | None = None
    active: bool | None = Field(default=None, description="Only the active tables (or the others)")
    status: Literal["official", "fixture", "not-yet-defined"] | None = None


def _out(row: ClassTableVersion) -> ClassTableOut:
    table = ClassTable.model_validate(row.content)
    return ClassTableOut(
        id=row.id,
        label=table.label,
        table=table,
        file_name=row.file_name,
        file_digest=row.file_digest,
        content_digest=row.content_digest,
        loaded_by=row.loaded_by,
        loaded_at=row.created_at,
        is_active=row.is_active,
    )


def _field_named(problem: str) -> str:
    """Name the field of a table-level problem (``(document): <message> (got <the table>)``)."""
    head, _, rest = problem.partition(": ")
    if head != "(document)":
        return problem
    message = rest.rpartition(" (got ")[0] or rest  # the input echoed is the whole table
    first, sep, _ = message.partition(": ")
    if sep and first in TABLE_FIELDS:
        return message
    field = next((name for phrase, name in RULE_FIELDS if phrase in message), None)
    if field is None:
        mentioned = [m.group(0) for m in re.finditer(r"\w+", message) if m.group(0) in TABLE_FIELDS]
        field = mentioned[0] if mentioned else "(document)"
    return f"{field}: {message}"


def parse_upload(file_name: str, content: bytes) -> ClassTable:
    """The table of an uploaded ``.toml`` or ``.json`` file, validated as
    :func:`~batterycarbon.compliance.classes.load_class_table` validates a file on disk.

    Raises :class:`InputError` naming the form field ``file`` (unreadable file) or each bad
    field of the table."""
    suffix = PurePath(file_name).suffix.lower()
    if suffix not in (".toml", ".json"):
        raise InputError(
            SOURCE, [f"{FILE_FIELD}: expected a .toml or .json file (got {excerpt(file_name)})"]
        )
    if not content:
        raise InputError(SOURCE, [f"{FILE_FIELD}: {excerpt(file_name)} is empty"])
    if len(content) > MAX_FILE_BYTES:
        raise InputError(SOURCE, [f"{FILE_FIELD}: larger than {MAX_FILE_BYTES} bytes"])
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(
            SOURCE, [f"{FILE_FIELD}: {excerpt(file_name)} is not UTF-8 text"]
        ) from None
    try:
        data = json.loads(text) if suffix == ".json" else tomllib.loads(text)
    except (ValueError, RecursionError) as exc:
        kind = "JSON" if suffix == ".json" else "TOML"
        raise InputError(SOURCE, [f"{FILE_FIELD}: not valid {kind}: {exc}"]) from None
    # JSON and TOML escapes ("\u0000", "\ud800") make characters no text may hold (text.py).
    problems = problem_lines(data)
    if problems:
        raise InputError(SOURCE, problems)
    try:
        return parse_class_table(data, SOURCE)
    except InputError as exc:
        raise InputError(SOURCE, [_field_named(p) for p in exc.problems]) from None


def load_class_table_file(
    session: Session, actor: Actor, file_name: str, content: bytes
) -> ClassTableOut:
    """Store a table version from an uploaded file (platform administrators), not active yet.

    Nothing is stored if the file is not a valid table (:class:`InputError`) or its ``id`` and
    ``version`` are loaded already (:class:`Conflict`)."""
    with unit_of_work(session):
        require(actor.is_admin, "only a platform administrator loads a performance-class table")
        table = parse_upload(file_name, content)
        existing = session.scalar(
            select(ClassTableVersion.id).where(
                ClassTableVersion.table_id == table.id, ClassTableVersion.version == table.version
            )
        )
        if existing is not None:
            raise Conflict(
                f"version: table {table.label} is loaded already (id {existing}); a loaded table "
                "is write-once, load a changed one under a new version"
            )
        document = table.model_dump(mode="json")
        row = ClassTableVersion(
            table_id=table.id,
            version=table.version,
            status=table.status,
            battery_category=table.battery_category,
            legal_basis=table.legal_basis,
            published=table.published,
            classes_apply_from=table.classes_apply_from,
            threshold_applies_from=table.threshold_applies_from,
            content=document,
            content_digest=hashlib.sha256(canonical_json(document).encode()).hexdigest(),
            file_name=PurePath(file_name).name[:255],
            file_digest=hashlib.sha256(content).hexdigest(),
            loaded_by=actor.label,
            loaded_by_user_id=actor.user_id,
            is_active=False,
        )
        session.add(row)
        session.flush()
        audit(
            session,
            actor,
            "class_table.loaded",
            "class_table",
            row.id,
            after={
                "label": table.label,
                "status": table.status,
                "battery_category": table.battery_category,
                "legal_basis": table.legal_basis,
                "file_name": row.file_name,
                "file_digest": row.file_digest,
                "content_digest": row.content_digest,
            },
        )
        return _out(row)


def activate_class_table(
    session: Session, actor: Actor, class_table_id: uuid.UUID, data: ActivationIn | None = None
) -> ClassTableOut:
    """Make a loaded table the one new declarations of its battery category use (platform
    administrators); the category's previously active table is deactivated."""
    data = data or ActivationIn()
    with unit_of_work(session):
        require(actor.is_admin, "only a platform administrator activates a performance-class table")
        row = get_visible(
            session,
            ClassTableVersion,
            class_table_id,
            f"class_table_id: class table {class_table_id} not found",
        )
        if row.is_active:
            return _out(row)
        label = f"{row.table_id}@{row.version}"
        if row.status == "fixture" and not data.confirm_fixture:
            raise InputError(
                SOURCE,
                [
                    f"confirm_fixture: {label} is a fixture table (invented boundaries, not an EU "
                    f"table); every new declaration of {row.battery_category} batteries would "
                    "report its classes: confirm to activate it on a test or demonstration "
                    "installation"
                ],
            )
        current = session.scalar(
            select(ClassTableVersion).where(
                ClassTableVersion.battery_category == row.battery_category,
                ClassTableVersion.is_active,
            )
        )
        if current is not None:
            # Deactivate first and flush: the one-active partial unique index forbids two at once.
            current.is_active = False
            session.flush()
        row.is_active = True
        session.flush()
        audit(
            session,
            actor,
            "class_table.activated",
            "class_table",
            row.id,
            before={
                "active": str(current.id) if current else None,
                "label": f"{current.table_id}@{current.version}" if current else None,
            },
            after={
                "active": str(row.id),
                "label": label,
                "battery_category": row.battery_category,
                "status": row.status,
            },
        )
        return _out(row)


def find_class_tables(
    session: Session, actor: Actor, filters: ClassTableQuery | None = None
) -> Page[ClassTableOut]:
    """Every loaded table version, oldest first (anyone signed in: declarations name them)."""
    with unit_of_work(session):
        query = select(ClassTableVersion)
        if filters is not None:
            query = within(query, ClassTableVersion.created_at, filters)
            for column, value in (
                (ClassTableVersion.battery_category, filters.battery_category),
                (ClassTableVersion.is_active, filters.active),
                (ClassTableVersion.status, filters.status),
            ):
                if value is not None:
                    query = query.where(column == value)
        rows, total = paginate(
            session, query, filters, (ClassTableVersion.created_at, ClassTableVersion.id)
        )
        return page_of([_out(row) for row in rows], total, filters)


def active_class_table(session: Session, battery_category: str) -> ClassTable:
    """The table declarations of ``battery_category`` use: the active loaded one, else the
    bundled one (no class adopted yet: ``"not yet defined"``). Reads in the caller's
    transaction (no transaction of its own)."""
    content: dict[str, Any] | None = session.scalar(
        select(ClassTableVersion.content).where(
            ClassTableVersion.battery_category == battery_category, ClassTableVersion.is_active
        )
    )
    return ClassTable.model_validate(content) if content is not None else load_class_table(None)
