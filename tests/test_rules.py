"""Bundled rule sets: they load, say which green contracts count, and apply their methods."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from batterycarbon.errors import BatteryCarbonError, InputError
from batterycarbon.rules import (
    DATA_DIR,
    DEFAULT_RULE_SET,
    GREEN_CONTRACTS,
    CffBurdens,
    CffParameters,
    RuleSet,
    RuleSetError,
    load_rule_set,
    rule_set_ids,
)

BUNDLED = [
    "cn-pcr", "eu-draft-2024", "ghg-protocol-market", "iso14067-c2g", "jrc-cfb-ev-2023",
    "pefcr-batteries", "whitepaper-c2g",
]  # fmt: skip


def _data(rule_set_id: str) -> dict[str, Any]:
    return tomllib.loads((DATA_DIR / f"{rule_set_id}.toml").read_text(encoding="utf-8"))


def test_bundled_rule_sets() -> None:
    assert rule_set_ids() == BUNDLED
    assert DEFAULT_RULE_SET == "whitepaper-c2g"


@pytest.mark.parametrize("rule_set_id", BUNDLED)
def test_each_rule_set_loads_with_what_the_engine_needs(rule_set_id: str) -> None:
    rule_set = load_rule_set(rule_set_id)
    assert rule_set.id == rule_set_id
    assert rule_set.label == f"{rule_set_id}@{rule_set.version}"
    # battery/footprint.py attributes every process to one of these two stages
    assert {"raw_materials", "production"} <= set(rule_set.stages)
    assert rule_set.boundary and rule_set.references and rule_set.contract_notes


@pytest.mark.parametrize("rule_set_id", BUNDLED)
def test_counts_green_reads_the_data(rule_set_id: str) -> None:
    rule_set = load_rule_set(rule_set_id)
    accepted = _data(rule_set_id)["accepted_green_contracts"]
    for contract in GREEN_CONTRACTS:
        assert rule_set.counts_green(contract) is (contract in accepted)


@pytest.mark.parametrize(
    ("rule_set_id", "counted"),
    [
        # white paper 5.1: only green power supplied directly, not through the grid
        ("whitepaper-c2g", {"direct-line"}),
        # JRC CFB-EV: contractual instruments meeting its criteria; not unbundled certificates
        ("jrc-cfb-ev-2023", {"direct-line", "ppa"}),
        # draft delegated act, section 2.4.1: a direct connection only
        ("eu-draft-2024", {"direct-line"}),
        # Scope 2 Guidance market-based method: certificates count too
        ("ghg-protocol-market", {"direct-line", "ppa", "certificate"}),
    ],
)
def test_which_contracts_count(rule_set_id: str, counted: set[str]) -> None:
    rule_set = load_rule_set(rule_set_id)
    assert {c for c in GREEN_CONTRACTS if rule_set.counts_green(c)} == counted


def test_methods_and_status_per_rule_set() -> None:
    methods = {
        rid: (load_rule_set(rid).end_of_life, load_rule_set(rid).recycled_content_method)
        for rid in BUNDLED
    }
    assert methods == {
        "whitepaper-c2g": ("excluded", "cut-off"),
        "jrc-cfb-ev-2023": ("cff", "cff"),
        "eu-draft-2024": ("cff", "cff"),
        "ghg-protocol-market": ("cut-off", "cut-off"),
        "iso14067-c2g": ("excluded", "cut-off"),
        "pefcr-batteries": ("cff", "cff"),
        "cn-pcr": ("cut-off", "cut-off"),  # assumed: the PCR text was not read
    }
    assert load_rule_set("eu-draft-2024").status == "draft"
    assert load_rule_set("whitepaper-c2g").stages == ("raw_materials", "production")


def test_unknown_contract_type_is_rejected() -> None:
    with pytest.raises(RuleSetError, match="'rec'.*direct-line, ppa, certificate"):
        load_rule_set().counts_green("rec")


def test_unknown_rule_set_lists_the_known_ones() -> None:
    with pytest.raises(RuleSetError) as excinfo:
        load_rule_set("pefcr-2018")
    message = str(excinfo.value)
    assert "'pefcr-2018'" in message
    for rule_set_id in BUNDLED:
        assert rule_set_id in message
    assert "cff_defaults" not in message
    assert isinstance(excinfo.value, BatteryCarbonError)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"end_of_life": "cff"}, "end_of_life = 'cff' but stages omit 'end_of_life'"),
        ({"accepted_green_contracts": ["direct-line", "rec"]}, "accepted_green_contracts"),
        ({"accepted_green_contracts": ["ppa", "ppa"]}, "duplicates"),
        ({"status": "final"}, "status"),
        ({"references": []}, "references"),
        ({"stages": ["production"], "stage_names": {"production": "P"}}, "raw_materials"),
    ],
)
def test_invalid_rule_set_data_is_rejected(change: dict[str, Any], expected: str) -> None:
    with pytest.raises(ValueError, match=expected):
        RuleSet.model_validate({**_data("whitepaper-c2g"), **change})


def test_recycled_content_under_each_method() -> None:
    # cobalt sulfate, R1 = 0.16 (EU minimum for cobalt after 96 months, white paper Table 6),
    # Ev = 10, Erecycled = 3 kg CO2e/kg.
    # cut-off: 0.84·10 + 0.16·3 = 8.4 + 0.48 = 8.88
    # CFF (A = 0.2, Qsin/Qp = 1 from the defaults): 8.4 + 0.16·(0.2·3 + 0.8·10) = 8.4 + 1.376
    args = ("cobalt_sulfate", 0.16, 10.0, 3.0)
    assert load_rule_set("whitepaper-c2g").recycled_content_kgco2e_per_kg(*args) == pytest.approx(
        8.88
    )
    assert load_rule_set("ghg-protocol-market").recycled_content_kgco2e_per_kg(
        *args
    ) == pytest.approx(8.88)
    assert load_rule_set("eu-draft-2024").recycled_content_kgco2e_per_kg(*args) == pytest.approx(
        9.776
    )
    # an explicit A = 0.5: 8.4 + 0.16·(0.5·3 + 0.5·10) = 8.4 + 1.04 = 9.44
    rule_set = load_rule_set("jrc-cfb-ev-2023")
    assert rule_set.recycled_content_kgco2e_per_kg(*args, a=0.5) == pytest.approx(9.44)  # fmt: skip


def test_material_footprint_follows_the_boundary() -> None:
    params = CffParameters(a=0.2, r1=0.0, r2=0.5, qsin_qp=1.0, qsout_qp=1.0)
    burdens = CffBurdens(
        ev_kgco2e_per_kg=10.0, erecycling_eol_kgco2e_per_kg=2.0, ed_kgco2e_per_kg=1.0
    )
    # cradle-to-gate: only the virgin burden, 10
    assert (
        load_rule_set("whitepaper-c2g").material_footprint(params, burdens).total_kgco2e_per_kg
        == 10.0
    )
    # CFF: 10 + 0.8·0.5·(2 - 10) + 0.5·1 = 10 - 3.2 + 0.5 = 7.3
    eu = load_rule_set("eu-draft-2024").material_footprint(params, burdens)
    assert eu.total_kgco2e_per_kg == pytest.approx(7.3)
    # cut-off: 10 + 0 + 0.5·1 = 10.5
    ghg = load_rule_set("ghg-protocol-market").material_footprint(params, burdens)
    assert ghg.total_kgco2e_per_kg == pytest.approx(10.5)


def test_recycled_part_burden_for_the_inventory() -> None:
    # Per kg of the recycled part, Ev = 10, Erecycled = 3, battery active materials (A = 0.2,
    # Qsin/Qp = 1): cut-off 3; CFF 0.2·3 + 0.8·10·1 = 0.6 + 8 = 8.6
    args = (10.0, 3.0, "battery_active_materials")
    assert load_rule_set("whitepaper-c2g").recycled_burden(*args) == 3.0
    assert load_rule_set("jrc-cfb-ev-2023").recycled_burden(*args) == pytest.approx(8.6)
    # a library flow name resolves to its group: nickel_sulfate is a battery active material
    assert load_rule_set("eu-draft-2024").recycled_burden(
        10.0, 3.0, "nickel_sulfate"
    ) == pytest.approx(8.6)


@pytest.mark.parametrize("r1", [-0.1, 1.5, float("nan")])
def test_recycled_content_share_out_of_range_is_named(r1: float) -> None:
    with pytest.raises(InputError) as excinfo:
        load_rule_set().recycled_content_kgco2e_per_kg("copper", r1, 4.0, 1.0)
    assert excinfo.value.problems[0].startswith("r1:")
