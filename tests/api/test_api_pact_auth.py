"""Action Authenticate and token scopes, written from the texts they follow.

- PACT v3 rest-api.md, Action Authenticate: the host implements RFC 6749 section 4.4 (client
  credentials, client authenticated by HTTP Basic); a failed call answers with the JSON object
  of RFC 6749 section 5.2 (its example: ``invalid_client``).
- RFC 6749 section 5.2: ``invalid_request`` (a required parameter missing, more than one way of
  authenticating the client), ``invalid_client`` (401 and ``WWW-Authenticate`` when the client
  used the Authorization header; 400 may be used otherwise), ``unsupported_grant_type``,
  ``invalid_scope``; section 5.1: ``Cache-Control: no-store``; section 3.3: ``scope`` is a
  space-separated list, and the answer names the scopes granted.
- PACT v3 openapi.yaml, securitySchemes.BearerAuth: scopes ``footprint:list`` and
  ``footprint:read``; rest-api.md, ListFootprints / GetFootprint: a valid token without the
  necessary permissions is AccessDenied (403), an expired one TokenExpired (401), all other
  cases (a missing or malformed token) BadRequest (400).
"""

from __future__ import annotations

import base64
from typing import Any

from api_support import ADMIN_PASSWORD
from fastapi.testclient import TestClient
from test_api_pact import DESIGN, PASSWORD, login, ok, pact_error

from batterycarbon.api.tokens import issue_token

ALL_SCOPES = "footprint:list footprint:read events:write"
PUBLISHED = '{"type": "org.wbcsd.pathfinder.ProductFootprint.Published.v1", "specversion": "1.0", "id": "ev-9", "source": "//supplier.example/pact", "time": "2025-05-31T17:31:00Z", "data": {"pfIds": ["079e425a-464f-528d-341d-4a944a1dfd70"]}}'  # fmt: skip
CLOUD = {"Content-Type": "application/cloudevents+json; charset=UTF-8"}


def setup(client: TestClient) -> dict[str, Any]:
    """An organization with one pack calculation and an API client."""
    admin = login(client, "root", ADMIN_PASSWORD)
    org = ok(client.post("/organizations", headers=admin, json={"name": "Cell Co", "roles": ["manufacturer"]}), 201)  # fmt: skip
    ok(client.post("/users", headers=admin, json={"organization_id": org["id"], "username": "cell", "password": PASSWORD}), 201)  # fmt: skip
    user = login(client, "cell", PASSWORD)
    product = ok(client.post("/products", headers=user, json={"name": "Pack A", "design": DESIGN}), 201)  # fmt: skip
    calc = ok(client.post("/calculations", headers=user, json={"design_version_id": product["designs"][0]["id"]}), 201)  # fmt: skip
    created = ok(client.post("/api-clients", headers=admin, json={"organization_id": org["id"], "name": "PACT"}), 201)  # fmt: skip
    return {"calc": calc["id"], "client_id": created["client_id"], "secret": created["client_secret"]}  # fmt: skip


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}  # fmt: skip


def oauth_error(response: Any, status: int, error: str) -> str:
    """The description of an RFC 6749 5.2 error after checking status, body and caching."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error and set(body) == {"error", "error_description"}, body
    assert response.headers["cache-control"] == "no-store"
    return str(body["error_description"])


def test_token_endpoint_errors_follow_rfc6749(client: TestClient) -> None:
    w = setup(client)
    good, wrong = basic(w["client_id"], w["secret"]), basic(w["client_id"], "not the secret")

    granted = client.post("/auth/token", data={"grant_type": "client_credentials"}, headers=good)
    body = ok(granted)
    assert body["token_type"] == "bearer" and body["scope"] == ALL_SCOPES
    assert granted.headers["cache-control"] == "no-store" and granted.headers["pragma"] == "no-cache"  # fmt: skip

    # Wrong secret by HTTP Basic: 401 invalid_client with the Basic challenge.
    refused = client.post("/auth/token", data={"grant_type": "client_credentials"}, headers=wrong)
    oauth_error(refused, 401, "invalid_client")
    assert refused.headers["www-authenticate"].startswith("Basic ")
    # Unknown client id: the same answer (nothing tells which part was wrong).
    unknown = client.post("/auth/token", data={"grant_type": "client_credentials"}, headers=basic("bc_nobody", "x"))  # fmt: skip
    assert oauth_error(unknown, 401, "invalid_client") == oauth_error(refused, 401, "invalid_client")  # fmt: skip
    # Wrong secret in the form (no Authorization header): invalid_client, 400.
    form = {"grant_type": "client_credentials", "client_id": w["client_id"], "client_secret": "nope"}  # fmt: skip
    in_form = client.post("/auth/token", data=form)
    oauth_error(in_form, 400, "invalid_client")
    assert "www-authenticate" not in in_form.headers
    # A Basic header that is not base64 of id:secret.
    garbled = client.post("/auth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": "Basic %%%"})  # fmt: skip
    assert "authorization" in oauth_error(garbled, 401, "invalid_client")
    # Two ways of authenticating the client at once.
    both = client.post("/auth/token", data={"grant_type": "client_credentials", "client_secret": w["secret"]}, headers=good)  # fmt: skip
    assert "client_secret" in oauth_error(both, 400, "invalid_request")
    # Grant type missing, or one this server does not support.
    assert "grant_type" in oauth_error(client.post("/auth/token", data={}, headers=good), 400, "invalid_request")  # fmt: skip
    assert "grant_type" in oauth_error(client.post("/auth/token", data={"grant_type": "authorization_code"}, headers=good), 400, "unsupported_grant_type")  # fmt: skip
    # A scope this server does not grant is named.
    bad_scope = client.post("/auth/token", data={"grant_type": "client_credentials", "scope": "footprint:read footprint:delete"}, headers=good)  # fmt: skip
    message = oauth_error(bad_scope, 400, "invalid_scope")
    assert "footprint:delete" in message and "footprint:read'" not in message
    many = " ".join(f"made-up:{i:04d}" for i in range(1_000))  # named by an excerpt, not all
    message = oauth_error(client.post("/auth/token", data={"grant_type": "client_credentials", "scope": many}, headers=good), 400, "invalid_scope")  # fmt: skip
    assert "made-up:0000" in message and "and 995 more" in message and len(message) < 600


def test_password_grant_keeps_the_platform_format(client: TestClient) -> None:
    setup(client)
    wrong = client.post("/auth/token", data={"grant_type": "password", "username": "cell", "password": "wrong"})  # fmt: skip
    assert wrong.status_code == 401 and set(wrong.json()) == {"detail", "errors"}
    missing = client.post("/auth/token", data={"grant_type": "password", "username": "cell"})
    assert missing.status_code == 422 and [e["field"] for e in missing.json()["errors"]] == ["password"]  # fmt: skip
    token = ok(client.post("/auth/token", data={"grant_type": "password", "username": "cell", "password": PASSWORD}))  # fmt: skip
    assert token["scope"] == ALL_SCOPES
    # A person's token works on the platform's routes as before.
    assert ok(client.get("/products", headers={"Authorization": f"Bearer {token['access_token']}"}))  # fmt: skip


def scoped(client: TestClient, w: dict[str, Any], scope: str) -> dict[str, str]:
    response = client.post("/auth/token", data={"grant_type": "client_credentials", "scope": scope}, headers=basic(w["client_id"], w["secret"]))  # fmt: skip
    assert ok(response)["scope"] == scope
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_pact_routes_need_their_scope(client: TestClient) -> None:
    w = setup(client)
    listing, reading, events = (scoped(client, w, s) for s in ("footprint:list", "footprint:read", "events:write"))  # fmt: skip
    one = f"/3/footprints/{w['calc']}"

    assert [f["id"] for f in ok(client.get("/3/footprints", headers=listing))["data"]] == [w["calc"]]  # fmt: skip
    assert "footprint:read" in pact_error(client.get(one, headers=listing), 403, "AccessDenied")
    assert ok(client.get(one, headers=reading))["data"]["id"] == w["calc"]
    assert "footprint:list" in pact_error(client.get("/3/footprints", headers=reading), 403, "AccessDenied")  # fmt: skip
    assert "events:write" in pact_error(client.post("/3/events", headers={**reading, **CLOUD}, content=PUBLISHED), 403, "AccessDenied")  # fmt: skip
    assert client.post("/3/events", headers={**events, **CLOUD}, content=PUBLISHED).status_code == 200  # fmt: skip
    pact_error(client.get("/3/footprints", headers=events), 403, "AccessDenied")

    # Several scopes in one request (space-separated) grant each of them.
    both = scoped(client, w, "footprint:read footprint:list")
    assert ok(client.get("/3/footprints", headers=both)) and ok(client.get(one, headers=both))

    key = client.app.state.signing_key  # type: ignore[attr-defined]
    subject = f"client:{w['client_id']}"
    # A valid token carrying no scope at all: AccessDenied, not BadRequest.
    bare = {"Authorization": f"Bearer {issue_token(subject, key, 60, scopes=())}"}
    pact_error(client.get("/3/footprints", headers=bare), 403, "AccessDenied")
    # Expired beats scope: TokenExpired even when the scope is missing too.
    expired = {"Authorization": f"Bearer {issue_token(subject, key, -10, scopes=())}"}
    pact_error(client.get("/3/footprints", headers=expired), 401, "TokenExpired")
    pact_error(client.get(one, headers=expired), 401, "TokenExpired")
    # Missing or malformed token: BadRequest.
    assert "authorization" in pact_error(client.get("/3/footprints"), 400, "BadRequest")
    pact_error(client.get(one, headers={"Authorization": "Bearer not-a-jwt"}), 400, "BadRequest")
    # A token signed with another key is not this host's: BadRequest, whatever its scopes.
    forged = {"Authorization": f"Bearer {issue_token(subject, 'another-key-' + 'y' * 32, 60)}"}
    pact_error(client.get("/3/footprints", headers=forged), 400, "BadRequest")
