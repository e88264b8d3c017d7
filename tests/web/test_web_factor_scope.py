"""The web factor page shows each factor's scope next to its data-quality rating (issue 15)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from batterycarbon.services.demo import DemoResult


@pytest.fixture
def client(demo_app: tuple[FastAPI, DemoResult]) -> Iterator[TestClient]:
    with TestClient(demo_app[0]) as test_client:
        yield test_client


def test_factor_page_shows_scope_term_detail_and_dqr_criteria(client: TestClient) -> None:
    html = client.get("/factors", params={"q": "steam GLO", "release": "open-2026.1"}).text
    assert '<th scope="col">Scope</th>' in html
    assert "<strong>direct combustion</strong>" in html
    assert "upstream gas chain (extraction, processing, transport, leakage) not included" in html
    assert "TeR 3, GeR 3, TiR 4, P 4" in html  # steam:glo:2006's four ratings


def test_factor_page_of_an_older_release_says_not_stated(client: TestClient) -> None:
    html = client.get("/factors", params={"q": "steam GLO", "release": "open-2024.1"}).text
    assert "<strong>not stated</strong>" in html
