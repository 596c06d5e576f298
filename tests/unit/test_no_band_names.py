"""No band name is written in the code: the policy decides (DESIGN.md, "any program's method").

The band names of the plan and of every preset appear only in the presets (and in the plan's own
policy file, which is not code). A string in the code that *is* a band name, in any case and
with spaces around it (a piece of an f-string too), is a method written into the code; a band
name inside a longer text (a docstring that says "Red") is not.
"""

from __future__ import annotations

import ast
from pathlib import Path

from bot.register.presets import PLAN_BANDS, PRESETS
from tests.factories import REPO

ALLOWED = {Path("bot/register/presets.py")}
"""The one module where methods, and so band names, are written: as data."""
BAND_NAMES = frozenset(PLAN_BANDS) | {
    str(band["name"]) for preset in PRESETS.values() for band in preset.sections["bands"]
}


def band_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string constant that is a band name, whatever its case."""
    return sorted(
        (node.lineno, node.value)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.strip().casefold() in BAND_NAMES
    )


def test_the_walk_finds_a_band_name_written_as_a_literal() -> None:
    found = band_literals('x = a.band.name == "red"\ny = f"{n} Red"\nz = "High "\nw = "hi"\n')
    assert found == [(1, "red"), (2, " Red"), (3, "High ")]


def test_no_band_name_is_written_in_the_code_outside_the_presets() -> None:
    files = sorted((REPO / "bot").rglob("*.py"))
    assert len(files) > 50
    found = {
        str(path.relative_to(REPO)): hits
        for path in files
        if path.relative_to(REPO) not in ALLOWED
        and (hits := band_literals(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_the_presets_are_where_the_names_are() -> None:
    source = (REPO / "bot" / "register" / "presets.py").read_text(encoding="utf-8")
    assert {text.casefold() for _, text in band_literals(source)} == BAND_NAMES
    assert {"red", "yellow", "green", "critical", "high", "medium", "low"} == BAND_NAMES
