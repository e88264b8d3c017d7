"""Fuzz the API against its own OpenAPI document (schemathesis): whatever the input, no 5xx,
and every response of a documented status matches its documented schema and content type.

Every operation gets schemathesis's examples and coverage cases and :data:`MAX_EXAMPLES`
generated requests, sent in turn with a supplier's token and with the platform administrator's,
so that both the role checks and the code behind them see the generated input (each request
once: twice as many requests for the time of sending each with both); on PostgreSQL,
:data:`MAX_EXAMPLES_POSTGRES` with the administrator's token, to keep the run near a minute.
Hypothesis's health checks all stay on (none fails on this schema).

Besides what schemathesis generates from the schema (valid and invalid values, NUL bytes in
strings), a JSON body or query string it generates is either sent as it is or with one value
from :data:`UNUSUAL_VALUES` in place of one of its own (hypothesis chooses; only generated
requests carry one, as the coverage and example phases send schema values only). The unusual values: NaN and Infinity (sent as the bare
tokens Python's and many other JSON encoders write), numbers beyond any bound or any 64-bit
integer, ``true`` for a number, control characters, a lone surrogate, and a string that makes
the body larger than the platform's JSON body limit. JSON bodies are encoded here for that
(:func:`_json_bytes`): non-ASCII as escapes, so that a lone surrogate travels as ``\ud800``.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from argon2.profiles import CHEAPEST
from fastapi.testclient import TestClient
from hypothesis import settings
from hypothesis import strategies as st
from pydantic import SecretStr
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from batterycarbon.api import create_app
from batterycarbon.api.limits import JSON_BODY_BYTES
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
from batterycarbon.store.testing import migrated_database

PASSWORD = "fuzzing passphrase only"  # test-only credential
#: Generated requests per operation on SQLite (measured on 2 cores: the SQLite run takes about
#: 40 s, the PostgreSQL run about 25 s; the run with 12, each request sent with both tokens
#: and no schema check, took 37 s and 30 s).
MAX_EXAMPLES = 25
#: Examples per operation on PostgreSQL: fewer, as each request costs more there.
MAX_EXAMPLES_POSTGRES = 6
TOKENS: dict[str, dict[str, dict[str, str]]] = {}
#: Who sends the next SQLite request: the supplier and the administrator in turn.
SENDERS = itertools.cycle(("supplier", "root"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
#: Values no schema allows, one of which replaces a generated value (see the module docstring).
UNUSUAL_VALUES: tuple[Any, ...] = (
    math.nan,
    math.inf,
    -math.inf,
    1e308,
    -1e308,
    2**63,
    -(2**63) - 1,
    10**30,
    True,
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "\x7f",
    "\x85",
    "\ud800",
    "x\ud800y",
    "two\nlines",
    "x" * (JSON_BODY_BYTES + 1),
)
#: Query strings get the same as text.
UNUSUAL_QUERY_VALUES = (
    "NaN",
    "Infinity",
    "-inf",
    "1e308",
    str(2**63),
    str(10**30),
    "true",
    "\x00",
    "\x1b[31m",
    "\x85",
    "two\nlines",
)


def _fuzzed(database_url: str, backend: str) -> Iterator[Any]:
    """The schema of an app on ``database_url`` with an administrator and a supplier, whose
    tokens go to ``TOKENS[backend]``."""
    use_hash_parameters(CHEAPEST)
    settings_ = Settings(database_url=database_url, jwt_secret=SecretStr("fuzz-key-" + "x" * 32))
    app = create_app(settings_)
    with session_factory(app.state.engine)() as session:
        bootstrap_admin(session, "root", PASSWORD)
        admin = authenticate_user(session, "root", PASSWORD)
        org = register_organization(
            session, admin, OrganizationIn(name="Fuzz Supplier", roles=["supplier", "manufacturer"])
        )
        register_user(
            session, admin, UserIn(organization_id=org.id, username="supplier", password=PASSWORD)
        )
    with TestClient(app) as client:
        for username in ("root", "supplier"):
            token = client.post(
                "/auth/token",
                data={"grant_type": "password", "username": username, "password": PASSWORD},
            ).json()
            auth = {"Authorization": f"Bearer {token['access_token']}"}
            TOKENS.setdefault(backend, {})[username] = auth
        # POST /auth/revoke takes no input to fuzz, and it would end the tokens above for every
        # operation fuzzed after it (tests/api/test_api_accounts.py tests it).
        schema_ = schemathesis.openapi.from_asgi("/openapi.json", app)
        schema_ = schema_.exclude(method="POST", path="/auth/revoke")
        schema_.hook("flatmap_body")(_unusual_body)
        schema_.hook("flatmap_query")(_unusual_query)
        yield schema_
    app.state.engine.dispose()


@pytest.fixture(scope="module")
def fuzz_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    yield from _fuzzed(f"sqlite:///{folder}/fuzz.sqlite3", "sqlite")


@pytest.fixture(scope="module")
def fuzz_schema_postgres(
    postgres_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    url = migrated_database("postgresql", str(tmp_path_factory.mktemp("db")), postgres_database)
    yield from _fuzzed(url, "postgresql")


def _leaves(document: Any) -> list[tuple[Any, Any]]:
    """(container, key or index) of every value inside ``document`` (dicts and lists)."""
    found: list[tuple[Any, Any]] = []
    stack = [document]
    while stack:
        node = stack.pop()
        items = (
            node.items()
            if isinstance(node, dict)
            else enumerate(node)
            if isinstance(node, list)
            else ()
        )
        for key, value in items:
            found.append((node, key))
            stack.append(value)
    return found


def _with_unusual(document: Any, value: Any, position: int) -> Any:
    """A copy of ``document`` with ``value`` in place of the value at ``position`` (modulo the
    number of values; a scalar or empty document is replaced whole)."""
    copied = copy.deepcopy(document)
    leaves = _leaves(copied)
    if not leaves:
        return value
    container, key = leaves[position % len(leaves)]
    container[key] = value
    return copied


def _encodable(value: Any) -> bool:
    """Whether a form body can carry ``value``: its text must encode as UTF-8 (no surrogate)."""
    return not isinstance(value, str) or not any("\ud800" <= c <= "\udfff" for c in value)


def _unusual_body(context: Any, body: Any) -> Any:
    if not isinstance(body, (dict, list)):
        return st.just(body)
    media_types = {alternative.media_type for alternative in context.operation.body}
    values = UNUSUAL_VALUES
    if media_types != {"application/json"}:
        values = tuple(v for v in UNUSUAL_VALUES if _encodable(v))
    unusual = st.builds(_with_unusual, st.just(body), st.sampled_from(values), st.integers(0, 1000))
    return st.one_of(st.just(body), unusual)


def _unusual_query(context: Any, query: Any) -> Any:
    if not query:
        return st.just(query)
    unusual = st.builds(
        _with_unusual, st.just(query), st.sampled_from(UNUSUAL_QUERY_VALUES), st.integers(0, 1000)
    )
    return st.one_of(st.just(query), unusual)


@schemathesis.serializer("application/json")
def _json_bytes(ctx: Any, value: Any) -> bytes:
    """JSON as a careless or hostile client may send it: NaN and Infinity as bare tokens (what
    ``json.dumps`` writes by default), a lone surrogate as its escape."""
    if isinstance(value, bytes):
        return value
    return json.dumps(value, ensure_ascii=True, allow_nan=True).encode()


@schemathesis.serializer(XLSX_MEDIA_TYPE)
def _xlsx_bytes(ctx: Any, value: Any) -> bytes:
    """Generated "binary" bodies for the Excel upload: sent as they are (garbage workbooks)."""
    return value if isinstance(value, bytes) else str(value).encode()


schema = schemathesis.pytest.from_fixture("fuzz_schema")
schema_postgres = schemathesis.pytest.from_fixture("fuzz_schema_postgres")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
)
def test_no_server_errors(case: Any) -> None:
    case.call_and_validate(headers=TOKENS["sqlite"][next(SENDERS)], checks=CHECKS)


@schema_postgres.parametrize()
@settings(
    max_examples=MAX_EXAMPLES_POSTGRES,
    deadline=None,
    derandomize=True,
)
def test_no_server_errors_on_postgresql(case: Any) -> None:
    """The same on PostgreSQL, which refuses values SQLite stores (a NUL in text was a 500
    there): fewer examples, with the administrator's token only, to keep the run short."""
    case.call_and_validate(headers=TOKENS["postgresql"]["root"], checks=CHECKS)
