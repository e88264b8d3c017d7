"""Compliance commands: standards side by side, EU declaration and passport, PACT exchange."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from batterycarbon.battery import load_design
from batterycarbon.cli.common import (
    FORMATS,
    DesignArg,
    FormatOpt,
    GreenHeatOpt,
    GreenOpt,
    GridOpt,
    ReleaseOpt,
    RuleSetOpt,
    check_format,
    make_table,
    out,
    plant_options,
    print_json,
    print_warnings,
    user_errors,
)
from batterycarbon.compliance.battery_passport import passport_view, write_qr
from batterycarbon.compliance.classes import load_class_table
from batterycarbon.compliance.declare import DEFAULT_DECLARATION_RULE_SET, declare
from batterycarbon.compliance.inputs import load_compliance_inputs, use_profile_for
from batterycarbon.compliance.pact import (
    from_product_footprint,
    product_footprint_json,
    to_product_footprint,
)
from batterycarbon.compliance.pact_v3 import (
    from_product_footprint_v3,
    spec_major_version,
    to_product_footprint_v3,
)
from batterycarbon.compliance.report import MC_RUNS, MC_SEED, report_content
from batterycarbon.compliance.standards import account, compare, standards_report
from batterycarbon.errors import InputError
from batterycarbon.factors import DEFAULT_RELEASE, library, merge_warnings
from batterycarbon.reports.pdf import declaration_pdf
from batterycarbon.reports.report_pdf import SECTIONS, report_pdf
from batterycarbon.rules.functional_unit import UseProfile, parse_use_profile

app = typer.Typer()

UsableOpt = Annotated[
    float | None, typer.Option("--usable-kwh", help="Usable capacity at beginning of life, kWh.")
]
CategoryOpt = Annotated[
    str | None,
    typer.Option(help="car_van, two_three_wheeler, bus_truck, or a class such as M1, L, N3."),
]
WarrantyOpt = Annotated[
    float | None, typer.Option(help="Warranty in years (the service life of the EU rules).")
]
InputsOpt = Annotated[
    Path | None,
    typer.Option("--inputs", help="Compliance inputs file (use profile, category, study link)."),
]
ManufacturerOpt = Annotated[str | None, typer.Option(help="Manufacturer's name.")]
PlantOpt = Annotated[str | None, typer.Option(help="Address of the manufacturing plant.")]
StudyUrlOpt = Annotated[
    str | None, typer.Option(help="Public link to the study supporting the figures.")
]
DeclaredRuleSetOpt = Annotated[
    str, typer.Option("--rule-set", help="The declared rule set (one counted per kWh delivered).")
]


def _use(
    usable_kwh: float | None, vehicle_category: str | None, warranty_years: float | None
) -> UseProfile:
    return parse_use_profile(
        {
            k: v
            for k, v in (
                ("usable_capacity_kwh", usable_kwh),
                ("vehicle_category", vehicle_category),
                ("warranty_years", warranty_years),
            )
            if v is not None
        },
        "use options",
    )


def _issued(issued: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(issued) if issued else None
    except ValueError:
        raise InputError("--issued", [f"{issued!r}: expected a date YYYY-MM-DD"]) from None


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


ClassesOpt = Annotated[
    Path | None, typer.Option(help="Performance-class table (TOML/JSON); default: none.")
]


@app.command()
@user_errors
def standards(
    design: DesignArg,
    factors: ReleaseOpt = DEFAULT_RELEASE,
    usable_kwh: UsableOpt = None,
    vehicle_category: CategoryOpt = None,
    warranty_years: WarrantyOpt = None,
    inputs: InputsOpt = None,
    rule_set: Annotated[
        list[str] | None, typer.Option("--rule-set", help="Only these rule sets; repeatable.")
    ] = None,
    route: Annotated[str | None, typer.Option(help="Recycling route for end of life.")] = None,
    grid: GridOpt = None,
    green: GreenOpt = None,
    green_heat: GreenHeatOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """One footprint per rule set, per its functional unit, and a reconciliation table."""
    check_format(fmt, FORMATS)
    loaded = load_design(design)
    given = load_compliance_inputs(inputs)
    profile = use_profile_for(loaded, given, _use(usable_kwh, vehicle_category, warranty_years))
    results = compare(
        loaded,
        library(factors),
        rule_set,
        plant_options(grid, green, green_heat=green_heat),
        profile,
        route,
        given.downstream(),
    )
    report = standards_report(results, profile)
    if fmt == "json":
        print_json(report)
        return
    table = make_table(
        "rule set",
        "status",
        "functional unit",
        "kg CO2e/FU",
        "per kWh cap.",
        "per kWh deliv.",
        "raw mat.",
        "prod.",
        "distr.",
        "use",
        "EoL",
        title=f"{report['design']}: footprint by rule set (factors {report['factor_release']})",
        caption="stages in kg CO2e per kWh of capacity",
    )
    for r in report["rule_sets"]:
        cap = r["stages_per_kwh_capacity"]
        delivered = r["total_kgco2e_per_kwh_delivered"]
        table.add_row(
            r["id"],
            r["status"],
            r["functional_unit_basis"].replace("_", " "),
            f"{r['total_kgco2e_per_fu']:.4g}",
            f"{r['total_kgco2e_per_kwh_capacity']:.1f}",
            "-" if delivered is None else f"{delivered:.4f}",
            *(
                f"{cap[s]:.1f}" if s in cap else "-"
                for s in ("raw_materials", "production", "distribution", "use", "end_of_life")
            ),
        )
    out.print(table)
    print_warnings(merge_warnings(*(r.warnings for r in results)))
    recon = make_table(
        "rule set",
        "aspect",
        "reference",
        "this rule set",
        "effect",
        "explanation",
        title=f"Reconciliation with {report['reference']} (effect in kg CO2e per kWh of capacity)",
    )
    for row in report["reconciliation"]:
        effect = (
            f"{row['effect_kgco2e_per_kwh_capacity']:+.2f}"
            if row["effect_kgco2e_per_kwh_capacity"] is not None
            else f"/ {row['fu_divisor']:.4g}"
        )
        recon.add_row(
            row["rule_set"],
            row["aspect"],
            row["reference"],
            row["this"],
            effect,
            row["explanation"],
        )
    out.print(recon)


ManufacturerAddressOpt = Annotated[
    str | None, typer.Option(help="Manufacturer's postal address (street, postal code, town).")
]
ManufacturerCountryOpt = Annotated[
    str | None, typer.Option(help="Country of the manufacturer's address (ISO 3166-1 alpha-2).")
]
PlantCountryOpt = Annotated[
    str | None,
    typer.Option(
        help="Country of the manufacturing plant (ISO 3166-1 alpha-2); it must be the design's "
        "pack plant (default: that plant)."
    ),
]


@app.command(name="declare")
@user_errors
def declare_command(
    design: DesignArg,
    manufacturer: ManufacturerOpt = None,
    manufacturer_address: ManufacturerAddressOpt = None,
    manufacturer_country: ManufacturerCountryOpt = None,
    plant: PlantOpt = None,
    plant_country: PlantCountryOpt = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Directory to write into.")] = Path(
        "declaration"
    ),
    study_url: StudyUrlOpt = None,
    rule_set: DeclaredRuleSetOpt = DEFAULT_DECLARATION_RULE_SET,
    classes: ClassesOpt = None,
    usable_kwh: UsableOpt = None,
    vehicle_category: CategoryOpt = None,
    warranty_years: WarrantyOpt = None,
    inputs: InputsOpt = None,
    issued: Annotated[
        str | None, typer.Option(help="Issue date, YYYY-MM-DD (default today).")
    ] = None,
    factors: ReleaseOpt = DEFAULT_RELEASE,
    grid: GridOpt = None,
    green: GreenOpt = None,
    green_heat: GreenHeatOpt = None,
) -> None:
    """Write declaration.json, declaration.pdf and passport.json; print the class."""
    issue_date = _issued(issued)
    bundle = declare(
        load_design(design),
        library(factors),
        manufacturer=manufacturer,
        manufacturer_address=manufacturer_address,
        manufacturer_country=manufacturer_country,
        plant_address=plant,
        plant_country=plant_country,
        class_table=load_class_table(classes),
        inputs=load_compliance_inputs(inputs),
        use=_use(usable_kwh, vehicle_category, warranty_years),
        study_url=study_url,
        rule_set_id=rule_set,
        options=plant_options(grid, green, green_heat=green_heat),
        issued=issue_date,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    declaration = bundle.declaration.to_json_dict()
    _write_json(out_dir / "declaration.json", declaration)
    declaration_pdf(declaration, out_dir / "declaration.pdf")
    _write_json(out_dir / "passport.json", bundle.passport)
    _write_json(out_dir / "passport-public.json", passport_view(bundle.passport, "public"))
    if bundle.passport.get("publicUrl"):
        write_qr(bundle.passport["publicUrl"], out_dir / "passport-qr.png")
    print_warnings(bundle.result.warnings)
    c = bundle.classification
    out.print(
        f"{declaration['declaration_id']}: {bundle.result.total_kgco2e_per_fu:.4f} kg CO2e per "
        f"kWh delivered ({bundle.result.rule_set.label}); performance class: "
        f"{c.performance_class}" + (f" ({c.note})" if c.note else "")
    )
    out.print(
        f"wrote declaration.json, declaration.pdf, passport.json, passport-public.json to {out_dir}"
    )
    if bundle.passport["notProvided"]:
        out.print(
            f"passport: {len(bundle.passport['notProvided'])} required attributes not provided"
        )


@app.command(name="report")
@user_errors
def report_command(
    design: DesignArg,
    out_file: Annotated[Path, typer.Option("--out", help="The PDF file to write.")] = Path(
        "report.pdf"
    ),
    manufacturer: ManufacturerOpt = None,
    manufacturer_address: ManufacturerAddressOpt = None,
    manufacturer_country: ManufacturerCountryOpt = None,
    plant: PlantOpt = None,
    plant_country: PlantCountryOpt = None,
    study_url: StudyUrlOpt = None,
    rule_set: DeclaredRuleSetOpt = DEFAULT_DECLARATION_RULE_SET,
    compared: Annotated[
        list[str] | None,
        typer.Option("--compare", help="Rule sets side by side; repeatable (default: all)."),
    ] = None,
    classes: ClassesOpt = None,
    usable_kwh: UsableOpt = None,
    vehicle_category: CategoryOpt = None,
    warranty_years: WarrantyOpt = None,
    inputs: InputsOpt = None,
    issued: Annotated[
        str | None, typer.Option(help="Report and declaration date, YYYY-MM-DD (default today).")
    ] = None,
    factors: ReleaseOpt = DEFAULT_RELEASE,
    grid: GridOpt = None,
    green: GreenOpt = None,
    green_heat: GreenHeatOpt = None,
    runs: Annotated[
        int, typer.Option("--runs", help="Monte Carlo runs of the uncertainty section.")
    ] = MC_RUNS,
    seed: Annotated[int, typer.Option("--seed", help="Its random seed.")] = MC_SEED,
) -> None:
    """Write a multi-page PDF report: summary, breakdown, hotspots, pathway, uncertainty, rule
    sets, sources, annex."""
    if out_file.suffix.lower() != ".pdf":
        raise InputError("--out", [f"{str(out_file)!r}: expected a file ending in .pdf"])
    content = report_content(
        load_design(design),
        library(factors),
        manufacturer=manufacturer,
        manufacturer_address=manufacturer_address,
        manufacturer_country=manufacturer_country,
        plant_address=plant,
        plant_country=plant_country,
        class_table=load_class_table(classes),
        inputs=load_compliance_inputs(inputs),
        use=_use(usable_kwh, vehicle_category, warranty_years),
        study_url=study_url,
        rule_set_id=rule_set,
        compared=compared,
        options=plant_options(grid, green, green_heat=green_heat),
        issued=_issued(issued),
        mc_runs=runs,
        mc_seed=seed,
    )
    report_pdf(content, out_file)
    result = content["result"]
    out.print(
        f"wrote {out_file}: {result['total_kgco2e_per_fu']:.4f} kg CO2e per kWh delivered "
        f"({content['cover']['rule_set']['id']}); sections: {', '.join(SECTIONS)}"
    )


@app.command(name="pact-export")
@user_errors
def pact_export(
    design: DesignArg,
    company: Annotated[str, typer.Option(help="Company name (the data owner).")],
    company_id: Annotated[list[str], typer.Option(help="Company URN (urn:...); repeatable.")],
    product_id: Annotated[list[str] | None, typer.Option(help="Product URN; repeatable.")] = None,
    rule_set: RuleSetOpt = "iso14067-c2g",
    usable_kwh: UsableOpt = None,
    vehicle_category: CategoryOpt = None,
    warranty_years: WarrantyOpt = None,
    factors: ReleaseOpt = DEFAULT_RELEASE,
    out_file: Annotated[Path | None, typer.Option("--out", help="Write here, not stdout.")] = None,
    spec_version: Annotated[
        int,
        typer.Option(
            "--version",
            help="PACT Technical Specifications major version: 3, or 2 (2.3 cannot state AR4 "
            "factors, which the default release's plastics rows rest on).",
        ),
    ] = 3,
) -> None:
    """Export a pack's footprint as a PACT ProductFootprint (JSON), spec v2 (2.3) or v3."""
    if spec_version not in (2, 3):
        raise InputError("--version", [f"{spec_version}: expected 2 or 3"])
    loaded = load_design(design)
    profile = use_profile_for(loaded, None, _use(usable_kwh, vehicle_category, warranty_years))
    lib = library(factors)
    result = account(loaded, lib, rule_set, None, profile)
    common: dict[str, Any] = {
        "company_name": company,
        "company_ids": company_id,
        "product_ids": product_id,
        "product_name": loaded.name,
        "graphite_anode": loaded.anode_material != "lithium_metal",
    }
    if spec_version == 3:
        document = to_product_footprint_v3(result, lib, **common)
    else:
        document = product_footprint_json(to_product_footprint(result, lib, **common))
    if out_file is None:
        print_json(document)
    else:
        _write_json(out_file, document)
        out.print(f"wrote {out_file}")


@app.command(name="pact-import")
@user_errors
def pact_import(
    path: Annotated[Path, typer.Argument(help="A ProductFootprint JSON file.")],
    fmt: FormatOpt = "table",
) -> None:
    """Read and validate a PACT ProductFootprint (spec v2 or v3, from its specVersion); print
    what a supplier dataset would take."""
    check_format(fmt, FORMATS)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(str(path), [f"not a readable JSON file: {exc}"]) from None
    major = spec_major_version(document)
    reader = from_product_footprint_v3 if major == 3 else from_product_footprint
    imported = reader(document, str(path))
    data = dict(imported.__dict__)
    if fmt == "json":
        print_json(data, default=list)
        return
    table = make_table("field", "value", show_header=False, title=f"{path.name}")
    for key, value in data.items():
        table.add_row(key, json.dumps(value) if isinstance(value, dict | tuple) else str(value))
    out.print(table)
