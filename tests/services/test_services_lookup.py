"""services.lookup: a record the actor may not see is answered as one that does not exist."""

from __future__ import annotations

import uuid

import pytest
from services_support import Chain
from sqlalchemy.orm import Session

from batterycarbon.services.errors import NotFound
from batterycarbon.services.lookup import get_organization, get_visible, get_with_access
from batterycarbon.store import Organization


def test_missing_and_hidden_records_get_the_same_not_found(session: Session, chain: Chain) -> None:
    verifier_org = chain.verifier.organization_id
    missing = uuid.uuid4()
    assert get_visible(session, Organization, verifier_org, "unused").id == verifier_org
    for ident in (missing, verifier_org):
        with pytest.raises(NotFound, match=f"^organization {ident} not found$"):
            get_visible(
                session, Organization, ident, f"organization {ident} not found", lambda _: False
            )
        with pytest.raises(NotFound, match=f"^organization {ident} not found$"):
            get_with_access(
                session, Organization, ident, f"organization {ident} not found", lambda _: None
            )
    row, access = get_with_access(session, Organization, verifier_org, "unused", lambda o: o.name)
    assert (row.id, access) == (verifier_org, "Verify Co")


def test_an_organization_is_found_only_with_the_role_asked(session: Session, chain: Chain) -> None:
    verifier_org = chain.verifier.organization_id
    assert get_organization(session, "organization_id", verifier_org).name == "Verify Co"
    assert (
        get_organization(session, "verifier_org_id", verifier_org, "verifier").name == "Verify Co"
    )
    with pytest.raises(
        NotFound, match=f"^supplier_org_id: no supplier organization {verifier_org}$"
    ):
        get_organization(session, "supplier_org_id", verifier_org, "supplier")
    missing = uuid.uuid4()
    with pytest.raises(NotFound, match=f"^organization_id: no organization {missing}$"):
        get_organization(session, "organization_id", missing)
