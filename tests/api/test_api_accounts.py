"""Accounts over the API: the password policy on registration; changing one's password,
disabling an account and revoking a token end the account's tokens; who may do which."""

from __future__ import annotations

from typing import Any, get_args

from api_support import ADMIN_PASSWORD
from fastapi.testclient import TestClient
from test_api_chain import PASSWORD, login, ok

from batterycarbon.api import create_app
from batterycarbon.api.deps import ActorCache
from batterycarbon.services.accounts import MAX_ROLES, Role
from batterycarbon.services.login_throttle import ACCOUNT_FREE_FAILURES


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


def _user(client: TestClient, admin: dict[str, str], org_id: str, username: str, org_admin: bool = False) -> dict[str, Any]:  # fmt: skip
    body = {"organization_id": org_id, "username": username, "password": PASSWORD, "is_org_admin": org_admin}  # fmt: skip
    return ok(client.post("/users", headers=admin, json=body), 201)


def _org(client: TestClient, admin: dict[str, str], name: str) -> str:
    body = {"name": name, "roles": ["supplier"]}
    return str(ok(client.post("/organizations", headers=admin, json=body), 201)["id"])


def _works(client: TestClient, headers: dict[str, str]) -> bool:
    status = client.get("/organizations", headers=headers).status_code
    assert status in (200, 401)
    return status == 200


def test_a_password_change_ends_every_token_of_the_account(client: TestClient) -> None:
    admin = login(client, "root", ADMIN_PASSWORD)
    _user(client, admin, _org(client, admin, "Anode Co"), "jin.park")
    first, second = login(client, "jin.park"), login(client, "jin.park")
    assert _works(client, first) and _works(client, second)  # the server now caches the account
    new = "seven quiet anodes in a row"
    for body, field in [
        ({"current_password": "a wrong passphrase", "new_password": new}, "current_password"),
        ({"current_password": PASSWORD, "new_password": "Password2024!"}, "new_password"),
        ({"current_password": PASSWORD, "new_password": PASSWORD}, "new_password"),
    ]:
        refused = client.post("/users/me/password", headers=first, json=body)
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == [field]
        assert all(value not in refused.text for value in body.values())
        assert _works(client, first)  # nothing changed
    changed = client.post("/users/me/password", headers=first, json={"current_password": PASSWORD, "new_password": new})  # fmt: skip
    assert changed.status_code == 204, changed.text
    assert not _works(client, first) and not _works(client, second)
    refused = client.get("/organizations", headers=first).json()
    assert "revoked" in refused["detail"]
    token = client.post("/auth/token", data={"grant_type": "password", "username": "jin.park", "password": PASSWORD})  # fmt: skip
    assert token.status_code == 401
    assert _works(client, login(client, "jin.park", new))


def test_revoke_signs_a_user_or_a_client_out_everywhere(client: TestClient) -> None:
    admin = login(client, "root", ADMIN_PASSWORD)
    org_id = _org(client, admin, "Foil Co")
    _user(client, admin, org_id, "ana")
    first, second = login(client, "ana"), login(client, "ana")
    assert _works(client, second)
    assert client.post("/auth/revoke", headers=first).status_code == 204
    assert not _works(client, first) and not _works(client, second)
    assert client.post("/auth/revoke", headers=first).status_code == 401
    assert _works(client, login(client, "ana"))
    machine = ok(client.post("/api-clients", headers=admin, json={"organization_id": org_id, "name": "ERP"}), 201)  # fmt: skip
    credentials = {"grant_type": "client_credentials", "client_id": machine["client_id"], "client_secret": machine["client_secret"]}  # fmt: skip
    bearer = {"Authorization": f"Bearer {ok(client.post('/auth/token', data=credentials))['access_token']}"}  # fmt: skip
    assert _works(client, bearer)
    assert client.get("/3/footprints", headers=bearer).status_code == 200  # PACT routes too
    assert client.post("/auth/revoke", headers=bearer).status_code == 204
    assert not _works(client, bearer)
    refused = client.get("/3/footprints", headers=bearer)  # as for a deactivated account
    assert refused.status_code == 403 and refused.json()["code"] == "AccessDenied"
    again = {"Authorization": f"Bearer {ok(client.post('/auth/token', data=credentials))['access_token']}"}  # fmt: skip
    assert _works(client, again)  # the secret stays valid for new tokens


def test_disabling_a_user_ends_its_tokens_and_only_its_administrators_may(client: TestClient) -> None:  # fmt: skip
    admin = login(client, "root", ADMIN_PASSWORD)
    org_id, other_org = _org(client, admin, "Separator Co"), _org(client, admin, "Casing Co")
    boss = _user(client, admin, org_id, "boss", org_admin=True)
    worker = _user(client, admin, org_id, "worker")
    _user(client, admin, other_org, "other.boss", org_admin=True)
    _user(client, admin, org_id, "colleague")
    boss_h, worker_h = login(client, "boss"), login(client, "worker")
    assert _works(client, worker_h)
    url = f"/users/{worker['id']}"
    assert client.post(f"{url}/deactivation", headers=login(client, "colleague")).status_code == 403  # fmt: skip
    assert client.post(f"{url}/deactivation", headers=login(client, "other.boss")).status_code == 404  # fmt: skip
    assert client.post(f"/users/{boss['id']}/deactivation", headers=boss_h).status_code == 409
    assert _works(client, worker_h)  # none of those changed anything
    disabled = ok(client.post(f"{url}/deactivation", headers=boss_h))
    assert disabled["is_active"] is False
    assert not _works(client, worker_h)
    token = client.post("/auth/token", data={"grant_type": "password", "username": "worker", "password": PASSWORD})  # fmt: skip
    assert token.status_code == 401
    enabled = ok(client.post(f"{url}/activation", headers=admin))  # the platform admin may too
    assert enabled["is_active"] is True
    assert not _works(client, worker_h)  # enabling restores no old token
    assert _works(client, login(client, "worker"))
    events = ok(client.get("/audit/events", headers=admin, params={"entity_id": worker["id"]}))
    assert [e["action"] for e in events] == ["user.registered", "user.disabled", "user.enabled"]


def test_guessing_the_current_password_meets_the_sign_in_back_off(client: TestClient) -> None:
    admin = login(client, "root", ADMIN_PASSWORD)
    _user(client, admin, _org(client, admin, "Electrolyte Co"), "guessed")
    stolen = login(client, "guessed")  # a token in the wrong hands
    new = "a passphrase the thief picked"
    for attempt in range(ACCOUNT_FREE_FAILURES):
        body = {"current_password": f"guess number {attempt}", "new_password": new}
        assert client.post("/users/me/password", headers=stolen, json=body).status_code == 422
    right = {"current_password": PASSWORD, "new_password": new}
    waiting = client.post("/users/me/password", headers=stolen, json=right)
    assert waiting.status_code == 429 and int(waiting.headers["Retry-After"]) >= 1
    assert waiting.json()["errors"][0]["field"] == "current_password"
    assert _works(client, stolen)  # nothing changed


def test_another_server_process_follows_a_revocation_within_the_cache_bound(client: TestClient) -> None:  # fmt: skip
    """Two server processes on one database: the one that revoked refuses the token at once;
    the other may serve it from its account cache until BATTERYCARBON_ACTOR_CACHE_SECONDS have
    passed since it loaded the account, then refuses it too."""
    admin = login(client, "root", ADMIN_PASSWORD)
    _user(client, admin, _org(client, admin, "Busbar Co"), "roaming")
    token = login(client, "roaming")
    first: Any = client.app
    settings = first.state.settings.model_copy(update={"migrate_on_start": False})
    second_app = create_app(settings)
    try:
        clock = [1000.0]
        second_app.state.actor_cache = ActorCache(settings.actor_cache_seconds, lambda: clock[0])
        second = TestClient(second_app)
        assert _works(second, token)  # the second process loads and caches the account
        assert client.post("/auth/revoke", headers=token).status_code == 204
        assert not _works(client, token)  # at once where it was revoked
        clock[0] += settings.actor_cache_seconds - 0.1
        assert _works(second, token)  # stale within the stated bound
        clock[0] += 0.2
        assert not _works(second, token)  # reloaded: refused
    finally:
        second_app.state.engine.dispose()


def test_an_organization_lists_each_role_at_most_once(client: TestClient) -> None:
    """The roles had no maximum: a list of any length was validated and audited whole."""
    admin = login(client, "root", ADMIN_PASSWORD)
    before = ok(client.get("/organizations", headers=admin))
    body = {"name": "Many Roles Co", "roles": ["supplier"] * (MAX_ROLES + 1)}
    response = client.post("/organizations", headers=admin, json=body)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["roles"]
    assert ok(client.get("/organizations", headers=admin)) == before
    every = {"name": "Every Role Co", "roles": list(get_args(Role))}
    assert len(every["roles"]) == MAX_ROLES
    assert sorted(ok(client.post("/organizations", headers=admin, json=every), 201)["roles"]) == sorted(every["roles"])  # fmt: skip
