"""The declaration workflow in the browser's terms (issue 13 §3): the form names the product as
the battery model, asks the manufacturer's address and the plant's country (prefilled with the
design's pack plant, checked against ISO 3166-1 and that plant), previews, issues the
declaration as a record of the product, which the product page lists with its downloads."""

from __future__ import annotations

import hashlib
import re

from sign_in_support import CSRF
from web_support import App, signed_in

DEMO_PRODUCT = "EV pack 60 kWh NCM811"
FORM = {
    "manufacturer": "Danube Cell Works",
    "manufacturer_address": "2 Works Road, 9027 Győr",
    "manufacturer_country": "HU",
    "plant_address": "1 Pack Street, 01067 Dresden",
    "study_url": "https://example.org/study.pdf",
    "use.usable_capacity_kwh": "56",
    "use.vehicle_category": "M1",
    "use.warranty_years": "8",
    "rule_set": "jrc-cfb-ev-2023",
    "issued": "2025-03-01",
}


def _value(page: str, field: str) -> str:
    match = re.search(
        rf'id="d-{re.escape(field)}" name="{re.escape(field)}"[^>]* value="([^"]*)"', page
    )  # noqa: E501
    assert match, f"no field {field}"
    return match.group(1)


def test_the_form_asks_the_plant_country_and_the_makers_address(demo_app: App) -> None:
    client, _ = signed_in(demo_app, "cell")
    url = f"/web/calculations/{demo_app[1].calculation_id}/declaration"
    with client:
        form = client.get(url).text
        # The demo design assembles its pack in Germany: the plant declared is that one.
        assert _value(form, "plant_country") == "DE"
        assert _value(form, "manufacturer_country") == "HU"  # the organization's country
        assert _value(form, "manufacturer_address") == ""
        for country, message in (
            ("SW", "did you mean SE (Sweden)"),
            ("HU", "not the country of the pack plant the calculation counted (DE)"),
        ):  # noqa: E501
            page = client.get(url, params={**FORM, "plant_country": country})
            assert page.status_code == 422
            assert re.search(rf'id="err-plant_country">[^<]*{re.escape(message)}', page.text), (
                page.text
            )  # noqa: E501
        page = client.get(url, params=FORM)
        assert page.status_code == 200, page.text
        assert f'id="battery-model">{DEMO_PRODUCT}<' in page.text
        assert 'id="plant">1 Pack Street, 01067 Dresden, DE<' in page.text
        declaration = client.get(f"{url}.json", params=FORM).json()
        assert declaration["battery_model"]["name"] == DEMO_PRODUCT
        assert declaration["manufacturing_plant"]["country"] == "DE"
        assert declaration["manufacturer"]["address"] == FORM["manufacturer_address"]
        passport = client.get(
            f"/web/calculations/{demo_app[1].calculation_id}/passport.json", params=FORM
        ).json()  # noqa: E501
        general = passport["GeneralProductInformation"]
        assert general["productIdentifier"] == DEMO_PRODUCT
        assert general["manufacturingPlace"] == {
            "streetAddress": FORM["plant_address"],
            "addressCountry": "DE",
        }  # noqa: E501
        assert "GeneralProductInformation.manufacturerInformation" not in passport["notProvided"]


def test_issue_the_declaration_and_find_it_on_the_product_page(demo_app: App) -> None:
    client, _ = signed_in(demo_app, "cell")
    demo = demo_app[1]
    url = f"/web/calculations/{demo.calculation_id}/declaration"
    with client:
        preview = client.get(url, params=FORM)
        assert "Issue declaration" in preview.text
        token = CSRF.search(preview.text)
        assert token
        assert client.post(url, data={**FORM}).status_code == 403  # no CSRF token
        bad = client.post(url, data={**FORM, "plant_country": "ZZ", "csrf_token": token.group(1)})
        assert bad.status_code == 422 and 'id="err-plant_country">' in bad.text
        product = client.get(f"/web/products/{demo.product_id}").text
        assert "No declaration issued for this product yet" in product
        page = client.post(url, data={**FORM, "csrf_token": token.group(1)})
        assert page.status_code == 200 and f"/web/products/{demo.product_id}" in str(page.url)
        table = page.text.split('id="issued-declarations"', 1)[1].split("</table>", 1)[0]
        assert "2025-03-01" in table and "user:cell" in table and "jrc-cfb-ev-2023" in table
        links = re.findall(r'href="(/web/products/[^"]+/declarations/[^"]+\.(?:json|pdf))"', table)
        assert len(links) == 2
        json_link = next(link for link in links if link.endswith(".json"))
        first, again = client.get(json_link), client.get(json_link)
        assert first.status_code == 200 and first.content == again.content
        assert first.json()["battery_model"]["name"] == DEMO_PRODUCT
        digest = hashlib.sha256(first.content).hexdigest()
        pdf = client.get(next(link for link in links if link.endswith(".pdf")))
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        # Issued once: the same declaration again is refused, and nothing is added.
        assert client.post(url, data={**FORM, "csrf_token": token.group(1)}).status_code == 409
        after = client.get(f"/web/products/{demo.product_id}").text
        assert after.count("/declarations/") == 2
        assert hashlib.sha256(client.get(json_link).content).hexdigest() == digest
    outsider, _ = signed_in(demo_app, "oem")
    with outsider:
        assert outsider.get(json_link).status_code == 404


def test_a_too_long_address_is_refused_not_cut_short(demo_app: App) -> None:
    client, _ = signed_in(demo_app, "cell")
    url = f"/web/calculations/{demo_app[1].calculation_id}/declaration"
    long_address = "1 Pack Street, 01067 Dresden, " + "x" * 600
    with client:
        page = client.get(url, params={**FORM, "plant_address": long_address})
        assert page.status_code == 422
        assert re.search(r'id="err-plant_address">[^<]*at most 500 ', page.text)
