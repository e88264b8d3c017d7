"""Kill the server (SIGKILL) in the middle of a loop of large CSV uploads; after a restart every
upload is either fully present or absent, every acknowledged upload is present, and the audit
chain verifies (over HTTP and with ``batterycarbon audit verify``). Kill it while a background
job runs: once its lease has passed, the restarted server reports the job failed, saying why.

The server is the real thing: ``batterycarbon serve`` (uvicorn) on a temporary SQLite file, in
a subprocess.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tls_support import free_port

from batterycarbon.services.accounts import (
    OrganizationIn,
    UserIn,
    authenticate_user,
    bootstrap_admin,
    register_organization,
    register_user,
)
from batterycarbon.services.calculations import CalculationIn, calculate_design
from batterycarbon.services.context import Actor
from batterycarbon.services.factor_releases import import_bundled_releases
from batterycarbon.services.products import EXAMPLE_DESIGN, ProductIn, create_product
from batterycarbon.store import AuditEvent, SupplierDataset, make_engine, session_factory, upgrade

PASSWORD = "crash test passphrase"  # test-only credential
ROWS_PER_UPLOAD = 150
UPLOADS = 40
KILL_AFTER = 3  # acknowledged uploads before the kill is armed
CLI = str(Path(sys.executable).with_name("batterycarbon"))


def _environment(url: str, home: Path) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "BATTERYCARBON_JWT_SECRET": "crash-" + "k" * 40, "HOME": str(home), "XDG_DATA_HOME": str(home)}  # fmt: skip


@contextmanager
def server(url: str, home: Path, **settings: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    process = subprocess.Popen(
        [CLI, "serve", "--port", str(port)], env={**_environment(url, home), **settings},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError("the server did not start within 30 s")
        yield process, base
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(10)


@contextmanager
def database_with_user(url: str, username: str, organization: str, role: str) -> Iterator[tuple[Session, Actor]]:  # fmt: skip
    """A migrated database at ``url`` with the bundled releases, the administrator ``root`` and
    one user of a new organization holding ``role``; yields a session and that user."""
    upgrade(url)
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            import_bundled_releases(session)
            bootstrap_admin(session, "root", PASSWORD)
            admin = authenticate_user(session, "root", PASSWORD)
            org = register_organization(session, admin, OrganizationIn(name=organization, roles=[role]))  # fmt: skip
            register_user(session, admin, UserIn(organization_id=org.id, username=username, password=PASSWORD))  # fmt: skip
            yield session, authenticate_user(session, username, PASSWORD)
    finally:
        engine.dispose()


def _upload(number: int) -> str:
    """A CSV of ``ROWS_PER_UPLOAD`` rows, each naming its upload in the evidence column."""
    rows = [f"cam_ncm811,{25 + (i % 10) / 10},kg CO2e / kg,KR,2023,2,upload-{number}.pdf" for i in range(ROWS_PER_UPLOAD)]  # fmt: skip
    return "flow,value,unit,region,year,dqr,evidence\n" + "\n".join(rows) + "\n"


def test_sigkill_mid_upload_loses_nothing_acknowledged_and_keeps_the_chain(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/crash.sqlite3"
    with database_with_user(url, "cam", "Cathode Co", "supplier"):
        pass

    acknowledged: list[int] = []
    attempted: list[int] = []
    with server(url, tmp_path) as (process, base):
        token = httpx.post(f"{base}/auth/token", data={"grant_type": "password", "username": "cam", "password": PASSWORD}).json()  # fmt: skip
        headers = {"Authorization": f"Bearer {token['access_token']}", "Content-Type": "text/csv"}
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            for number in range(UPLOADS):
                if len(acknowledged) == KILL_AFTER and number == len(attempted):
                    # Kill while the next upload is being processed, not between two.
                    threading.Timer(0.15, process.send_signal, (signal.SIGKILL,)).start()
                attempted.append(number)
                try:
                    response = client.post("/datasets/csv", content=_upload(number))
                except httpx.TransportError:
                    break
                assert response.status_code == 201, response.text
                acknowledged.append(number)
        process.wait(10)
        assert process.returncode == -signal.SIGKILL
    assert len(acknowledged) < UPLOADS, "the server was not killed during the loop"

    engine = make_engine(url)
    with session_factory(engine)() as session:
        evidence = session.scalars(select(SupplierDataset.evidence)).all()
    counts = {number: 0 for number in attempted}
    for (reference,) in evidence:
        counts[int(reference.removeprefix("upload-").removesuffix(".pdf"))] += 1
    assert {n: c for n, c in counts.items() if c not in (0, ROWS_PER_UPLOAD)} == {}, "partial uploads"  # fmt: skip
    assert all(counts[n] == ROWS_PER_UPLOAD for n in acknowledged), "acknowledged upload lost"
    with session_factory(engine)() as session:
        submitted = session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "dataset.submitted"))  # fmt: skip
        assert submitted == sum(counts.values())
    engine.dispose()

    with server(url, tmp_path) as (_, base):  # restarts cleanly on the same file
        token = httpx.post(f"{base}/auth/token", data={"grant_type": "password", "username": "cam", "password": PASSWORD}).json()  # fmt: skip
        report = httpx.get(f"{base}/audit/verify", headers={"Authorization": f"Bearer {token['access_token']}"}).json()  # fmt: skip
        assert report["ok"] is True
    verify = subprocess.run([CLI, "audit", "verify"], env=_environment(url, tmp_path), capture_output=True, text=True, timeout=60)  # fmt: skip
    assert verify.returncode == 0 and "audit chain intact" in verify.stdout, verify.stderr


def test_sigkill_mid_job_leaves_a_job_the_restarted_server_reports_failed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/jobs.sqlite3"
    with database_with_user(url, "cell", "Cell Co", "manufacturer") as (session, cell):
        product = create_product(session, cell, ProductIn(name="EV pack", design=EXAMPLE_DESIGN))
        calculation = calculate_design(session, cell, CalculationIn(design_version_id=product.designs[0].id))  # fmt: skip

    def headers(base: str) -> dict[str, str]:
        token = httpx.post(f"{base}/auth/token", data={"grant_type": "password", "username": "cell", "password": PASSWORD}).json()  # fmt: skip
        return {"Authorization": f"Bearer {token['access_token']}"}

    lease = {"BATTERYCARBON_JOB_LEASE_SECONDS": "2"}
    with server(url, tmp_path, **lease) as (process, base):
        auth = headers(base)
        job = httpx.post(f"{base}/calculations/{calculation.id}/uncertainty", json={"runs": 500_000, "seed": 1}, headers=auth, timeout=30).json()  # fmt: skip
        deadline = time.monotonic() + 30
        while httpx.get(f"{base}/jobs/{job['id']}", headers=auth).json()["state"] != "running":
            assert time.monotonic() < deadline, "the job never started"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    with server(url, tmp_path, **lease) as (_, base):
        auth = headers(base)
        deadline = time.monotonic() + 30
        while (seen := httpx.get(f"{base}/jobs/{job['id']}", headers=auth).json())["state"] == "running":  # fmt: skip
            assert time.monotonic() < deadline, "the job was never given up"
            time.sleep(0.1)
        assert seen["state"] == "failed" and seen["result"] is None
        assert "the server process running this job stopped" in seen["error"]
    verify = subprocess.run([CLI, "audit", "verify"], env=_environment(url, tmp_path), capture_output=True, text=True, timeout=60)  # fmt: skip
    assert verify.returncode == 0 and "audit chain intact" in verify.stdout, verify.stderr
