"""The declaration page classifies with the active stored performance-class table: "not yet
defined" before one is loaded and activated, the table's class after. The table is the FIXTURE
of tests/compliance/fixture-classes.toml (invented boundaries): no EU table exists yet."""

from __future__ import annotations

import datetime as dt
import html
import re

from class_table_support import FIXTURE_FILE, fixture_table
from web_support import App, signed_in

from batterycarbon.compliance.classes import NOT_YET_DEFINED, classify, load_class_table
from batterycarbon.services import SYSTEM
from batterycarbon.services.class_tables import (
    ActivationIn,
    activate_class_table,
    load_class_table_file,
)
from batterycarbon.store import session_factory

FULL = {
    "manufacturer": "Danube Cell Works",
    "manufacturer_address": "2 Works Road, 9027 Győr",
    "plant_address": "1 Pack Street, 01067 Dresden",
    "study_url": "https://example.org/study.pdf",
    "use.usable_capacity_kwh": "56",
    "use.vehicle_category": "M1",
    "use.warranty_years": "8",
    "rule_set": "jrc-cfb-ev-2023",
    "issued": "2025-03-01",
}
SHOWN = re.compile(r'id="performance-class">([^<]*)</dd>')


def _shown_class(page: str) -> str:
    match = SHOWN.search(page)
    assert match, "no performance class on the page"
    return html.unescape(match.group(1))


def test_declaration_page_uses_the_active_stored_table(demo_app: App) -> None:
    client = signed_in(demo_app, "cell")[0]
    url = f"/web/calculations/{demo_app[1].calculation_id}/declaration"
    with client:
        before = client.get(url, params=FULL)
        assert before.status_code == 200, before.text
        assert _shown_class(before.text).startswith(NOT_YET_DEFINED)

        with session_factory(demo_app[0].state.engine)() as session:
            loaded = load_class_table_file(session, SYSTEM, "fixture-classes.toml", fixture_table())  # fmt: skip
            # Loaded only: the page still reports no class.
            assert _shown_class(client.get(url, params=FULL).text).startswith(NOT_YET_DEFINED)
            activate_class_table(session, SYSTEM, loaded.id, ActivationIn(confirm_fixture=True))

        declaration = client.get(f"{url}.json", params=FULL).json()
        total = declaration["carbon_footprint"]["total_kgco2e_per_fu"]
        expected = classify(total, load_class_table(FIXTURE_FILE), "ev", dt.date(2025, 3, 1))
        assert expected.performance_class != NOT_YET_DEFINED
        assert declaration["performance_class"]["performance_class"] == expected.performance_class
        assert declaration["performance_class"]["table"] == "test-fixture@1"
        shown = _shown_class(client.get(url, params=FULL).text)
        assert shown == f"{expected.performance_class} ({expected.note})"
        assert "fixture table" in shown  # never passed off as an EU class
