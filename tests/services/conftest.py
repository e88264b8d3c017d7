"""Fixtures of these tests on top of the database fixtures of tests/conftest.py."""

from __future__ import annotations

import pytest
from services_support import PASSWORD, Chain
from sqlalchemy.orm import Session

from batterycarbon.services.accounts import (
    OrganizationIn,
    UserIn,
    authenticate_user,
    bootstrap_admin,
    register_organization,
    register_user,
)
from batterycarbon.services.factor_releases import import_bundled_releases


@pytest.fixture
def chain(session: Session) -> Chain:
    import_bundled_releases(session)
    bootstrap_admin(session, "root", PASSWORD)
    admin = authenticate_user(session, "root", PASSWORD)
    actors = {}
    for key, name, role in [
        ("cam_maker", "Cathode Co", "supplier"),
        ("other_supplier", "Graphite Co", "supplier"),
        ("cell_maker", "Cell Co", "manufacturer"),
        ("verifier", "Verify Co", "verifier"),
        ("regulator", "Battery Authority", "regulator"),
    ]:
        org = register_organization(session, admin, OrganizationIn(name=name, roles=[role]))
        register_user(session, admin, UserIn(organization_id=org.id, username=key, password=PASSWORD))  # fmt: skip
        actors[key] = authenticate_user(session, key, PASSWORD)
    return Chain(admin=admin, **actors)
