"""Load test of the API on loopback with wrk: reading a stored footprint and submitting a
dataset, on SQLite and on PostgreSQL.

For each database the script migrates a fresh database (a temporary SQLite file; a new
PostgreSQL database on the test server, dropped afterwards), seeds a supplier, a manufacturer
and one stored calculation, starts ``batterycarbon serve --workers N`` (uvicorn) and runs
``wrk`` for ``--seconds`` against:

- ``GET /calculations/{id}``: one stored footprint with its breakdown (about 20 kB of JSON);
- ``POST /datasets``: one supplier dataset (plausibility check, insert, audit event).

Prints throughput (requests/s) and latency percentiles (p50, p99) read from wrk's report.
``--with-calculations N`` keeps N more clients posting ``POST /calculations`` (about 60 ms of
CPU each) while the reads run, and prints how many they made and their median and slowest
time: how reads fare next to slow requests.
Target (issue 5, 2 cores): >= 500 reads/s with p99 < 50 ms on PostgreSQL.

Usage: python benchmarks/api_load.py [--seconds 10] [--connections 16] [--workers 1]
                                     [--databases sqlite postgresql] [--operations read submit]
                                     [--pool-size 5] [--server-cpus 0] [--wrk-cpus 1]
                                     [--wrk-threads 2] [--with-calculations 0]

``--pool-size`` sets ``BATTERYCARBON_DB_POOL_SIZE`` for the server (SQLAlchemy's default is 5
plus 10 overflow connections that are closed after each use). ``--server-cpus`` and
``--wrk-cpus`` pin the server and wrk to CPU lists with ``taskset -c`` so that the load
generator does not compete with the server for the same core (the PostgreSQL server is not
pinned).
Needs ``wrk`` on PATH (Debian: ``apt-get install wrk``) and, for PostgreSQL, the server named by
``$BATTERYCARBON_TEST_PG`` (default postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

from batterycarbon.services.accounts import (
    OrganizationIn,
    UserIn,
    authenticate_user,
    bootstrap_admin,
    register_organization,
    register_user,
)
from batterycarbon.services.calculations import CalculationIn, calculate_design
from batterycarbon.services.factor_releases import import_bundled_releases
from batterycarbon.services.products import EXAMPLE_DESIGN, ProductIn, create_product
from batterycarbon.store import make_engine, session_factory, upgrade
from batterycarbon.store.testing import temporary_postgres_database

PASSWORD = "load test passphrase"  # benchmark-only credential
DATASET = {"flow": "cam_ncm811", "value": 28.4, "unit": "kg CO2e / kg", "region": "KR", "year": 2023, "dqr": 1.8, "evidence": ["pcf.pdf"], "activity_data": {"electricity_kwh_per_kg": 22}}  # fmt: skip
POST_SCRIPT = """wrk.method = "POST"
wrk.body = [[{body}]]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
"""
CLI = str(Path(sys.executable).with_name("batterycarbon"))


def seed(url: str) -> str:
    """Migrate ``url``, create the accounts and one stored calculation; its id."""
    upgrade(url)
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            import_bundled_releases(session)
            bootstrap_admin(session, "root", PASSWORD)
            admin = authenticate_user(session, "root", PASSWORD)
            for username, role in (("cam", "supplier"), ("cell", "manufacturer")):
                org = register_organization(session, admin, OrganizationIn(name=username, roles=[role]))  # fmt: skip
                register_user(session, admin, UserIn(organization_id=org.id, username=username, password=PASSWORD))  # fmt: skip
            cell = authenticate_user(session, "cell", PASSWORD)
            product = create_product(session, cell, ProductIn(name="EV pack", design=EXAMPLE_DESIGN))  # fmt: skip
            calc = calculate_design(session, cell, CalculationIn(design_version_id=product.designs[0].id))  # fmt: skip
            return str(calc.id)
    finally:
        engine.dispose()


def pinned(command: list[str], cpus: str | None) -> list[str]:
    """``command`` run by ``taskset -c cpus`` (unchanged without ``cpus``)."""
    return ["taskset", "-c", cpus, *command] if cpus else command


@contextmanager
def server(url: str, home: Path, workers: int, pool_size: int | None = None, cpus: str | None = None) -> Iterator[str]:  # fmt: skip
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": url, "BATTERYCARBON_JWT_SECRET": "load-" + "k" * 40, "XDG_DATA_HOME": str(home)}  # fmt: skip
    if pool_size is not None:
        env["BATTERYCARBON_DB_POOL_SIZE"] = str(pool_size)
    process = subprocess.Popen(pinned([CLI, "serve", "--port", str(port), "--workers", str(workers)], cpus), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(15)


def _millis(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, seconds: int, connections: int, headers: dict[str, str], script: Path | None = None, threads: int = 2, cpus: str | None = None) -> dict[str, float]:  # fmt: skip
    """Run wrk; requests/s, p50 and p99 in ms, and non-2xx responses."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    report = subprocess.run(pinned([*command, url], cpus), capture_output=True, text=True, check=True).stdout  # fmt: skip
    if "Requests/sec" not in report or "99%" not in report:
        raise RuntimeError(f"wrk gave no figures:\n{report}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", report)
    return {
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", report).group(1)),  # type: ignore[union-attr]
        "p50_ms": _millis(re.search(r"^\s+50%\s+(\S+)", report, re.M).group(1)),  # type: ignore[union-attr]
        "p99_ms": _millis(re.search(r"^\s+99%\s+(\S+)", report, re.M).group(1)),  # type: ignore[union-attr]
        "non_2xx": float(errors.group(1)) if errors else 0.0,
    }


@contextmanager
def calculating(base: str, calculation_id: str, headers: dict[str, str], clients: int) -> Iterator[list[float]]:  # fmt: skip
    """``clients`` threads posting calculations of the stored design until the block ends; the
    list of their durations in seconds (each checked to be 201)."""
    design = httpx.get(f"{base}/calculations/{calculation_id}", headers=headers).json()["design_version_id"]  # fmt: skip
    durations: list[float] = []
    stop = threading.Event()
    failures: list[str] = []

    def post() -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
            while not stop.is_set():
                start = time.perf_counter()
                answer = client.post("/calculations", json={"design_version_id": design})
                if answer.status_code != 201:
                    failures.append(f"{answer.status_code} {answer.text[:200]}")
                    return
                durations.append(time.perf_counter() - start)

    threads = [threading.Thread(target=post, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    try:
        yield durations
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    if failures:
        raise RuntimeError(f"POST /calculations failed: {failures[0]}")


def measure(url: str, folder: Path, seconds: int, connections: int, workers: int, args: argparse.Namespace) -> dict[str, dict[str, float]]:  # fmt: skip
    calculation_id = seed(url)
    figures = {}
    with server(url, folder, workers, args.pool_size, args.server_cpus) as base:
        tokens = {}
        for username in ("cam", "cell"):
            answer = httpx.post(f"{base}/auth/token", data={"grant_type": "password", "username": username, "password": PASSWORD})  # fmt: skip
            tokens[username] = answer.json()["access_token"]
        script = folder / "post.lua"
        script.write_text(POST_SCRIPT.format(body=json.dumps(DATASET), token=tokens["cam"]))
        load = {"threads": args.wrk_threads, "cpus": args.wrk_cpus}
        if "read" in args.operations:
            reading = {"Authorization": f"Bearer {tokens['cell']}"}
            with calculating(base, calculation_id, reading, args.with_calculations) as slow:
                figures["read footprint"] = wrk(f"{base}/calculations/{calculation_id}", seconds, connections, reading, **load)  # fmt: skip
            if slow:
                ordered = sorted(slow)
                print(f"  beside the reads: {len(slow)} POST /calculations by {args.with_calculations} client(s), median {1000 * ordered[len(ordered) // 2]:.0f} ms, slowest {1000 * ordered[-1]:.0f} ms")  # fmt: skip
        if "submit" in args.operations:
            figures["submit dataset"] = wrk(f"{base}/datasets", seconds, connections, {}, script, **load)  # fmt: skip
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn processes")
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])  # fmt: skip
    parser.add_argument("--operations", nargs="+", default=["read", "submit"], choices=["read", "submit"])  # fmt: skip
    parser.add_argument("--pool-size", type=int, default=None, help="server's database pool (default 5)")  # fmt: skip
    parser.add_argument("--server-cpus", default=None, help="taskset CPU list for the server, e.g. 0")  # fmt: skip
    parser.add_argument("--wrk-cpus", default=None, help="taskset CPU list for wrk, e.g. 1")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--with-calculations", type=int, default=0, help="clients posting calculations during the reads")  # fmt: skip
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk not found on PATH (Debian: apt-get install wrk)")
    print(f"wrk -t{args.wrk_threads} -c{args.connections} -d{args.seconds}s on {os.cpu_count()} CPUs, {args.workers} uvicorn process(es), pool {args.pool_size or 'default (5)'}, server CPUs {args.server_cpus or 'any'}, wrk CPUs {args.wrk_cpus or 'any'}")  # fmt: skip
    print(
        f"{'database':<11} {'operation':<16} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}"
    )
    for database in args.databases:
        with ExitStack() as stack:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            if database == "sqlite":
                url = f"sqlite:///{folder}/load.sqlite3"
            else:
                url = stack.enter_context(temporary_postgres_database("batterycarbon_load"))
            for operation, figures in measure(url, folder, args.seconds, args.connections, args.workers, args).items():  # fmt: skip
                print(f"{database:<11} {operation:<16} {figures['requests_per_s']:>8.0f} {figures['p50_ms']:>8.1f} {figures['p99_ms']:>8.1f} {figures['non_2xx']:>8.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
