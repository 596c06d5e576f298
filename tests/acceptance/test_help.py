"""Every command of the installed `riskbot`, found by walking its help, shows an `Example:`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

RISKBOT = shutil.which("riskbot", path=str(Path(sys.executable).parent)) or "riskbot"
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
}


def help_of(*path: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    return subprocess.run(
        [RISKBOT, *path, "--help"],
        capture_output=True,
        text=True,
        env={**env, "COLUMNS": "100"},
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )


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
    """Every command path, groups included, from the installed riskbot's own help."""
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
