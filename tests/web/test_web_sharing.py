"""A manufacturer shares a calculation's declared figures with its customer from the product
page; the customer's dashboard lists them until the grant is revoked."""

from __future__ import annotations

import re

from web_support import App, signed_in

SHARED_ROW = re.compile(r'<tr data-calculation="([^"]+)"><th scope="row">([^<]+)</th><td>([^<]+)</td><td>[^<]*</td><td class="num">([^<]+)</td>')  # fmt: skip


def customers(page: str) -> dict[str, str]:
    select = page.split('<select id="customer"', 1)[1].split("</select>", 1)[0]
    return {name: value for value, name in re.findall(r'<option value="([^"]+)">([^<]+)</option>', select)}  # fmt: skip


def test_share_and_revoke_from_the_product_page(demo_app: App) -> None:
    _, demo = demo_app
    maker, token = signed_in(demo_app, "cell")
    customer, _ = signed_in(demo_app, "oem")
    with maker, customer:
        product = f"/web/products/{demo.product_id}?calculation={demo.calculation_id}"
        page = maker.get(product).text
        assert "Not shared with any customer." in page
        total = float(re.search(r'id="total-per-kwh">([0-9.]+)', page).group(1))  # type: ignore[union-attr]
        oem = customers(page)["Rhein Motors"]
        assert "Danube Cell Works" not in customers(page)  # not with its own maker
        assert SHARED_ROW.search(customer.get("/dashboard").text) is None

        grants = f"/web/calculations/{demo.calculation_id}/grants"
        assert maker.post(grants, data={"organization_id": oem, "csrf_token": "forged"}).status_code == 403  # fmt: skip
        bad = maker.post(grants, data={"organization_id": "Rhein", "csrf_token": token})
        assert bad.status_code == 422 and "organization_id" in bad.text
        assert SHARED_ROW.search(customer.get("/dashboard").text) is None  # nothing stored
        # Only the maker shares: the customer cannot share it further.
        assert customer.post(grants, data={"organization_id": oem, "csrf_token": token}).status_code in (403, 404)  # fmt: skip

        shared = maker.post(grants, data={"organization_id": oem, "csrf_token": token})
        assert shared.status_code == 200 and "Rhein Motors" in shared.text
        row = SHARED_ROW.search(customer.get("/dashboard").text)
        assert row is not None
        assert (row.group(1), row.group(3)) == (str(demo.calculation_id), "Danube Cell Works")
        assert float(row.group(4)) == round(total, 1)

        maker.post(f"{grants}/{oem}/revoke", data={"csrf_token": token})
        assert SHARED_ROW.search(customer.get("/dashboard").text) is None
        assert "Not shared with any customer." in maker.get(product).text
