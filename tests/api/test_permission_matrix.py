"""The permission matrix: every route of the OpenAPI document x every role x an object of the
actor's own chain ("own") and of another chain ("other"), asserting allowed or 403/404 as
designed; a route missing from the matrix fails the test.

"ok" means authorization passed: any status but 401, 403, 404 and 5xx (a 409 for a state the
object is not in, or a 422 for a business rule, comes after the permission check). 404 is the
answer wherever the actor may not know the object exists. The expectations follow
``services/permissions.py``; each row's comment says why where it is not obvious.

Runs on SQLite and on PostgreSQL (``module_db_url``): permissions are decided in the services,
but a query that filters by owner or grant runs on each database's own SQL. Objects whose state
a request changes are made fresh for each check, so that the checks do not depend on their order.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from argon2.profiles import CHEAPEST
from class_table_support import fixture_table
from fastapi.testclient import TestClient
from openpyxl import Workbook
from passport_support import passport_request
from permission_world import PASSWORD, ROLES, Side, build_side, declaration_request
from pydantic import SecretStr

from batterycarbon.api import create_app
from batterycarbon.api.settings import Settings
from batterycarbon.services import Actor
from batterycarbon.services.accounts import (
    OrganizationIn,
    UserIn,
    authenticate_user,
    bootstrap_admin,
    register_organization,
    register_user,
)
from batterycarbon.services.class_tables import load_class_table_file
from batterycarbon.services.dataset_excel import XLSX_MEDIA_TYPE
from batterycarbon.services.security import use_hash_parameters
from batterycarbon.store import session_factory

CSV = "flow,value,unit,region,year,dqr,evidence\ncam_ncm811,27,kg CO2e / kg,KR,2023,1.5,meter-readings.csv;invoices.pdf\n"
DATASET = {"flow": "cam_ncm811", "value": 28.0, "unit": "kg CO2e / kg", "region": "KR", "year": 2023, "dqr": 2, "evidence": ["pcf.pdf"]}  # fmt: skip
DESIGN = {"chemistry": "LFP", "format": "prismatic", "cell": {"capacity_ah": 280, "nominal_voltage_v": 3.2}, "pack": {"cells": 104}}  # fmt: skip


def xlsx_upload() -> bytes:
    """A filled-in Excel template of one plausible dataset."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "datasets"
    sheet.append(["flow", "value", "unit", "region", "year", "dqr", "evidence"])
    sheet.append(["cam_ncm811", 27.0, "kg CO2e / kg", "KR", 2023, 2.5, "pcf.pdf"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass
class World:
    a: Side
    b: Side
    single: dict[str, tuple[uuid.UUID, Actor]]  # regulator and admin
    username: dict[str, str] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    client: TestClient | None = None

    def own_org(self, role: str) -> uuid.UUID:
        return self.single[role][0] if role in self.single else self.a.org(role)

    def foreign_org(self, role: str) -> uuid.UUID:
        return self.a.org("supplier") if role in self.single else self.b.org(role)


@dataclass
class Req:
    path: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    data: dict[str, str] | None = None
    content: str | bytes | None = None
    params: dict[str, Any] | None = None
    content_type: str | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    #: This request's own Authorization header instead of the role's (see :func:`throwaway`).
    headers: dict[str, str] | None = None


Prepare = Callable[[World, Side, str, bool], Req]


def expect(default: str = "ok/ok", **roles: str) -> dict[str, tuple[str, str]]:
    """``"ok/404"`` = allowed on its own chain's object, 404 on the other chain's."""
    table = {role: roles.get(role, default) for role in ROLES}
    return {role: tuple(v.split("/")) for role, v in table.items()}  # type: ignore[misc]


def req(**kwargs: Any) -> Prepare:
    return lambda w, s, role, own: Req(**kwargs)


def obj(key: str, name: str, **kwargs: Any) -> Prepare:
    """The side's stored object ``key`` as path parameter ``name``."""
    return lambda w, s, role, own: Req(path={name: s.ids[key]}, **kwargs)


def throwaway(w: World, s: Side, role: str, own: bool = True) -> tuple[uuid.UUID, dict[str, str]]:  # fmt: skip
    """A fresh user of the role's own organization (or, not ``own``, of another) and a token of
    it: revoking, disabling or changing its credentials leaves the role's own token working."""
    username = f"t{uuid.uuid4().hex[:10]}"
    org = w.own_org(role) if own else w.foreign_org(role)
    user = register_user(s.session, w.single["admin"][1], UserIn(organization_id=org, username=username, password=PASSWORD))  # fmt: skip
    assert w.client is not None
    token = w.client.post("/auth/token", data={"grant_type": "password", "username": username, "password": PASSWORD})  # fmt: skip
    return user.id, {"Authorization": f"Bearer {token.json()['access_token']}"}


def user_of(w: World, s: Side, role: str, own: bool) -> Req:
    """A fresh user of the actor's own organization (own) or of another (other)."""
    return Req(path={"user_id": throwaway(w, s, role, own)[0]})


def class_table_upload(w: World, s: Side, role: str, own: bool) -> Req:
    """A FIXTURE table file (tests/compliance/fixture-classes.toml) under a new version; for
    light electric vehicles, so that activating it changes no passport the matrix issues."""
    content = fixture_table(f"matrix-{uuid.uuid4().hex[:8]}", "lmt")
    return Req(files={"file": ("fixture-classes.toml", content, "application/toml")})


def loaded_class_table(w: World, s: Side, role: str, own: bool) -> Req:
    """A fresh FIXTURE table loaded by the administrator (tables belong to no organization)."""
    content = fixture_table(f"matrix-{uuid.uuid4().hex[:8]}", "lmt")
    loaded = load_class_table_file(s.session, w.single["admin"][1], "fixture-classes.toml", content)  # fmt: skip
    return Req(path={"class_table_id": loaded.id}, json={"confirm_fixture": True})


PACT_EVENT = '{"type": "org.wbcsd.pathfinder.ProductFootprint.Published.v1", "specversion": "1.0", "id": "ev-1", "source": "//supplier.example/pact", "time": "2025-05-31T17:31:00Z", "data": {"pfIds": ["079e425a-464f-528d-341d-4a944a1dfd70"]}}'  # fmt: skip
ONLY = {role: f"{role}=ok/ok" for role in ROLES}
PATH_DATASET, PATH_REQUEST = "dataset_id", "request_id"
DECIDE = {"decision": "approve", "note": "Metered data confirm it.", "evidence": ["meters.pdf"]}

MATRIX: dict[tuple[str, str], tuple[Prepare, dict[str, tuple[str, str]]]] = {
    ("GET", "/health"): (req(), expect()),
    ("POST", "/auth/token"): (
        lambda w, s, role, own: Req(
            data={"grant_type": "password", "username": w.username[role], "password": PASSWORD}
        ),
        expect(),
    ),  # fmt: skip
    ("GET", "/organizations"): (req(), expect()),
    ("POST", "/organizations"): (
        lambda w, s, r, o: Req(json={"name": f"Org {uuid.uuid4().hex[:8]}", "roles": ["oem"]}),
        expect("403/403", admin="ok/ok"),
    ),  # fmt: skip
    # Own = the actor's organization; none of these users is its organization's administrator.
    ("POST", "/users"): (
        lambda w, s, r, own: Req(
            json={
                "organization_id": str(w.own_org(r) if own else w.foreign_org(r)),
                "username": f"u{uuid.uuid4().hex[:10]}",
                "password": PASSWORD,
            }
        ),
        expect("403/403", admin="ok/ok"),
    ),  # fmt: skip
    # Revocations act on the token's own account: a throwaway user's, not the role's.
    ("POST", "/auth/revoke"): (lambda w, s, r, o: Req(headers=throwaway(w, s, r)[1]), expect()),
    ("POST", "/users/me/password"): (
        lambda w, s, r, o: Req(
            headers=throwaway(w, s, r)[1],
            json={"current_password": PASSWORD, "new_password": "a brand new matrix passphrase"},
        ),
        expect(),
    ),  # fmt: skip
    # Own = the actor's organization, whose administrator none of these users is; another
    # organization's users are unknown to anyone but the platform administrator.
    ("POST", "/users/{user_id}/deactivation"): (user_of, expect("403/404", admin="ok/ok")),
    ("POST", "/users/{user_id}/activation"): (user_of, expect("403/404", admin="ok/ok")),
    ("POST", "/api-clients"): (
        lambda w, s, r, own: Req(
            json={"organization_id": str(w.own_org(r) if own else w.foreign_org(r)), "name": "ERP"}
        ),
        expect("403/403", admin="ok/ok"),
    ),  # fmt: skip
    ("GET", "/datasets"): (req(), expect()),
    ("POST", "/datasets"): (req(json=DATASET), expect("403/403", supplier="ok/ok")),
    ("POST", "/datasets/csv"): (
        req(content=CSV, content_type="text/csv"),
        expect("403/403", supplier="ok/ok"),
    ),  # fmt: skip
    ("GET", "/datasets/template.xlsx"): (req(), expect()),
    ("POST", "/datasets/xlsx"): (
        req(content=xlsx_upload(), content_type=XLSX_MEDIA_TYPE),
        expect("403/403", supplier="ok/ok"),
    ),  # fmt: skip
    # The manufacturer holds a grant; the verifier reviews a calculation that used the dataset.
    ("GET", "/datasets/{dataset_id}"): (
        obj("dataset", PATH_DATASET),
        expect("404/404", supplier="ok/404", manufacturer="ok/404", verifier="ok/404"),
    ),  # fmt: skip
    ("POST", "/datasets/{dataset_id}/grants"): (
        lambda w, s, r, o: Req(
            path={PATH_DATASET: s.dataset()}, json={"organization_id": str(s.org("oem"))}
        ),
        expect("404/404", supplier="ok/404", manufacturer="403/404"),
    ),  # fmt: skip
    ("DELETE", "/datasets/{dataset_id}/grants/{organization_id}"): (
        lambda w, s, r, o: Req(
            path={PATH_DATASET: s.dataset(), "organization_id": s.org("manufacturer")}
        ),
        expect("404/404", supplier="ok/404", manufacturer="403/404"),
    ),  # fmt: skip
    ("POST", "/datasets/{dataset_id}/revisions"): (
        lambda w, s, r, o: Req(path={PATH_DATASET: s.dataset()}, json=DATASET),
        expect("403/403", supplier="ok/404"),
    ),  # fmt: skip
    ("POST", "/datasets/{dataset_id}/decision"): (
        # Its alert is in review: only the assigned verifier approves; the owner no longer may.
        lambda w, s, r, o: Req(path={PATH_DATASET: s.flagged_alert(assign=True)[0]}, json=DECIDE),
        expect("404/404", supplier="403/404", manufacturer="403/404", verifier="ok/404"),
    ),  # fmt: skip
    ("POST", "/alerts/{alert_id}/assignment"): (
        lambda w, s, r, o: Req(
            path={"alert_id": s.flagged_alert(assign=False)[1]},
            json={"verifier_org_id": str(s.org("verifier"))},
        ),
        expect("404/404", supplier="ok/404"),
    ),  # fmt: skip
    ("GET", "/alerts"): (req(), expect()),
    ("GET", "/data-requests"): (req(params={"direction": "all"}), expect()),
    ("POST", "/data-requests"): (
        lambda w, s, r, o: Req(
            json={"supplier_org_id": str(s.org("supplier")), "flow": "cam_ncm811"}
        ),
        expect("403/403", supplier="ok/ok", manufacturer="ok/ok", oem="ok/ok"),
    ),  # fmt: skip
    ("GET", "/data-requests/{request_id}"): (
        obj("data_request", PATH_REQUEST),
        expect("404/404", supplier="ok/404", manufacturer="ok/404"),
    ),  # fmt: skip
    ("POST", "/data-requests/{request_id}/fulfil"): (
        lambda w, s, r, o: Req(
            path={PATH_REQUEST: s.data_request()}, json={"dataset_id": str(s.ids["dataset"])}
        ),
        expect("404/404", supplier="ok/404", manufacturer="403/404"),
    ),  # fmt: skip
    ("POST", "/data-requests/{request_id}/decline"): (
        lambda w, s, r, o: Req(
            path={PATH_REQUEST: s.data_request()}, json={"reason": "Not yet measured."}
        ),
        expect("404/404", supplier="ok/404", manufacturer="403/404"),
    ),  # fmt: skip
    ("GET", "/products"): (req(), expect()),
    ("POST", "/products"): (
        lambda w, s, r, o: Req(json={"name": f"P {uuid.uuid4().hex[:8]}", "design": DESIGN}),
        expect("403/403", manufacturer="ok/ok"),
    ),  # fmt: skip
    ("GET", "/products/{product_id}"): (
        obj("product", "product_id"),
        expect("404/404", manufacturer="ok/404"),
    ),  # fmt: skip
    ("POST", "/products/{product_id}/designs"): (
        obj("product", "product_id", json={"design": DESIGN}),
        expect("403/403", manufacturer="ok/404"),
    ),  # fmt: skip
    ("GET", "/calculations"): (req(), expect()),
    ("POST", "/calculations"): (
        lambda w, s, r, o: Req(json={"design_version_id": str(s.ids["version"])}),
        expect("403/403", manufacturer="ok/404"),
    ),  # fmt: skip
    # The side's OEM is a customer the calculation is shared with: it reads the declared figures.
    ("GET", "/calculations/{calculation_id}"): (
        lambda w, s, r, o: Req(path={"calculation_id": s.shared_calculation()}),
        expect("404/404", manufacturer="ok/404", verifier="ok/404", oem="ok/404"),
    ),  # fmt: skip
    # Only the maker lists, grants and revokes; the verifier and the customer know the
    # calculation (403), everyone else does not (404).
    ("GET", "/calculations/{calculation_id}/changes"): (
        obj("calculation", "calculation_id"),
        expect("404/404", manufacturer="ok/404", verifier="403/404", oem="403/404"),
    ),
    ("GET", "/calculations/{calculation_id}/grants"): (
        obj("calculation", "calculation_id"),
        expect("404/404", manufacturer="ok/404", verifier="403/404", oem="403/404"),
    ),  # fmt: skip
    ("POST", "/calculations/{calculation_id}/grants"): (
        lambda w, s, r, o: Req(
            path={"calculation_id": s.ids["calculation"]},
            json={"organization_id": str(s.org("oem"))},
        ),
        expect("404/404", manufacturer="ok/404", verifier="403/404", oem="403/404"),
    ),  # fmt: skip
    ("DELETE", "/calculations/{calculation_id}/grants/{organization_id}"): (
        lambda w, s, r, o: Req(
            path={"calculation_id": s.shared_calculation(), "organization_id": s.org("oem")}
        ),
        expect("404/404", manufacturer="ok/404", verifier="403/404", oem="403/404"),
    ),  # fmt: skip
    ("GET", "/verifications"): (req(), expect()),
    ("POST", "/verifications"): (
        lambda w, s, r, o: Req(
            json={"calculation_id": str(s.calculation()), "verifier_org_id": str(s.org("verifier"))}
        ),
        expect("403/403", manufacturer="ok/404"),
    ),  # fmt: skip
    # Regulators and administrators oversee every verification (state and figure, no findings).
    ("GET", "/verifications/{verification_id}"): (
        obj("verification", "verification_id"),
        expect(
            "404/404", manufacturer="ok/404", verifier="ok/404", regulator="ok/ok", admin="ok/ok"
        ),
    ),  # fmt: skip
    ("POST", "/verifications/{verification_id}/review"): (
        lambda w, s, r, o: Req(path={"verification_id": s.verification()}),
        expect("403/403", verifier="ok/404"),
    ),  # fmt: skip
    ("POST", "/verifications/{verification_id}/findings"): (
        obj(
            "verification",
            "verification_id",
            json={"severity": "info", "text": "Checked the grid mix."},
        ),
        expect("403/403", verifier="ok/404"),
    ),  # fmt: skip
    ("POST", "/verifications/{verification_id}/decision"): (
        lambda w, s, r, o: Req(
            path={"verification_id": s.verification()},
            json={"decision": "reject", "note": "Incomplete."},
        ),
        expect("403/403", verifier="ok/404"),
    ),  # fmt: skip
    ("GET", "/complaints"): (req(), expect()),
    # One may complain about what one can see: owner, grantee, reviewing verifier, oversight.
    ("POST", "/complaints"): (
        lambda w, s, r, o: Req(
            json={
                "subject_type": "dataset",
                "subject_id": str(s.ids["dataset"]),
                "text": "The figure looks too low.",
            }
        ),
        expect(
            "404/404",
            supplier="ok/404",
            manufacturer="ok/404",
            verifier="ok/404",
            regulator="ok/ok",
            admin="ok/ok",
        ),
    ),  # fmt: skip
    # The complaint of the side's manufacturer about the side's supplier's dataset.
    ("GET", "/complaints/{complaint_id}"): (
        obj("complaint", "complaint_id"),
        expect(
            "404/404", supplier="ok/404", manufacturer="ok/404", regulator="ok/ok", admin="ok/ok"
        ),
    ),  # fmt: skip
    ("POST", "/complaints/{complaint_id}/resolution"): (
        lambda w, s, r, o: Req(
            path={"complaint_id": s.complaint()}, json={"outcome": "dismissed", "note": "Checked."}
        ),
        expect(
            "404/404", supplier="403/404", manufacturer="403/404", regulator="ok/ok", admin="ok/ok"
        ),
    ),  # fmt: skip
    ("GET", "/oversight"): (req(), expect("403/403", regulator="ok/ok", admin="ok/ok")),
    ("GET", "/declarations"): (req(), expect("403/403", regulator="ok/ok", admin="ok/ok")),
    ("GET", "/statistics/footprints"): (
        req(),
        expect("403/403", regulator="ok/ok", admin="ok/ok"),
    ),  # fmt: skip
    ("GET", "/factor-releases"): (req(), expect()),
    ("POST", "/factor-releases/import"): (
        req(),
        expect("403/403", regulator="ok/ok", admin="ok/ok"),
    ),  # fmt: skip
    ("POST", "/factor-releases/{release_id}/activation"): (
        req(path={"release_id": "open-2024.1"}),
        expect("403/403", admin="ok/ok"),
    ),  # fmt: skip
    ("POST", "/portfolio/recalculations"): (
        req(json={}),
        expect("403/403", manufacturer="ok/ok", admin="ok/ok"),
    ),  # fmt: skip
    # The maker runs a Monte Carlo job; its verifier and its customer (the side's OEM) read the
    # calculation but run nothing on it; anyone else is told it does not exist.
    ("POST", "/calculations/{calculation_id}/uncertainty"): (
        obj("calculation", "calculation_id", json={"runs": 100, "seed": 1}),
        expect("404/404", manufacturer="ok/404", verifier="403/404"),
    ),  # fmt: skip
    ("GET", "/shared-calculations"): (req(), expect()),
    ("GET", "/jobs"): (req(), expect()),
    # A job is its organization's alone (the side's manufacturer recomputed its portfolio).
    ("GET", "/jobs/{job_id}"): (obj("job", "job_id"), expect("404/404", manufacturer="ok/404")),
    ("GET", "/audit/verify"): (req(), expect()),
    ("GET", "/audit/events"): (req(), expect()),
    # PACT v3 host: a footprint is a stored calculation, visible as GET /calculations/{id} is.
    ("GET", "/3/footprints"): (req(), expect()),
    ("GET", "/3/footprints/{footprint_id}"): (
        lambda w, s, r, o: Req(path={"footprint_id": s.shared_calculation()}),
        expect("404/404", manufacturer="ok/404", verifier="ok/404", oem="ok/404"),
    ),  # fmt: skip
    # Passports: the maker issues from its own calculation and lists its own; anyone reads one
    # (the view depends on the reader: tests/api/test_api_passports.py) and its QR code.
    ("POST", "/passports"): (
        lambda w, s, r, o: Req(
            json=passport_request(s.ids["calculation"], unit=f"SN-{uuid.uuid4().hex[:8]}")
        ),
        expect("403/403", manufacturer="ok/404"),
    ),  # fmt: skip
    ("GET", "/passports"): (req(), expect()),
    ("GET", "/passports/{passport_id}"): (obj("passport", "passport_id"), expect()),
    ("GET", "/passports/{passport_id}/qr.png"): (obj("passport", "passport_id"), expect()),
    # A product's declarations are its organization's: its manufacturer issues and reads them,
    # anyone else is told the product does not exist (404), or lacks the role to issue (403).
    ("POST", "/products/{product_id}/declarations"): (
        lambda w, s, r, o: Req(
            path={"product_id": s.ids["product"]},
            json=declaration_request(s.ids["calculation"], f"Maker {uuid.uuid4().hex[:8]}"),
        ),
        expect("403/403", manufacturer="ok/404"),
    ),
    ("GET", "/products/{product_id}/declarations"): (
        obj("product", "product_id"),
        expect("404/404", manufacturer="ok/404"),
    ),
    **{
        ("GET", f"/products/{{product_id}}/declarations/{{declaration_id}}{suffix}"): (
            lambda w, s, r, o: Req(
                path={"product_id": s.ids["product"], "declaration_id": s.ids["declaration"]}
            ),
            expect("404/404", manufacturer="ok/404"),
        )
        for suffix in ("", "/declaration.json", "/declaration.pdf")
    },
    # Performance-class tables are the installation's, not an organization's: everyone signed
    # in lists them, only the platform administrator loads and activates one.
    ("GET", "/performance-classes"): (req(), expect()),
    ("POST", "/performance-classes"): (class_table_upload, expect("403/403", admin="ok/ok")),
    ("POST", "/performance-classes/{class_table_id}/activation"): (
        loaded_class_table,
        expect("403/403", admin="ok/ok"),
    ),  # fmt: skip
    ("POST", "/3/events"): (
        req(content=PACT_EVENT, content_type="application/cloudevents+json; charset=UTF-8"),
        expect(),
    ),  # fmt: skip
}
PUBLIC = {("GET", "/health"), ("POST", "/auth/token"), ("GET", "/passports/{passport_id}"), ("GET", "/passports/{passport_id}/qr.png")}  # fmt: skip
#: Public routes that answer a caller without a token as they answer a signed-in one.
OPEN_TO_ANONYMOUS = {("GET", "/health"), ("GET", "/passports/{passport_id}"), ("GET", "/passports/{passport_id}/qr.png")}  # fmt: skip
# The PACT specification's error table answers a missing or invalid token with 400 BadRequest.
ANONYMOUS = {route: 400 for route in MATRIX if route[1].startswith("/3/")}


@pytest.fixture(scope="module")
def world(module_db_url: str) -> Iterator[tuple[TestClient, World]]:
    use_hash_parameters(CHEAPEST)
    settings = Settings(
        database_url=module_db_url,
        jwt_secret=SecretStr("matrix-key-" + "x" * 32),
        allowed_hosts=["testserver"],
    )
    app = create_app(settings)
    session = session_factory(app.state.engine)()
    bootstrap_admin(session, "root", PASSWORD)
    admin = authenticate_user(session, "root", PASSWORD)
    regulator_org = register_organization(
        session, admin, OrganizationIn(name="Authority", roles=["regulator"])
    )
    register_user(
        session,
        admin,
        UserIn(organization_id=regulator_org.id, username="regulator", password=PASSWORD),
    )
    single = {
        "regulator": (regulator_org.id, authenticate_user(session, "regulator", PASSWORD)),
        "admin": (admin.organization_id, admin),
    }
    usernames = {r: f"{r}_a" for r in ROLES} | {"regulator": "regulator", "admin": "root"}
    w = World(
        a=build_side(session, admin, "A", app.state.jobs),
        b=build_side(session, admin, "B", app.state.jobs),
        single=single,
        username=usernames,
    )
    with TestClient(app) as client:
        for role in ROLES:
            form = {"grant_type": "password", "username": w.username[role], "password": PASSWORD}
            token = client.post("/auth/token", data=form)
            w.headers[role] = {"Authorization": f"Bearer {token.json()['access_token']}"}
        w.client = client
        yield client, w
    session.close()
    app.state.engine.dispose()


def _routes(client: TestClient) -> set[tuple[str, str]]:
    paths = client.get("/openapi.json").json()["paths"]
    return {(method.upper(), path) for path, item in paths.items() for method in item}


def test_every_route_is_in_the_matrix(world: tuple[TestClient, World]) -> None:
    routes = _routes(world[0])
    assert sorted(routes - set(MATRIX)) == [], "routes missing from the permission matrix"
    assert sorted(set(MATRIX) - routes) == [], "matrix rows for routes that no longer exist"


def _call(client: TestClient, method: str, path: str, request: Req, headers: dict[str, str]) -> int:
    url = path.format(**{k: str(v) for k, v in request.path.items()})
    if request.content_type:
        headers = {**headers, "Content-Type": request.content_type}
    response = client.request(method, url, headers=headers, json=request.json, data=request.data, content=request.content, params=request.params, files=request.files)  # fmt: skip
    return response.status_code


def _matches(expected: str, status: int) -> bool:
    if expected == "ok":
        return status < 500 and status not in (401, 403, 404)
    return status == int(expected)


@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: f"{r[0]} {r[1]}")
def test_route_permissions(world: tuple[TestClient, World], route: tuple[str, str]) -> None:
    client, w = world
    method, path = route
    prepare, expected = MATRIX[route]
    failures = []
    for role in ROLES:
        for own, side in ((True, w.a), (False, w.b)):
            request = prepare(w, side, role, own)
            status = _call(client, method, path, request, request.headers or w.headers[role])
            want = expected[role][0 if own else 1]
            if not _matches(want, status):
                failures.append(f"{role} on {'own' if own else 'other'}: expected {want}, got {status}")  # fmt: skip
    if route in OPEN_TO_ANONYMOUS:
        status = _call(client, method, path, prepare(w, w.a, "supplier", True), {})
        if not _matches("ok", status):
            failures.append(f"anonymous: expected ok, got {status}")
    if route not in PUBLIC:
        status = _call(client, method, path, prepare(w, w.a, "supplier", True), {})
        if status != ANONYMOUS.get(route, 401):
            failures.append(f"anonymous: expected {ANONYMOUS.get(route, 401)}, got {status}")
    assert failures == []
