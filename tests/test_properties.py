"""Properties that hold for any design: breakdowns add up, masses scale, greener power never hurts."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batterycarbon.battery import Design, Options, footprint
from batterycarbon.battery.cell import derive_cell_masses
from batterycarbon.factors import FactorLibrary
from batterycarbon.factors.model import Release

CHEMISTRIES = ["LFP", "NCM111", "NCM523", "NCM622", "NCM811", "NCA", "SSB-SULFIDE"]
COUNTRIES = ["CN", "DE", "FR", "PL", "SE", "US", "KR", "JP", "HU"]
SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

designs = st.builds(
    lambda chem, fmt, ah, country, year, green: Design.model_validate(
        {
            "chemistry": chem,
            "format": fmt,
            "cell": {"capacity_ah": ah},
            "plants": dict.fromkeys(("precursor", "cathode", "anode", "cell", "pack"), country),
            "year": year,
            "green_electricity": green,
        }
    ),  # fmt: skip
    st.sampled_from(CHEMISTRIES),
    st.sampled_from(["cylindrical", "prismatic", "pouch"]),
    st.floats(5, 300),
    st.sampled_from(COUNTRIES),
    st.integers(2015, 2023),
    st.dictionaries(
        st.sampled_from(["precursor", "cathode", "anode", "cell", "pack"]), st.floats(0, 1)
    ),
)


@SETTINGS
@given(design=designs, level=st.sampled_from(["pack", "cell"]))
def test_total_equals_the_sum_of_each_breakdown(open_library, design, level):
    r = footprint(design, open_library, level=level)
    for breakdown in (r.stages, r.components):
        assert sum(breakdown.values()) == pytest.approx(r.total_kgco2e_per_kwh, rel=1e-9)
    assert sum(p["kgco2e_per_kwh"] for p in r.processes) == pytest.approx(
        r.total_kgco2e_per_kwh, rel=1e-9
    )
    assert sum(f["kgco2e_per_kwh"] for f in r.factors) == pytest.approx(
        r.total_kgco2e_per_kwh, rel=1e-9
    )


NO_PER_KWH_ENERGY = dict.fromkeys(
    (
        "cell_dry_room_kwh_per_kwh",
        "cell_electrode_drying_kwh_per_kwh",
        "cell_formation_kwh_per_kwh",
        "cell_other_kwh_per_kwh",
        "cell_electrode_drying_heat_mj_per_kwh",
        "cell_dry_room_heat_mj_per_kwh",
        "pack_assembly_kwh_per_kwh",
    ),
    0,
)


@SETTINGS
@given(design=designs, k=st.floats(0.1, 10))
def test_scaling_every_mass_by_k_scales_the_footprint_by_k(open_library, design, k):
    """Energy given per kWh of capacity is set to zero here: it does not scale with mass."""
    if design.chemistry == "SSB-SULFIDE":
        return  # its extra pressing energy is also per kWh
    masses = derive_cell_masses(design)
    base = Design.model_validate({
        **design.model_dump(), "production_energy": NO_PER_KWH_ENERGY,
        "cell": {"capacity_ah": design.cell.capacity_ah, "masses_kg": masses},
        "pack": {"cells": 100, "parts_kg": {"aluminium_wrought_alloy": 50.0, "electronics_bms": 3.0}},
    })  # fmt: skip
    scaled = Design.model_validate({
        **base.model_dump(),
        "cell": {"capacity_ah": design.cell.capacity_ah, "masses_kg": {m: v * k for m, v in masses.items()}},
        "pack": {"cells": 100, "parts_kg": {"aluminium_wrought_alloy": 50.0 * k, "electronics_bms": 3.0 * k}},
    })  # fmt: skip
    a = footprint(base, open_library).total_kgco2e_per_pack
    b = footprint(scaled, open_library).total_kgco2e_per_pack
    assert b == pytest.approx(k * a, rel=1e-9)


def _library_with_grid_scaled(library: FactorLibrary, alpha: float) -> FactorLibrary:
    factors = {
        fid: f.model_copy(update={"value": f.value * alpha}) if f.flow == "electricity_grid" else f
        for fid, f in library.release.factors.items()
    }
    return FactorLibrary(Release(**{**library.release.__dict__, "factors": factors}))


@SETTINGS
@given(design=designs, alpha=st.floats(0, 1), step=st.sampled_from(["precursor", "cathode", "anode", "cell", "pack"]),
       share=st.floats(0, 1))  # fmt: skip
def test_a_greener_grid_never_raises_the_footprint(open_library, design, alpha, step, share):
    base = footprint(design, open_library).total_kgco2e_per_kwh
    cleaner = footprint(design, _library_with_grid_scaled(open_library, alpha)).total_kgco2e_per_kwh
    assert cleaner <= base * (1 + 1e-12)
    # more green power at a step never raises it where green power is cleaner than the grid there
    country = design.plants.model_dump()[step]
    grid = open_library.resolve("electricity_grid", country, design.year).value
    green = open_library.resolve("electricity_green", country, design.year).value
    before = dict(design.green_electricity)
    more = footprint(design, open_library, Options(green={step: max(share, before.get(step, 0.0))}))
    if green <= grid:
        assert more.total_kgco2e_per_kwh <= base * (1 + 1e-12)
