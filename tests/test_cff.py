"""The Circular Footprint Formula against hand calculations, term by term.

Formula: Commission Recommendation (EU) 2021/2279, Annex I, section 4.4.8. Every expected value
below is worked out by hand in the comment above it; burdens are kg CO2e per kg of material.
"""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from batterycarbon.errors import InputError
from batterycarbon.rules import (
    CffBurdens,
    CffParameters,
    circular_footprint,
    compare_methods,
    cutoff_footprint,
    load_cff_defaults,
    parse_cff_parameters,
)
from batterycarbon.rules.cff import (
    disposal,
    energy_recovery_cff,
    energy_recovery_cutoff,
    footprint_per_kg,
    material_cff,
    material_cutoff,
    recycled_input_cff,
    recycling_eol_cff,
)

# One material used in every hand calculation.
EV = 12.0  # virgin material
ERECYCLED = 4.0  # recycling process of the recycled input
ERECYCLING_EOL = 2.5  # recycling process at end of life
EV_STAR = 12.0  # virgin material replaced by the recycled output
EER = 1.5  # energy-recovery process
ED = 0.5  # disposal
LHV = 40.0  # MJ/kg
XER_HEAT, XER_ELEC = 0.2, 0.1
ESE_HEAT, ESE_ELEC = 0.07, 0.15  # kg CO2e per MJ

PARAMS = CffParameters(a=0.2, b=0.0, r1=0.25, r2=0.6, r3=0.3, qsin_qp=0.9, qsout_qp=0.9)
BURDENS = CffBurdens(
    ev_kgco2e_per_kg=EV,
    erecycled_kgco2e_per_kg=ERECYCLED,
    erecycling_eol_kgco2e_per_kg=ERECYCLING_EOL,
    ev_star_kgco2e_per_kg=EV_STAR,
    eer_kgco2e_per_kg=EER,
    ed_kgco2e_per_kg=ED,
    lhv_mj_per_kg=LHV,
    xer_heat=XER_HEAT,
    xer_elec=XER_ELEC,
    ese_heat_kgco2e_per_mj=ESE_HEAT,
    ese_elec_kgco2e_per_mj=ESE_ELEC,
)


# --- each term by hand -----------------------------------------------------------------------


def test_material_term() -> None:
    # (1 - 0.25)·12 = 9.0
    # 0.25·(0.2·4 + (1 - 0.2)·12·0.9) = 0.25·(0.8 + 8.64) = 0.25·9.44 = 2.36
    # total 9.0 + 2.36 = 11.36
    assert material_cff(0.25, 0.2, EV, ERECYCLED, 0.9) == pytest.approx(11.36, abs=1e-12)


def test_recycled_part_of_the_input() -> None:
    # per kg of recycled input: 0.2·4 + (1 - 0.2)·12·0.9 = 0.8 + 8.64 = 9.44
    assert recycled_input_cff(0.2, EV, ERECYCLED, 0.9) == pytest.approx(9.44, abs=1e-12)


def test_recycling_eol_term() -> None:
    # (1 - 0.2)·0.6·(2.5 - 12·0.9) = 0.48·(2.5 - 10.8) = 0.48·(-8.3) = -3.984 (a net credit)
    assert recycling_eol_cff(0.6, 0.2, ERECYCLING_EOL, EV_STAR, 0.9) == pytest.approx(
        -3.984, abs=1e-12
    )


def test_energy_recovery_term() -> None:
    # credit: 40·0.2·0.07 + 40·0.1·0.15 = 0.56 + 0.6 = 1.16
    # B = 0:   (1 - 0)·0.3·(1.5 - 1.16) = 0.3·0.34 = 0.102
    # B = 0.5: (1 - 0.5)·0.3·0.34 = 0.051
    args = (EER, LHV, XER_HEAT, XER_ELEC, ESE_HEAT, ESE_ELEC)
    assert energy_recovery_cff(0.3, 0.0, *args) == pytest.approx(0.102, abs=1e-12)
    assert energy_recovery_cff(0.3, 0.5, *args) == pytest.approx(0.051, abs=1e-12)


def test_disposal_term() -> None:
    # (1 - 0.6 - 0.3)·0.5 = 0.1·0.5 = 0.05
    assert disposal(0.6, 0.3, ED) == pytest.approx(0.05, abs=1e-12)


def test_cutoff_terms() -> None:
    # material: (1 - 0.25)·12 + 0.25·4 = 9 + 1 = 10
    assert material_cutoff(0.25, EV, ERECYCLED) == pytest.approx(10.0, abs=1e-12)
    # energy recovery: 0.3·1.5 = 0.45, the burden without any credit
    assert energy_recovery_cutoff(0.3, EER) == pytest.approx(0.45, abs=1e-12)


def test_full_formula_and_cutoff_side_by_side() -> None:
    # CFF:     11.36 - 3.984 + 0.102 + 0.05 = 7.528
    # cut-off: 10 + 0 + 0.45 + 0.05 = 10.5
    both = compare_methods(PARAMS, BURDENS)
    cff, cutoff = both["cff"], both["cut-off"]
    assert cff.material_kgco2e_per_kg == pytest.approx(11.36, abs=1e-12)
    assert cff.recycling_eol_kgco2e_per_kg == pytest.approx(-3.984, abs=1e-12)
    assert cff.energy_recovery_kgco2e_per_kg == pytest.approx(0.102, abs=1e-12)
    assert cff.disposal_kgco2e_per_kg == pytest.approx(0.05, abs=1e-12)
    assert cff.total_kgco2e_per_kg == pytest.approx(7.528, abs=1e-12)
    assert cutoff.material_kgco2e_per_kg == pytest.approx(10.0, abs=1e-12)
    assert cutoff.recycling_eol_kgco2e_per_kg == 0.0
    assert cutoff.energy_recovery_kgco2e_per_kg == pytest.approx(0.45, abs=1e-12)
    assert cutoff.total_kgco2e_per_kg == pytest.approx(10.5, abs=1e-12)
    assert both == {"cut-off": cutoff_footprint(PARAMS, BURDENS), "cff": circular_footprint(PARAMS, BURDENS)}  # fmt: skip


def test_ev_star_defaults_to_ev() -> None:
    burdens = CffBurdens(ev_kgco2e_per_kg=EV, erecycling_eol_kgco2e_per_kg=ERECYCLING_EOL)
    # (1 - 0.2)·0.6·(2.5 - 12·0.9) = -3.984, as with E*v = Ev = 12 given explicitly
    result = circular_footprint(PARAMS, burdens)
    assert result.recycling_eol_kgco2e_per_kg == pytest.approx(-3.984, abs=1e-12)


# --- boundary cases ---------------------------------------------------------------------------


@pytest.mark.parametrize("a", [0.0, 0.2, 0.5, 1.0])
def test_no_recycled_content_gives_virgin_burden_exactly(a: float) -> None:
    assert material_cff(0.0, a, EV, ERECYCLED, 0.9) == EV
    assert material_cutoff(0.0, EV, ERECYCLED) == EV


def test_a_equal_one_is_the_cutoff() -> None:
    # A = 1: material (1 - 0.25)·12 + 0.25·4 = 10, no end-of-life recycling term at all
    assert material_cff(0.25, 1.0, EV, ERECYCLED, 0.9) == material_cutoff(0.25, EV, ERECYCLED)
    assert recycling_eol_cff(0.6, 1.0, ERECYCLING_EOL, EV_STAR, 0.9) == 0.0


def test_a_equal_zero_is_the_avoided_burden() -> None:
    # A = 0: material (1 - 0.25)·12 + 0.25·12·0.9 = 9 + 2.7 = 11.7 (recycled input at the
    # quality-adjusted virgin burden); recycling 0.6·(2.5 - 12·0.9) = 0.6·(-8.3) = -4.98
    assert material_cff(0.25, 0.0, EV, ERECYCLED, 0.9) == pytest.approx(11.7, abs=1e-12)
    assert recycling_eol_cff(0.6, 0.0, ERECYCLING_EOL, EV_STAR, 0.9) == pytest.approx(
        -4.98, abs=1e-12
    )


def test_everything_recycled_leaves_nothing_to_dispose() -> None:
    assert disposal(0.7, 0.3, ED) == pytest.approx(0.0, abs=1e-15)


def test_excluded_end_of_life_keeps_only_the_material_part() -> None:
    result = footprint_per_kg(PARAMS, BURDENS, "cut-off", "excluded")
    assert result.material_kgco2e_per_kg == pytest.approx(10.0, abs=1e-12)
    assert result.end_of_life_kgco2e_per_kg == 0.0
    mixed = footprint_per_kg(PARAMS, BURDENS, "cut-off", "cff")
    assert mixed.material_kgco2e_per_kg == pytest.approx(10.0, abs=1e-12)
    assert mixed.recycling_eol_kgco2e_per_kg == pytest.approx(-3.984, abs=1e-12)


# --- invalid parameters are rejected, naming the field -----------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("a", 1.2), ("a", -0.1), ("b", 2.0), ("r1", 1.5), ("r2", -0.2), ("r3", 1.01),
     ("qsin_qp", 1.2), ("qsout_qp", -0.5), ("r1", math.nan)],
)  # fmt: skip
def test_out_of_range_parameter_is_named(field: str, value: float) -> None:
    values = {"a": 0.2, "qsin_qp": 1.0, "qsout_qp": 1.0, field: value}
    with pytest.raises(ValidationError) as excinfo:
        CffParameters(**values)
    assert excinfo.value.errors()[0]["loc"] == (field,)
    with pytest.raises(InputError) as input_error:
        parse_cff_parameters(values, "material nickel_sulfate")
    assert input_error.value.problems[0].startswith(f"{field}:")
    assert "nickel_sulfate" in str(input_error.value)


def test_recycled_and_recovered_shares_may_not_exceed_one() -> None:
    with pytest.raises(InputError) as excinfo:
        parse_cff_parameters(
            {"a": 0.2, "r2": 0.7, "r3": 0.5, "qsin_qp": 1.0, "qsout_qp": 1.0}, "test"
        )
    assert "r2 + r3 = 1.2" in excinfo.value.problems[0]


def test_a_and_quality_ratios_have_no_silent_default() -> None:
    with pytest.raises(ValidationError) as excinfo:
        CffParameters(r1=0.1)  # type: ignore[call-arg]
    assert {e["loc"] for e in excinfo.value.errors()} == {("a",), ("qsin_qp",), ("qsout_qp",)}


def test_unknown_parameter_is_rejected() -> None:
    with pytest.raises(InputError) as excinfo:
        parse_cff_parameters({"a": 0.2, "qsin_qp": 1, "qsout_qp": 1, "R4": 0.1}, "test")
    assert excinfo.value.problems[0].startswith("R4:")


# --- bundled defaults -------------------------------------------------------------------------


def test_every_default_cites_its_source_and_lies_in_range() -> None:
    defaults = load_cff_defaults()
    assert {"metals", "battery_active_materials", "plastics"} <= set(defaults.groups)
    for group in defaults.groups.values():
        for cited in (group.a, group.b, group.qsin_qp, group.qsout_qp):
            if cited is not None:
                assert 0.0 <= cited.value <= 1.0
                assert cited.source


def test_defaults_as_the_issue_states_them() -> None:
    # PEF Annex C as the issue states it: A = 0.2 for metals, 0.5 for plastics; B = 0 default.
    groups = load_cff_defaults().groups
    assert groups["metals"].a.value == 0.2
    assert groups["plastics"].a.value == 0.5
    assert all(group.b.value == 0.0 for group in groups.values())


def test_defaults_by_material_and_overrides() -> None:
    defaults = load_cff_defaults()
    params = defaults.parameters("cobalt_sulfate", r1=0.16)
    assert (params.a, params.b, params.r1, params.qsin_qp) == (0.2, 0.0, 0.16, 1.0)
    assert defaults.parameters("copper", a=0.5).a == 0.5
    assert defaults.group_of("aluminium_primary") == "metals"


def test_material_without_defaults_is_named() -> None:
    with pytest.raises(InputError) as excinfo:
        load_cff_defaults().parameters("unobtainium")
    assert "'unobtainium'" in excinfo.value.problems[0]


def test_plastics_need_explicit_quality_ratios() -> None:
    with pytest.raises(InputError) as excinfo:
        load_cff_defaults().parameters("polypropylene", r1=0.3)
    assert [p.split(":")[0] for p in excinfo.value.problems] == ["qsin_qp", "qsout_qp"]
    params = load_cff_defaults().parameters("polypropylene", r1=0.3, qsin_qp=0.9, qsout_qp=0.9)
    assert params.a == 0.5
