"""Evidence required by data-quality rating: read from its data file (with its source), enforced
on submission (JSON, CSV), revision and approval, each shortfall naming the field and band."""

from __future__ import annotations

import pytest
from services_support import Chain
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from batterycarbon.errors import InputError
from batterycarbon.services import evidence
from batterycarbon.services.dataset_input import DatasetIn
from batterycarbon.services.dataset_review import (
    AlertAssignmentIn,
    DatasetDecisionIn,
    assign_alert,
    decide_dataset,
)
from batterycarbon.services.datasets import submit_dataset, submit_datasets_csv
from batterycarbon.services.evidence import EvidenceBand, EvidenceRules, band_of, evidence_problems
from batterycarbon.store import SupplierDataset

MEASURED = DatasetIn(flow="cam_ncm811", value=28.4, region="KR", year=2023, dqr=1.5, evidence=["pcf-2023.pdf", "plant-meter-readings-2023.csv"])  # fmt: skip


def stored(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(SupplierDataset)) or 0)


def test_bands_come_from_the_data_file_with_their_source() -> None:
    text = evidence.DATA.read_text(encoding="utf-8")
    assert "Recommendation (EU) 2021/2279" in text and "Rationale" in text
    assert [b.max_dqr for b in evidence.evidence_rules().band] == [1.6, 2.0, 3.0, 5.0]
    assert band_of(1.6).name == "primary measured" and band_of(1.61).name == "very good"
    assert evidence_problems(3.5, []) == []


def test_measured_rating_needs_the_measurement(session: Session, chain: Chain) -> None:
    assert submit_dataset(session, chain.cam_maker, MEASURED).status == "approved"
    for refs in (["pcf-2023.pdf"], ["pcf-2023.pdf", "summary.pdf"]):
        with pytest.raises(InputError) as caught:
            submit_dataset(session, chain.cam_maker, MEASURED.model_copy(update={"evidence": refs}))
        (problem,) = caught.value.problems
        assert problem.startswith("evidence: dqr 1.5 is in band 'primary measured' (DQR <= 1.6)")
        assert "meter reading, invoice or utility bill" in problem
    assert stored(session) == 1


def test_csv_rows_name_their_missing_evidence(session: Session, chain: Chain) -> None:
    csv = (
        "flow,value,unit,region,year,dqr,evidence\n"
        "cam_ncm811,28.4,kg CO2e / kg,KR,2023,1.8,pcf.pdf\n"
        "cam_ncm811,28.1,kg CO2e / kg,KR,2023,1.8,\n"
    )
    with pytest.raises(InputError) as caught:
        submit_datasets_csv(session, chain.cam_maker, csv)
    assert [p.split(": dqr")[0] for p in caught.value.problems] == ["row 3, evidence"]
    assert stored(session) == 0


def test_approval_checks_the_rating_against_the_rules_in_force(
    session: Session, chain: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    flagged = submit_dataset(session, chain.cam_maker, DatasetIn(flow="cam_ncm811", value=400.0, region="KR", year=2023, dqr=2.5, evidence=["pcf.pdf"]))  # fmt: skip
    assert flagged.status == "flagged"
    assign_alert(session, chain.cam_maker, flagged.alerts[0].id, AlertAssignmentIn(verifier_org_id=chain.verifier.organization_id))  # type: ignore[arg-type]  # fmt: skip
    stricter = EvidenceRules(band=(EvidenceBand(name="all", max_dqr=5, min_references=2, expected="two documents"),))  # fmt: skip
    monkeypatch.setattr(evidence, "evidence_rules", lambda: stricter)
    approve = DatasetDecisionIn(decision="approve", note="Figure checked against the plant.")
    with pytest.raises(InputError, match=r"evidence: dqr 2.5 is in band 'all' \(DQR <= 5"):
        decide_dataset(session, chain.verifier, flagged.id, approve)
    session.rollback()
    assert session.get_one(SupplierDataset, flagged.id).status == "flagged"
