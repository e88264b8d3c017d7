"""Platform commands: serve, db upgrade, audit verify, demo-data, admin create, admin load-classes,
admin password/disable/enable/sign-out, pact-pull."""

from __future__ import annotations

import secrets
import ssl
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from batterycarbon.cli.common import (
    FORMATS,
    FormatOpt,
    check_format,
    err,
    make_table,
    out,
    print_json,
    user_errors,
)
from batterycarbon.errors import InputError

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


def _tls_files(cert: Path | None, key: Path | None) -> tuple[str, str] | None:
    """Both TLS files or neither; each readable and together a certificate and its key.
    Anything else: the option named on stderr, exit 2 (a usage error), before the server starts."""
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        given, missing = (
            ("--tls-key", "--tls-cert") if cert is None else ("--tls-cert", "--tls-key")
        )
        err.print(f"{missing}: required with {given} (give both or neither)", markup=False)
        raise typer.Exit(2)
    for option, path in (("--tls-cert", cert), ("--tls-key", key)):
        if not path.is_file():
            err.print(f"{option}: {path} is not a readable file", markup=False)
            raise typer.Exit(2)
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except (ssl.SSLError, OSError) as exc:
        err.print(
            f"--tls-cert/--tls-key: {cert} and {key} are not a PEM certificate and its private "
            f"key ({exc})",
            markup=False,
        )
        raise typer.Exit(2) from None
    return str(cert), str(key)


@app.command()
@user_errors
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Server processes (use one per CPU core).")
    ] = 1,
    tls_cert: Annotated[
        Path | None, typer.Option("--tls-cert", help="PEM certificate (chain) file: serve HTTPS.")
    ] = None,
    tls_key: Annotated[
        Path | None, typer.Option("--tls-key", help="PEM private key file of --tls-cert.")
    ] = None,
) -> None:
    """Start the API (OpenAPI at /docs) on the embedded database, migrating it first; over
    HTTPS with --tls-cert and --tls-key (PACT clients refuse plain HTTP)."""
    from batterycarbon import store
    from batterycarbon.api import serve as serve_api
    from batterycarbon.api.settings import settings_from_environment

    settings = settings_from_environment()
    settings.signing_key()  # a missing or short key: named, exit 2, before anything starts
    tls = _tls_files(tls_cert, tls_key)
    scheme = "https" if tls else "http"
    out.print(
        f"database: {store.describe_url(store.database_url(settings.database_url))}", markup=False
    )
    out.print(f"API on {scheme}://{host}:{port} (docs at /docs), {workers} worker(s)")
    serve_api(host, port, settings=settings, workers=workers, tls=tls)


@db_app.command("upgrade")
@user_errors
def db_upgrade() -> None:
    """Migrate the database to the newest schema and import the bundled factor releases."""
    with _migrated_session():
        pass
    out.print("database is up to date")


@db_app.command("purge-idempotency-keys")
@user_errors
def db_purge_idempotency_keys(
    older_than_days: Annotated[
        float, typer.Option("--older-than-days", help="Forget keys older than this many days.")
    ] = 30,
) -> None:
    """Forget the responses kept for old idempotency keys (a retry after that is a new request)."""
    from batterycarbon.services.idempotency import purge_idempotency_keys

    with _migrated_session() as session:
        deleted = purge_idempotency_keys(session, older_than_days)
    out.print(f"{deleted} idempotency key(s) older than {older_than_days:g} days forgotten")


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
        if report.anchor_lag:
            out.print(
                f"head anchor at event {report.anchor_seq}: {report.anchor_lag} newer event(s) "
                "not yet anchored (a crash between commit and anchor write)"
            )
        return
    if report.first_bad_seq is None:  # the events hold, but nothing shows none was deleted
        err.print(f"audit chain not verified: {report.problem}", markup=False)
        raise typer.Exit(1)
    err.print(
        f"audit chain broken at event {report.first_bad_seq} ({report.first_bad_id}): "
        f"{report.problem}",
        markup=False,
    )
    raise typer.Exit(1)


@app.command(name="demo-data")
@user_errors
def demo_data(fmt: FormatOpt = "table") -> None:
    """Load a believable demo supply chain into an empty database and print its accounts."""
    from batterycarbon.services.demo import load_demo_data

    check_format(fmt, FORMATS)
    with _migrated_session() as session:
        result = load_demo_data(session)
    if fmt == "json":
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
        return
    table = make_table(
        "organization",
        "role",
        "username",
        "password",
        "client id",
        "client secret",
        title="demo accounts (passwords generated now; shown once)",
    )
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


UsernameArg = Annotated[str, typer.Argument(help="The user's name.")]


@admin_app.command("password")
@user_errors
def admin_password(username: UsernameArg) -> None:
    """Change a user's password, asking for the current one and the new one twice (hidden);
    every token and web session of the account ends."""
    from batterycarbon.services.accounts import authenticate_user
    from batterycarbon.services.credentials import PasswordChangeIn, change_password

    current = typer.prompt("Current password", hide_input=True)
    new = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    with _migrated_session() as session:
        actor = authenticate_user(session, username, current)
        change = PasswordChangeIn(current_password=current, new_password=new)
        change_password(session, actor, change)
    ended = "its tokens and web sessions have ended"
    out.print(f"password of {username} changed; {ended}", markup=False)


def _set_active(username: str, active: bool) -> None:
    from batterycarbon.services.context import SYSTEM
    from batterycarbon.services.credentials import set_user_active, user_id_by_name

    with _migrated_session() as session:
        set_user_active(session, SYSTEM, user_id_by_name(session, SYSTEM, username), active)


@admin_app.command("disable")
@user_errors
def admin_disable(username: UsernameArg) -> None:
    """Disable a user: it can no longer sign in; its tokens and web sessions end (within the
    API servers' BATTERYCARBON_ACTOR_CACHE_SECONDS)."""
    _set_active(username, active=False)
    out.print(f"{username} disabled; its tokens and web sessions have ended", markup=False)


@admin_app.command("enable")
@user_errors
def admin_enable(username: UsernameArg) -> None:
    """Enable a disabled user again (it signs in anew)."""
    _set_active(username, active=True)
    out.print(f"{username} enabled", markup=False)


@admin_app.command("sign-out")
@user_errors
def admin_sign_out(username: UsernameArg) -> None:
    """End every token and web session of a user (e.g. a lost laptop); its password stays."""
    from batterycarbon.services.context import SYSTEM
    from batterycarbon.services.credentials import revoke_user_credentials, user_id_by_name

    with _migrated_session() as session:
        revoke_user_credentials(session, SYSTEM, user_id_by_name(session, SYSTEM, username))
    out.print(f"{username} signed out everywhere", markup=False)


@admin_app.command("load-classes")
@user_errors
def admin_load_classes(
    file: Annotated[Path, typer.Argument(help="The performance-class table (.toml or .json).")],
    activate: Annotated[
        bool, typer.Option("--activate", help="Make it the table of its battery category now.")
    ] = False,
    confirm_fixture: Annotated[
        bool,
        typer.Option(
            "--confirm-fixture",
            help="Allow activating a fixture table (test and demonstration installations only).",
        ),
    ] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Load a performance-class table from a file into the database (as the system
    administrator), and activate it with --activate; the API does the same:
    POST /performance-classes, POST /performance-classes/{id}/activation."""
    from batterycarbon.services import SYSTEM
    from batterycarbon.services.class_tables import (
        ActivationIn,
        activate_class_table,
        load_class_table_file,
        parse_upload,
    )

    check_format(fmt, FORMATS)
    try:
        content = file.read_bytes()
    except OSError as exc:
        raise InputError("FILE", [f"FILE: cannot read {file}: {exc}"]) from None
    # Refused before anything is stored, so that --activate loads both or neither.
    if activate and parse_upload(file.name, content).status == "fixture" and not confirm_fixture:
        raise InputError(
            "--confirm-fixture",
            [
                f"--confirm-fixture: {file} is a fixture table (invented boundaries, not an EU "
                "table); give --confirm-fixture to activate it on a test or demonstration "
                "installation"
            ],
        )
    with _migrated_session() as session:
        loaded = load_class_table_file(session, SYSTEM, file.name, content)
        if activate:
            loaded = activate_class_table(
                session, SYSTEM, loaded.id, ActivationIn(confirm_fixture=confirm_fixture)
            )
    if fmt == "json":
        sys.stdout.write(loaded.model_dump_json(indent=2) + "\n")
        return
    table = loaded.table
    out.print(
        f"loaded {loaded.label} ({table.status}, {table.battery_category}) as {loaded.id}; "
        f"{'active' if loaded.is_active else 'not active (activate it with --activate or the API)'}",
        markup=False,
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

    check_format(fmt, FORMATS)
    with _migrated_session() as session:
        report = recompute_portfolio(session, SYSTEM, RecomputeIn(factor_release=release))
    if fmt == "json":
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
        return
    table = make_table(
        "product",
        "status",
        "old release",
        "old kg CO2e/kWh",
        "new kg CO2e/kWh",
        "change %",
        "reason",
        title=f"portfolio under {report.factor_release}: {report.recomputed} recomputed, {report.skipped} skipped",
    )
    for c in report.changes:
        new = f"{c.new_total_kgco2e_per_kwh:.4f}" if c.new_total_kgco2e_per_kwh is not None else ""
        pct = f"{c.change_percent:+.2f}" if c.change_percent is not None else ""
        table.add_row(
            c.product,
            c.status,
            c.old_release,
            f"{c.old_total_kgco2e_per_kwh:.4f}",
            new,
            pct,
            c.reason or "",
        )
    out.print(table)


def _flow_mapping(values: list[str]) -> dict[str, str]:
    mapping, problems = {}, []
    for value in values:
        product, sep, flow = value.rpartition("=")
        if not sep or not product or not flow:
            problems.append(
                f"--flow: {value!r}: expected PRODUCT_ID=FLOW (e.g. "
                "urn:gtin:4712345060507=cam_ncm811)"
            )
        else:
            mapping[product] = flow
    if problems:
        raise InputError("--flow", problems)
    return mapping


@app.command(name="pact-pull")
@user_errors
def pact_pull(
    url: Annotated[
        str, typer.Argument(help="Base URL of the PACT v3 host (before /3/footprints).")
    ],
    client_id: Annotated[str, typer.Option("--client-id", help="Client id at the host.")],
    client_secret: Annotated[
        str,
        typer.Option(
            "--client-secret",
            envvar="PACT_CLIENT_SECRET",
            help="Client secret (or PACT_CLIENT_SECRET).",
        ),
    ],
    token_url: Annotated[
        str, typer.Option("--token-url", help="The host's token endpoint (Action Authenticate).")
    ],
    as_name: Annotated[
        str | None,
        typer.Option(
            "--as",
            help=(
                "Store for this username's organization (in the user's name) or this "
                "organization; default: the organization each footprint names."
            ),
        ),
    ] = None,
    flow: Annotated[
        list[str] | None,
        typer.Option(
            "--flow", help="PRODUCT_ID=FLOW: the library flow a supplier product is; repeatable."
        ),
    ] = None,
    ca_file: Annotated[
        Path | None,
        typer.Option(
            "--ca-file",
            help="Trust this PEM certificate bundle for the host (self-signed or private CA).",
        ),
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Pull every footprint a PACT v3 host lists for this client (following its pages), check
    each against the v3 schema and store them as supplier datasets, all or none."""
    from batterycarbon.services.pact_client import PactHost, pull_and_import

    check_format(fmt, FORMATS)
    flows = _flow_mapping(flow or [])
    host = PactHost(url, token_url, client_id, client_secret, str(ca_file) if ca_file else None)
    with _migrated_session() as session:
        report = pull_and_import(session, host, flows, as_name)
    if fmt == "json":
        datasets = [{**d.__dict__, "dataset_id": str(d.dataset_id)} for d in report.datasets]
        print_json({"stored": report.stored, "datasets": datasets})
        return
    table = make_table(
        "footprint",
        "organization",
        "dataset",
        "flow",
        "kg CO2e/kg",
        "region",
        "year",
        "DQR",
        "status",
        title=f"{report.stored} stored, {len(report.datasets) - report.stored} unchanged, from {url}",
    )
    for d in report.datasets:
        table.add_row(
            d.footprint_id,
            d.organization,
            str(d.dataset_id),
            d.flow,
            f"{d.value_kgco2e_per_kg:.4f}",
            d.region,
            str(d.year),
            f"{d.dqr:g}",
            d.status,
        )
    out.print(table)
