"""``Idempotency-Key`` over HTTP: a retried POST gets the first response and stores nothing
twice; a reused key with another body is a 422 naming the header."""

from __future__ import annotations

from fastapi.testclient import TestClient
from test_api_chain import CAM, DESIGN, ok, setup_chain


def test_retried_post_replays_the_first_response(client: TestClient) -> None:
    p = setup_chain(client)
    cam = {**p["cam"]["auth"], "Idempotency-Key": "0b6f7c1e-dataset-1"}
    first = client.post("/datasets", headers=cam, json=CAM)
    again = client.post("/datasets", headers=cam, json=dict(reversed(CAM.items())))  # same body
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert len(ok(client.get("/datasets", headers=p["cam"]["auth"]))["own"]) == 1
    history = ok(client.get("/audit/events", headers=p["cam"]["auth"], params={"entity_id": first.json()["id"]}))  # fmt: skip
    assert [e["action"] for e in history] == ["dataset.submitted"]

    other = client.post("/datasets", headers=cam, json={**CAM, "value": 26.0})
    body = ok(other, 422)
    assert body["errors"][0]["field"] == "Idempotency-Key" and "already used" in body["errors"][0]["message"]  # fmt: skip
    assert len(ok(client.get("/datasets", headers=p["cam"]["auth"]))["own"]) == 1

    # Another endpoint of another client may use the same key string.
    cell = {**p["cell"]["auth"], "Idempotency-Key": "0b6f7c1e-dataset-1"}
    product = ok(client.post("/products", headers=cell, json={"name": "EV pack", "design": DESIGN}), 201)  # fmt: skip
    replay = ok(client.post("/products", headers=cell, json={"name": "EV pack", "design": DESIGN}), 201)  # fmt: skip
    assert replay["id"] == product["id"]
    assert len(ok(client.get("/products", headers=p["cell"]["auth"]))) == 1


def test_failed_request_keeps_no_key_and_bad_keys_are_refused(client: TestClient) -> None:
    p = setup_chain(client)
    cam = {**p["cam"]["auth"], "Idempotency-Key": "retry-me"}
    assert client.post("/datasets", headers=cam, json={**CAM, "dqr": 9}).status_code == 422
    assert client.post("/datasets", headers=cam, json=CAM).status_code == 201
    too_long = ok(client.post("/datasets", headers={**p["cam"]["auth"], "Idempotency-Key": "k" * 201}, json=CAM), 422)  # fmt: skip
    assert too_long["errors"][0]["field"] == "Idempotency-Key"
    assert len(ok(client.get("/datasets", headers=p["cam"]["auth"]))["own"]) == 1
