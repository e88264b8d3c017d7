"""Sharing is idempotent under concurrency too: identical grants sent at the same moment all
answer with the one grant the first made; one row, one audit event, and revoking ends it.

Each thread has its own session (as each request has). The race is forced: the threads pass a
barrier together, and each waits a moment after reading whether a grant exists, so that without
serialization every one of them reads "none" and writes its own (two active grants of a dataset;
for calculations, whose grants a unique index guards, an IntegrityError the API answered 409
"retry").
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC
from typing import Any

import pytest
from services_support import Chain
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from test_services_calculation_sharing import _calculation_with_supplier_data, _customer

from batterycarbon.services import calculation_sharing, calculations, datasets
from batterycarbon.services.calculation_sharing import CalculationGrantIn, share_calculation
from batterycarbon.services.calculations import CalculationIn, calculate_design
from batterycarbon.services.dataset_input import DatasetIn
from batterycarbon.services.datasets import GrantIn, revoke_share, share_dataset, submit_dataset
from batterycarbon.services.products import ProductIn, create_product
from batterycarbon.store import (
    AuditEvent,
    Calculation,
    CalculationGrant,
    SharingGrant,
    session_factory,
)

THREADS = 3
#: How long each thread waits after reading whether a grant exists: long enough that the other
#: threads read too before anyone writes, when nothing serializes them.
WINDOW_SECONDS = 0.3


def _race(
    monkeypatch: pytest.MonkeyPatch,
    module: Any,
    reader: str,
    engine: Engine,
    call: Callable[[Session], Any],
) -> list[Any]:
    """``call`` in :data:`THREADS` threads at once, each with its own session; what each got
    (a result or the exception it raised)."""
    barrier = threading.Barrier(THREADS)
    passed = threading.local()
    original = getattr(module, reader)

    def slow_reader(*args: Any) -> Any:
        found = original(*args)
        time.sleep(WINDOW_SECONDS)
        return found

    def outcome(_: int) -> Any:
        if not getattr(passed, "done", False):
            passed.done = True
            barrier.wait(timeout=30)
        try:
            with session_factory(engine)() as own:
                return call(own)
        except Exception as exc:  # kept to be asserted on: any failure is the finding
            return exc

    monkeypatch.setattr(module, reader, slow_reader)
    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(outcome, range(THREADS)))


def _audited(session: Session, action: str, entity_id: uuid.UUID) -> int:
    session.rollback()
    query = select(func.count()).where(
        AuditEvent.action == action, AuditEvent.entity_id == str(entity_id)
    )
    return int(session.scalar(query) or 0)


def test_concurrent_identical_calculation_grants_answer_as_the_first(
    session: Session, engine: Engine, chain: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    calc = _calculation_with_supplier_data(session, chain)
    customer = _customer(session, chain)
    assert customer.organization_id is not None
    grant_in = CalculationGrantIn(organization_id=customer.organization_id)

    def share(own: Session) -> Any:
        return share_calculation(own, chain.cell_maker, calc.id, grant_in)

    results = _race(monkeypatch, calculation_sharing, "_active_grant", engine, share)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({r.id for r in results}) == 1, "every request answers with the same grant"
    session.rollback()
    active = select(func.count()).where(
        CalculationGrant.calculation_id == calc.id, CalculationGrant.revoked_at.is_(None)
    )
    assert session.scalar(active) == 1
    assert _audited(session, "calculation.shared", calc.id) == 1


def test_concurrent_identical_dataset_grants_answer_as_the_first(
    session: Session, engine: Engine, chain: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    figure = DatasetIn(
        flow="cam_ncm811", value=28.4, region="KR", year=2023, dqr=1.75, evidence=["pcf-2023.pdf"]
    )
    dataset = submit_dataset(session, chain.cam_maker, figure)
    cell_org = chain.cell_maker.organization_id
    assert cell_org is not None

    def share(own: Session) -> Any:
        return share_dataset(own, chain.cam_maker, dataset.id, GrantIn(organization_id=cell_org))

    results = _race(monkeypatch, datasets, "_active_grant", engine, share)

    assert not [r for r in results if isinstance(r, Exception)], results
    # A dataset grant is named by its creation time (GrantOut has no id). SQLite gives back the
    # stored time without its UTC offset (as for every timestamp read back there): compared as
    # instants.
    instants = {r.created_at.replace(tzinfo=r.created_at.tzinfo or UTC) for r in results}
    assert len(instants) == 1, "every request answers with the same grant"
    session.rollback()
    active = select(func.count()).where(
        SharingGrant.dataset_id == dataset.id, SharingGrant.revoked_at.is_(None)
    )
    assert session.scalar(active) == 1
    assert _audited(session, "dataset.shared", dataset.id) == 1
    # One revocation ends the sharing (a second active grant would have kept it shared).
    monkeypatch.undo()
    revoke_share(session, chain.cam_maker, dataset.id, cell_org)
    session.rollback()
    assert session.scalar(active) == 0


def test_concurrent_identical_calculations_store_one(
    session: Session, engine: Engine, chain: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Identical inputs calculated at the same moment: one row, every request answers with it."""
    design = {"chemistry": "NCM811", "format": "prismatic", "cell": {"capacity_ah": 100}}
    product = create_product(session, chain.cell_maker, ProductIn(name="Pack", design=design))
    request = CalculationIn(design_version_id=product.designs[0].id)

    def calculate(own: Session) -> Any:
        return calculate_design(own, chain.cell_maker, request)

    results = _race(monkeypatch, calculations, "stored_calculation", engine, calculate)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({r.id for r in results}) == 1
    assert sorted(r.already_stored for r in results) == [False, True, True]
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Calculation)) == 1
