"""Helpers the web tests import (a module of its own: ``conftest`` is a name several test folders
share, so importing from it can pick another folder's file)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sign_in_support import sign_in
from sqlalchemy.orm import Session

from batterycarbon.services import Actor
from batterycarbon.services.accounts import authenticate_user
from batterycarbon.services.demo import DemoResult

#: The demo application and what loading the demo data returned (the ``demo_app`` fixture).
App = tuple[FastAPI, DemoResult]


def password_of(demo: DemoResult, username: str) -> str:
    """The generated password of a demo account."""
    return next(a.password for a in demo.accounts if a.username == username)


def signed_in(app: App, username: str, password: str | None = None) -> tuple[TestClient, str]:
    """A client signed in through the form as ``username`` (the demo password unless given)
    and the CSRF token of its session."""
    client = TestClient(app[0])
    return client, sign_in(client, username, password or password_of(app[1], username))


def demo_actor(session: Session, demo: DemoResult, username: str) -> Actor:
    """The service-level actor of a demo account (for setting up data behind the pages)."""
    return authenticate_user(session, username, password_of(demo, username))


def own_dataset_rows(client: TestClient) -> int:
    """How many rows the signed-in supplier's own-datasets table shows."""
    page = client.get("/web/datasets").text
    table = page.split('id="own-datasets"', 1)
    return table[1].split("</table>", 1)[0].count("<tr><th") if len(table) == 2 else 0
