"""Accounts on the web: a permission refusal is answered 403; the password page; signing out
and changing the password end the account's sessions and tokens."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sign_in_support import csrf_of
from web_support import App, password_of, signed_in


def test_a_form_refused_for_lack_of_permission_answers_403(demo_app: App) -> None:
    regulator, token = signed_in(demo_app, "regulator")
    supplier = re.search(r'<option value="([0-9a-f-]{36})"', regulator.get("/web/requests").text)
    assert supplier
    form = {"csrf_token": token, "supplier_org_id": supplier.group(1), "flow": "nmc811_cam"}
    page = regulator.post("/web/requests", data=form)
    assert page.status_code == 403, page.status_code  # was 422 (the page's status for input)
    assert "role" in page.text  # the refusal is named on the page


def _api_token(client: TestClient, username: str, password: str) -> dict[str, str]:
    form = {"grant_type": "password", "username": username, "password": password}
    token = client.post("/auth/token", data=form)
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def _signed_in_page(client: TestClient) -> bool:
    page = client.get("/dashboard")
    return str(page.url).endswith("/dashboard")


def test_sign_out_ends_every_session_and_token_of_the_account(demo_app: App) -> None:
    first, token = signed_in(demo_app, "lithium")
    second, _ = signed_in(demo_app, "lithium")
    api = _api_token(first, "lithium", password_of(demo_app[1], "lithium"))
    assert first.get("/organizations", headers=api).status_code == 200  # cached by the server
    signed_out = first.post("/sign-out", data={"csrf_token": token})
    assert str(signed_out.url).endswith("/sign-in")
    assert not _signed_in_page(first) and not _signed_in_page(second)
    assert first.get("/organizations", headers=api).status_code == 401
    again, _ = signed_in(demo_app, "lithium")  # signing in again starts a new session
    assert _signed_in_page(again)


def test_the_password_page_names_each_problem_at_its_field_then_changes_it(demo_app: App) -> None:
    old = password_of(demo_app[1], "graphite")
    browser, token = signed_in(demo_app, "graphite")
    other, _ = signed_in(demo_app, "graphite")
    api = _api_token(browser, "graphite", old)
    form = browser.get("/web/account/password")
    assert form.status_code == 200 and 'href="/web/account/password"' in form.text  # in the nav
    new = "graphite flakes under a green sky"  # contains the username: refused
    cases = [
        (
            {"current_password": "not it at all, sorry"},
            "current_password",
            "is not your current password",
        ),
        (
            {"new_password": new, "new_password_again": new},
            "new_password",
            "must not contain the username",
        ),
        (
            {"new_password": "Password2024!", "new_password_again": "Password2024!"},
            "new_password",
            "commonly used",
        ),
        (
            {"new_password_again": "something else entirely"},
            "new_password_again",
            "does not match",
        ),
    ]
    good = "flakes under a green winter sky"
    for fields, field, message in cases:
        data = {
            "current_password": old,
            "new_password": good,
            "new_password_again": good,
            "csrf_token": token,
        } | fields
        page = browser.post("/web/account/password", data=data)
        assert page.status_code == 422, (field, page.status_code)
        error = re.search(rf'<p class="field-error" id="err-{field}">([^<]*)</p>', page.text)
        assert error and message in error.group(1), (field, page.text)
        for value in data.values():
            assert value == token or value not in page.text  # no password is shown back
        assert _signed_in_page(other)  # nothing changed
    no_csrf = browser.post(
        "/web/account/password",
        data={"current_password": old, "new_password": good, "new_password_again": good},
    )
    assert no_csrf.status_code == 403
    data = {
        "current_password": old,
        "new_password": good,
        "new_password_again": good,
        "csrf_token": token,
    }
    changed = browser.post("/web/account/password", data=data)
    assert changed.status_code == 200 and 'id="password-changed"' in changed.text
    assert _signed_in_page(browser)  # this browser goes on
    assert not _signed_in_page(other)  # every other session ended
    assert browser.get("/organizations", headers=api).status_code == 401  # and the token
    assert signed_in(demo_app, "graphite", good)  # the new password signs in, the old one not
    fresh = TestClient(demo_app[0])
    form = {
        "username": "graphite",
        "password": old,
        "csrf_token": csrf_of(fresh.get("/sign-in").text),
    }
    refused = fresh.post("/sign-in", data=form)
    assert refused.status_code == 401
