"""Shared pieces of the command-line adapters: consoles, tables, options, error handling."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, cast

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import DataError, IntegrityError

from batterycarbon.battery import Options
from batterycarbon.battery.design import STEPS
from batterycarbon.countries import country_problem
from batterycarbon.errors import BatteryCarbonError, InputError

out = Console(emoji=False)  # ":ID:" in a factor id is Indonesia, not an emoji code
err = Console(stderr=True, emoji=False)
F = TypeVar("F", bound=Callable[..., Any])

DesignArg = Annotated[str, typer.Argument(help="Bundled design id or a YAML/JSON file.")]
ReleaseOpt = Annotated[str, typer.Option("--factors", "--release", help="Factor release id.")]
GridOpt = Annotated[str | None, typer.Option(help="Country code for every plant (e.g. SE).")]
GreenOpt = Annotated[list[str] | None, typer.Option(help="STEP=SHARE of green power; repeatable.")]
GreenHeatOpt = Annotated[
    list[str] | None,
    typer.Option(
        help="STEP=SHARE of the step's natural-gas heat replaced by a heat pump on green power; "
        "repeatable."
    ),
]
RouteOpt = Annotated[
    list[str] | None,
    typer.Option(
        help="COMMODITY=ROUTE (100 %) or COMMODITY=ROUTE:SHARE,ROUTE:SHARE (shares summing to "
        "1): where a cathode commodity comes from, e.g. lithium_carbonate=spodumene; repeatable."
    ),
]
#: What ``--format`` takes: every command prints a table or JSON; ``footprint`` also writes CSV.
#: A command checks its value against the tuple its option's help was written from
#: (:func:`check_format`), so the help names exactly what is accepted.
FORMATS = ("table", "json")
FORMATS_WITH_CSV = (*FORMATS, "csv")


def one_of(choices: tuple[str, ...]) -> str:
    return f"{', '.join(choices[:-1])} or {choices[-1]}."


FormatOpt = Annotated[str, typer.Option("--format", help=one_of(FORMATS))]
FormatCsvOpt = Annotated[str, typer.Option("--format", help=one_of(FORMATS_WITH_CSV))]
LevelOpt = Annotated[str, typer.Option(help="pack or cell.")]
ChartOpt = Annotated[Path | None, typer.Option(help="Write a chart (.png or .html).")]
RuleSetOpt = Annotated[
    str, typer.Option("--rule-set", help="Accounting rule set id (see `batterycarbon rules`).")
]


def make_table(*columns: str, **options: Any) -> Table:
    """A table whose cells wrap instead of being cut, so ids stay whole on narrow terminals."""
    result = Table(**options)
    for column in columns:
        result.add_column(column, overflow="fold")
    return result


def user_errors(func: F) -> F:
    """Turn the project's errors into a clear message on stderr and exit status 2; likewise a
    refusal of the database (data it cannot store, or a concurrent change that won), which the
    services do not check first, told apart as the API does (:mod:`batterycarbon.store.refusals`,
    never repeating a value). Any other database error (a lost connection) stays an error of
    the program, with its traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except BatteryCarbonError as exc:
            _report(str(exc))
            raise typer.Exit(2) from None
        except (DataError, IntegrityError) as exc:
            from batterycarbon.store.refusals import refusal_of  # the store loads in 0.7 s

            refusal = refusal_of(exc)
            if refusal is None:
                raise
            _report(f"the database refused the change: {refusal.message}")
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def print_warnings(warnings: Iterable[str]) -> None:
    """Each fallback a result carries (``Footprint.warnings``) as a yellow ``warning:`` line,
    unwrapped so that it stays one line to read and to search."""
    for warning in warnings:
        out.print("warning:", style="bold yellow", end=" ")
        out.print(warning, markup=False, highlight=False, soft_wrap=True)


def _report(message: str) -> None:
    err.print("error:", style="bold red", end=" ")
    err.print(message, markup=False, highlight=False, soft_wrap=True)


def check_format(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        raise InputError("--format", [f"{fmt!r}: expected one of {', '.join(allowed)}"])


def print_json(data: Any, **options: Any) -> None:
    """``data`` as indented JSON on stdout (``options`` go to :func:`json.dumps`)."""
    sys.stdout.write(json.dumps(data, indent=2, **options) + "\n")


def check_level(level: str) -> Literal["pack", "cell"]:
    if level not in ("pack", "cell"):
        raise InputError("--level", [f"{level!r}: expected pack or cell"])
    return cast(Literal["pack", "cell"], level)


def check_chart(path: Path | None) -> None:
    if path is not None and path.suffix.lower() not in (".png", ".html"):
        raise InputError("--chart", [f"{str(path)!r}: expected a file ending in .png or .html"])


def check_country(option: str, code: str | None) -> None:
    problem = None if code is None else country_problem(code)
    if problem is not None:
        raise InputError(option, [problem])


def plant_options(
    grid: str | None,
    green: list[str] | None,
    year: int | None = None,
    green_heat: list[str] | None = None,
) -> Options:
    """The ``--grid``, ``--green`` (``--year``, ``--green-heat``) options of a footprint, each
    checked."""
    check_country("--grid", grid)
    return Options(
        grid=grid,
        year=year,
        green=parse_green(green or []),
        green_heat=parse_green(green_heat or [], "--green-heat"),
    )


def parse_green(values: list[str], option: str = "--green") -> dict[str, float]:
    """``STEP=SHARE`` items of ``option`` into a dict, every bad item reported."""
    green: dict[str, float] = {}
    problems = []
    for item in values:
        step, _, share = item.partition("=")
        try:
            value = float(share)
        except ValueError:
            problems.append(f"{item!r}: expected STEP=SHARE with SHARE a number in 0..1")
            continue
        if step not in STEPS or not 0 <= value <= 1:
            problems.append(f"{item!r}: STEP must be one of {', '.join(STEPS)} and SHARE in 0..1")
            continue
        green[step] = value
    if problems:
        raise InputError(option, problems)
    return green


def parse_routes(values: list[str]) -> dict[str, dict[str, float]]:
    """``--route`` items into a sourcing lever ``{commodity: {route: share}}``; every bad item
    is reported, naming ``sourcing.<commodity>.<route>`` (``battery.sourcing.parse_route_items``)."""
    from batterycarbon.battery.sourcing import parse_route_items

    levers, problems = parse_route_items(values)
    if problems:
        raise InputError("--route", problems)
    return levers
