"""Settings of the API server, read from the environment (no globals: one instance per app).

``DATABASE_URL``: the database (default: the embedded SQLite file, see ``store.db``).
``BATTERYCARBON_JWT_SECRET``: key signing access tokens and web sessions, at least 32 bytes
(``api.tokens.MIN_SIGNING_KEY_BYTES``: the server refuses to start with a shorter one); without
it a random key is made and kept in ``jwt-secret`` beside the SQLite default (mode 0600), so
tokens survive a restart.
``BATTERYCARBON_TOKEN_TTL_SECONDS``: lifetime of an access token (default 900 s).
``BATTERYCARBON_ACTOR_CACHE_SECONDS``: how long each server process reuses the account (active
flag, organization, roles, credentials version) it loaded for a token subject (default 5 s, 0
turns the cache off). This is the staleness bound: deactivating an account, changing its roles,
its password or signing it out takes effect on requests after at most this many seconds (never
later than the token's own expiry), and at once on the process that made the change.
``BATTERYCARBON_DB_POOL_SIZE`` / ``BATTERYCARBON_DB_MAX_OVERFLOW``: database connections each
server process keeps open / may open beyond those under load (default 5 and 10, SQLAlchemy's);
connections beyond the pool are closed after each use, so size the pool to the concurrency.
``BATTERYCARBON_THREADPOOL_SIZE``: threads running the (synchronous) request handlers of each
server process (default: ``BATTERYCARBON_DB_POOL_SIZE`` on PostgreSQL, so that each running
handler has a kept connection; 2 on SQLite, which lets one writer in at a time; further requests
wait in the event loop's queue; see ``api.app.handler_threads``). anyio's own default of 40 let
16 concurrent reads contend for the GIL and open overflow connections: p99 75-100 ms against
32-50 ms (docs/platform.md). Raise it for handlers that mostly wait on something else.
``BATTERYCARBON_DASK_SCHEDULER``: address of a Dask scheduler (``tcp://host:8786``) on which
background jobs (portfolio recomputation) compute; without it they compute in this process, on
one worker thread.
``BATTERYCARBON_JOB_LEASE_SECONDS``: how long a queued or running background job may go without
a heartbeat from its server process before any server gives it up as ``failed`` (default 60;
heartbeats every sixth of it; see ``services.jobs``).
``BATTERYCARBON_PUBLIC_BASE_URL``: the public address passport URLs and QR codes point to
(``<base>/p/<id>``). Set it on any server reached by another name than this machine's: the
URL is written once into each passport and its QR code, so it never comes from a request's
``Host`` header unless that host is listed in ``BATTERYCARBON_ALLOWED_HOSTS``.
``BATTERYCARBON_ALLOWED_HOSTS``: comma-separated host names whose address a server without
``BATTERYCARBON_PUBLIC_BASE_URL`` may put into the passports it issues (default
``127.0.0.1,localhost,::1``: the embedded demo on this machine; ``services.passports.LOCAL_HOSTS``);
a passport asked for through any other host is refused (422 naming the ``Host`` header).
``BATTERYCARBON_BODY_LIMIT_JSON_BYTES`` / ``_FORM_BYTES`` / ``_UPLOAD_BYTES`` /
``_ANONYMOUS_BYTES``: the largest request body of each kind (JSON and any other type; form posts;
multipart and CSV/XLSX uploads; any body of a request without a valid token or web session),
answered 413 before it is read (defaults and their reasons: ``api.limits``).
"""

from __future__ import annotations

import os
import secrets
from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from batterycarbon.api.limits import (
    ANONYMOUS_BODY_BYTES,
    FORM_BODY_BYTES,
    JSON_BODY_BYTES,
    UPLOAD_BODY_BYTES,
    BodyLimits,
)
from batterycarbon.api.tokens import checked_signing_key
from batterycarbon.errors import InputError, excerpt
from batterycarbon.services.passports import LOCAL_HOSTS
from batterycarbon.store import default_database_path


class Settings(BaseSettings):
    # populate_by_name: `Settings(database_url=...)` must win over the environment aliases (tests
    # and embedders pass it by name; without this pydantic ignores it and uses the default).
    model_config = SettingsConfigDict(
        env_prefix="BATTERYCARBON_", extra="ignore", populate_by_name=True
    )

    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "BATTERYCARBON_DATABASE_URL")
    )
    jwt_secret: SecretStr | None = None
    token_ttl_seconds: int = Field(default=900, ge=30, le=86_400)
    actor_cache_seconds: float = Field(default=5.0, ge=0, le=60)
    migrate_on_start: bool = True
    db_pool_size: int = Field(default=5, ge=1, le=200)
    db_max_overflow: int = Field(default=10, ge=0, le=200)
    threadpool_size: int | None = Field(default=None, ge=1, le=400)
    dask_scheduler: str | None = Field(default=None, examples=["tcp://127.0.0.1:8786"])
    job_lease_seconds: float = Field(default=60.0, ge=1, le=86_400)
    public_base_url: str | None = Field(default=None, pattern=r"^https?://", examples=["https://passports.example.org"])  # fmt: skip
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(LOCAL_HOSTS), examples=[["passports.example.org"]]
    )

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):  # from the environment: "a.example, b.example"
            return [host.strip() for host in value.split(",") if host.strip()]
        return value

    body_limit_json_bytes: int = Field(default=JSON_BODY_BYTES, ge=1 << 10, le=1 << 30)
    body_limit_form_bytes: int = Field(default=FORM_BODY_BYTES, ge=1 << 10, le=1 << 30)
    body_limit_upload_bytes: int = Field(default=UPLOAD_BODY_BYTES, ge=1 << 10, le=1 << 30)
    body_limit_anonymous_bytes: int = Field(default=ANONYMOUS_BODY_BYTES, ge=1 << 10, le=1 << 30)

    def body_limits(self) -> BodyLimits:
        """The request body limits of ``api.limits.BodyLimitMiddleware``."""
        return BodyLimits(
            json_bytes=self.body_limit_json_bytes,
            form_bytes=self.body_limit_form_bytes,
            upload_bytes=self.body_limit_upload_bytes,
            anonymous_bytes=self.body_limit_anonymous_bytes,
        )

    def signing_key(self) -> str:
        """The token signing key: configured, else read or created in the data directory;
        :class:`InputError` if it is shorter than ``api.tokens.MIN_SIGNING_KEY_BYTES``."""
        if self.jwt_secret is not None:
            configured = self.jwt_secret.get_secret_value()
            return checked_signing_key(configured, "BATTERYCARBON_JWT_SECRET")
        path = default_database_path().parent / "jwt-secret"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
        return checked_signing_key(path.read_text().strip(), str(path))


#: Settings whose value an error message never repeats, not even in part.
SECRET_SETTINGS = frozenset({"jwt_secret"})


def settings_from_environment() -> Settings:
    """:class:`Settings` read from the environment; :class:`InputError` naming each bad
    variable, what it holds and what was expected (instead of pydantic's traceback)."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "settings"
            name = field if field.isupper() else f"BATTERYCARBON_{field.upper()}"
            secret = field in SECRET_SETTINGS
            shown = "the value is not repeated" if secret else f"got {excerpt(error.get('input'))}"
            problems.append(f"{name}: {error['msg']} ({shown})")
        raise InputError("environment", problems) from None
