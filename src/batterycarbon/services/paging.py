"""Pagination and the filters every list shares.

Every list use case takes a query model derived from :class:`ListQuery`: ``limit`` and
``offset`` (a page of a stable order per resource, ending in the unique id) and ``created_after`` /
``created_before`` (inclusive bounds, timezone-aware ISO 8601; a naive time is taken as UTC),
plus the filters of its resource (status, chemistry, organization, ...). It answers a
:class:`Page`: the items, the total count matching the filters, and the page asked. The API
sends the items as the body and the rest as ``X-Total-Count`` and ``Link`` headers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import Select, String, cast, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

T = TypeVar("T")
#: Default and largest page sizes: a page of calculations (about 11 kB each) stays under 5 MB.
DEFAULT_LIMIT = 100
MAX_LIMIT = 500
#: Deepest ``offset``: twenty thousand pages of the largest size. The database walks past every
#: skipped row, so a list deeper than this is read with a narrower filter (e.g. the creation
#: time window), not by offset; the bound also keeps the number far inside the 64-bit integers
#: SQLite binds (a larger one overflowed there: a 500 instead of a 422).
MAX_OFFSET = 10_000_000
#: Largest sequence or version number a parameter may name (an audit ``after_seq`` cursor, a
#: passport ``version``): those columns are 32-bit INTEGER on PostgreSQL, so no row has a larger
#: value; a larger parameter overflowed SQLite's 64-bit binding (a 500) instead of a 422.
MAX_SERIAL = 2**31 - 1


class ListQuery(BaseModel):
    """Paging and the creation-time window, common to every list."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Page size")
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET, description="Items skipped")
    created_after: datetime | None = Field(default=None, description="Inclusive, ISO 8601")
    created_before: datetime | None = Field(default=None, description="Inclusive, ISO 8601")

    @field_validator("created_after", "created_before")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value

    @model_validator(mode="after")
    def _window(self) -> ListQuery:
        if self.created_after and self.created_before and self.created_after > self.created_before:  # fmt: skip
            raise ValueError("created_after: must not be later than created_before")
        return self


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: ``total`` counts every item matching the filters."""

    items: list[T]
    total: int
    limit: int
    offset: int


def within(query: Select[Any], column: Any, filters: ListQuery) -> Select[Any]:
    """``query`` restricted to ``column`` inside the filters' creation-time window."""
    if filters.created_after is not None:
        query = query.where(column >= filters.created_after)
    if filters.created_before is not None:
        query = query.where(column <= filters.created_before)
    return query


def count_of(session: Session, query: Select[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0)  # fmt: skip


def paginate(
    session: Session, query: Select[Any], filters: ListQuery | None, order: tuple[Any, ...]
) -> tuple[list[Any], int]:
    """(rows of the page, total matching) of a one-entity ``query``; ``filters`` ``None``: all.

    ``order`` must end with a unique column so pages never overlap or skip a row.
    """
    query = query.order_by(*order)
    if filters is None:
        rows = list(session.scalars(query))
        return rows, len(rows)
    total = count_of(session, query)
    rows = list(session.scalars(query.limit(filters.limit).offset(filters.offset)))
    return rows, total


def holds_role(column: InstrumentedAttribute[list[Any]], role: str) -> Any:
    """Whether a JSON list column of role names holds ``role`` (portable: the roles are a
    closed set of plain words, so their quoted form cannot appear inside another)."""
    return cast(column, String).like(f'%"{role}"%')


def json_text(column: InstrumentedAttribute[dict[str, Any]], *path: str) -> Any:
    """The text at ``path`` inside a JSON column (SQLite and PostgreSQL)."""
    return column[path].as_string() if len(path) > 1 else column[path[0]].as_string()


def page_of(items: list[T], total: int, filters: ListQuery | None) -> Page[T]:
    if filters is None:
        return Page(items=items, total=total, limit=max(total, 1), offset=0)
    return Page(items=items, total=total, limit=filters.limit, offset=filters.offset)
