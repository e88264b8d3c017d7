"""A passport's public URL comes from the configuration, never from a forged Host header: it is
written once into the passport and its QR code."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from passport_support import passport_request
from test_api_chain import ok, setup_chain
from test_api_shared_and_uncertainty import a_calculation

from batterycarbon.errors import InputError
from batterycarbon.services.passports import LOCAL_HOSTS, passport_base_url


def test_a_forged_host_is_refused_and_a_configured_base_url_wins(client: TestClient) -> None:
    cell = setup_chain(client)["cell"]["auth"]
    calc = a_calculation(client, cell)
    forged = {**cell, "Host": "evil.example"}
    refused = client.post("/passports", headers=forged, json=passport_request(calc["id"]))
    assert refused.status_code == 422, refused.text
    error = refused.json()["errors"][0]
    assert error["field"] == "Host" and "BATTERYCARBON_PUBLIC_BASE_URL" in error["message"]
    assert ok(client.get("/passports", headers=cell)) == []  # nothing was stored
    client.app.state.settings.public_base_url = "https://passports.example.org"  # type: ignore[attr-defined]
    issued = ok(client.post("/passports", headers=forged, json=passport_request(calc["id"])), 201)
    assert issued["public_url"] == f"https://passports.example.org/p/{issued['id']}"
    assert "evil.example" not in str(issued["document"])


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST", "[::1]", "::1"])
def test_the_embedded_demo_issues_on_this_machine(host: str) -> None:
    base = f"http://{host}:8000/"
    assert passport_base_url(None, base, host, LOCAL_HOSTS) == base


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1.evil.example", "", None])
def test_any_other_host_needs_the_configuration(host: str | None) -> None:
    with pytest.raises(InputError) as refused:
        passport_base_url(None, f"http://{host}/", host, LOCAL_HOSTS)
    assert refused.value.problems[0].startswith("Host: ")
    configured = "https://passports.example.org"
    assert passport_base_url(configured, f"http://{host}/", host, LOCAL_HOSTS) == configured
