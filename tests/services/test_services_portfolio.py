"""Activating another factor release and recomputing the portfolio under it."""

from __future__ import annotations

import pytest
from services_support import Chain
from sqlalchemy.orm import Session

from batterycarbon.factors import DEFAULT_RELEASE
from batterycarbon.services import NotFound, PermissionDenied
from batterycarbon.services.calculations import CalculationIn, calculate_design, list_calculations
from batterycarbon.services.dataset_input import DatasetIn
from batterycarbon.services.datasets import GrantIn, share_dataset, submit_dataset
from batterycarbon.services.factor_releases import activate_release, list_releases
from batterycarbon.services.portfolio import RecomputeIn, recompute_portfolio
from batterycarbon.services.products import ProductIn, create_product

DESIGN = {
    "chemistry": "NCM811", "format": "prismatic", "pack": {"cells": 162},
    "cell": {"capacity_ah": 100, "nominal_voltage_v": 3.7}, "year": 2023,
}  # fmt: skip
LFP = {**DESIGN, "chemistry": "LFP", "cell": {"capacity_ah": 280, "nominal_voltage_v": 3.2}}
OTHER = "whitepaper-2023"


def test_activate_release_and_recompute_portfolio(session: Session, chain: Chain) -> None:
    assert [r.id for r in list_releases(session, chain.cell_maker) if r.is_active] == [DEFAULT_RELEASE]  # fmt: skip
    cam = submit_dataset(session, chain.cam_maker, DatasetIn(flow="cam_ncm811", value=28.4, region="KR", year=2023, dqr=1.75, evidence=["pcf-2023.pdf"]))  # fmt: skip
    assert chain.cell_maker.organization_id is not None
    share_dataset(session, chain.cam_maker, cam.id, GrantIn(organization_id=chain.cell_maker.organization_id))  # fmt: skip
    totals = {}
    for name, design in (("NCM pack", DESIGN), ("LFP pack", LFP)):
        product = create_product(session, chain.cell_maker, ProductIn(name=name, design=design))
        calc = calculate_design(session, chain.cell_maker, CalculationIn(design_version_id=product.designs[0].id))  # fmt: skip
        totals[name] = calc.total_kgco2e_per_kwh

    with pytest.raises(PermissionDenied):
        activate_release(session, chain.regulator, OTHER)
    with pytest.raises(NotFound):
        activate_release(session, chain.admin, "no-such-release")
    assert activate_release(session, chain.admin, OTHER).is_active
    assert [r.id for r in list_releases(session, chain.admin) if r.is_active] == [OTHER]

    with pytest.raises(PermissionDenied):
        recompute_portfolio(session, chain.cam_maker, RecomputeIn())
    report = recompute_portfolio(session, chain.cell_maker, RecomputeIn())
    assert report.factor_release == OTHER
    by_name = {c.product: c for c in report.changes}
    assert set(by_name) == {"NCM pack", "LFP pack"}
    for name, change in by_name.items():
        assert change.old_total_kgco2e_per_kwh == totals[name] and change.old_release == DEFAULT_RELEASE  # fmt: skip
        if change.status == "recomputed":
            assert change.new_total_kgco2e_per_kwh is not None and change.new_calculation_id
            assert change.change_kgco2e_per_kwh == pytest.approx(change.new_total_kgco2e_per_kwh - totals[name])  # fmt: skip
        else:
            assert change.status == "skipped" and change.reason
    # Both designs resolve under the white paper's release; the figures differ from the default release.
    assert (report.recomputed, report.skipped) == (2, 0)
    assert all(c.change_kgco2e_per_kwh for c in report.changes)
    assert len(list_calculations(session, chain.cell_maker)) == 2 + report.recomputed
    # A second run finds every product already under the release.
    again = recompute_portfolio(session, chain.admin, RecomputeIn(factor_release=OTHER))
    assert {c.status for c in again.changes} <= {"unchanged", "skipped"}
