"""The web interface through FastAPI's TestClient: sign-in, dashboards, CSRF, designs, factors."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sign_in_support import csrf_of, sign_in
from web_support import password_of

from batterycarbon.factors import DEFAULT_RELEASE
from batterycarbon.services.demo import DemoResult
from batterycarbon.web import PAGE_MODULES


@pytest.fixture
def client(demo_app: tuple[FastAPI, DemoResult]) -> Iterator[TestClient]:
    with TestClient(demo_app[0]) as test_client:
        yield test_client


def dashboard_of(client: TestClient, demo: DemoResult, username: str) -> str:
    """The dashboard ``username`` lands on after signing in through the form."""
    sign_in(client, username, password_of(demo, username))
    return client.get("/dashboard").text


def test_dashboard_requires_sign_in(client: TestClient) -> None:
    response = client.get("/dashboard", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in"


#: The web routes a signed-out visitor may use (each page's handler name): signing in, the
#: public reference pages and passports, static files, and the two scripts' JSON endpoints,
#: which answer 401 instead of a redirect.
PUBLIC_PAGES = {
    "static",
    "home",
    "sign_in_form",
    "sign_in",
    "sign_out",
    "designs",
    "design_page",
    "factors",
    "dataset_template",
    "public_passport_page",
    "scenario_page",
    "scenario_pathway",
    "validate_design",
    "job_status",
}


def test_every_page_but_the_public_ones_sends_a_signed_out_visitor_to_sign_in(
    client: TestClient,
) -> None:
    routes = [route for module in PAGE_MODULES for route in module.router.routes]
    guarded = [route for route in routes if route.endpoint.__name__ not in PUBLIC_PAGES]
    assert len(guarded) == len(routes) - len(PUBLIC_PAGES)  # every public name is a page
    for route in guarded:
        path = re.sub(r"\{\w+\}", str(uuid.uuid4()), route.path)
        for method in route.methods:
            answer = client.request(method, path, follow_redirects=False)
            where = (answer.status_code, answer.headers.get("location"))
            assert where == (303, "/sign-in"), (method, route.path, answer.text[:200])


def test_session_cookie_is_httponly_and_samesite(client: TestClient) -> None:
    cookie = client.get("/sign-in").headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie


def test_manufacturer_signs_in_and_sees_products(
    client: TestClient, demo_app: tuple[FastAPI, DemoResult]
) -> None:
    page = dashboard_of(client, demo_app[1], "cell")
    assert '<h2 id="products-h">Products and latest footprints</h2>' in page
    assert "EV pack 60 kWh NCM811" in page
    assert DEFAULT_RELEASE in page


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("lithium", "lithium_hydroxide_brine"),
        ("verifier", "Nothing waiting for review."),  # the demo verification is approved
        ("regulator", "Verifications by state"),
    ],
)
def test_dashboard_per_role(
    client: TestClient, demo_app: tuple[FastAPI, DemoResult], username: str, expected: str
) -> None:
    assert expected in dashboard_of(client, demo_app[1], username)


def test_wrong_password_shows_the_form_again(client: TestClient) -> None:
    token = csrf_of(client.get("/sign-in").text)
    response = client.post(
        "/sign-in", data={"username": "cell", "password": "nope", "csrf_token": token}
    )
    assert response.status_code == 401
    assert 'role="alert"' in response.text
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


def test_form_without_csrf_token_is_rejected(
    client: TestClient, demo_app: tuple[FastAPI, DemoResult]
) -> None:
    client.get("/sign-in")
    data = {"username": "cell", "password": password_of(demo_app[1], "cell")}
    response = client.post("/sign-in", data=data)
    assert response.status_code == 403
    response = client.post("/sign-in", data={**data, "csrf_token": "forged"})
    assert response.status_code == 403
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


def test_sign_out(client: TestClient, demo_app: tuple[FastAPI, DemoResult]) -> None:
    token = sign_in(client, "cell", password_of(demo_app[1], "cell"))
    assert client.post("/sign-out", data={}).status_code == 403  # no token
    response = client.post("/sign-out", data={"csrf_token": token})
    assert str(response.url).endswith("/sign-in")
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


def test_design_page_shows_chart_totals_and_provenance(client: TestClient) -> None:
    page = client.get("/designs/ncm811-prismatic")
    assert page.status_code == 200
    html = page.text
    assert 'id="breakdown-chart"' in html
    assert '<script src="/static/plotly.min.js"' in html
    assert re.search(r'id="total-per-kwh">\d+\.\d kg CO₂e/kWh<', html)
    assert re.search(r'id="total-per-pack">[\d,]+ kg CO₂e<', html)
    assert DEFAULT_RELEASE in html
    assert "whitepaper-c2g" in html
    assert re.search(r'<code id="digest">[0-9a-f]{64}</code>', html)
    assert "cathode" in html and "raw_materials" in html


def test_unknown_design_is_404(client: TestClient) -> None:
    assert client.get("/designs/no-such-design").status_code == 404


def test_plotly_served_locally(client: TestClient) -> None:
    response = client.get("/static/plotly.min.js")
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]
    assert len(response.content) > 1_000_000
    assert client.get("/static/../pages.py").status_code == 404


def test_factor_browser_finds_cn_grid_electricity(client: TestClient) -> None:
    html = client.get("/factors", params={"q": "electricity_grid CN"}).text
    assert "electricity_grid:cn:2023" in html
    assert '<th scope="col">Source</th>' in html
    assert '<label for="q">' in html


def test_factor_browser_unknown_release(client: TestClient) -> None:
    assert client.get("/factors", params={"release": "nope"}).status_code == 404
