"""A browser's request refused before any page handler ran gets the site's error page, not the
platform's JSON body: a form field holding a control character (422) and a form or an upload
over the body limit (413), each naming what was refused in words, with a link back to the form,
and nothing stored. The pages' scripts' JSON endpoints under ``/web/`` and the API answer the
same refusals with JSON as before.

A browser is told apart by what it sends: ``Accept`` naming ``text/html`` (:data:`BROWSER`, as
Chromium sends it for a navigation or a form) and no JSON body. ``TestClient`` sends
``Accept: */*``, as a page script's ``fetch`` does.

(A lone surrogate cannot reach a form field: the form parser decodes percent-encoded bytes that
are no UTF-8 as U+FFFD. It reaches the pages only in the scripts' JSON bodies, answered JSON.)
"""

from __future__ import annotations

import asyncio
import html
import json
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from starlette.requests import Request
from web_support import App, own_dataset_rows, password_of, signed_in

from batterycarbon.api.limits import ANONYMOUS_BODY_BYTES, UPLOAD_BODY_BYTES
from batterycarbon.store import session_factory
from batterycarbon.store.exchange import DataRequest
from batterycarbon.web.common import MAX_BACK_LINK_CHARS, back_link

#: What Chromium sends in ``Accept`` when it loads a page or posts a form.
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
NUL = "\x00"
#: What the text rule says of a NUL at character ``at`` (batterycarbon.text.text_problem).
NUL_PROBLEM = "holds the control character U+0000 at character {at}; expected printable text"
PAGE = "text/html; charset=utf-8"
SUPPLIER = re.compile(r'name="supplier_org_id"[^>]*>\s*<option value="([^"]+)"')


def browser(page: str) -> dict[str, str]:
    """The headers a browser adds to a form sent from ``page`` of this site."""
    return {"Accept": BROWSER, "Referer": f"http://testserver{page}"}


def data_requests(app: App) -> int:
    with session_factory(app[0].state.engine)() as session:
        return session.scalar(select(func.count()).select_from(DataRequest)) or 0


def text_of(page: httpx.Response) -> str:
    assert page.headers["content-type"] == PAGE, page.text
    return html.unescape(page.text)


def send(app: FastAPI, method: str, path: str, **kwargs: object) -> httpx.Response:
    """One request through httpx's ASGI transport (a generator body is sent without a length)."""

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.request(method, path, **kwargs)  # type: ignore[arg-type]

    return asyncio.run(go())


def test_a_form_field_with_a_nul_is_a_422_page_naming_it_and_nothing_is_stored(
    demo_app: App,
) -> None:
    client, token = signed_in(demo_app, "cell")
    with client:
        supplier = SUPPLIER.search(client.get("/web/requests").text)
        assert supplier
        form = {
            "csrf_token": token,
            "supplier_org_id": supplier.group(1),
            "flow": "graphite_natural",
        }
        before = data_requests(demo_app)
        bad = {**form, "message": f"please{NUL}send", "year": f"20{NUL}25"}
        page = client.post("/web/requests", data=bad, headers=browser("/web/requests"))
        assert page.status_code == 422
        text = text_of(page)
        assert "<h1>Invalid input</h1>" in text
        assert "The form was not accepted and nothing was changed." in text
        for field, at in (("year", 3), ("message", 7)):
            assert f"<li>Form field “{field}”: {NUL_PROBLEM.format(at=at)}</li>" in text
        assert '<a href="/web/requests">Back to the previous page</a>' in text
        assert "Signed in as <strong>" in text  # the signed-in navigation, as on every page
        assert data_requests(demo_app) == before
        # The same form without the NUL is taken: the refusal was the character's.
        sent = client.post("/web/requests", data={**form, "message": "please send"})
        assert sent.status_code == 200 and str(sent.url).endswith("/web/requests")
        assert data_requests(demo_app) == before + 1


def test_bad_address_parts_and_parameters_are_named_on_the_page(demo_app: App) -> None:
    client = TestClient(demo_app[0])
    with client:
        page = client.get("/factors", params={"release": f"a{NUL}"}, headers=browser("/factors"))
        assert page.status_code == 422
        text = text_of(page)
        assert f"Address parameter “release”: {NUL_PROBLEM.format(at=2)}" in text
        assert '<a href="/factors">Back to the previous page</a>' in text
        assert '<a href="/sign-in">Sign in</a>' in text  # signed out: the navigation says so
        page = client.get("/factors", params={"q": "x" * 201}, headers=browser("/factors"))
        assert page.status_code == 422
        text = text_of(page)
        assert "Address parameter “q”: String should have at most 200 characters" in text
        assert "x" * 201 not in text
        # A page that needs sign-in sends a signed-out visitor to the sign-in page before it
        # reads any address part (web.common.require_actor), as the API answers 401 first.
        bad_id = "/web/calculations/not-an-id/declaration"
        page = client.get(bad_id, headers={"Accept": BROWSER}, follow_redirects=False)
        assert (page.status_code, page.headers["location"]) == (303, "/sign-in")
    maker, _ = signed_in(demo_app, "cell")
    with maker:
        page = maker.get(bad_id, headers={"Accept": BROWSER})
        assert page.status_code == 422
        assert "Address part “calculation_id”: Input should be a valid UUID" in text_of(page)
        assert '<a href="/">Back to the previous page</a>' in page.text  # no Referer: home


def test_the_page_scripts_and_other_clients_still_get_json(demo_app: App) -> None:
    client, token = signed_in(demo_app, "cell")
    with client:
        error = {"field": "message", "message": NUL_PROBLEM.format(at=7)}
        expected = {"detail": "invalid request", "errors": [error]}
        form = {"csrf_token": token, "flow": "graphite", "message": f"please{NUL}send"}
        for accept in ("*/*", "application/json", "application/json, text/html;q=0.5", None):
            headers = {"Accept": accept} if accept else {}
            answer = client.post("/web/requests", data=form, headers=headers)
            assert (answer.status_code, answer.json()) == (422, expected), accept
        # The editor's live validation (a script's JSON body), even when it says it takes HTML.
        body = json.dumps({"fields": {"name": f"a{NUL}"}})  # ensure_ascii: NUL as its escape
        for accept in ("*/*", BROWSER):
            headers = {"Content-Type": "application/json", "Accept": accept}
            answer = client.post("/web/designs/validate", content=body, headers=headers)
            assert answer.status_code == 422
            assert answer.json()["errors"][0]["field"] == "fields.name"
        # The API, asked by a browser.
        login = {"grant_type": "password", "username": f"cell{NUL}", "password": "x"}
        answer = client.post("/auth/token", data=login, headers={"Accept": BROWSER})
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == "username"


def test_an_upload_over_the_limit_is_a_413_page_and_nothing_is_stored(demo_app: App) -> None:
    client, token = signed_in(demo_app, "cam")
    with client:
        before = own_dataset_rows(client)
        big = ("big.csv", b"x" * UPLOAD_BODY_BYTES, "text/csv")
        page = client.post(
            "/web/datasets/upload",
            data={"csrf_token": token},
            files={"file": big},
            headers=browser("/web/datasets"),
        )
        assert page.status_code == 413
        assert page.headers["connection"] == "close"
        text = text_of(page)
        assert "<h1>Too large to send</h1>" in text
        assert f"; a file upload may have at most {UPLOAD_BODY_BYTES:,} bytes." in text
        assert "Nothing was stored. Choose a smaller file or shorten the text" in text
        assert '<link rel="stylesheet" href="/static/style.css">' in text
        assert '<a href="/web/datasets">Back to the previous page</a>' in text
        assert own_dataset_rows(client) == before
        # The same upload sent by a script (Accept: */*): the JSON body.
        answer = client.post(
            "/web/datasets/upload", data={"csrf_token": token}, files={"file": big}
        )
        assert answer.status_code == 413
        assert answer.json()["errors"][0]["field"] == "(body)"


def test_a_form_sent_without_a_length_over_the_limit_is_the_413_page_too(demo_app: App) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"username=cell&password="
        for _ in range(4):
            yield b"x" * ANONYMOUS_BODY_BYTES

    headers = {**browser("/sign-in"), "Content-Type": "application/x-www-form-urlencoded"}
    page = send(demo_app[0], "POST", "/sign-in", content=chunks(), headers=headers)
    assert page.status_code == 413
    text = text_of(page)
    assert f"was more than {ANONYMOUS_BODY_BYTES:,} bytes; a form sent without signing in" in text
    assert '<a href="/sign-in">Back to the previous page</a>' in text


def test_the_api_answers_an_upload_over_the_limit_with_json_whoever_asks(demo_app: App) -> None:
    form = {
        "grant_type": "password",
        "username": "cam",
        "password": password_of(demo_app[1], "cam"),
    }
    token = send(demo_app[0], "POST", "/auth/token", data=form).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv", "Accept": BROWSER}
    answer = send(
        demo_app[0],
        "POST",
        "/datasets/csv",
        content=b"x" * UPLOAD_BODY_BYTES + b"x",
        headers=headers,
    )
    assert answer.status_code == 413
    assert answer.json()["errors"][0]["field"] == "(body)"


def request_with(headers: dict[str, str]) -> Request:
    raw = [(k.lower().encode(), v.encode("latin-1")) for k, v in headers.items()]
    return Request({"type": "http", "method": "POST", "path": "/", "headers": raw})


@pytest.mark.parametrize(
    ("referer", "link"),
    [
        ("http://testserver/web/requests", "/web/requests"),
        ("http://testserver/factors/diff?old=a&new=b", "/factors/diff?old=a&new=b"),
        ("https://elsewhere.example/web/requests", "/"),  # another site's page
        ("http://testserver//elsewhere.example/x", "/"),  # a browser reads //host as a site
        ("http://testserver/\\elsewhere.example/x", "/"),
        ("javascript:alert(1)", "/"),
        ("http://testserver/" + "a" * MAX_BACK_LINK_CHARS, "/"),
        ("", "/"),
    ],
)
def test_the_back_link_stays_on_this_site(referer: str, link: str) -> None:
    headers = {"Host": "testserver", "Referer": referer} if referer else {"Host": "testserver"}
    assert back_link(request_with(headers)) == link
