"""The web pages of an organization holding both the manufacturer and the verifier role: its own
organization is not offered as its verifier, its own request is not in its review queue, and a
form that would verify its own work answers 403 (a refusal), not 409."""

from __future__ import annotations

import re
import uuid

from fastapi import FastAPI
from web_support import demo_actor, signed_in

from batterycarbon.services.accounts import (
    OrganizationIn,
    UserIn,
    authenticate_user,
    register_organization,
    register_user,
)
from batterycarbon.services.calculations import CalculationIn, calculate_design
from batterycarbon.services.demo import DemoResult
from batterycarbon.services.products import ProductIn, create_product
from batterycarbon.store import Verification, session_factory

USERNAME, PASSWORD = "dual", "two hats are one too many"  # test-only credential
DESIGN = {
    "chemistry": "NCM811",
    "format": "prismatic",
    "pack": {"cells": 162},
    "cell": {"capacity_ah": 100, "nominal_voltage_v": 3.7},
    "year": 2023,
}


def _dual_role_calculation(
    app: FastAPI, demo: DemoResult
) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """(organization, product, calculation) of a new manufacturer-and-verifier organization, and a
    self-verification stored as a database from before the rule may hold it."""
    with session_factory(app.state.engine)() as session:
        admin = demo_actor(session, demo, "admin")
        roles = ["manufacturer", "verifier"]
        dual = register_organization(
            session, admin, OrganizationIn(name="Dual Role Works", roles=roles)
        )
        register_user(
            session, admin, UserIn(organization_id=dual.id, username=USERNAME, password=PASSWORD)
        )
        maker = authenticate_user(session, USERNAME, PASSWORD)
        product = create_product(session, maker, ProductIn(name="Own pack", design=DESIGN))
        calc = calculate_design(
            session, maker, CalculationIn(design_version_id=product.designs[0].id)
        )
        legacy = Verification(
            calculation_id=calc.id,
            requester_org_id=dual.id,
            verifier_org_id=dual.id,
            state="submitted",
        )
        session.add(legacy)
        session.commit()
        return dual.id, product.id, legacy.id


def test_own_work_is_not_offered_and_its_forms_answer_403(
    demo_app: tuple[FastAPI, DemoResult],
) -> None:
    app, demo = demo_app
    dual, product, legacy = _dual_role_calculation(app, demo)
    client, csrf = signed_in(demo_app, USERNAME, PASSWORD)
    with client:
        product_page = client.get(f"/web/products/{product}").text
        verifiers = re.findall(r'<option value="([0-9a-f-]{36})">', product_page)
        assert verifiers and str(dual) not in verifiers  # the demo's verifier is offered
        calc = re.search(r'action="/web/calculations/([0-9a-f-]{36})/verification"', product_page)
        assert calc
        refused = client.post(
            f"/web/calculations/{calc.group(1)}/verification",
            data={"csrf_token": csrf, "verifier_org_id": str(dual)},
        )
        assert refused.status_code == 403 and "may not verify its own calculation" in refused.text

        assert (
            f"/web/verifications/{legacy}"
            not in client.get("/web/verifications").text.split('id="all-h"')[0]
        )
        assert f"/web/verifications/{legacy}" not in client.get("/dashboard").text
        started = client.post(f"/web/verifications/{legacy}/start", data={"csrf_token": csrf})
        assert started.status_code == 403 and "may not verify its own calculation" in started.text
        assert (
            'id="verification-state">submitted<' in client.get(f"/web/verifications/{legacy}").text
        )
