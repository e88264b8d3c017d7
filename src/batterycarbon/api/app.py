"""The FastAPI application factory.

``create_app()`` reads :class:`Settings` from the environment, migrates the database (unless
``migrate_on_start`` is off), imports the bundled factor releases and mounts one router per
resource. OpenAPI is served at ``/openapi.json`` and docs at ``/docs``.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import Depends, FastAPI
from sqlalchemy import Engine

from batterycarbon import __version__
from batterycarbon.api.deps import ActorCache
from batterycarbon.api.docs import router as docs_router
from batterycarbon.api.errors import install_error_handlers
from batterycarbon.api.headers import install_security_headers
from batterycarbon.api.limits import BodyLimitMiddleware
from batterycarbon.api.request_text import reject_bad_text
from batterycarbon.api.routes import (
    audit,
    auth,
    calculations,
    class_tables,
    complaints,
    credentials,
    data_requests,
    datasets,
    declarations,
    factor_releases,
    health,
    issued_declarations,
    jobs,
    organizations,
    oversight,
    passports,
    products,
    verifications,
)
from batterycarbon.api.routes import pact as pact_routes
from batterycarbon.api.settings import Settings
from batterycarbon.api.tokens import TokenVerifier
from batterycarbon.services.factor_releases import import_bundled_releases
from batterycarbon.services.jobs import JobRunner
from batterycarbon.services.login_throttle import LoginThrottle
from batterycarbon.store import database_url, make_engine, session_factory, upgrade
from batterycarbon.web import router as web_router


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """A ready application on ``engine`` (or on ``settings.database_url``)."""
    settings = settings or Settings()
    signing_key = settings.signing_key()  # refused if short: before anything is migrated
    url = database_url(settings.database_url)
    if settings.migrate_on_start:
        upgrade(url)
    engine = engine or make_engine(url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow)  # fmt: skip
    sessions = session_factory(engine)
    with sessions() as session:
        import_bundled_releases(session)

    runner = JobRunner(sessions, dask_scheduler=settings.dask_scheduler, lease_seconds=settings.job_lease_seconds)  # fmt: skip

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        threads = handler_threads(settings, engine.dialect.name)
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        # Renew this process's jobs; give up those left by a process that stopped.
        runner.start_heartbeat()
        yield
        # Let running and queued jobs finish before the engine goes away.
        runner.shutdown(wait=True)

    app = FastAPI(
        lifespan=lifespan,
        docs_url=None,  # /docs and /redoc come from api.docs, with local assets
        redoc_url=None,
        title="batterycarbon",
        version=__version__,
        description="Battery carbon-footprint data management: supplier data, calculations, "
        "verification and a tamper-evident audit log.",
        dependencies=[Depends(reject_bad_text)],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.jobs = runner
    app.state.signing_key = signing_key
    app.state.tokens = TokenVerifier(app.state.signing_key)
    app.state.actor_cache = ActorCache(settings.actor_cache_seconds)
    app.state.login_throttle = LoginThrottle()  # this process's sign-in back-off
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, limits=settings.body_limits())
    routers = (
        health, auth, organizations, datasets, data_requests, products, calculations,
        verifications, complaints, oversight, declarations, factor_releases, jobs, audit, passports,
        class_tables, credentials, issued_declarations,
    )  # fmt: skip
    for module in routers:
        app.include_router(module.router)
    app.include_router(pact_routes.router)
    app.include_router(web_router)
    app.include_router(docs_router)
    install_security_headers(app)
    return app


#: Handler threads on SQLite, which lets one writer in at a time: with more, writers wait in its
#: busy handler, which sleeps up to 100 ms between tries (submit p99 474 ms with 5 threads, 80 ms
#: with 2, at the same throughput; reads 873 and 1002/s: docs/platform.md).
SQLITE_HANDLER_THREADS = 2


def handler_threads(settings: Settings, dialect: str) -> int:
    """Threads running request handlers: ``settings.threadpool_size`` if set; else 2 on SQLite
    (:data:`SQLITE_HANDLER_THREADS`) and, on a server database, as many as pooled connections,
    so that each running handler has a kept connection. Requests beyond wait their turn in the
    event loop's FIFO instead of all contending for the GIL (anyio's default of 40 threads gave
    p99 76-103 ms against 35-52 ms for PostgreSQL reads; benchmarks/api_load.py)."""
    if settings.threadpool_size is not None:
        return settings.threadpool_size
    return SQLITE_HANDLER_THREADS if dialect == "sqlite" else settings.db_pool_size


def create_server_app(settings: Settings | None = None) -> FastAPI:
    """:func:`create_app` for a long-running server process: once the application is built,
    everything then alive (modules, the factor libraries, the app) is moved out of the garbage
    collector's generations (:func:`gc.freeze`). Without it each full collection scanned that
    whole heap and stopped every request for 160-185 ms, about every 3 s under load: the
    99th-percentile latency of reads (benchmarks/api_load.py, docs/platform.md). Frozen
    objects are still freed by reference counting; only cycles among them never are, which is
    why tests build their apps with :func:`create_app` instead."""
    app = create_app(settings)
    gc.collect()
    gc.freeze()
    return app


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    settings: Settings | None = None,
    workers: int = 1,
    tls: tuple[str, str] | None = None,
) -> None:
    """Migrate, then run the API with uvicorn until interrupted (``batterycarbon serve``).

    With ``workers`` > 1, uvicorn starts that many processes, each building the app from the
    environment (``DATABASE_URL``, ``BATTERYCARBON_*``): the database is migrated and the token
    signing key made once here first, so the workers do neither concurrently. ``tls`` (a PEM
    certificate chain file and its private key file) serves HTTPS instead of HTTP.
    """
    import os

    import uvicorn

    certfile, keyfile = tls or (None, None)
    if workers <= 1:
        uvicorn.run(create_server_app(settings), host=host, port=port, log_level="info", ssl_certfile=certfile, ssl_keyfile=keyfile)  # fmt: skip
        return
    settings = settings or Settings()
    url = database_url(settings.database_url)
    upgrade(url)
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            import_bundled_releases(session)
    finally:
        engine.dispose()
    settings.signing_key()
    os.environ["BATTERYCARBON_MIGRATE_ON_START"] = "false"
    uvicorn.run(
        "batterycarbon.api.app:create_server_app", factory=True, host=host, port=port,
        workers=workers, log_level="info", ssl_certfile=certfile, ssl_keyfile=keyfile,
    )  # fmt: skip
