"""Platform commands: serve, db upgrade, audit verify, demo-data, admin create."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from batterycarbon.cli.common import FormatOpt, check_format, err, make_table, out, user_errors

app = typer.Typer()
db_app = typer.Typer(help="The database: migrations.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
admin_app = typer.Typer(help="Administrator accounts.", no_args_is_help=True)


@contextmanager
def _migrated_session() -> Iterator[Session]:
    """Migrate the database named by DATABASE_URL (default: the embedded SQLite file)."""
    from batterycarbon import store
    from batterycarbon.services.factor_releases import import_bundled_releases

    url = store.database_url()
    err.print(f"database: {store.describe_url(url)}", markup=False)
    store.upgrade(url)
    engine = store.make_engine(url)
    try:
        with store.session_factory(engine)() as session:
            import_bundled_releases(session)
            yield session
    finally:
        engine.dispose()


@app.command()
@user_errors
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Server processes (use one per CPU core).")
    ] = 1,
) -> None:
    """Start the API (OpenAPI at /docs) on the embedded database, migrating it first."""
    from batterycarbon import store
    from batterycarbon.api import serve as serve_api

    out.print(f"database: {store.describe_url(store.database_url())}", markup=False)
    out.print(f"API on http://{host}:{port} (docs at /docs), {workers} worker(s)")
    serve_api(host, port, workers=workers)


@db_app.command("upgrade")
@user_errors
def db_upgrade() -> None:
    """Migrate the database to the newest schema and import the bundled factor releases."""
    with _migrated_session():
        pass
    out.print("database is up to date")


@audit_app.command("verify")
@user_errors
def audit_verify() -> None:
    """Recompute the audit hash chain; name the first tampered event (exit 1 if any)."""
    from batterycarbon.services.audit import verify_audit_chain

    with _migrated_session() as session:
        report = verify_audit_chain(session)
    if report.ok:
        out.print(
            f"audit chain intact: {report.events_checked} events, head {report.head_hash[:16]}…"
        )
        if report.anchor_seq is None:
            out.print("no head anchor yet (it is written on the next change)")
        elif report.anchor_lag:
            out.print(f"head anchor at event {report.anchor_seq}: {report.anchor_lag} newer event(s) not yet anchored (a crash between commit and anchor write)")  # fmt: skip
        return
    err.print(f"audit chain broken at event {report.first_bad_seq} ({report.first_bad_id}): "
              f"{report.problem}", markup=False)  # fmt: skip
    raise typer.Exit(1)


@app.command(name="demo-data")
@user_errors
def demo_data(fmt: FormatOpt = "table") -> None:
    """Load a believable demo supply chain into an empty database and print its accounts."""
    from batterycarbon.services.demo import load_demo_data

    check_format(fmt, ("table", "json"))
    with _migrated_session() as session:
        result = load_demo_data(session)
    if fmt == "json":
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
        return
    table = make_table("organization", "role", "username", "password", "client id", "client secret",
                       title="demo accounts (passwords generated now; shown once)")  # fmt: skip
    for a in result.accounts:
        table.add_row(a.organization, a.role, a.username, a.password, a.client_id, a.client_secret)
    out.print(table)


@admin_app.command("create")
@user_errors
def admin_create(
    username: Annotated[str, typer.Option(help="Administrator user name.")] = "admin",
) -> None:
    """Create the first administrator with a generated password (printed once)."""
    from batterycarbon.services.accounts import bootstrap_admin

    password = secrets.token_urlsafe(18)
    with _migrated_session() as session:
        bootstrap_admin(session, username, password)
    out.print(
        f"administrator {username!r} created; password (shown once): {password}", markup=False
    )


@app.command(name="portfolio-recompute")
@user_errors
def portfolio_recompute(
    release: Annotated[
        str | None, typer.Option(help="Factor release (default: the active one).")
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Recompute every organization's latest calculations under a factor release, here and now
    (the API runs the same as a background job: POST /portfolio/recalculations)."""
    from batterycarbon.services import SYSTEM
    from batterycarbon.services.portfolio import RecomputeIn, recompute_portfolio

    check_format(fmt, ("table", "json"))
    with _migrated_session() as session:
        report = recompute_portfolio(session, SYSTEM, RecomputeIn(factor_release=release))
    if fmt == "json":
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
        return
    table = make_table("product", "status", "old release", "old kg CO2e/kWh", "new kg CO2e/kWh", "change %", "reason",
                       title=f"portfolio under {report.factor_release}: {report.recomputed} recomputed, {report.skipped} skipped")  # fmt: skip
    for c in report.changes:
        new = f"{c.new_total_kgco2e_per_kwh:.4f}" if c.new_total_kgco2e_per_kwh is not None else ""
        pct = f"{c.change_percent:+.2f}" if c.change_percent is not None else ""
        table.add_row(c.product, c.status, c.old_release, f"{c.old_total_kgco2e_per_kwh:.4f}", new, pct, c.reason or "")  # fmt: skip
    out.print(table)
