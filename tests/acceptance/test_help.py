"""Every command of `riskbot`, found by walking its help, shows an `Example:`."""

from __future__ import annotations

import re

import pytest

from tests.cli import Result, run_riskbot

# The commands DESIGN.md promises, and init: the walk must find at least these.
PROMISED = {
    "check",
    "pr",
    "comment",
    "sync",
    "remind",
    "review",
    "report",
    "import",
    "new",
    "retro",
    "init",
    "history",
}


def help_of(*path: str) -> Result:
    return run_riskbot(*path, "--help", env={"COLUMNS": "100"})


def subcommands(help_text: str) -> list[str]:
    """The names listed under click's ``Commands:`` heading."""
    _, found, rest = help_text.partition("\nCommands:\n")
    if not found:
        return []
    names = []
    for line in rest.splitlines():
        if line and not line.startswith(" "):
            break  # the next heading
        match = re.match(r"  (\S+)", line)
        if match:
            names.append(match.group(1))
    return names


def all_commands() -> list[tuple[str, ...]]:
    """Every command path, groups included, from riskbot's own help."""
    found: list[tuple[str, ...]] = []
    todo: list[tuple[str, ...]] = [()]
    while todo:
        path = todo.pop(0)
        found.append(path)
        todo += [(*path, name) for name in subcommands(help_of(*path).stdout)]
    return found


COMMANDS = all_commands()


def test_the_walk_finds_every_promised_command() -> None:
    top = {path[0] for path in COMMANDS if len(path) == 1}
    assert top >= PROMISED, f"not in `riskbot --help`: {sorted(PROMISED - top)}"


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(("riskbot", *p)))
def test_help_exits_0_and_shows_an_example(path: tuple[str, ...]) -> None:
    result = help_of(*path)
    shown = " ".join(("riskbot", *path, "--help"))
    assert result.returncode == 0, f"{shown}: exit {result.returncode}\n{result.stderr}"
    assert "Example:" in result.stdout, f"{shown}: no `Example:` block\n{result.stdout}"
    # The example is runnable text: under the heading, at least one `riskbot ...` line.
    example = result.stdout.split("Example:", 1)[1]
    assert re.search(r"^\s+(\S+=\S+\s+)*riskbot\b", example, re.MULTILINE), (
        f"{shown}: the example shows no riskbot command"
    )
