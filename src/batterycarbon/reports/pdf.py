"""PDF rendering of the EU carbon-footprint declaration (fpdf2, core fonts, one A4 page).

The PDF shows the declaration's content (Annex II of Regulation (EU) 2023/1542) as a person reads
it; the JSON beside it is the machine-readable record. Core PDF fonts cover Latin-1 only, so
text is reduced to it (``CO2e``, not a subscript): a letter outside it is printed without its
accent ("Győr" as "Gyor"), never as "?"; the JSON keeps the text as entered.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

from fpdf import FPDF

TITLE = "Battery carbon footprint declaration"


def latin1(text: Any) -> str:
    """``text`` in Latin-1: each other character by its base letter (NFKD without the accents)."""
    return "".join(char if ord(char) < 256 else _base_letters(char) or "?" for char in str(text))


def _base_letters(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if ord(c) < 256 and not unicodedata.combining(c))


def postal_address(party: dict[str, Any]) -> str:
    """An address line and its country code, as a declaration stores them."""
    return ", ".join(part for part in (party.get("address"), party.get("country")) if part)


def key_value_rows(pdf: FPDF, rows: list[tuple[str, str]], key_width: float = 62) -> None:
    pdf.set_font("Helvetica", size=9)
    for key, value in rows:
        y = pdf.get_y()
        pdf.set_font("Helvetica", style="B", size=9)
        pdf.multi_cell(key_width, 5, latin1(key), new_x="RIGHT", new_y="TOP")
        pdf.set_font("Helvetica", size=9)
        pdf.multi_cell(0, 5, latin1(value), new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(max(pdf.get_y(), y + 5))


def fitted_factors_text(provenance: dict[str, Any]) -> str:
    """How much of the figure rests on factors fitted to published figures, in words."""
    share = provenance.get("fitted_share")
    if share is None:  # issued before releases marked their fitted factors
        return "not recorded for this declaration"
    if not share:
        return "none: every library factor was read in a source"
    names = ", ".join(provenance.get("fitted_factors") or ())
    return (
        f"{100 * share:.1f} % of the figure rests on factors fitted to published figures ({names})"
    )


def heading(pdf: FPDF, text: str) -> None:
    pdf.ln(2)
    pdf.set_font("Helvetica", style="B", size=11)
    pdf.cell(0, 7, latin1(text), new_x="LMARGIN", new_y="NEXT")


def declaration_pdf(declaration: dict[str, Any], path: Path) -> Path:
    """Write the declaration (the JSON form of :class:`Declaration`) to ``path`` as PDF."""
    pdf = FPDF(format="A4")
    pdf.set_title(TITLE)
    pdf.set_creator("batterycarbon")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    declaration_pages(pdf, declaration)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def declaration_pages(pdf: FPDF, declaration: dict[str, Any], title: str = TITLE) -> None:
    """Write the declaration from the current position of ``pdf`` (a page must be open)."""
    d = declaration
    cf = d["carbon_footprint"]
    pdf.set_font("Helvetica", style="B", size=15)
    pdf.cell(0, 9, latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    pdf.cell(0, 5, latin1(d["legal_basis"]), new_x="LMARGIN", new_y="NEXT")
    heading(pdf, "Declaration")
    key_value_rows(
        pdf,
        [
            ("Declaration id", d["declaration_id"]),
            ("Issued", d["issued"]),
            (
                "EU declaration of conformity",
                d.get("eu_declaration_of_conformity_id") or "not given",
            ),
            ("Manufacturer", d["manufacturer"]["name"]),
            ("Manufacturer's address", postal_address(d["manufacturer"])),
            (
                "Battery model",
                f"{d['battery_model']['name']} ({d['battery_model']['chemistry']}, "
                f"{d['battery_model']['capacity_kwh']:.4g} kWh)",
            ),
            ("Manufacturing plant", postal_address(d["manufacturing_plant"])),
        ],
    )
    heading(pdf, "Carbon footprint")
    pdf.set_font("Helvetica", style="B", size=13)
    pdf.cell(
        0,
        8,
        latin1(f"{cf['total_kgco2e_per_fu']:.4f} kg CO2e per kWh delivered"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    key_value_rows(
        pdf,
        [
            ("Functional unit", cf["functional_unit"]),
            (
                "Inputs",
                f"usable {cf['usable_capacity_kwh']:g} kWh x {cf['cycles_per_year']:g} "
                f"cycles/year x {cf['service_life_years']:g} years = "
                f"{cf['delivered_energy_kwh']:,.0f} kWh delivered",
            ),
            ("Per kWh of capacity", f"{cf['total_kgco2e_per_kwh_capacity']:.2f} kg CO2e"),
            ("Per battery", f"{cf['absolute_kgco2e_per_battery']:,.0f} kg CO2e"),
        ],
    )
    heading(pdf, "By life-cycle stage (kg CO2e per kWh delivered)")
    key_value_rows(
        pdf, [(s["name"], f"{s['kgco2e_per_fu']:.5f}") for s in cf["stages"]], key_width=100
    )
    heading(pdf, "Performance class")
    pc = d["performance_class"]
    key_value_rows(
        pdf,
        [
            ("Class", pc["performance_class"]),
            ("Table", f"{pc['table']} ({pc['table_status']})"),
            ("Note", pc.get("note") or "-"),
        ],
    )
    heading(pdf, "Method and sources")
    rs = d["rule_set"]
    key_value_rows(
        pdf,
        [
            ("Rule set", f"{rs['id']} {rs['version']} ({rs['status']}): {rs['title']}"),
            ("Supporting study", d["study_url"]),
            ("Factor release", d["provenance"]["factor_release"]),
            ("Fitted factors", fitted_factors_text(d["provenance"])),
            ("Inputs digest", d["provenance"]["inputs_digest"]),
            ("Software", f"batterycarbon {d['provenance']['software_version']}"),
        ],
    )
    if d.get("warnings"):  # a declaration issued before warnings existed has no such key
        heading(pdf, "Factors used in place of missing ones")
        pdf.set_font("Helvetica", size=8)
        for warning in d["warnings"]:
            pdf.multi_cell(0, 4, latin1(f"- {warning}"), new_x="LMARGIN", new_y="NEXT")
    if cf["not_modelled"] or rs["disputed"]:
        heading(pdf, "Limits")
        pdf.set_font("Helvetica", size=8)
        for note in [*cf["not_modelled"], *rs["disputed"]]:
            pdf.multi_cell(0, 4, latin1(f"- {note}"), new_x="LMARGIN", new_y="NEXT")
