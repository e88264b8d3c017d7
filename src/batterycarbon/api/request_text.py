"""Every request's text is checked before its handler runs (:mod:`batterycarbon.text`'s rule).

:func:`reject_bad_text` is a dependency of the whole application (API, PACT and web routes
alike): path and query parameters (single line: no control character at all), the JSON body
FastAPI parsed for the route (every key single-line, every string by the text rule, however
deeply nested, including documents typed ``dict[str, Any]`` that no model field checks) and the
fields of a form body (the token endpoint's, the web pages'; an uploaded file's name is a single
line, its content is the upload parser's to check). A bad value is answered 422 (PACT routes:
400 BadRequest) naming the parameter or the body field, before authentication and before any
service runs, so nothing is stored.

A route that reads its body itself (the CSV and Excel uploads, PACT events) gets no body check
here: it does not want the body read before its own checks, and its parser checks the content.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import UploadFile

from batterycarbon.errors import excerpt
from batterycarbon.text import Path, document_problems, path_part, text_problem

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _is_json(content_type: str) -> bool:
    """The content types FastAPI parses as JSON (``application/json``, ``application/*+json``)."""
    media = content_type.partition(";")[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def _error(location: Path, problem: str, value: Any) -> dict[str, Any]:
    return {"type": "text", "loc": location, "msg": problem, "input": excerpt(value)}


def _parameter_errors(request: Request) -> list[dict[str, Any]]:
    errors = []
    for name, value in request.path_params.items():
        if isinstance(value, str) and (problem := text_problem(value, multiline=False)):
            errors.append(_error(("path", name), problem, value))
    for name, value in request.query_params.multi_items():
        if problem := text_problem(name, multiline=False):
            errors.append(_error(("query", path_part(name)), f"the parameter name {problem}", name))
        elif problem := text_problem(value, multiline=False):
            errors.append(_error(("query", path_part(name)), problem, value))
    return errors


async def _body_errors(request: Request) -> list[dict[str, Any]]:
    route = request.scope.get("route")
    if getattr(route, "body_field", None) is None:
        return []  # FastAPI read no body for this route: nothing to check, nothing to read
    content_type = request.headers.get("content-type", "")
    if _is_json(content_type):
        document = await request.json()  # parsed once already for the route, and cached
        found = document_problems(document)
        return [_error(("body", *map(path_part, path)), p, None) for path, p in found]
    if content_type.partition(";")[0].strip().lower() not in FORM_TYPES:
        return []
    errors = []
    form = await request.form()  # parsed once already for the route, and cached
    for name, value in form.multi_items():
        if problem := text_problem(name, multiline=False):
            errors.append(_error(("body", path_part(name)), f"the field name {problem}", name))
        elif isinstance(value, UploadFile):
            if value.filename and (problem := text_problem(value.filename, multiline=False)):
                errors.append(
                    _error(("body", path_part(name)), f"the file name {problem}", value.filename)
                )
        elif problem := text_problem(value):
            errors.append(_error(("body", path_part(name)), problem, value))
    return errors


async def reject_bad_text(request: Request) -> None:
    """422 naming each parameter or body field whose text holds a control character or a lone
    surrogate (see :mod:`batterycarbon.text`); nothing otherwise."""
    errors = _parameter_errors(request) + await _body_errors(request)
    if errors:
        raise RequestValidationError(errors)
