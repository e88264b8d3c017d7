"""Fuzz the API against its own OpenAPI document (schemathesis): whatever the input, no 5xx.

Every operation gets a bounded number of generated requests, sent twice: with a supplier's
token and with the platform administrator's, so that both the role checks and the code behind
them see the generated input. SQLite only, to keep the run short (about half a minute).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from argon2.profiles import CHEAPEST
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from pydantic import SecretStr
from schemathesis.checks import not_a_server_error

from batterycarbon.api import create_app
from batterycarbon.api.settings import Settings
from batterycarbon.services.accounts import (
    OrganizationIn,
    UserIn,
    authenticate_user,
    bootstrap_admin,
    register_organization,
    register_user,
)
from batterycarbon.services.dataset_excel import XLSX_MEDIA_TYPE
from batterycarbon.services.security import use_hash_parameters
from batterycarbon.store import session_factory

PASSWORD = "fuzzing passphrase only"  # test-only credential
MAX_EXAMPLES = 12
TOKENS: dict[str, dict[str, str]] = {}


@pytest.fixture(scope="module")
def fuzz_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    use_hash_parameters(CHEAPEST)
    folder: Path = tmp_path_factory.mktemp("fuzz")
    settings_ = Settings(database_url=f"sqlite:///{folder}/fuzz.sqlite3", jwt_secret=SecretStr("fuzz-key-" + "x" * 32))  # fmt: skip
    app = create_app(settings_)
    with session_factory(app.state.engine)() as session:
        bootstrap_admin(session, "root", PASSWORD)
        admin = authenticate_user(session, "root", PASSWORD)
        org = register_organization(session, admin, OrganizationIn(name="Fuzz Supplier", roles=["supplier", "manufacturer"]))  # fmt: skip
        register_user(session, admin, UserIn(organization_id=org.id, username="supplier", password=PASSWORD))  # fmt: skip
    with TestClient(app) as client:
        for username in ("root", "supplier"):
            token = client.post("/auth/token", data={"grant_type": "password", "username": username, "password": PASSWORD}).json()  # fmt: skip
            TOKENS[username] = {"Authorization": f"Bearer {token['access_token']}"}
        yield schemathesis.openapi.from_asgi("/openapi.json", app)
    app.state.engine.dispose()


@schemathesis.serializer(XLSX_MEDIA_TYPE)
def _xlsx_bytes(ctx: Any, value: Any) -> bytes:
    """Generated "binary" bodies for the Excel upload: sent as they are (garbage workbooks)."""
    return value if isinstance(value, bytes) else str(value).encode()


schema = schemathesis.pytest.from_fixture("fuzz_schema")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_errors(case: Any) -> None:
    for headers in TOKENS.values():
        case.call_and_validate(headers=headers, checks=[not_a_server_error])
