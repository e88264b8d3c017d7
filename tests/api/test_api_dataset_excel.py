"""The Excel template over HTTP: download, fill in, upload; a bad row is a 422 naming it."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from test_api_chain import ok, setup_chain

from batterycarbon.services.dataset_excel import XLSX_MEDIA_TYPE


def test_download_fill_and_upload(client: TestClient) -> None:
    p = setup_chain(client)
    cam = p["cam"]["auth"]
    template = client.get("/datasets/template.xlsx", headers=cam)
    assert template.status_code == 200 and template.headers["content-type"] == XLSX_MEDIA_TYPE
    assert "attachment" in template.headers["content-disposition"]
    workbook = load_workbook(io.BytesIO(template.content))
    sheet = workbook["datasets"]
    sheet.append(["cam_ncm811", 28.1, "kg CO2e / kg", "KR", 2023, 2.5, "pcf.pdf", 21.5])
    sheet.append(["cam_ncm811", "about 30", "kg CO2e / kg", "KR", 2023, 2.5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = {**cam, "Content-Type": XLSX_MEDIA_TYPE}
    body = ok(client.post("/datasets/xlsx", headers=upload, content=buffer.getvalue()), 422)
    # Every problem of the row at once: the value, and the evidence its rating needs.
    assert [e["field"] for e in body["errors"]] == ["row 3, value", "row 3, evidence"]
    assert ok(client.get("/datasets", headers=cam))["own"] == []

    sheet.delete_rows(3)
    buffer = io.BytesIO()
    workbook.save(buffer)
    stored = ok(client.post("/datasets/xlsx", headers={**upload, "Idempotency-Key": "xlsx-1"}, content=buffer.getvalue()), 201)  # fmt: skip
    assert [(d["value"], d["activity_data"]) for d in stored] == [(28.1, {"electricity_kwh_per_kg": 21.5})]  # fmt: skip
    again = client.post("/datasets/xlsx", headers={**upload, "Idempotency-Key": "xlsx-1"}, content=buffer.getvalue())  # fmt: skip
    assert again.json() == stored and len(ok(client.get("/datasets", headers=cam))["own"]) == 1
    assert (
        client.post("/datasets/xlsx", headers=upload, content=b"not a workbook").status_code == 422
    )
