"""Write the `whitepaper-2023` factor release: the factors the white paper gives or implies.

Three kinds of rows, each saying which in its `notes`:
- GIVEN: a figure the paper states (reference/DIGEST.md, with its section);
- IMPLIED: a value the paper does not state but its figures require, back-calculated with this
  project's product model from the paper's results (the calculation is named in the notes);
- GAP: the paper gives nothing; the value is copied, with its source, from `open-2024.1`.

Run once when the release was made; a published release is never rewritten (a correction is a
new release id). Usage: python scripts/build_whitepaper_release.py
"""

from __future__ import annotations

import csv
import tomllib

from batterycarbon.factors.loader import COLUMNS, RELEASES_DIR

TARGET = RELEASES_DIR / "whitepaper-2023"
OPEN = RELEASES_DIR / "open-2024.1"

SOURCES = {
    "wp-2023": {
        "citation": "UN Global Compact China programme with an industry knowledge partner (2023). White paper on the life-cycle carbon footprint of electric-vehicle power batteries (in Chinese). English digest of every figure: reference/DIGEST.md.",
        "year": 2023,
    },
    "wp-2023-implied": {
        "citation": "Back-calculated for batterycarbon from the white paper's results (reference/DIGEST.md: sections 4.1.2, 4.2, 4.2.1, 5.1, 5.3) with this project's product model and reference designs; see SOURCES.md of this release for each calculation.",
        "year": 2023,
    },
    "mee-2022-grid": {
        "citation": "Ministry of Ecology and Environment of the People's Republic of China (2022). Corporate GHG emission accounting and reporting guidelines, power generation facilities (2022 revision) / notice on 2022 reporting: national grid average emission factor 0.5810 t CO2/MWh.",
        "url": "https://www.mee.gov.cn/",
        "year": 2022,
        "notes": "Direct CO2 of generation per kWh supplied; the official factor Chinese battery makers used when the paper was written.",
    },
    "ipcc-ar5-annex3": {
        "citation": "Schlömer, S. et al. (2014). Annex III: Technology-specific cost and performance parameters. In: Climate Change 2014: Mitigation of Climate Change. Contribution of Working Group III to the IPCC Fifth Assessment Report. Cambridge University Press. Table A.III.2: life-cycle medians wind onshore 11, solar PV utility 48 g CO2e/kWh.",
        "url": "https://www.ipcc.ch/report/ar5/wg3/",
        "year": 2014,
    },
    "ipcc-2006-stationary": {
        "citation": "IPCC (2006). 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Volume 2 Energy, Chapter 2 Stationary Combustion, Table 2.2: natural gas 56,100 kg CO2/TJ.",
        "url": "https://www.ipcc-nggip.iges.or.jp/public/2006gl/vol2.html",
        "year": 2006,
    },
}

#: id, flow, name, value, unit, region, year, source, dqr(4), distribution, gsd, min, mode, max, notes
# fmt: off
OWN_ROWS = [
    ('electricity_grid:CN:2021', 'electricity_grid', 'Grid electricity, China, national average (official factor)', 0.581, 'kg CO2e / kWh', 'CN', 2021, 'mee-2022-grid', 2, 1, 2, 2, 'triangular', '', 0.5, 0.581, 1.2, 'GAP: the paper gives only the range 0.5-1.2 for China, Korea and Japan (section 4.2.2); the official MEE factor fills it. Combustion CO2 only.'),
    ('electricity_grid:EU27:2021', 'electricity_grid', "Grid electricity, Europe (paper's range)", 0.35, 'kg CO2e / kWh', 'EU27', 2021, 'wp-2023', 3, 3, 2, 4, 'triangular', '', 0.2, 0.35, 0.5, 'GIVEN as a range, section 4.2.2: Europe 0.2-0.5; value = midpoint.'),
    ('electricity_grid:US:2021', 'electricity_grid', "Grid electricity, USA (paper's range)", 0.6, 'kg CO2e / kWh', 'US', 2021, 'wp-2023', 3, 3, 2, 4, 'triangular', '', 0.4, 0.6, 0.8, 'GIVEN as a range, section 4.2.2: USA 0.4-0.8; value = midpoint.'),
    ('electricity_grid:KR:2021', 'electricity_grid', "Grid electricity, Korea (paper's range)", 0.85, 'kg CO2e / kWh', 'KR', 2021, 'wp-2023', 3, 3, 2, 4, 'triangular', '', 0.5, 0.85, 1.2, 'GIVEN as a range, section 4.2.2: Korea, Japan, China 0.5-1.2; value = midpoint.'),
    ('electricity_grid:JP:2021', 'electricity_grid', "Grid electricity, Japan (paper's range)", 0.85, 'kg CO2e / kWh', 'JP', 2021, 'wp-2023', 3, 3, 2, 4, 'triangular', '', 0.5, 0.85, 1.2, 'GIVEN as a range, section 4.2.2: Korea, Japan, China 0.5-1.2; value = midpoint.'),
    ('electricity_green:GLO:2014', 'electricity_green', 'Directly supplied wind and solar power', 0.0295, 'kg CO2e / kWh', 'GLO', 2014, 'ipcc-ar5-annex3', 2, 3, 3, 2, 'triangular', '', 0.011, 0.0295, 0.048, 'GAP: the paper treats green power as nearly zero-carbon; 50/50 wind onshore (11 g) and utility PV (48 g) life-cycle medians.'),
    ('heat_natural_gas:GLO:2006', 'heat_natural_gas', 'Heat from natural gas, combustion', 0.0561, 'kg CO2e / MJ', 'GLO', 2006, 'ipcc-2006-stationary', 2, 3, 3, 2, 'lognormal', 1.05, '', '', '', 'GAP: combustion CO2 only (56,100 kg/TJ), no upstream.'),
    ('graphite_synthetic:CN:2022', 'graphite_synthetic', 'Synthetic graphite anode material, China', 6.05, 'kg CO2e / kg', 'CN', 2022, 'wp-2023', 2, 1, 2, 3, 'lognormal', 1.2, '', '', '', 'GIVEN, section 4.2.2 fig. 14.'),
    ('graphite_synthetic_feedstock:CN:2022', 'graphite_synthetic_feedstock', 'Synthetic graphite without graphitization electricity, China', 1.452, 'kg CO2e / kg', 'CN', 2022, 'wp-2023', 2, 1, 2, 3, 'lognormal', 1.3, '', '', '', "GIVEN by arithmetic, section 4.2.2: energy is 76 % of Chinese synthetic graphite's 6.05, so the rest is 0.24 x 6.05; the model adds graphitization electricity at the anode plant."),
    ('graphite_synthetic_feedstock:GLO:2022', 'graphite_synthetic_feedstock', 'Synthetic graphite without graphitization electricity, outside China', 2.178, 'kg CO2e / kg', 'GLO', 2022, 'wp-2023', 3, 3, 2, 4, 'lognormal', 1.4, '', '', '', "GIVEN by arithmetic, section 4.2.2: energy is 64 % of synthetic graphite's emissions outside China; the paper gives no non-Chinese total, so 0.36 x the Chinese 6.05."),
    ('graphite_silicon_coated:CN:2022', 'graphite_silicon_coated', 'Silicon-coated graphite anode material, China', 6.21, 'kg CO2e / kg', 'CN', 2022, 'wp-2023', 2, 1, 2, 3, 'lognormal', 1.2, '', '', '', 'GIVEN, section 4.2.2 fig. 15.'),
    ('cam_lfp:CN:2022', 'cam_lfp', 'LFP cathode active material (aggregated)', 8.0, 'kg CO2e / kg', 'CN', 2022, 'wp-2023', 2, 2, 2, 3, 'lognormal', 1.2, '', '', '', "GIVEN, section 4.2.1 fig. 12 ('about 8'). Reference only: the model builds CAM bottom-up."),
    ('cam_ncm111:GLO:2022', 'cam_ncm111', "NCM cathode active material (paper's range)", 26.7, 'kg CO2e / kg', 'GLO', 2022, 'wp-2023', 3, 3, 2, 4, 'triangular', '', 22.4, 26.7, 31.0, 'GIVEN as a range for NCM without naming the generation (section 4.2.1 fig. 12): 22.4-31; value = midpoint. Reference only.'),
    ('cam_ncm622:GLO:2022', 'cam_ncm622', "NCM cathode active material (paper's range)", 26.7, 'kg CO2e / kg', 'GLO', 2022, 'wp-2023', 3, 3, 2, 4, 'triangular', '', 22.4, 26.7, 31.0, 'GIVEN as a range for NCM without naming the generation (section 4.2.1 fig. 12): 22.4-31; value = midpoint. Reference only.'),
    ('cam_ncm811:GLO:2022', 'cam_ncm811', "NCM cathode active material (paper's range)", 26.7, 'kg CO2e / kg', 'GLO', 2022, 'wp-2023', 3, 3, 2, 4, 'triangular', '', 22.4, 26.7, 31.0, 'GIVEN as a range for NCM without naming the generation (section 4.2.1 fig. 12): 22.4-31; value = midpoint. Reference only.'),
]
# fmt: on

#: Implied values: (flow, region, value, uncertainty (min, max), how the paper implies it)
# fmt: off
IMPLIED = [
    ('nickel_sulfate', 'GLO', 3.0, (2.0, 5.5), "IMPLIED: with cobalt sulfate, the value that reproduces section 4.2.1 (NCM622 about -4 %, NCM811 about -8 % vs NCM111) and keeps NCM CAM near the paper's 22.4-31 range; per kg NiSO4.6H2O. Recent global figure (Istrate et al. 2024, in open-2024.1) is 5.48."),
    ('cobalt_sulfate', 'GLO', 6.0, (4.0, 15.0), 'IMPLIED: as nickel_sulfate; per kg CoSO4.7H2O; the paper ranks cobalt sulfate highest, nickel next (fig. 13). Istrate et al. 2024 (open-2024.1) gives 15.0.'),
    ('manganese_sulfate', 'GLO', 1.5, (1.0, 5.2), 'IMPLIED with the two above; per kg MnSO4.H2O; small share. Published 1.7 (Element 25, 2023) to 5.15 (Chinese production, open-2024.1).'),
    ('lithium_hydroxide_spodumene', 'GLO', 9.0, (5.0, 17.2), 'IMPLIED: with the NCM811 -8 % of section 4.2.1; per kg LiOH.H2O. Published 10.5 (EU converter, Fraunhofer 2023) to 17.2 (Istrate 2024).'),
    ('iron_phosphate', 'GLO', 4.0, (2.5, 5.0), 'IMPLIED: makes LFP CAM about 8 kg CO2e/kg (fig. 12) with the LFP cathode about a third of the cell (fig. 11: about 37 %); per kg FePO4. open-2024.1 has a 2.96 proxy.'),
    ('electronics_bms', 'GLO', 120.0, (60.0, 250.0), 'IMPLIED: with the module-based pack defaults (cell-to-pack mass 0.65), the BMS intensity that makes cells about 65 % of the pack footprint (section 4.2).'),
    ('sulfide_solid_electrolyte', 'GLO', 65.0, (30.0, 150.0), "IMPLIED: makes the sulfide all-solid-state pack fall in the paper's 150-200 (fig. 10, lab data); lab-scale LCAs find the sulfide electrolyte synthesis the hotspot (Rietdorf et al. 2024, Int J LCA, doi:10.1007/s11367-024-02355-1: 205 kg CO2e/kWh cell)."),
]
# fmt: on

#: Flows the model needs that the paper neither gives nor implies: copied from open-2024.1.
GAP_FLOWS = [
    "lithium_carbonate_brine", "lithium_carbonate_spodumene", "lithium_hydroxide_brine",
    "sodium_hydroxide", "aluminium_primary", "aluminium_wrought_alloy", "copper", "steel",
    "carbon_black", "pvdf", "nmp", "cmc", "sbr", "lipf6", "carbonate_solvents", "separator_pe_pp",
    "lithium_metal", "plastics", "coolant_glycol", "thermal_interface_material", "graphite_natural",
    # recycling reagents and materials recovered from spent batteries (recycling/, scenarios/)
    "sulfuric_acid", "hydrogen_peroxide", "sodium_carbonate", "nickel_sulfate_recycled",
    "cobalt_sulfate_recycled", "manganese_sulfate_recycled", "lithium_hydroxide_recycled",
    "lithium_carbonate_recycled", "copper_secondary", "aluminium_secondary", "cam_recovered_direct",
    "graphite_recovered_direct",
]  # fmt: skip


#: Single open-2024.1 rows copied as they are: the world grid for plants in countries the paper's
#: regional ranges do not cover (same year as the China factor).
GAP_ROW_IDS = ["electricity_grid:glo:2021"]


def open_rows() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted((OPEN / "factors").glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            rows.extend(csv.DictReader(handle))
    return rows


def open_sources() -> dict[str, dict[str, object]]:
    merged: dict[str, dict[str, object]] = {}
    for path in sorted((OPEN / "sources").glob("*.toml")):
        merged.update(tomllib.loads(path.read_text(encoding="utf-8")))
    return merged


def pick(rows: list[dict[str, str]], flow: str) -> list[dict[str, str]]:
    """The latest row of ``flow`` in each region open-2024.1 has (the paper's period or before)."""
    latest: dict[str, dict[str, str]] = {}
    for row in rows:
        if row["flow"] == flow:
            region = row["region"]
            if region not in latest or int(row["year"]) > int(latest[region]["year"]):
                latest[region] = row
    if "GLO" not in latest and "CN" not in latest:
        raise SystemExit(f"open-2024.1 has no CN or GLO row for {flow}")
    return [latest[region] for region in sorted(latest)]


def toml_table(source_id: str, fields: dict[str, object]) -> str:
    lines = [f"[{source_id}]"]
    for key, value in fields.items():
        text = str(value).replace("\\", "\\\\").replace('"', '\\"')
        lines.append(f"{key} = {value}" if isinstance(value, int) else f'{key} = "{text}"')
    return "\n".join(lines) + "\n"


def main() -> None:
    rows = [dict(zip(COLUMNS, map(str, row), strict=True)) for row in OWN_ROWS]
    for flow, region, value, (low, high), note in IMPLIED:
        rows.append(dict(zip(COLUMNS, map(str, (
            f"{flow}:{region}:2022", flow, f"{flow.replace('_', ' ').capitalize()} (implied by the paper)",
            value, "kg CO2e / kg", region, 2022, "wp-2023-implied", 3, 3, 2, 4, "triangular", "",
            low, value, high, note,
        )), strict=True)))  # fmt: skip
    sources = dict(SOURCES)
    available = open_rows()
    open_src = open_sources()
    by_id = {row["id"]: row for row in available}
    gap_rows = [by_id[row_id] for row_id in GAP_ROW_IDS]
    for flow in GAP_FLOWS:
        gap_rows.extend(pick(available, flow))
    for picked in gap_rows:
        row = dict(picked)
        row["notes"] = f"GAP: copied from open-2024.1 row {row['id']}. {row['notes']}"
        rows.append(row)
        sources[row["source_id"]] = open_src[row["source_id"]]
    (TARGET / "factors").mkdir(parents=True, exist_ok=True)
    with (TARGET / "factors" / "factors.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    (TARGET / "sources").mkdir(exist_ok=True)
    text = "".join(toml_table(sid, fields) + "\n" for sid, fields in sources.items())
    (TARGET / "sources" / "whitepaper.toml").write_text(text, encoding="utf-8")
    print(f"wrote {len(rows)} factors and {len(sources)} sources to {TARGET}")


if __name__ == "__main__":
    main()
