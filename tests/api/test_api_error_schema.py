"""The OpenAPI document describes the 422 body the API sends (``detail`` and ``errors``); it
described FastAPI's own list of pydantic errors, which the API never sends, so a client
generated from the document could not read a refusal (found by the fuzz run's schema check)."""

from __future__ import annotations

import jsonschema
from fastapi.testclient import TestClient


def test_a_refused_request_matches_the_documented_422_body(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    operation = document["paths"]["/auth/token"]["post"]
    reference = operation["responses"]["422"]["content"]["application/json"]["schema"]["$ref"]
    name = reference.rsplit("/", 1)[1]
    schema = {**document["components"]["schemas"][name], "components": document["components"]}
    refused = client.post("/auth/token", data={"grant_type": "password", "username": "root"})
    assert refused.status_code == 422
    body = refused.json()
    jsonschema.validate(body, schema)
    assert any(error["field"] for error in body["errors"])
