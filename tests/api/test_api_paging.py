"""Pagination and filters, the same on every list endpoint: ``limit``/``offset``, the
creation-time window, ``X-Total-Count`` and ``Link`` headers; resource filters narrow the total."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from test_api_chain import CAM, DESIGN, ok, setup_chain

PAGING = {"limit", "offset", "created_after", "created_before"}


def test_every_list_endpoint_pages_the_same_way(client: TestClient) -> None:
    paths = ok(client.get("/openapi.json"))["paths"]

    def is_list(operation: dict) -> bool:  # type: ignore[type-arg]
        schema = operation["responses"]["200"].get("content", {}).get("application/json", {}).get("schema", {})  # fmt: skip
        return schema.get("type") == "array" or schema.get("$ref", "").endswith("/DatasetListing")

    lists = [p for p, item in paths.items() if "get" in item and is_list(item["get"])]
    assert len(lists) >= 10
    for path in lists:
        operation = paths[path]["get"]
        names = {p["name"] for p in operation.get("parameters", [])}
        assert names >= PAGING, f"{path} lacks {PAGING - names}"
        assert "X-Total-Count" in operation["responses"]["200"].get("headers", {}), path


def test_limit_offset_total_and_links(client: TestClient) -> None:
    p = setup_chain(client)
    cam = p["cam"]["auth"]
    ids = [ok(client.post("/datasets", headers=cam, json={**CAM, "value": 27.0 + i / 10}), 201)["id"] for i in range(5)]  # fmt: skip
    flagged = ok(client.post("/datasets", headers=cam, json={**CAM, "value": 400.0}), 201)
    assert flagged["status"] == "flagged"

    first = client.get("/datasets", headers=cam, params={"limit": 2})
    assert first.headers["x-total-count"] == "6"
    assert [d["id"] for d in first.json()["own"]] == ids[:2]
    assert 'rel="next"' in first.headers["link"] and 'rel="prev"' not in first.headers["link"]
    links = {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', first.headers["link"])}
    assert (
        "offset=2" in links["next"] and "offset=4" in links["last"] and "limit=2" in links["next"]
    )
    last = client.get("/datasets", headers=cam, params={"limit": 2, "offset": 4})
    assert [d["id"] for d in last.json()["own"]] == [ids[4], flagged["id"]]
    assert 'rel="next"' not in last.headers["link"] and 'rel="prev"' in last.headers["link"]

    only_flagged = client.get("/datasets", headers=cam, params={"status": "flagged"})
    assert only_flagged.headers["x-total-count"] == "1"
    assert [d["id"] for d in only_flagged.json()["own"]] == [flagged["id"]]
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert client.get("/datasets", headers=cam, params={"created_after": future}).headers["x-total-count"] == "0"  # fmt: skip

    alerts = client.get("/alerts", headers=cam, params={"status": "open", "limit": 1})
    assert alerts.headers["x-total-count"] == "1" and alerts.json()[0]["subject_id"] == flagged["id"]  # fmt: skip
    events = client.get("/audit/events", headers=cam, params={"action": "dataset.submitted", "limit": 3, "offset": 3})  # fmt: skip
    assert events.headers["x-total-count"] == "6" and len(events.json()) == 3


def test_shared_figures_follow_own_datasets_on_one_page_sequence(client: TestClient) -> None:
    p = setup_chain(client)
    cam, cell = p["cam"]["auth"], p["cell"]["auth"]
    for value in (27.0, 27.5):
        dataset = ok(client.post("/datasets", headers=cam, json={**CAM, "value": value}), 201)
        ok(client.post(f"/datasets/{dataset['id']}/grants", headers=cam, json={"organization_id": p["cell"]["org"]}), 201)  # fmt: skip
    page = client.get("/datasets", headers=cell, params={"limit": 1, "offset": 1})
    assert page.headers["x-total-count"] == "2"
    body = page.json()
    assert body["own"] == [] and [d["value"] for d in body["shared_with_me"]] == [27.5]
    assert ok(client.get("/datasets", headers=cell, params={"scope": "own"})) == {"own": [], "shared_with_me": []}  # fmt: skip


def test_resource_filters(client: TestClient) -> None:
    p = setup_chain(client)
    cell = p["cell"]["auth"]
    ncm = ok(client.post("/products", headers=cell, json={"name": "NCM pack", "design": DESIGN}), 201)  # fmt: skip
    lfp_design = {**DESIGN, "chemistry": "LFP", "cell": {"capacity_ah": 280, "nominal_voltage_v": 3.2}, "pack": {"cells": 104}}  # fmt: skip
    lfp = ok(client.post("/products", headers=cell, json={"name": "LFP pack", "design": lfp_design}), 201)  # fmt: skip
    for product in (ncm, lfp):
        ok(client.post("/calculations", headers=cell, json={"design_version_id": product["designs"][0]["id"]}), 201)  # fmt: skip
    assert [x["name"] for x in ok(client.get("/products", headers=cell, params={"chemistry": "LFP"}))] == ["LFP pack"]  # fmt: skip
    calcs = client.get("/calculations", headers=cell, params={"chemistry": "NCM811"})
    assert calcs.headers["x-total-count"] == "1"
    assert calcs.json()[0]["design_version_id"] == ncm["designs"][0]["id"]
    assert ok(client.get("/calculations", headers=cell, params={"product_id": lfp["id"]}))[0]["design_version_id"] == lfp["designs"][0]["id"]  # fmt: skip
    suppliers = ok(client.get("/organizations", headers=cell, params={"role": "supplier"}))
    assert [o["name"] for o in suppliers] == ["Cathode Co"]


def test_bad_paging_is_a_422_naming_the_parameter(client: TestClient) -> None:
    cam = setup_chain(client)["cam"]["auth"]
    for params, field in (({"limit": 0}, "limit"), ({"offset": -1}, "offset"), ({"status": "lost"}, "status"), ({"created_after": "yesterday"}, "created_after"), ({"unknown": "1"}, "unknown")):  # fmt: skip
        body = ok(client.get("/datasets", headers=cam, params=params), 422)
        assert body["errors"][0]["field"] == field, (params, body)
    window = {"created_after": "2030-01-02T00:00:00Z", "created_before": "2030-01-01T00:00:00Z"}
    body = ok(client.get("/complaints", headers=cam, params=window), 422)
    assert "created_after" in body["errors"][0]["message"]
