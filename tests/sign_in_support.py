"""Signing in through the web form, for the web tests and the tests of a running server."""

from __future__ import annotations

import re

import httpx

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: str) -> str:
    """The CSRF token of a page's form."""
    match = CSRF.search(page)
    assert match, "form without CSRF token"
    return match.group(1)


def sign_in(client: httpx.Client, username: str, password: str) -> str:
    """Sign ``client`` (a TestClient, or an httpx client of a running server) in through the
    form; the CSRF token of the dashboard it lands on."""
    form = {
        "username": username,
        "password": password,
        "csrf_token": csrf_of(client.get("/sign-in").text),
    }
    page = client.post("/sign-in", data=form, follow_redirects=True)
    assert str(page.url).endswith("/dashboard"), page.text
    return csrf_of(page.text)
