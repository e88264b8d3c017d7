"""The platform commands as an operator runs them: migrate, demo data, audit verify, serve over
HTTPS, pact-pull option checks."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy
from tls_support import free_port, self_signed
from typer.testing import CliRunner

from batterycarbon.cli import app

runner = CliRunner()


@pytest.fixture()
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'platform.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def test_upgrade_demo_data_and_audit_verify(database: str):
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["demo-data", "--format", "json"])
    assert result.exit_code == 0, result.output
    accounts = json.loads(result.stdout)["accounts"]
    roles = {a["role"] for a in accounts}
    assert {"supplier", "manufacturer", "verifier", "regulator"} <= roles
    assert len({a["password"] for a in accounts}) == len(accounts)  # generated, never fixed
    again = runner.invoke(app, ["demo-data"])
    assert again.exit_code == 2  # an existing chain is never overwritten
    verified = runner.invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0 and "audit chain intact" in verified.output


def test_audit_verify_names_the_tampered_event(database: str):
    assert runner.invoke(app, ["demo-data", "--format", "json"]).exit_code == 0
    engine = sqlalchemy.create_engine(database)
    pick = sqlalchemy.text("SELECT seq FROM audit_events ORDER BY seq LIMIT 1 OFFSET 5")
    edit = sqlalchemy.text("UPDATE audit_events SET content = content || ' ' WHERE seq = :seq")
    with engine.begin() as connection:
        seq = connection.execute(pick).scalar_one()
        connection.execute(sqlalchemy.text("DROP TRIGGER audit_events_no_update"))
        connection.execute(edit, {"seq": seq})
    engine.dispose()
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert f"audit chain broken at event {seq}" in result.output + (result.stderr or "")


def test_serve_tls_options_both_or_neither(database: str, tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    only_cert = runner.invoke(app, ["serve", "--tls-cert", str(cert)])
    assert only_cert.exit_code == 2 and "--tls-key" in only_cert.output
    only_key = runner.invoke(app, ["serve", "--tls-key", str(key)])
    assert only_key.exit_code == 2 and "--tls-cert" in only_key.output
    missing = runner.invoke(app, ["serve", "--tls-cert", str(tmp_path / "none.crt"), "--tls-key", str(key)])  # fmt: skip
    assert missing.exit_code == 2 and "--tls-cert" in missing.output
    swapped = runner.invoke(app, ["serve", "--tls-cert", str(key), "--tls-key", str(cert)])
    assert swapped.exit_code == 2 and "--tls-cert/--tls-key" in swapped.output


def test_serve_over_https_with_a_self_signed_certificate(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'tls.sqlite3'}", "BATTERYCARBON_JWT_SECRET": "tls-" + "k" * 40, "HOME": str(tmp_path)}  # fmt: skip
    cli = str(Path(sys.executable).with_name("batterycarbon"))
    process = subprocess.Popen([cli, "serve", "--port", str(port), "--tls-cert", str(cert), "--tls-key", str(key)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    try:
        deadline, answer = time.monotonic() + 60, None
        while answer is None and time.monotonic() < deadline and process.poll() is None:
            try:
                answer = httpx.get(f"https://127.0.0.1:{port}/health", verify=ssl.create_default_context(cafile=str(cert)), timeout=2)  # fmt: skip
            except httpx.TransportError:
                time.sleep(0.2)
        assert answer is not None, "the HTTPS server did not answer within 60 s"
        assert answer.status_code == 200 and answer.url.scheme == "https"
        # The same port refuses plain HTTP (it speaks TLS only), and an untrusting client fails.
        with pytest.raises(httpx.TransportError):
            httpx.get(f"https://127.0.0.1:{port}/health", timeout=2)
        plain = None
        with contextlib.suppress(httpx.TransportError):
            plain = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
        assert plain is None or plain.status_code != 200
    finally:
        process.terminate()
        process.wait(15)


def test_pact_pull_refuses_bad_options_before_connecting(database: str) -> None:
    common = ["--client-id", "bc_x", "--client-secret", "s"]
    bad_flow = runner.invoke(app, ["pact-pull", "https://host.example", *common, "--token-url", "https://host.example/auth/token", "--flow", "cam_ncm811"])  # fmt: skip
    assert bad_flow.exit_code == 2 and "--flow" in bad_flow.output
    bad_url = runner.invoke(app, ["pact-pull", "host.example", *common, "--token-url", "https://host.example/auth/token"])  # fmt: skip
    assert bad_url.exit_code == 2 and "URL" in bad_url.output
    bad_token_url = runner.invoke(app, ["pact-pull", "https://host.example", *common, "--token-url", "ftp://x/auth/token"])  # fmt: skip
    assert bad_token_url.exit_code == 2 and "--token-url" in bad_token_url.output
    # Nothing listens here: the connection error is named, exit 2, nothing stored.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    unreachable = runner.invoke(app, ["pact-pull", f"http://127.0.0.1:{port}", *common, "--token-url", f"http://127.0.0.1:{port}/auth/token"])  # fmt: skip
    assert unreachable.exit_code == 2 and "cannot connect" in unreachable.output
    assert sqlalchemy.create_engine(database).connect().execute(sqlalchemy.text("SELECT count(*) FROM supplier_datasets")).scalar_one() == 0  # fmt: skip


def test_purge_idempotency_keys_command(database: str) -> None:
    done = runner.invoke(app, ["db", "purge-idempotency-keys", "--older-than-days", "7"])
    assert done.exit_code == 0, done.output
    assert "0 idempotency key(s) older than 7 days forgotten" in done.output
    refused = runner.invoke(app, ["db", "purge-idempotency-keys", "--older-than-days", "0"])
    assert refused.exit_code == 2 and "older_than_days" in refused.output
