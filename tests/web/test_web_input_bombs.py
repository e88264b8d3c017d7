"""Small inputs that used to exhaust the server, through the web pages (issue 12 §1): a YAML alias
bomb in the design editor, an Excel zip bomb and an oversized CSV field in the supplier upload.
Each is a short 422 naming what was refused, and nothing is stored."""

from __future__ import annotations

from bomb_support import BILLION_LAUGHS, csv_with_field, xlsx_bomb
from fastapi.testclient import TestClient
from web_support import App, own_dataset_rows, signed_in

from batterycarbon.services.dataset_excel import MAX_XLSX_PART_BYTES, XLSX_MEDIA_TYPE
from batterycarbon.services.dataset_input import MAX_CSV_FIELD_CHARS


def product_count(client: TestClient) -> int:
    return client.get("/web/products").text.count('<th scope="row"><a href="/web/products/')


def test_the_design_validation_endpoint_refuses_the_yaml_bomb_in_a_short_422(
    demo_app: App,
) -> None:
    client, _ = signed_in(demo_app, "cell")
    with client:
        answer = client.post("/web/designs/validate", json={"yaml": BILLION_LAUGHS})
    assert answer.status_code == 422
    assert len(answer.content) < 1_000
    body = answer.json()
    problem = "yaml: anchor &a at line 1, column 4: anchors and aliases are not accepted; write the value out"
    assert body == {
        "detail": problem,
        "errors": [{"field": "yaml", "message": problem}],
        "valid": False,
        "problems": [problem],
    }


def test_the_editor_refuses_the_yaml_bomb_and_stores_nothing(demo_app: App) -> None:
    client, token = signed_in(demo_app, "cell")
    with client:
        before = product_count(client)
        form = {"csrf_token": token, "mode": "yaml", "name": "Bomb", "yaml": BILLION_LAUGHS}
        page = client.post("/web/products", data=form)
        assert page.status_code == 422
        assert "anchors and aliases are not accepted" in page.text
        assert len(page.text) < 100_000 and page.text.count("lol") <= BILLION_LAUGHS.count("lol")
        assert product_count(client) == before


def test_the_supplier_upload_refuses_a_zip_bomb_and_a_huge_csv_field(demo_app: App) -> None:
    client, token = signed_in(demo_app, "cam")
    with client:
        before = own_dataset_rows(client)
        bomb = ("bomb.xlsx", xlsx_bomb(2 * MAX_XLSX_PART_BYTES), XLSX_MEDIA_TYPE)
        page = client.post(
            "/web/datasets/upload-xlsx", data={"csrf_token": token}, files={"workbook": bomb}
        )
        assert page.status_code == 422
        assert f"more than the {MAX_XLSX_PART_BYTES} a part may" in page.text
        text = csv_with_field(200_000)
        page = client.post(
            "/web/datasets/upload",
            data={"csrf_token": token},
            files={"file": ("big.csv", text.encode(), "text/csv")},
        )
        assert page.status_code == 422
        assert f"a field longer than {MAX_CSV_FIELD_CHARS} characters" in page.text
        assert own_dataset_rows(client) == before


def test_a_deeply_nested_json_upload_is_a_422_not_a_recursion_error(demo_app: App) -> None:
    client, token = signed_in(demo_app, "cam")
    with client:
        text = "[" * 100_000 + "]" * 100_000
        page = client.post("/web/datasets/upload", data={"csrf_token": token, "text": text})
        assert page.status_code == 422
        assert "(document): not valid JSON: nested too deeply" in page.text
