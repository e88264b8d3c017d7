"""Idempotency keys: one stored record per (client, key), the first response replayed, a reused
key with another input refused, and a concurrent duplicate rolled back whole."""

from __future__ import annotations

from datetime import timedelta

import pytest
from services_support import Chain
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from batterycarbon.errors import InputError
from batterycarbon.services.dataset_input import DatasetIn
from batterycarbon.services.datasets import submit_dataset
from batterycarbon.services.idempotency import purge_idempotency_keys, run_idempotent
from batterycarbon.store import AuditEvent, IdempotencyRecord, SupplierDataset, session_factory

CAM = DatasetIn(
    flow="cam_ncm811", value=28.4, region="KR", year=2023, dqr=2.5, evidence=["pcf.pdf"]
)
OPERATION = "POST /datasets"


def count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _submit(session: Session, chain: Chain, key: str | None, data: DatasetIn = CAM):  # type: ignore[no-untyped-def]
    return run_idempotent(session, chain.cam_maker, key, OPERATION, data, lambda: submit_dataset(session, chain.cam_maker, data))  # fmt: skip


def test_same_key_same_input_replays_and_stores_once(session: Session, chain: Chain) -> None:
    first = _submit(session, chain, "key-1")
    events = count(session, AuditEvent)
    again = _submit(session, chain, "key-1")
    assert not first.replayed and again.replayed
    assert again.body == first.body and again.status_code == first.status_code == 201
    assert count(session, SupplierDataset) == 1 and count(session, IdempotencyRecord) == 1
    assert count(session, AuditEvent) == events  # the replay changed nothing


def test_same_key_other_input_is_refused_naming_the_header(session: Session, chain: Chain) -> None:
    _submit(session, chain, "key-2")
    with pytest.raises(InputError) as caught:
        _submit(session, chain, "key-2", CAM.model_copy(update={"value": 29.0}))
    assert caught.value.problems[0].startswith("Idempotency-Key: key 'key-2' was already used")
    assert count(session, SupplierDataset) == 1


def test_keys_belong_to_one_client(session: Session, chain: Chain) -> None:
    _submit(session, chain, "shared-key")
    other = run_idempotent(session, chain.other_supplier, "shared-key", OPERATION, CAM, lambda: submit_dataset(session, chain.other_supplier, CAM))  # fmt: skip
    assert not other.replayed and count(session, SupplierDataset) == 2


def test_a_failed_request_keeps_no_key(session: Session, chain: Chain) -> None:
    bad = CAM.model_copy(update={"flow": "no_such_flow"})
    with pytest.raises(InputError):
        _submit(session, chain, "key-3", bad)
    assert count(session, IdempotencyRecord) == 0 and count(session, SupplierDataset) == 0
    assert not _submit(session, chain, "key-3").replayed  # the corrected retry runs


def test_invalid_key_is_refused(session: Session, chain: Chain) -> None:
    with pytest.raises(InputError, match="Idempotency-Key: expected 1 to 200 visible ASCII"):
        _submit(session, chain, "clé avec espaces")
    assert count(session, SupplierDataset) == 0


def test_concurrent_duplicate_is_rolled_back_and_answered_with_the_first(
    engine: Engine, session: Session, chain: Chain
) -> None:
    """The second request with a key starts before the first commits: its own dataset is
    rolled back with its key, and it answers with the first request's response."""
    winner: dict[str, object] = {}

    def racing_call():  # type: ignore[no-untyped-def]
        with session_factory(engine)() as other:
            winner["response"] = _submit(other, chain, "race")
        return submit_dataset(session, chain.cam_maker, CAM)

    loser = run_idempotent(session, chain.cam_maker, "race", OPERATION, CAM, racing_call)
    assert loser.replayed and loser.body == winner["response"].body  # type: ignore[attr-defined]
    assert count(session, SupplierDataset) == 1 and count(session, IdempotencyRecord) == 1


def test_old_keys_are_purged_and_their_records_kept(session: Session, chain: Chain) -> None:
    _submit(session, chain, "old-key")
    _submit(session, chain, "new-key", CAM.model_copy(update={"value": 29.0}))
    old = session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.key == "old-key"))
    assert old is not None
    old.created_at = old.created_at - timedelta(days=40)
    session.commit()
    for bad in (0, -1, 1e10, float("inf"), float("nan")):  # 1e10 overflowed timedelta
        with pytest.raises(InputError) as caught:
            purge_idempotency_keys(session, bad)
        assert caught.value.problems[0].startswith("older_than_days:")
    assert count(session, IdempotencyRecord) == 2  # a refused purge deletes nothing
    assert purge_idempotency_keys(session, 30) == 1
    assert [r.key for r in session.scalars(select(IdempotencyRecord))] == ["new-key"]
    assert count(session, SupplierDataset) == 2  # what the requests created stays
    # The old key is free again: a retry with it is a new request.
    assert not _submit(session, chain, "old-key", CAM.model_copy(update={"value": 30.0})).replayed
