"""Command-line interface: parse, call a service or the model, render. No business rule here."""

from __future__ import annotations

import typer

from batterycarbon.cli import analysis as _analysis
from batterycarbon.cli import compliance as _compliance
from batterycarbon.cli import factors as _factors
from batterycarbon.cli import footprint as _footprint
from batterycarbon.cli import levers as _levers
from batterycarbon.cli import platform as _platform
from batterycarbon.cli import validate as _validate

app = typer.Typer(
    help="Carbon footprint of batteries, cradle to gate, with traceable factors.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
for module in (_footprint, _levers, _analysis, _compliance, _platform, _validate):
    app.registered_commands.extend(module.app.registered_commands)
app.add_typer(_factors.factors_app, name="factors")
app.add_typer(_platform.db_app, name="db")
app.add_typer(_platform.audit_app, name="audit")
app.add_typer(_platform.admin_app, name="admin")

__all__ = ["app"]
