"""The public passport page ``/p/{id}``: no sign-in, the public fields only (never a restricted
one, whoever is signed in), the QR code of its stable address, accessible markup; the product
page links to the passports issued from the selected calculation."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from passport_support import passport_request
from web_support import App, demo_actor, signed_in

from batterycarbon.services.passports import PassportIn, issue_passport
from batterycarbon.store import session_factory
from batterycarbon.web.common import label

#: Restricted attributes (and a restricted value of the test attributes) never on the page.
RESTRICTED_TEXT = (
    "batteryMaterials",
    "resultOfTestReport",
    "sparePartSources",
    "dismantlingAndRemovalInformation",
    "batteryCondition",
    "tests.pdf",
)


def _issue(demo_app: App, unit: str, supersedes: str | None = None) -> tuple[str, str]:
    app, demo = demo_app
    with session_factory(app.state.engine)() as session:
        maker = demo_actor(session, demo, "cell")
        body = passport_request(
            demo.calculation_id, unit=unit, **({"supersedes": supersedes} if supersedes else {})
        )
        out = issue_passport(
            session, maker, PassportIn.model_validate(body), "https://passports.example.org"
        )
        return str(out.id), out.public_url


def test_public_page_shows_public_fields_only_without_sign_in(demo_app: App) -> None:
    passport_id, url = _issue(demo_app, "SN-WEB-1")
    with TestClient(demo_app[0]) as anonymous:
        page = anonymous.get(f"/p/{passport_id}")
        assert page.status_code == 200
        html = page.text
        assert "SN-WEB-1" in html and url in html
        assert re.search(r"<h1>Battery passport</h1>", html)
        assert re.search(r'<img src="/passports/[^"]+/qr.png"[^>]* alt="QR code of this page', html)
        assert "kg CO₂e per kWh" in html and "<caption>Per life-cycle stage" in html
        for secret in RESTRICTED_TEXT:
            assert secret not in html, secret
        assert "batteryChemistry" in html  # a public attribute of the same aspect is shown
        # Nested values read as words, lists of like objects as tables, links as links; each term
        # keeps its Battery Pass name for whoever maps the page to the data model.
        assert re.search(r'<dt data-attribute="batteryChemistry">Battery chemistry</dt>', html)
        assert (
            '<h2 id="aspect-1" data-attribute="GeneralProductInformation">General product information</h2>'
            in html
        )
        assert re.search(
            r'<th scope="col" data-attribute="lifecycleStage">Lifecycle stage</th>', html
        )
        assert '<a href="https://example.org/cfb-study.pdf">' in html
        assert "<pre>" not in html and '"shortName":' not in html  # no raw JSON left
        qr = anonymous.get(f"/passports/{passport_id}/qr.png")
        assert qr.status_code == 200 and qr.content[:4] == b"\x89PNG"
        assert anonymous.get("/p/00000000-0000-4000-8000-000000000000").status_code == 404
        assert anonymous.get("/p/not-an-id").status_code == 422
    # Signed in, even as the issuer, the page stays the public view.
    maker, _ = signed_in(demo_app, "cell")
    with maker:
        html = maker.get(f"/p/{passport_id}").text
        for secret in RESTRICTED_TEXT:
            assert secret not in html, secret


def test_product_page_links_the_passports_and_old_versions_say_superseded(demo_app: App) -> None:
    first, _ = _issue(demo_app, "SN-WEB-2")
    _issue(demo_app, "SN-WEB-2", supersedes=first)
    _, demo = demo_app
    maker, _ = signed_in(demo_app, "cell")
    with maker:
        page = maker.get(f"/web/products/{demo.product_id}?calculation={demo.calculation_id}").text
        assert f'<a href="/p/{first}">Passport of unit SN-WEB-2</a> (version 2' in page
        old = maker.get(f"/p/{first}", params={"version": 1}).text
        assert (
            "superseded" in old and f'<a href="/p/{first}">see the current version (2)</a>' in old
        )


def test_attribute_names_read_as_words() -> None:
    assert label("batteryCarbonFootprint") == "Battery carbon footprint"
    assert label("EUDeclarationOfConformity") == "EU declaration of conformity"
    assert label("cRate") == "C rate" and label("co2") == "Co2" and label("") == ""
    assert label("carbonFootprintPerLifecycleStage") == "Carbon footprint per lifecycle stage"
