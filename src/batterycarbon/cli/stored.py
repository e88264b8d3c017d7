"""``batterycarbon footprint --product``: a stored product's latest calculation, read from the
configured database, with the supplier datasets it used, its primary-data share and what
changed since (newer data: recalculate)."""

from __future__ import annotations

from typing import Any

from batterycarbon.cli.common import out, print_json, print_warnings


def print_stored_footprint(product: str, organization: str | None, fmt: str) -> None:
    from batterycarbon.cli.platform import _migrated_session
    from batterycarbon.services.supply import stored_footprint

    with _migrated_session() as session:
        stored = stored_footprint(session, product, organization)
    calc = stored.calculation
    datasets: list[dict[str, Any]] = calc.result.get("supplier_datasets", [])
    warnings: list[str] = calc.result.get("warnings", [])  # absent from older calculations
    if fmt == "json":
        document = {
            "product": stored.product,
            "organization": stored.organization,
            "calculation_id": str(calc.id),
            "created_at": calc.created_at.isoformat(),
            "total_kgco2e_per_kwh": calc.total_kgco2e_per_kwh,
            "primary_share": calc.primary_share,
            "factor_release": calc.factor_release_id,
            "rule_set": calc.rule_set,
            "digest": calc.digest,
            "supplier_datasets": datasets,
            "warnings": warnings,
            "newer_data": stored.newer_data,
        }
        print_json(document)
        return

    def say(text: str) -> None:  # one line each, never wrapped or read as markup
        out.print(text, markup=False, soft_wrap=True)

    say(
        f"{stored.product} ({stored.organization}): calculation {calc.id} of {calc.created_at:%Y-%m-%d %H:%M}"
    )
    say(
        f"total {calc.total_kgco2e_per_kwh:.2f} kg CO2e/kWh, primary data {calc.primary_share:.1%}, "
        f"factor release {calc.factor_release_id}, rule set {calc.rule_set}"
    )
    say(
        "supplier datasets used:"
        if datasets
        else "supplier datasets used: none (every material from the library)"
    )
    for d in datasets:
        cleared = ", cleared by a verifier" if d.get("cleared_by_verifier") else ""
        say(
            f"  - {d.get('material', d['flow'])}: {d['supplier']}, plant {d.get('plant', d['region'])}: "
            f"dataset {d['dataset_id']} version {d.get('version', '?')} ({d['year']}), "
            f"{d.get('status', 'approved')}{cleared}, DQR {d['dqr']:g}, {d['value']:g} {d['unit']}, "
            f"replaces {d['replaces']}"
        )
    print_warnings(warnings)
    if stored.newer_data:
        say("newer data — recalculate:")
        for line in stored.newer_data:
            say(f"  - {line}")
