"""Request body limits, enforced before a handler reads the body (a pure ASGI middleware).

Every body is bounded by its media type (:class:`BodyLimits`, set by ``Settings.body_limit_*``):
JSON documents, form posts, and file uploads (multipart forms and the raw CSV and XLSX bodies).
A declared ``Content-Length`` above the limit is answered 413 before a byte of the body is
read; a body without one (chunked) is counted while the handler reads it and refused at the
first chunk past the limit, the 413 replacing whatever the handler would have answered.

Anonymous requests (no valid bearer token, no signed-in web session) may send at most
``anonymous_bytes``, enough for the public forms (token, sign-in) and the scenario explorer.
A larger anonymous body is refused without reading it: 401 on a route that needs sign-in (a web
form is sent to the sign-in page instead), 413 on a public one (:data:`PUBLIC_BODY_PATHS`).
Telling who is signed in reads headers only (the token's signature and expiry, the session
cookie's signature), never the database: a token of an account disabled since passes here and
is refused by the handler, after at most the signed-in limit was read.

A refusal of a browser's request for a web page (a form post or an upload: :func:`api.errors.
wants_page`) is a small HTML page in the site's style instead of the JSON body: same status,
what was too large and a link back to the form.

Any response sent before the body was read to its end (a refusal here, or a handler that
answered without reading it, as a 401 for a route without body parameters) closes the
connection (``Connection: close``); otherwise the server would go on reading, and discarding,
the rest of the body.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from batterycarbon.api.errors import wants_page
from batterycarbon.api.tokens import InvalidToken
from batterycarbon.web.common import back_link
from batterycarbon.web.session import read_session

#: JSON documents and bodies of any other media type: 1 MiB. The largest body the API takes as
#: JSON is one battery design or dataset (the bundled designs are under 1 KB; the models' own list
#: bounds keep a real one far below this) or a PACT event; 1 MiB of JSON already becomes some
#: 10-20 MB of Python objects while it is parsed.
JSON_BODY_BYTES = 1 << 20
#: Form posts (``application/x-www-form-urlencoded``): 2 MiB. The largest web form field is the
#: design editor's YAML text (``safe_yaml.MAX_YAML_CHARS``, 200 000 characters), which
#: percent-encoding of multi-byte text can grow to about 1.8 MB.
FORM_BODY_BYTES = 2 << 20
#: File uploads (multipart forms and raw CSV/XLSX bodies): the largest file a route accepts
#: (5 000 000 bytes: ``services.dataset_excel.MAX_XLSX_BYTES`` and ``api.routes.datasets.
#: MAX_CSV_BYTES``) plus 64 KiB for the multipart boundaries and the form's other fields, so that
#: a file just over its own cap still gets the route's message naming the file.
UPLOAD_BODY_BYTES = 5_000_000 + (64 << 10)
#: Anonymous requests: 16 KiB. The public bodies are the token request (user name, password or
#: client secret, scope: well under 1 KB even percent-encoded), the sign-in form (the same and a
#: CSRF token) and the scenario explorer's levers (under 2 KB).
ANONYMOUS_BODY_BYTES = 16 << 10
#: Media types counted as file uploads besides ``multipart/*``.
UPLOAD_MEDIA_TYPES = frozenset(
    (
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/octet-stream",
    )
)
#: Routes that take a body from anyone: the token endpoint, the web sign-in and sign-out forms,
#: and the scenario explorer (which runs the bundled designs without an account). An anonymous
#: body over the allowance is 413 here and 401 (or the sign-in page) everywhere else.
PUBLIC_BODY_PATHS = frozenset({"/auth/token", "/sign-in", "/sign-out", "/web/scenarios/pathway"})
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
#: The page a browser gets for a body over the limit: the site's stylesheet and heading, no
#: template engine (the refusal is made before the application runs). ``{message}`` and
#: ``{back}`` are HTML-escaped when filled in.
TOO_LARGE_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Too large to send · batterycarbon</title>
  <link rel="stylesheet" href="/static/style.css">
</head>
<body>
  <a class="skip" href="#main">Skip to content</a>
  <header><nav aria-label="Main"><a class="brand" href="/">batterycarbon</a></nav></header>
  <main id="main" tabindex="-1">
    <h1>Too large to send</h1>
    <div role="alert"><p>{message}</p></div>
    <p><a href="{back}">Back to the previous page</a></p>
  </main>
</body>
</html>
"""


@dataclass(frozen=True)
class BodyLimits:
    """Largest request bodies, in bytes, by kind (see the module's constants for the reasons)."""

    json_bytes: int = JSON_BODY_BYTES
    form_bytes: int = FORM_BODY_BYTES
    upload_bytes: int = UPLOAD_BODY_BYTES
    anonymous_bytes: int = ANONYMOUS_BODY_BYTES

    def for_media_type(self, content_type: str) -> tuple[int, str]:
        """The limit for a ``Content-Type`` header's value and the kind of body it names."""
        media = content_type.split(";", 1)[0].strip().lower()
        if media == FORM_MEDIA_TYPE:
            return self.form_bytes, "form"
        if media.startswith("multipart/") or media in UPLOAD_MEDIA_TYPES:
            return self.upload_bytes, "file upload"
        return self.json_bytes, "JSON" if media.endswith(("/json", "+json")) else "request"


class _BodyTooLarge(Exception):
    """Raised into the handler reading a body that went past its limit."""


def _declared_length(headers: Headers) -> int | None:
    value = headers.get("content-length")
    return int(value) if value is not None and value.strip().isdigit() else None


def _error(status: int, message: str, headers: dict[str, str]) -> JSONResponse:
    """The platform's error body (``api.errors``) for a refusal made before any handler ran."""
    field = None if status == 401 else "(body)"
    body = {"detail": message, "errors": [{"field": field, "message": message}]}
    return JSONResponse(body, status_code=status, headers=headers)


class BodyLimitMiddleware:
    """Refuses request bodies over :class:`BodyLimits` (see the module's docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        limits: BodyLimits | None = None,
        public_paths: frozenset[str] = PUBLIC_BODY_PATHS,
    ) -> None:
        self.app = app
        self.limits = limits or BodyLimits()
        self.public_paths = public_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)  # headers and cookies only: the body is left to the handler
        limit, kind = self.limits.for_media_type(request.headers.get("content-type", ""))
        anonymous = not signed_in(request)
        if anonymous:
            limit = min(limit, self.limits.anonymous_bytes)
        declared = _declared_length(request.headers)
        if declared is not None and declared > limit:
            await self._refusal(request, anonymous, kind, limit, declared)(scope, receive, send)
            return

        chunked = "chunked" in request.headers.get("transfer-encoding", "").lower()
        body_left = chunked or bool(declared)
        received = 0
        exceeded = False
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded, body_left
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                body_left = bool(message.get("more_body", False))
                if received > limit:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if exceeded and not response_started:
                return  # the handler's answer to a cut body; ours is sent below
            if message["type"] == "http.response.start":
                response_started = True
                if body_left:  # answered without reading it all: never drain the rest
                    MutableHeaders(scope=message)["connection"] = "close"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not response_started:
            await self._refusal(request, anonymous, kind, limit, None)(scope, receive, send)

    def _refusal(
        self, request: Request, anonymous: bool, kind: str, limit: int, declared: int | None
    ) -> Response:
        close = {"Connection": "close"}  # the rest of the body is never read
        path = request.url.path
        if anonymous and path not in self.public_paths:
            media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
            form = media == FORM_MEDIA_TYPE or media.startswith("multipart/")
            if path.startswith("/web/") and form:
                return RedirectResponse("/sign-in", status_code=303, headers=close)
            message = (
                "missing bearer token; get one from POST /auth/token and send it with the body"
            )
            return _error(401, message, {**close, "WWW-Authenticate": "Bearer"})
        if wants_page(request.scope):
            return _too_large_page(request, anonymous, kind, limit, declared, close)
        size = f"{declared} bytes" if declared is not None else f"more than {limit} bytes"
        who = "an anonymous request" if anonymous else f"a {kind} body"
        message = f"(body): {size}; {who} may have at most {limit} bytes"
        return _error(413, message, close)


def _too_large_page(
    request: Request,
    anonymous: bool,
    kind: str,
    limit: int,
    declared: int | None,
    headers: dict[str, str],
) -> HTMLResponse:
    """:data:`TOO_LARGE_PAGE` saying what was too large, by how much, and what to do."""
    size = f"{declared:,} bytes" if declared is not None else f"more than {limit:,} bytes"
    who = "a form sent without signing in" if anonymous else f"a {kind}"
    advice = "Shorten the text" if anonymous else "Choose a smaller file or shorten the text"
    message = (
        f"The form, with any file in it, was {size}; {who} may have at most {limit:,} bytes. "
        f"Nothing was stored. {advice} and send it again."
    )
    page = TOO_LARGE_PAGE.format(message=html.escape(message), back=html.escape(back_link(request)))
    return HTMLResponse(page, status_code=413, headers=headers)


def signed_in(request: Request) -> bool:
    """Whether a request carries a valid bearer token or a signed-in web session (headers only:
    signatures and expiry, no database)."""
    state: Any = request.app.state
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        try:
            state.tokens.grant(token.strip())
            return True
        except InvalidToken:
            pass
    session = read_session(request)
    return session is not None and session.subject is not None
