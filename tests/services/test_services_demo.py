"""The demo chain loads on an empty database, uses its suppliers' data, and loads only once."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from batterycarbon.services import Conflict
from batterycarbon.services.accounts import authenticate_client, authenticate_user
from batterycarbon.services.audit import verify_audit_chain
from batterycarbon.services.calculations import get_calculation
from batterycarbon.services.complaints import list_complaints
from batterycarbon.services.data_requests import list_requests
from batterycarbon.services.demo import load_demo_data
from batterycarbon.services.verifications import get_verification
from batterycarbon.store import User


def organization_of(session: Session, username: str) -> object:
    """The organization of the demo user ``username``."""
    return session.scalar(select(User.organization_id).where(User.username == username))


def test_demo_chain(session: Session) -> None:
    demo = load_demo_data(session)
    accounts = {a.username: a for a in demo.accounts}
    assert {a.role for a in demo.accounts} >= {"supplier", "manufacturer", "oem", "verifier", "regulator"}  # fmt: skip
    assert len({a.password for a in demo.accounts}) == len(demo.accounts)  # generated, distinct
    cell = authenticate_user(session, "cell", accounts["cell"].password)
    calc = get_calculation(session, cell, demo.calculation_id)
    assert {f["flow"] for f in calc.result["supplier_datasets"]} == {"cam_ncm811", "graphite_synthetic"}  # fmt: skip
    assert calc.primary_share > 0
    regulator = authenticate_client(session, accounts["regulator"].client_id, accounts["regulator"].client_secret)  # fmt: skip
    assert get_verification(session, regulator, demo.verification_id).state == "approved"
    # The regulator has a complaint to resolve; the suppliers have requests to answer.
    (complaint,) = list_complaints(session, regulator, "open")
    assert complaint.subject_type == "dataset" and "graphitization" in complaint.text
    cam = authenticate_user(session, "cam", accounts["cam"].password)
    (asked,) = list_requests(session, cam, "incoming", "open")
    assert (asked.flow, asked.requester_org_id) == ("cam_ncm811", organization_of(session, "oem"))
    assert verify_audit_chain(session).ok
    with pytest.raises(Conflict):
        load_demo_data(session)


def test_a_generated_password_holding_a_username_is_drawn_again(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A random 43-character secret holds a short username such as "oem" now and then (about 1
    load in 100), which the password policy refuses: the demo draws another instead of failing."""
    from batterycarbon.services import demo as demo_module

    names = "-".join(["admin", *(party[0] for party in demo_module.PARTIES)])
    draws = iter(range(1000))

    def every_other_holds_the_usernames() -> str:
        n = next(draws)
        return f"{names}-{n}" if n % 2 == 0 else f"unrelated-words-draw-{n}"

    monkeypatch.setattr(demo_module, "generate_secret", every_other_holds_the_usernames)
    demo = load_demo_data(session)
    assert all(a.username not in a.password for a in demo.accounts)
    oem = next(a for a in demo.accounts if a.username == "oem")
    assert authenticate_user(session, "oem", oem.password)
