"""Security headers on every response (a pure ASGI middleware, outermost: a 500 carries them too).

- ``Content-Security-Policy`` (:data:`CONTENT_SECURITY_POLICY`): scripts, styles, images,
  fonts and requests from this origin only, no inline script (the pages load theirs from
  ``/static``; JSON data blocks are not scripts), styles from here and inline (plotly.js
  needs them), no plugins, forms posting only here, and
  ``frame-ancestors 'none'`` (with ``X-Frame-Options: DENY`` for older browsers): no page can
  be framed to trick a click. The API documentation pages get :data:`DOCS_POLICY` instead (see
  there).
- ``X-Content-Type-Options: nosniff``: a browser takes each response as the type it is sent as.
- ``Referrer-Policy: same-origin``: the address of a page (which names products and
  calculations) is never sent to another site.
- ``Strict-Transport-Security`` (:data:`HSTS`) on responses to requests that came over TLS
  (behind a proxy: uvicorn's ``--proxy-headers`` makes the forwarded scheme count).
- ``Cache-Control: no-store`` on responses to requests carrying credentials (a bearer token, a
  web session cookie) and on responses setting a cookie, unless the route set its own (public
  static files): nothing signed-in, no CSRF token, stays in a browser's or a proxy's cache.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from batterycarbon.web.session import COOKIE

#: The policy of every response but the API documentation's. Scripts: files from this server
#: only, no inline script, no ``eval``. Styles need ``'unsafe-inline'``: the pages' own are the
#: stylesheet, but plotly.js (as the ``plotly`` package ships it) injects a ``<style>`` element
#: of chart rules and sets ``style`` attributes as it draws; without it the charts lose their
#: mode bar and hover-label styles (Chromium logs "Cannot addRelatedStyleRule, probably due to
#: strict CSP"). Inline styles cannot run code; the templates escape every value they show.
_DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)
CONTENT_SECURITY_POLICY = "; ".join(_DIRECTIVES)
#: The policy of ``/docs`` and ``/redoc`` (Swagger UI and ReDoc, served from this server: no
#: CDN): the same, and ReDoc may run its search index in a worker made from a ``blob:`` URL.
#: ReDoc's "powered by" logo, an image on its CDN, is blocked (``img-src``) and not shown.
DOCS_POLICY = "; ".join((*_DIRECTIVES, "worker-src 'self' blob:"))
DOCS_PATHS = ("/docs", "/redoc")
#: One year: browsers then reach this host over HTTPS only, even from a typed ``http://``
#: address, for a year after their last visit (the value the HSTS preload lists require too).
#: No ``includeSubDomains``: the server cannot know that every host under its domain has TLS.
HSTS = "max-age=31536000"
ALWAYS = (
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
    ("x-frame-options", "DENY"),
)


class SecurityHeadersMiddleware:
    """Adds the headers of the module's docstring to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Headers(scope=scope)
        credentials = "authorization" in request or f"{COOKIE}=" in request.get("cookie", "")
        docs = str(scope.get("path", "")).startswith(DOCS_PATHS)
        over_tls = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault(
                    "content-security-policy", DOCS_POLICY if docs else CONTENT_SECURITY_POLICY
                )
                for name, value in ALWAYS:
                    headers.setdefault(name, value)
                if over_tls:
                    headers.setdefault("strict-transport-security", HSTS)
                if credentials or "set-cookie" in headers:
                    headers.setdefault("cache-control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_security_headers(app: FastAPI) -> None:
    """Wrap ``app``'s whole middleware stack, Starlette's ServerErrorMiddleware included, in
    :class:`SecurityHeadersMiddleware` (``add_middleware`` would place it inside, so that a 500
    would go out without the headers)."""
    build = app.build_middleware_stack

    def build_with_headers() -> ASGIApp:
        return SecurityHeadersMiddleware(build())

    app.build_middleware_stack = build_with_headers  # type: ignore[method-assign]
