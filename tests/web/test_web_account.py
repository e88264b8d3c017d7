"""Accounts on the web: a permission refusal is answered 403; the password page; signing out
and changing the password end the account's sessions and tokens."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_support import password_of

from batterycarbon.services.demo import DemoResult

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
App = tuple[FastAPI, DemoResult]


def signed_in(app: App, username: str, password: str | None = None) -> tuple[TestClient, str]:
    """A client signed in as ``username`` and the CSRF token of its session."""
    client = TestClient(app[0])
    token = CSRF.search(client.get("/sign-in").text)
    assert token
    password = password or password_of(app[1], username)
    form = {"username": username, "password": password, "csrf_token": token.group(1)}
    page = client.post("/sign-in", data=form)
    assert str(page.url).endswith("/dashboard"), page.text
    token = CSRF.search(page.text)
    assert token
    return client, token.group(1)


def test_a_form_refused_for_lack_of_permission_answers_403(demo_app: App) -> None:
    regulator, token = signed_in(demo_app, "regulator")
    supplier = re.search(r'<option value="([0-9a-f-]{36})"', regulator.get("/web/requests").text)
    assert supplier
    form = {"csrf_token": token, "supplier_org_id": supplier.group(1), "flow": "nmc811_cam"}
    page = regulator.post("/web/requests", data=form)
    assert page.status_code == 403, page.status_code  # was 422 (the page's status for input)
    assert "role" in page.text  # the refusal is named on the page
