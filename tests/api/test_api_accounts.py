"""Accounts over the API: the password policy on registration; changing one's password,
disabling an account and revoking a token end the account's tokens; who may do which."""

from __future__ import annotations

from typing import Any

from api_support import ADMIN_PASSWORD
from fastapi.testclient import TestClient
from test_api_chain import PASSWORD, login, ok


def _organization_with_admin(client: TestClient, admin: dict[str, str], name: str, username: str) -> dict[str, Any]:  # fmt: skip
    org = ok(client.post("/organizations", headers=admin, json={"name": name, "roles": ["supplier"]}), 201)  # fmt: skip
    body = {"organization_id": org["id"], "username": username, "password": PASSWORD, "is_org_admin": True}  # fmt: skip
    return ok(client.post("/users", headers=admin, json=body), 201)


def test_registration_refuses_a_weak_password_naming_the_field(client: TestClient) -> None:
    admin = login(client, "root", ADMIN_PASSWORD)
    org = ok(client.post("/organizations", headers=admin, json={"name": "Anode Co", "roles": ["supplier"]}), 201)  # fmt: skip
    for password, rule in [
        ("Password2024!", "commonly used"),
        ("jin.park's own passphrase", "must not contain the username"),
        ("tiny pw", "too short"),
    ]:
        body = {"organization_id": org["id"], "username": "jin.park", "password": password}
        refused = client.post("/users", headers=admin, json=body)
        assert refused.status_code == 422, refused.text
        errors = refused.json()["errors"]
        assert [e["field"] for e in errors] == ["password"] and rule in errors[0]["message"]
        assert password not in refused.text
    body = {"organization_id": org["id"], "username": "jin.park", "password": PASSWORD}
    ok(client.post("/users", headers=admin, json=body), 201)  # nothing was stored before
