"""The API documentation pages (``/docs``: Swagger UI, ``/redoc``: ReDoc) with every asset served
by this server, never from a CDN: a documentation page must not run a third party's script
next to a signed-in user's token, nor stop working offline.

Swagger UI's and ReDoc's bundles come from the ``fastapi-offline`` package (which ships them as
package data; only its files are used here), Swagger UI's start-up script from ``api/static``:
a file, as the Content-Security-Policy allows no inline script (``api.headers``).
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

#: The bundles of the installed ``fastapi-offline`` package.
BUNDLES = Path(fastapi_offline.__file__).parent / "static"
ASSETS = {
    "swagger-ui-bundle.js": (BUNDLES / "swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": (BUNDLES / "swagger-ui.css", "text/css"),
    "redoc.standalone.js": (BUNDLES / "redoc.standalone.js", "text/javascript"),
    "swagger-init.js": (Path(__file__).parent / "static" / "swagger-init.js", "text/javascript"),
}
ASSETS_URL = "/docs/assets"

router = APIRouter(include_in_schema=False)


def _page(title: str, head: str, body: str) -> HTMLResponse:
    html = (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n{head}</head>\n<body>\n{body}</body>\n</html>\n"
    )
    return HTMLResponse(html)


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    openapi = escape(request.app.openapi_url or "/openapi.json")
    return _page(
        f"{request.app.title} API",
        f'<link rel="stylesheet" href="{ASSETS_URL}/swagger-ui.css">\n',
        f'<div id="swagger-ui" data-openapi-url="{openapi}"></div>\n'
        f'<script src="{ASSETS_URL}/swagger-ui-bundle.js"></script>\n'
        f'<script src="{ASSETS_URL}/swagger-init.js"></script>\n',
    )


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    openapi = escape(request.app.openapi_url or "/openapi.json")
    return _page(
        f"{request.app.title} API (ReDoc)",
        "",
        f'<redoc spec-url="{openapi}"></redoc>\n'
        f'<script src="{ASSETS_URL}/redoc.standalone.js"></script>\n',
    )


@router.get(ASSETS_URL + "/{name}")
def asset(name: str) -> Response:
    if name not in ASSETS:
        return Response("not found", status_code=404, media_type="text/plain")
    path, media_type = ASSETS[name]
    return FileResponse(
        path, media_type=media_type, headers={"Cache-Control": "public, max-age=86400"}
    )
