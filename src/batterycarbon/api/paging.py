"""Lists over HTTP: the body is the page's items; ``X-Total-Count`` says how many match the
filters and ``Link`` (RFC 8288, as GitHub's API does) gives the ``first``, ``prev``, ``next``
and ``last`` pages with the same filters. Every list endpoint takes ``limit`` and ``offset``
and ``created_after``/``created_before`` (see ``services.paging``).
"""

from __future__ import annotations

from typing import TypeVar

from fastapi import Request, Response

from batterycarbon.services.paging import Page

T = TypeVar("T")
TOTAL_HEADER = "X-Total-Count"
PAGING_HEADERS = {
    TOTAL_HEADER: {"description": "Items matching the filters", "schema": {"type": "integer"}},
    "Link": {
        "description": "first, prev, next, last pages (RFC 8288)",
        "schema": {"type": "string"},
    },  # fmt: skip
}
PAGED_RESPONSES: dict[int | str, dict[str, object]] = {200: {"headers": PAGING_HEADERS}}


def page_links(request: Request, page: Page[T]) -> str:
    def at(offset: int) -> str:
        return str(request.url.include_query_params(limit=page.limit, offset=offset))

    links = [f'<{at(0)}>; rel="first"']
    if page.offset > 0:
        links.append(f'<{at(max(0, page.offset - page.limit))}>; rel="prev"')
    if page.offset + page.limit < page.total:
        links.append(f'<{at(page.offset + page.limit)}>; rel="next"')
    links.append(f'<{at(max(0, (page.total - 1) // page.limit * page.limit))}>; rel="last"')
    return ", ".join(links)


def paged(request: Request, response: Response, page: Page[T]) -> list[T]:
    """The page's items, with its total and links set on ``response``."""
    response.headers[TOTAL_HEADER] = str(page.total)
    response.headers["Link"] = page_links(request, page)
    return page.items
