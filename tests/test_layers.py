"""The pure stages touch no files: the register, the renderers and the planners.

pyproject's import-linter contract forbids them ``os``, ``io``, ``pathlib`` and the file
modules; what needs no import (the builtin ``open``, a path handed in by a caller) is found here,
in their source.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PURE = ("register", "render", "reconcile")
FILE_METHODS = frozenset(
    {"open", "read_text", "read_bytes", "write_text", "write_bytes", "touch", "mkdir", "unlink"}
)
FILE_CALLS = frozenset({"open", "__import__", "exec_module", "import_module"})


def file_access(source: str) -> list[tuple[int, str]]:
    """Each call in ``source`` that opens, reads or writes a file, or imports by name."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in FILE_CALLS:
            found.append((node.lineno, f"{func.id}("))
        elif isinstance(func, ast.Attribute) and func.attr in FILE_METHODS | FILE_CALLS:
            found.append((node.lineno, f".{func.attr}("))
    return found


def test_the_finder_sees_every_way_to_a_file() -> None:
    source = (
        "open('x')\n"
        "path.write_text('x')\n"
        "path.open('w')\n"
        "Path(p).read_bytes()\n"
        "__import__('os')\n"
        "importlib.import_module('os')\n"
        "text.split(':')\n"
    )
    assert [line for line, _ in file_access(source)] == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("stage", PURE)
def test_no_pure_stage_opens_a_file(stage: str) -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {call}"
        for path in sorted((ROOT / "bot" / stage).rglob("*.py"))
        for line, call in file_access(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_import_contract_forbids_the_file_modules() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    files = [c for c in contracts if "os" in c.get("forbidden_modules", ())]
    assert len(files) == 1
    (contract,) = files
    assert contract["type"] == "forbidden"
    assert {f"bot.{s}" for s in PURE} <= set(contract["source_modules"])
    assert {"os", "io", "pathlib", "shutil", "tempfile"} <= set(contract["forbidden_modules"])
