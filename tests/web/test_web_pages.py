"""The web interface through FastAPI's TestClient: sign-in, dashboards, CSRF, designs, factors."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_support import CSRF, password_of

from batterycarbon.services.demo import DemoResult


@pytest.fixture
def client(demo_app: tuple[FastAPI, DemoResult]) -> Iterator[TestClient]:
    with TestClient(demo_app[0]) as test_client:
        yield test_client


def csrf_of(page: str) -> str:
    match = CSRF.search(page)
    assert match, "form without CSRF token"
    return match.group(1)


def sign_in(client: TestClient, demo: DemoResult, username: str) -> str:
    token = csrf_of(client.get("/sign-in").text)
    response = client.post(
        "/sign-in",
        data={
            "username": username,
            "password": password_of(demo, username),
            "csrf_token": token,
        },  # fmt: skip
    )
    assert response.status_code == 200, response.text
    assert str(response.url).endswith("/dashboard")
    return response.text


def test_dashboard_requires_sign_in(client: TestClient) -> None:
    response = client.get("/dashboard", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in"


def test_session_cookie_is_httponly_and_samesite(client: TestClient) -> None:
    cookie = client.get("/sign-in").headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie


def test_manufacturer_signs_in_and_sees_products(
    client: TestClient, demo_app: tuple[FastAPI, DemoResult]
) -> None:
    page = sign_in(client, demo_app[1], "cell")
    assert '<h2 id="products-h">Products and latest footprints</h2>' in page
    assert "EV pack 60 kWh NCM811" in page
    assert "open-2024.1" in page


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
    assert expected in sign_in(client, demo_app[1], username)


def test_wrong_password_shows_the_form_again(client: TestClient) -> None:
    token = csrf_of(client.get("/sign-in").text)
    response = client.post("/sign-in", data={"username": "cell", "password": "nope", "csrf_token": token})  # fmt: skip
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
    page = sign_in(client, demo_app[1], "cell")
    assert client.post("/sign-out", data={}).status_code == 403  # no token
    response = client.post("/sign-out", data={"csrf_token": csrf_of(page)})
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
    assert "open-2024.1" in html
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
