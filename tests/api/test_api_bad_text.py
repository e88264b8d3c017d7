"""Control characters and lone surrogates in any text of a request: a 422 naming the field, on
SQLite and PostgreSQL, and nothing stored or audited.

Before, a NUL ended in a 500 on PostgreSQL (which cannot store it in text or jsonb), even on the
unauthenticated token endpoint, and was stored on SQLite; a lone surrogate in a document typed
``dict[str, Any]`` reached the audit log, whose hashing failed (500). JSON can carry both only
as escapes (``\\u0000``, ``\\ud800``), so bodies are sent as JSON text here.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote

import pytest
from api_support import ADMIN_PASSWORD
from class_table_support import fixture_table
from fastapi.testclient import TestClient
from test_api_chain import DESIGN, login, ok

from batterycarbon.errors import InputError
from batterycarbon.services.pact_client import PulledFootprint, import_footprints
from batterycarbon.store import session_factory
from batterycarbon.text import text_problem

NUL, ESCAPE, DEL, NEXT_LINE, SURROGATE = "\x00", "\x1b", "\x7f", "\x85", "\ud800"
PASSWORD = "a long test passphrase"  # test-only credential
CLOUD_EVENT = "application/cloudevents+json; charset=UTF-8"


def post_json(client: TestClient, path: str, body: Any, headers: dict[str, str]) -> Any:
    content = json.dumps(body)  # ensure_ascii: a surrogate travels as its escape
    headers = {**headers, "Content-Type": "application/json"}
    return client.post(path, content=content, headers=headers)


def refused(response: Any, field: str, status: int = 422) -> str:
    assert response.status_code == status, response.text
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field], errors
    return str(errors[0]["message"])


def _counts(client: TestClient, admin: dict[str, str]) -> list[int]:
    """How many organizations, products and audit events there are."""
    paths = ("/organizations", "/products", "/audit/events")
    return [int(client.get(p, headers=admin).headers["x-total-count"]) for p in paths]


def _cell_maker(client: TestClient, admin: dict[str, str]) -> dict[str, str]:
    maker = {"name": "Cell Co", "roles": ["manufacturer"]}
    org = ok(post_json(client, "/organizations", maker, admin), 201)
    user = {"organization_id": org["id"], "username": "cell", "password": PASSWORD}
    ok(post_json(client, "/users", user, admin), 201)
    return login(client, "cell", PASSWORD)


def test_the_token_endpoint_names_the_field(client: TestClient) -> None:
    for character in (NUL, ESCAPE):
        form = {"grant_type": "password", "username": f"ro{character}ot", "password": "x"}
        message = refused(client.post("/auth/token", data=form), "username")
        assert f"U+{ord(character):04X}" in message and character not in message
    form = {"grant_type": "password", "username": "root", "password": f"pass{NUL}word"}
    refused(client.post("/auth/token", data=form), "password")


@pytest.mark.parametrize("character", [NUL, ESCAPE, DEL, NEXT_LINE, SURROGATE])
def test_json_bodies_name_the_field_and_store_nothing(client: TestClient, character: str) -> None:
    admin = login(client, "root", ADMIN_PASSWORD)
    before = _counts(client, admin)
    organization = {"name": f"Cathode{character}Co", "roles": ["manufacturer"]}
    refused(post_json(client, "/organizations", organization, admin), "name")
    cell = _cell_maker(client, admin)
    audited = _counts(client, admin)[2]
    # A design is a free document (dict[str, Any]): its strings and keys, however deep.
    described = {**DESIGN, "description": f"Pack{character} for 2025"}
    product = {"name": "EV pack", "design": described}
    refused(post_json(client, "/products", product, cell), "design.description")
    nested = {**DESIGN, "plants": {**DESIGN["plants"], "cell": f"H{character}U"}}
    product = {"name": "EV pack", "design": nested}
    refused(post_json(client, "/products", product, cell), "design.plants.cell")
    keyed = {**DESIGN, "pack": {f"cells{character}": 162}}
    product = {"name": "EV pack", "design": keyed}
    field = f"design.pack.{'cells' + character!r}"  # a bad key is named by its escaped repr
    assert refused(post_json(client, "/products", product, cell), field).startswith("the key holds")
    organizations, products, events = _counts(client, admin)
    assert (organizations, products, events) == (before[0] + 1, before[1], audited)


def test_query_and_path_parameters_are_single_lines(client: TestClient) -> None:
    admin = login(client, "root", ADMIN_PASSWORD)
    for character in (NUL, "\n", "\t"):
        query = {"action": f"dataset{character}"}
        refused(client.get("/audit/events", headers=admin, params=query), "action")
        path = f"/factor-releases/{quote(f'open{character}')}/activation"
        refused(client.post(path, headers=admin, json={}), "release_id")
    # PACT routes answer in their own format, naming the parameter.
    response = client.get("/3/footprints/a%00b", headers=admin)
    assert response.status_code == 400 and response.json()["code"] == "BadRequest"
    message = response.json()["message"]
    assert message.startswith("footprint_id: holds the control character U+0000")


def test_web_forms_name_the_field(client: TestClient) -> None:
    form = {"username": f"root{NUL}", "password": "x", "csrf_token": "x"}
    refused(client.post("/sign-in", data=form), "username")


def test_multi_line_text_keeps_its_lines(client: TestClient) -> None:
    admin = login(client, "root", ADMIN_PASSWORD)
    cell = _cell_maker(client, admin)
    design = {**DESIGN, "description": "Pack for the 2025 platform.\n\tSecond line.\r\n"}
    product = ok(post_json(client, "/products", {"name": "EV pack", "design": design}, cell), 201)
    assert product["designs"][0]["design"]["description"] == design["description"]


def test_uploaded_tables_name_the_row_and_field_and_store_nothing(client: TestClient) -> None:
    """An upload is no JSON body the API checks: its rows go through the dataset model, whose
    text fields refuse these characters themselves."""
    admin = login(client, "root", ADMIN_PASSWORD)
    supplier = {"name": "Cathode Co", "roles": ["supplier"]}
    org = ok(post_json(client, "/organizations", supplier, admin), 201)
    user = {"organization_id": org["id"], "username": "cam", "password": PASSWORD}
    ok(post_json(client, "/users", user, admin), 201)
    cam = {**login(client, "cam", PASSWORD), "Content-Type": "text/csv"}
    header = "flow,value,unit,region,year,dqr,evidence,activity.note"
    good = "cam_ncm811,27,kg CO2e / kg,KR,2023,1.8,report.pdf,plant 2"
    cases = {
        f"cam_ncm811,27,kg CO2e / kg,KR,2023,1.8,report{NUL}.pdf,plant 2": "row 3, evidence.0",
        f"cam_ncm811,27,kg CO2e / kg,KR,2023,1.8,report.pdf,{ESCAPE}[31m": "row 3, activity_data",
        'cam_ncm811,27,kg CO2e / kg,KR,2023,1.8,"report\n.pdf",plant 2': "row 3, evidence.0",
    }
    for row, field in cases.items():
        response = client.post("/datasets/csv", headers=cam, content=f"{header}\n{good}\n{row}\n")
        assert [e["field"] for e in refused_all(response)] == [field], response.text
    assert ok(client.get("/datasets", headers=cam))["own"] == []


def refused_all(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 422, response.text
    return list(response.json()["errors"])


def test_documents_from_a_file_or_a_raw_body_name_the_field(client: TestClient) -> None:
    """A class-table file and a PACT event are parsed by their services, not by the API: their
    escapes ("\\u0000", "\\ud800") are refused there. A surrogate in an event used to reach the
    audit log, whose hashing failed (500 on both databases)."""
    admin = login(client, "root", ADMIN_PASSWORD)
    audited = _counts(client, admin)[2]
    table = fixture_table().decode().replace('"none: test fixture"', '"none:\\u0000 fixture"')
    upload = {"file": ("classes.toml", table.encode(), "application/toml")}
    refused(client.post("/performance-classes", headers=admin, files=upload), "legal_basis")
    assert ok(client.get("/performance-classes", headers=admin)) == []

    maker = {"name": "Cell Co", "roles": ["manufacturer"]}
    org = ok(post_json(client, "/organizations", maker, admin), 201)
    portal = {"organization_id": org["id"], "name": "OEM portal"}
    created = ok(post_json(client, "/api-clients", portal, admin), 201)
    secret = f"{created['client_id']}:{created['client_secret']}".encode()
    basic = {"Authorization": f"Basic {base64.b64encode(secret).decode()}"}
    token = ok(client.post("/auth/token", data={"grant_type": "client_credentials"}, headers=basic))
    cloud = {"Authorization": f"Bearer {token['access_token']}", "Content-Type": CLOUD_EVENT}
    published = {
        "type": "org.wbcsd.pathfinder.ProductFootprint.Published.v1",
        "specversion": "1.0",
        "id": "ev-2",
        "source": "//supplier.example/pact",
        "time": "2022-05-31T17:31:00Z",
        "data": {"pfIds": ["079e425a-464f-528d-341d-4a944a1dfd70"]},
    }
    bad = [
        ({**published, "id": f"ev{NUL}2"}, "id: holds the control character U+0000"),
        ({**published, "data": {"pfIds": [SURROGATE]}}, "data.pfIds.0: holds a lone surrogate"),
    ]
    for event, message in bad:
        response = client.post("/3/events", headers=cloud, content=json.dumps(event))
        assert response.status_code == 400, response.text
        assert response.json()["message"].startswith(message), response.text
    assert _counts(client, admin)[2] == audited + 2  # the organization, its client, no event


def test_names_are_single_lines(client: TestClient) -> None:
    """Names and identifiers hold no line break or tab (a username's pattern ended in ``$``,
    which also matches before a final line break: "cell\\n" was a valid username)."""
    admin = login(client, "root", ADMIN_PASSWORD)
    for character in ("\n", "\t", "\r"):
        organization = {"name": f"Cathode{character}Co", "roles": ["supplier"]}
        refused(post_json(client, "/organizations", organization, admin), "name")
    cell = _cell_maker(client, admin)
    makers = client.get("/organizations", headers=admin, params={"role": "manufacturer"})
    org_id = ok(makers)[0]["id"]
    user = {"organization_id": org_id, "username": "jin\n", "password": PASSWORD}
    refused(post_json(client, "/users", user, admin), "username")
    named = {**user, "username": "jin", "full_name": "Jin\nPark"}
    refused(post_json(client, "/users", named, admin), "full_name")
    portal = {"organization_id": org_id, "name": "OEM\tportal"}
    refused(post_json(client, "/api-clients", portal, admin), "name")
    product = {"name": "EV\npack", "design": DESIGN}
    refused(post_json(client, "/products", product, cell), "name")


def test_footprints_pulled_from_another_host_name_the_field(client: TestClient) -> None:
    """Another PACT host's JSON is checked before anything else of it is read."""
    document = {"id": "pf-1", "companyName": f"Cell{SURROGATE}Co"}
    pulled = PulledFootprint("https://host.example/3/footprints/pf-1", document)
    sessions = session_factory(client.app.state.engine)  # type: ignore[attr-defined]
    with sessions() as session, pytest.raises(InputError) as caught:
        import_footprints(session, [pulled])
    problem = text_problem(document["companyName"])
    assert caught.value.problems == [f"footprint pf-1: companyName: {problem}"]
