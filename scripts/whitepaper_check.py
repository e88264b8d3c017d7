"""Print the figures the white-paper tests check, for calibrating and reviewing the release."""

from batterycarbon.battery import Options, footprint, load_design
from batterycarbon.factors import library

lib = library("whitepaper-2023")
for d in (
    "ncm111-prismatic",
    "ncm622-prismatic",
    "ncm811-prismatic",
    "lfp-prismatic",
    "ncm811-cylindrical",
    "ncm811-pouch",
    "ssb-sulfide-pouch",
):
    p = footprint(load_design(d), lib)
    c = footprint(load_design(d), lib, level="cell")
    g = footprint(load_design(d), lib, Options(green={"cell": 1}), level="cell")
    g3 = footprint(
        load_design(d),
        lib,
        Options(green={"cell": 1, "cathode": 1, "anode": 1, "precursor": 1}),
        level="cell",
    )
    print(
        f"{d:20s} pack {p.total_kgco2e_per_kwh:6.1f} raw {p.stages['raw_materials'] / p.total_kgco2e_per_kwh:.0%} "
        f"cells {p.cell_share:.0%} | cell {c.total_kgco2e_per_kwh:5.1f} cathode {c.components['cathode'] / c.total_kgco2e_per_kwh:.0%} "
        f"green-cell {g.total_kgco2e_per_kwh / c.total_kgco2e_per_kwh - 1:+.0%} all-green {g3.total_kgco2e_per_kwh / c.total_kgco2e_per_kwh - 1:+.0%}"
        f" Wh/kg {p.pack['cell_energy_kwh'] / p.pack['cell_mass_kg'] * 1000:.0f}"
    )
