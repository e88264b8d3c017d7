"""The multi-page customer report as PDF (fpdf2, core fonts, A4).

Renders the content of :func:`batterycarbon.compliance.report.report_content`, one section per
page group, each a PDF bookmark: summary, results by stage and component (with a matplotlib
chart), hotspots, the reduction pathway (table and waterfall chart), the Monte Carlo uncertainty,
rule sets side by side with the reconciliation table, data sources and
quality, and the EU declaration as an annex. Numbers are printed from the content as given;
nothing is computed here except formatting. Core PDF fonts cover Latin-1 only (``CO2e``).
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fpdf import FPDF

from batterycarbon.reports.charts import breakdown_png, waterfall_chart
from batterycarbon.reports.pdf import declaration_pages, heading, key_value_rows, latin1

#: Bookmark titles of the sections, in order.
SECTIONS = (
    "Summary",
    "Results by stage and component",
    "Hotspots",
    "Reduction pathway",
    "Uncertainty",
    "Rule sets side by side",
    "Data sources and quality",
    "Annex: EU carbon footprint declaration",
)


class _ReportPDF(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=7)
        self.cell(0, 5, latin1(f"{self.footer_text}  -  page {self.page_no()}/{{nb}}"),
                  align="C")  # fmt: skip


def _section(pdf: FPDF, title: str) -> None:
    pdf.add_page()
    pdf.start_section(title)
    pdf.set_font("Helvetica", style="B", size=14)
    pdf.cell(0, 9, latin1(title), new_x="LMARGIN", new_y="NEXT")


def _table(
    pdf: FPDF,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    align: Sequence[str] | None = None,
    size: float = 8,
) -> None:
    pdf.set_font("Helvetica", size=size)
    aligns = tuple(align or ["LEFT"] * len(header))
    with pdf.table(col_widths=tuple(widths), text_align=aligns, line_height=size * 0.5,
                   first_row_as_headings=True, padding=0.8) as table:  # fmt: skip
        table.row([latin1(h) for h in header])
        for row in rows:
            table.row([latin1(cell) for cell in row])
    pdf.ln(2)


def _note(pdf: FPDF, text: str, size: float = 8) -> None:
    pdf.set_font("Helvetica", size=size)
    pdf.multi_cell(0, 4, latin1(text), new_x="LMARGIN", new_y="NEXT")


def _opt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _summary(pdf: FPDF, content: dict[str, Any]) -> None:
    cover, result = content["cover"], content["result"]
    rs = cover["rule_set"]
    pdf.set_font("Helvetica", style="B", size=17)
    pdf.multi_cell(0, 9, latin1(content["title"]), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", style="B", size=13)
    pdf.cell(0, 8, latin1(f"{result['total_kgco2e_per_fu']:.4f} kg CO2e per kWh delivered"),
             new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.set_font("Helvetica", size=10)
    pdf.cell(0, 6, latin1(
        f"{result['total_kgco2e_per_kwh_capacity']:.2f} kg CO2e per kWh of capacity; "
        f"{result['total_kgco2e_per_pack']:,.0f} kg CO2e per battery"),
        new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    heading(pdf, "Report")
    key_value_rows(pdf, [
        ("Design", f"{cover['design']} ({cover['design_name']}, {cover['chemistry']}, "
                   f"{cover['capacity_kwh']:.4g} kWh)"),
        ("Rule set", f"{rs['id']} {rs['version']} ({rs['status']}): {rs['title']}"),
        ("Functional unit", result["functional_unit"]),
        ("Factor release", cover["factor_release"]),
        ("Date", cover["date"]),
        ("Declaration id", cover["declaration_id"]),
        ("Performance class", cover["performance_class"]),
        ("Inputs digest (SHA-256)", cover["inputs_digest"]),
        ("Software", f"batterycarbon {cover['software_version']}"),
    ])  # fmt: skip
    heading(pdf, "Contents")
    _note(pdf, "\n".join(f"{i + 1}. {s}" for i, s in enumerate(SECTIONS)), size=9)
    pdf.ln(2)
    _note(pdf, (
        "Figures follow from the inputs digest, the factor release and the rule set above: the "
        "same three give the same figures. The declaration in the annex is the Annex II content "
        "of Regulation (EU) 2023/1542; the JSON form beside this report is its machine-readable "
        "record."), size=8)  # fmt: skip


def _results(pdf: FPDF, content: dict[str, Any]) -> None:
    result = content["result"]
    heading(pdf, "By life-cycle stage")
    rows = [(s["name"], f"{s['kgco2e_per_kwh_capacity']:.3f}", f"{s['kgco2e_per_fu']:.5f}")
            for s in result["stages"]]  # fmt: skip
    rows.append(("Total", f"{result['total_kgco2e_per_kwh_capacity']:.3f}",
                 f"{result['total_kgco2e_per_fu']:.5f}"))  # fmt: skip
    _table(pdf, ("stage", "kg CO2e / kWh capacity", "kg CO2e / kWh delivered"), rows,
           (90, 50, 50), ("LEFT", "RIGHT", "RIGHT"))  # fmt: skip
    heading(pdf, "By component (cradle to gate)")
    comp_rows = [(name, f"{value:.3f}") for name, value in result["components"].items()]
    comp_rows.append(("Total cradle to gate", f"{result['cradle_to_gate_kgco2e_per_kwh']:.3f}"))
    _table(pdf, ("component", "kg CO2e / kWh capacity"), comp_rows, (90, 50),
           ("LEFT", "RIGHT"))  # fmt: skip
    _note(pdf, f"Cells: {100 * result['cell_share']:.1f} % of the cradle-to-gate footprint; "
               f"primary (supplier) data: {100 * result['primary_share']:.1f} %.")  # fmt: skip
    png = breakdown_png(
        {s["name"]: s["kgco2e_per_kwh_capacity"] for s in result["stages"]},
        result["components"],
        "kg CO2e per kWh of capacity",
        f"{content['cover']['design']} under {content['cover']['rule_set']['id']}",
    )
    pdf.ln(2)
    pdf.image(io.BytesIO(png), w=pdf.epw)


def _hotspots(pdf: FPDF, content: dict[str, Any]) -> None:
    _note(pdf, "The steps and the emission factors that contribute most (cradle to gate, kg "
               "CO2e per kWh of capacity), each with the lever that would cut it.")  # fmt: skip
    pdf.ln(1)
    for kind, title in (("process", "Steps"), ("factor", "Emission factors")):
        heading(pdf, title)
        rows = [(h["name"], f"{h['kgco2e_per_kwh']:.3f}", f"{100 * h['share']:.1f} %", h["cause"],
                 h["lever"]) for h in content["hotspots"] if h["kind"] == kind]  # fmt: skip
        _table(pdf, ("name", "kg CO2e/kWh", "share", "cause", "lever"), rows,
               (52, 20, 15, 20, 83), ("LEFT", "RIGHT", "RIGHT", "LEFT", "LEFT"), size=7)  # fmt: skip


def _pathway(pdf: FPDF, content: dict[str, Any]) -> None:
    path = content["pathway"]
    cover = content["cover"]
    if path is None:
        _note(pdf, f"No bundled reduction pathway exists for {cover['chemistry']}; none is "
                   "shown rather than one made for another chemistry.")  # fmt: skip
        return
    _note(pdf, f"The steps of the bundled pathway '{path['preset']}' ({path['description']}) "
               f"applied cumulatively to this design, pack level, factor release "
               f"{path['factor_release']}, rule set {path['rule_set']}; "
               f"{path['unit']}, cradle to gate.")  # fmt: skip
    pdf.ln(1)
    rows = [(s["name"], f"{s['total_kgco2e_per_kwh']:.3f}", f"{100 * s['change_vs_previous']:+.1f} %",
             f"{100 * s['change_vs_start']:+.1f} %") for s in path["steps"]]  # fmt: skip
    _table(pdf, ("step", "kg CO2e / kWh capacity", "vs previous", "vs start"), rows,
           (90, 40, 30, 30), ("LEFT", "RIGHT", "RIGHT", "RIGHT"))  # fmt: skip
    labels = [s["name"] for s in path["steps"]]
    totals = [s["total_kgco2e_per_kwh"] for s in path["steps"]]
    with tempfile.TemporaryDirectory() as folder:
        png = waterfall_chart(labels, totals, path["unit"],
                              f"{cover['design']}: {path['preset']}", Path(folder) / "w.png")  # fmt: skip
        data = png.read_bytes()
    pdf.image(io.BytesIO(data), w=pdf.epw * 0.9)


def _uncertainty(pdf: FPDF, content: dict[str, Any]) -> None:
    mc = content["uncertainty"]
    names = {s["stage"]: s["name"] for s in content["result"]["stages"]}
    _note(pdf, f"Monte Carlo: {mc['runs']} runs, seed {mc['seed']}, rule set {mc['rule_set']}; "
               f"{mc['inputs_sampled']} uncertain inputs (every library factor from its "
               "distribution, the model's exchange amounts with the pedigree spread of their "
               f"rating). {mc['boundary'][0].upper()}{mc['boundary'][1:]}, {mc['unit']}; the "
               "stages after the gate are not sampled. Same seed and runs, same figures.")  # fmt: skip
    pdf.ln(1)

    fixed = mc["deterministic"]

    def row(label: str, stats: dict[str, float], value: float) -> tuple[str, ...]:
        sampled = (f"{stats[k]:.3f}" for k in ("mean", "median", "p2_5", "p97_5"))
        return (label, f"{value:.3f}", *sampled)

    rows = [row(names.get(stage, stage), stats, fixed["stages"][stage])
            for stage, stats in mc["stages"].items()]  # fmt: skip
    rows.append(row("Total cradle to gate", mc["total"], fixed["total"]))
    _table(pdf, ("", "result", "mean", "median", "2.5th pct.", "97.5th pct."), rows,
           (62, 24, 24, 24, 28, 28), ("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"))  # fmt: skip
    skewed = "; ".join(f"{s['key']} (median x{s['median_multiplier']:.2f})" for s in mc["skewed_inputs"])  # fmt: skip
    _note(pdf, "'result' is the deterministic footprint of the results page. The sampled median "
               "can depart from it where input ranges are asymmetric about the value; the inputs "
               f"whose sampled median departs most from their own value: {skewed}.")  # fmt: skip


def _standards(pdf: FPDF, content: dict[str, Any]) -> None:
    report = content["standards"]
    rows = [(r["id"], r["status"], r["functional_unit_basis"].replace("_", " "),
             f"{r['total_kgco2e_per_fu']:.4g}", f"{r['total_kgco2e_per_kwh_capacity']:.2f}",
             _opt(r["total_kgco2e_per_kwh_delivered"], ".4f"))
            for r in report["rule_sets"]]  # fmt: skip
    _table(pdf, ("rule set", "status", "functional unit", "kg CO2e / FU", "per kWh cap.",
                 "per kWh deliv."), rows, (42, 28, 36, 28, 28, 28),
           ("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT"), size=7)  # fmt: skip
    heading(pdf, f"Reconciliation with {report['reference']}")
    _note(pdf, "Effect in kg CO2e per kWh of capacity, applied in order; the functional-unit "
               "row divides by the kWh of functional unit per kWh of capacity.", size=7)  # fmt: skip
    recon = []
    for row in report["reconciliation"]:
        effect = (f"{row['effect_kgco2e_per_kwh_capacity']:+.3f}"
                  if row["effect_kgco2e_per_kwh_capacity"] is not None
                  else f"/ {row['fu_divisor']:.4g}")  # fmt: skip
        recon.append((row["rule_set"], row["aspect"], row["this"], effect, row["explanation"]))
    _table(pdf, ("rule set", "aspect", "this rule set", "effect", "explanation"), recon,
           (30, 22, 48, 16, 74), ("LEFT", "LEFT", "LEFT", "RIGHT", "LEFT"), size=6)  # fmt: skip


def _sources(pdf: FPDF, content: dict[str, Any]) -> None:
    prov = content["provenance"]
    dqr = prov["weighted_dqr"]
    _note(pdf, "Every emission source of the declared result, cradle to gate, largest first. "
               "DQR: the PEF data-quality rating (Recommendation (EU) 2021/2279, Annex I, "
               "4.6.5), 1 excellent to 5 very poor. Contribution-weighted DQR of the library "
               f"factors: {_opt(dqr, '.2f')}.")  # fmt: skip
    pdf.ln(1)
    rows = [(r["id"], f"{r['kgco2e_per_kwh']:.4f}", f"{100 * r['share']:.1f} %",
             r["region"] or "-", str(r["year"] or "-"), _opt(r["dqr"], ".2f"), r["source"])
            for r in prov["factors"]]  # fmt: skip
    _table(pdf, ("source id", "kg CO2e/kWh", "share", "region", "year", "DQR", "source"), rows,
           (44, 18, 13, 14, 10, 10, 81), ("LEFT", "RIGHT", "RIGHT", "LEFT", "LEFT", "RIGHT",
                                          "LEFT"), size=6)  # fmt: skip


def report_pdf(content: dict[str, Any], path: Path) -> Path:
    """Write the report of ``content`` (:func:`report_content`) to ``path`` as PDF."""
    pdf = _ReportPDF(format="A4")
    pdf.footer_text = (
        f"{content['cover']['design']} - {content['cover']['rule_set']['id']} - "
        f"factors {content['cover']['factor_release']} - {content['cover']['inputs_digest'][:12]}"
    )
    pdf.set_title(content["title"])
    pdf.set_creator("batterycarbon")
    pdf.set_auto_page_break(auto=True, margin=16)
    renderers = (_summary, _results, _hotspots, _pathway, _uncertainty, _standards, _sources)
    for title, render in zip(SECTIONS[:-1], renderers, strict=True):
        if title == SECTIONS[0]:
            pdf.add_page()
            pdf.start_section(title)
        else:
            _section(pdf, title)
        render(pdf, content)
    pdf.add_page()
    pdf.start_section(SECTIONS[-1])
    declaration_pages(pdf, content["declaration"], title=SECTIONS[-1])
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path
