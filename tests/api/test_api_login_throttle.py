"""Sign-in back-off (services.login_throttle) and password hashing off the request threads
(services.security): the token endpoint and the web sign-in form.

The back-off runs on a clock the tests move, so "until the wait is over" is checked without
sleeping. The hashing tests block the argon2 verification itself (a hasher that waits for an
event) and send a burst of sign-ins through a real server, whose request handlers are limited
to two threads: ``/health`` must answer while every sign-in waits for the one hashing slot.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from api_support import ADMIN_PASSWORD
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from server_support import running_server

from batterycarbon.api import create_app
from batterycarbon.api.settings import Settings
from batterycarbon.services import security
from batterycarbon.services.accounts import (
    ApiClientIn,
    UserIn,
    authenticate_user,
    bootstrap_admin,
    create_api_client,
    register_user,
)
from batterycarbon.services.errors import TooManyAttempts
from batterycarbon.services.login_throttle import (
    ACCOUNT_FREE_FAILURES,
    ADDRESS_FREE_FAILURES,
    BACKOFF_MAX_SECONDS,
    LoginThrottle,
)
from batterycarbon.services.security import HashingWorkers
from batterycarbon.store import session_factory
from batterycarbon.store.testing import migrated_database

BOB_PASSWORD = "second account passphrase, tests only"  # test-only credential


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, dict[str, str]]]:
    url = migrated_database("sqlite", str(tmp_path_factory.mktemp("throttle")))
    app = create_app(Settings(database_url=url, jwt_secret=SecretStr("throttle-key-" + "x" * 32)))
    with session_factory(app.state.engine)() as session:
        bootstrap_admin(session, "root", ADMIN_PASSWORD)
        admin = authenticate_user(session, "root", ADMIN_PASSWORD)
        user = UserIn(organization_id=admin.organization_id, username="bob", password=BOB_PASSWORD)
        register_user(session, admin, user)
        client = create_api_client(
            session, admin, ApiClientIn(organization_id=admin.organization_id, name="feeder")
        )
    yield app, {"client_id": client.client_id, "client_secret": client.client_secret}
    app.state.engine.dispose()


@pytest.fixture
def clock(world: tuple[FastAPI, dict[str, str]]) -> Clock:
    """A fresh back-off on a clock the test moves."""
    clock = Clock()
    world[0].state.login_throttle = LoginThrottle(clock=clock)
    return clock


def password_form(username: str, password: str) -> dict[str, str]:
    return {"grant_type": "password", "username": username, "password": password}


def test_40_wrong_passwords_back_off_and_even_the_right_one_waits(
    world: tuple[FastAPI, dict[str, str]], clock: Clock
) -> None:
    app, _ = world
    with TestClient(app, client=("198.51.100.7", 40000)) as attacker:
        statuses = [
            attacker.post("/auth/token", data=password_form("root", f"guess {i}")).status_code
            for i in range(40)
        ]
        assert statuses[:ACCOUNT_FREE_FAILURES] == [401] * ACCOUNT_FREE_FAILURES
        assert set(statuses[ACCOUNT_FREE_FAILURES:]) == {429}
        refused = attacker.post("/auth/token", data=password_form("root", ADMIN_PASSWORD))
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "1"
        error = refused.json()["errors"][0]
        assert error["field"] == "username"
        assert "too many failed sign-ins for this account" in error["message"]
        # Another account from the same address is not held back.
        assert (
            attacker.post("/auth/token", data=password_form("bob", BOB_PASSWORD)).status_code == 200
        )
    with TestClient(app, client=("203.0.113.9", 40001)) as elsewhere:
        # The account waits wherever the attempt comes from ...
        assert (
            elsewhere.post("/auth/token", data=password_form("root", ADMIN_PASSWORD)).status_code
            == 429
        )
        # ... until its wait is over; then the right password works and clears the failures.
        clock.now += 1.0
        assert (
            elsewhere.post("/auth/token", data=password_form("root", ADMIN_PASSWORD)).status_code
            == 200
        )
        assert elsewhere.post("/auth/token", data=password_form("root", "wrong")).status_code == 401


def test_the_wait_doubles_up_to_its_cap(
    world: tuple[FastAPI, dict[str, str]], clock: Clock
) -> None:
    app, _ = world
    waits = []
    with TestClient(app, client=("198.51.100.8", 40000)) as attacker:
        for _ in range(ACCOUNT_FREE_FAILURES + 12):
            response = attacker.post("/auth/token", data=password_form("bob", "not it"))
            assert response.status_code == 401
            refused = attacker.post("/auth/token", data=password_form("bob", "not it"))
            if refused.status_code == 429:
                waits.append(int(refused.headers["retry-after"]))
                clock.now += waits[-1]
    assert waits[:5] == [1, 2, 4, 8, 16]
    assert waits[-1] == BACKOFF_MAX_SECONDS


def test_client_credentials_are_throttled_too(
    world: tuple[FastAPI, dict[str, str]], clock: Clock
) -> None:
    app, client = world
    form = {"grant_type": "client_credentials", "client_id": client["client_id"]}
    with TestClient(app) as http:
        for i in range(ACCOUNT_FREE_FAILURES):
            assert (
                http.post("/auth/token", data={**form, "client_secret": f"wrong {i}"}).status_code
                == 400
            )
        refused = http.post("/auth/token", data={**form, "client_secret": client["client_secret"]})
        assert refused.status_code == 429
        assert refused.json()["errors"][0]["field"] == "client_id"
        clock.now += 1.0
        assert (
            http.post(
                "/auth/token", data={**form, "client_secret": client["client_secret"]}
            ).status_code
            == 200
        )


def test_the_web_sign_in_form_says_how_long_to_wait(
    world: tuple[FastAPI, dict[str, str]], clock: Clock
) -> None:
    app, _ = world
    with TestClient(app, client=("198.51.100.9", 40000)) as browser:
        page = browser.get("/sign-in")
        csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        form = {"username": "bob", "csrf_token": csrf}
        for i in range(ACCOUNT_FREE_FAILURES):
            assert browser.post("/sign-in", data={**form, "password": f"no {i}"}).status_code == 401
        page = browser.post(
            "/sign-in", data={**form, "password": BOB_PASSWORD}, follow_redirects=False
        )
        assert page.status_code == 429
        assert page.headers["retry-after"] == "1"
        assert (
            "Too many failed sign-ins for this account; wait 1 s before trying again." in page.text
        )
        clock.now += 1.0
        page = browser.post(
            "/sign-in", data={**form, "password": BOB_PASSWORD}, follow_redirects=False
        )
        assert (page.status_code, page.headers["location"]) == (303, "/dashboard")


def test_one_address_spraying_many_accounts_backs_off() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock=clock)
    for i in range(ADDRESS_FREE_FAILURES):
        throttle.check(f"user:someone{i}", "192.0.2.1", "username")
        throttle.failed(f"user:someone{i}", "192.0.2.1")
    with pytest.raises(TooManyAttempts, match="from this address") as refused:
        throttle.check("user:next", "192.0.2.1", "username")
    assert refused.value.retry_after_seconds == 1
    throttle.check("user:next", "192.0.2.2", "username")  # another address is not held back
    # A success clears the account's failures, not the address's.
    throttle.succeeded("user:someone0")
    with pytest.raises(TooManyAttempts):
        throttle.check("user:someone0", "192.0.2.1", "username")
    clock.now += 1.0
    throttle.check("user:someone0", "192.0.2.1", "username")


def test_memory_is_bounded_and_locked_entries_are_kept_longest() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock=clock, account_free=2, max_entries=100)
    for _ in range(2):
        throttle.failed("user:victim", "192.0.2.1")  # locked for a second
    for i in range(1000):
        throttle.accounts.failed(f"user:random{i}")
        clock.now += 0.0001
    assert len(throttle.accounts) <= 100
    with pytest.raises(TooManyAttempts):
        throttle.check("user:victim", "192.0.2.3", "username")


class BlockingHasher:
    """Argon2 whose verification waits until ``release`` is set, counting the ones inside."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.inside = 0
        self.most_inside = 0

    def hash(self, secret: str) -> str:
        return str(self.real.hash(secret))

    def verify(self, stored: str, secret: str) -> bool:
        with self.lock:
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
        try:
            assert self.release.wait(timeout=60), "the test never released the hasher"
            return bool(self.real.verify(stored, secret))
        finally:
            with self.lock:
                self.inside -= 1


@pytest.fixture(scope="module")
def server_url(world: tuple[FastAPI, dict[str, str]]) -> Iterator[str]:
    with running_server(world[0]) as url:
        yield url


@pytest.fixture
def blocked(
    server_url: str, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, BlockingHasher, HashingWorkers]]:
    hasher = BlockingHasher(security._hasher)
    workers = HashingWorkers(concurrency=1, max_waiting=4)
    monkeypatch.setattr(security, "_hasher", hasher)
    monkeypatch.setattr(security, "hashing_workers", workers)
    try:
        yield server_url, hasher, workers
    finally:
        hasher.release.set()


def wait_until(condition: Any, seconds: float = 30.0) -> bool:
    """Whether ``condition()`` came true within ``seconds``."""
    event = threading.Event()
    for _ in range(int(seconds / 0.05)):
        if condition():
            return True
        event.wait(0.05)
    return False


def test_health_answers_while_sign_ins_wait_for_the_hashing_slot(
    blocked: tuple[str, BlockingHasher, HashingWorkers],
) -> None:
    url, hasher, workers = blocked
    burst = 5  # the slot's one and max_waiting=4: none refused
    with ThreadPoolExecutor(burst) as pool:
        forms = [password_form(f"nobody{uuid.uuid4().hex[:8]}", "wrong") for _ in range(burst)]
        replies = [pool.submit(httpx.post, f"{url}/auth/token", data=f, timeout=60) for f in forms]
        assert wait_until(lambda: hasher.inside >= 1), "no sign-in reached the hasher"
        wait_until(lambda: workers.pending == burst, seconds=10)  # the rest of the burst queued
        # Both request-handler threads are free: the sign-ins wait off them.
        health = httpx.get(f"{url}/health", timeout=30)
        assert health.status_code == 200
        hasher.release.set()
        assert [r.result().status_code for r in replies] == [401] * burst
    assert hasher.most_inside == 1


def test_a_full_hashing_queue_answers_503_with_retry_after(
    blocked: tuple[str, BlockingHasher, HashingWorkers],
) -> None:
    url, hasher, workers = blocked
    with ThreadPoolExecutor(5) as pool:
        forms = [password_form(f"nobody{uuid.uuid4().hex[:8]}", "wrong") for _ in range(5)]
        replies = [pool.submit(httpx.post, f"{url}/auth/token", data=f, timeout=60) for f in forms]
        assert wait_until(lambda: workers.pending == 5), "the queue did not fill"
        refused = httpx.post(
            f"{url}/auth/token", data=password_form("root", ADMIN_PASSWORD), timeout=30
        )
        assert refused.status_code == 503
        assert int(refused.headers["retry-after"]) >= 1
        assert "waiting for password hashing" in refused.json()["detail"]
        hasher.release.set()
        assert [r.result().status_code for r in replies] == [401] * 5
