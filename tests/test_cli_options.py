"""The options several commands share (cli/common.py) read the same in every command's help:
one definition each, so a command cannot drift from the others."""

from __future__ import annotations

from collections import defaultdict

import typer.main

from batterycarbon.cli import app

#: pathway's release defaults to its preset's (the help says so), so it has its own option.
OWN_DEFINITION = {("pathway", "factors"), ("pathway", "design")}


def test_shared_options_have_one_help_text_across_commands() -> None:
    command = typer.main.get_command(app)
    assert isinstance(command, typer.main.TyperGroup)
    helps: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for name, sub in command.commands.items():
        for param in sub.params:
            shared = param.name in ("design", "factors", "grid", "green", "level")
            if shared and (name, param.name) not in OWN_DEFINITION:
                helps[str(param.name)][str(getattr(param, "help", None))].append(name)
    assert set(helps) == {"design", "factors", "grid", "green", "level"}
    assert {name: len(texts) for name, texts in helps.items()} == dict.fromkeys(helps, 1), helps
