"""Security headers on every response (api.headers), the API documentation served without a
CDN (api.docs), and templates without inline script."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_support import ADMIN_PASSWORD
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from batterycarbon.api import create_app
from batterycarbon.api.headers import HSTS
from batterycarbon.api.settings import Settings
from batterycarbon.services.accounts import bootstrap_admin
from batterycarbon.store import session_factory
from batterycarbon.store.testing import migrated_database

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "batterycarbon" / "web" / "templates"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    url = migrated_database("sqlite", str(tmp_path_factory.mktemp("headers")))
    app = create_app(Settings(database_url=url, jwt_secret=SecretStr("headers-key-" + "x" * 32)))
    with session_factory(app.state.engine)() as session:
        bootstrap_admin(session, "root", ADMIN_PASSWORD)

    @app.get("/test-only/crash")
    def crash() -> None:
        raise RuntimeError("a bug")

    yield app
    app.state.engine.dispose()


def directives(response_headers: object) -> dict[str, str]:
    policy = response_headers["content-security-policy"]  # type: ignore[index]
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def test_every_response_carries_the_headers_even_a_500(app: FastAPI) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    with TestClient(app, raise_server_exceptions=False) as client:
        responses = [
            (200, client.get("/health")),
            (401, client.get("/products")),
            (404, client.get("/no/such/page")),
            (413, client.post("/auth/token", content=b"x" * 100_000, headers=form)),
            (500, client.get("/test-only/crash")),
            (200, client.get("/sign-in")),
            (200, client.get("/static/style.css")),
        ]
    for status, response in responses:
        name = f"{response.request.url.path} {status}"
        assert response.status_code == status, name
        policy = directives(response.headers)
        assert policy["script-src"] == "'self'", name  # no inline script, no eval
        assert policy["frame-ancestors"] == "'none'", name
        assert policy["object-src"] == "'none'", name
        assert response.headers["x-content-type-options"] == "nosniff", name
        assert response.headers["referrer-policy"] == "same-origin", name
        assert response.headers["x-frame-options"] == "DENY", name
        assert "strict-transport-security" not in response.headers, name  # not over TLS


def test_hsts_only_over_tls(app: FastAPI) -> None:
    with TestClient(app, base_url="https://testserver") as client:
        assert client.get("/health").headers["strict-transport-security"] == HSTS


def test_no_store_on_signed_in_answers_only(app: FastAPI) -> None:
    with TestClient(app) as client:
        assert "cache-control" not in client.get("/health").headers  # anonymous, no cookie
        form = {"grant_type": "password", "username": "root", "password": ADMIN_PASSWORD}
        token = client.post("/auth/token", data=form).json()["access_token"]
        bearer = {"Authorization": f"Bearer {token}"}
        assert client.get("/organizations", headers=bearer).headers["cache-control"] == "no-store"
        # The sign-in page sets the session cookie (its CSRF token): not cached either.
        page = client.get("/sign-in")
        assert page.headers["cache-control"] == "no-store"
        csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        signed = client.post(
            "/sign-in",
            data={"username": "root", "password": ADMIN_PASSWORD, "csrf_token": csrf},
            follow_redirects=False,
        )
        assert signed.status_code == 303
        assert client.get("/dashboard").headers["cache-control"] == "no-store"
        # A public static file keeps its own caching, signed in or not.
        assert client.get("/static/style.css").headers["cache-control"] == "public, max-age=3600"


def test_api_docs_load_no_script_from_elsewhere(app: FastAPI) -> None:
    with TestClient(app) as client:
        for path in ("/docs", "/redoc"):
            page = client.get(path)
            assert page.status_code == 200
            sources = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', page.text)
            assert sources and all(s.startswith("/docs/assets/") for s in sources), sources
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page.text), "inline script"
            for source in sources:
                asset = client.get(source)
                assert asset.status_code == 200 and len(asset.content) > 500, source
        assert client.get("/docs/assets/../settings.py").status_code == 404


def test_templates_have_no_inline_script() -> None:
    """Every ``<script>`` of a template loads a file or is a JSON data block (not executed)."""
    inline = []
    for template in sorted(TEMPLATES.glob("*.html")):
        for tag in re.findall(r"<script\b[^>]*>", template.read_text()):
            if "src=" not in tag and 'type="application/json"' not in tag:
                inline.append(f"{template.name}: {tag}")
        if re.search(r"\son[a-z]+=", template.read_text()):
            inline.append(f"{template.name}: an on...= event handler attribute")
    assert inline == []
