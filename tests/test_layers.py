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


@pytest.mark.parametrize("stage", [*PURE, "intake"])
def test_no_pure_stage_opens_a_file(stage: str) -> None:
    """Intake too: it is given the document's bytes and returns the files to write."""
    found = [
        f"{path.relative_to(ROOT)}:{line}: {call}"
        for path in sorted((ROOT / "bot" / stage).rglob("*.py"))
        for line, call in file_access(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_import_contract_forbids_the_file_modules() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    files = [
        c
        for c in contracts
        if "os" in c.get("forbidden_modules", ()) and "bot.register" in c["source_modules"]
    ]
    assert len(files) == 1
    (contract,) = files
    assert contract["type"] == "forbidden"
    assert {f"bot.{s}" for s in PURE} <= set(contract["source_modules"])
    assert {"os", "io", "pathlib", "shutil", "tempfile"} <= set(contract["forbidden_modules"])
    (intake,) = [c for c in contracts if c.get("source_modules") == ["bot.intake"]]
    assert {"os", "shutil", "tempfile", "subprocess"} <= set(intake["forbidden_modules"])


CLOCK_CALLS = frozenset({"today", "now", "utcnow", "utctoday"})


def clock_reads(source: str) -> list[int]:
    """Lines of ``source`` that ask the system clock for the date or time (``date.today()``,
    ``datetime.now()``, and so on), or name one of them as a default."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in CLOCK_CALLS
            and isinstance(node.value, ast.Attribute | ast.Name)
            and (node.value.attr if isinstance(node.value, ast.Attribute) else node.value.id)
            in ("date", "datetime")
        ):
            found.append(node.lineno)
    return sorted(found)


def test_the_clock_finder_sees_each_way_to_ask_for_today() -> None:
    source = (
        "dt.date.today()\n"
        "field(default_factory=dt.date.today)\n"
        "datetime.now(UTC)\n"
        "dt.datetime.utcnow()\n"
        "clock.today()\n"
        "risk.today\n"
    )
    assert clock_reads(source) == [1, 2, 3, 4]


def test_every_today_is_the_one_clock() -> None:
    """One clock, UTC's (bot/register/clock.py): no other module asks the system for the date."""
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted((ROOT / "bot").rglob("*.py"))
        if path != ROOT / "bot" / "register" / "clock.py"
        for line in clock_reads(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_clock_is_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    """Late in the evening west of Greenwich it is already tomorrow in UTC, and so for riskbot."""
    import datetime as dt

    from bot.register import clock

    evening = dt.datetime(2026, 3, 1, 22, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))

    class Fixed(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> Fixed:
            moment = evening.astimezone(tz) if tz is not None else evening.replace(tzinfo=None)
            return cls.fromtimestamp(moment.timestamp(), tz)

    monkeypatch.setattr(dt, "datetime", Fixed)  # restored after the test
    assert clock.today() == dt.date(2026, 3, 2)
    assert clock.now().utcoffset() == dt.timedelta(0)


def _constants(tree: ast.AST) -> list[ast.Constant]:
    """The string and number constants of a module, its docstrings left out."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [n for n in ast.walk(tree) if isinstance(n, ast.Constant) and id(n) not in docstrings]


def test_the_policy_path_and_the_bot_defaults_are_named_once() -> None:
    """``.github/riskbot.yml`` is ``POLICY_PATH`` (bot/register/load.py); the write budget, the
    pacing, the rate-limit wait and the acceptance terms are ``bot/register/defaults.py``'s."""
    paths: list[str] = []
    defaults: list[str] = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(ROOT).as_posix()
        for constant in _constants(tree):
            if isinstance(constant.value, str) and ".github/riskbot.yml" in constant.value:
                paths.append(where)
        for node in ast.walk(tree):
            named: list[tuple[object, ast.expr | None]] = [
                (k.arg, k.value)
                for k in getattr(node, "keywords", ())
                if isinstance(k, ast.keyword)
            ]
            if isinstance(node, ast.Dict):
                named += [
                    (k.value, v)
                    for k, v in zip(node.keys, node.values, strict=True)
                    if isinstance(k, ast.Constant)
                ]
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                named.append((node.target.id, node.value))
            for name, value in named:
                settings = (
                    *("write_budget", "max_rate_limit_wait", "write_interval", "max_wait"),
                    *("notice_days", "max_days"),  # the acceptance terms
                )
                if name in settings and isinstance(value, ast.Constant):
                    defaults.append(f"{where}:{value.lineno}")
    assert paths == ["bot/register/load.py"]
    assert defaults == []


def test_every_markdown_table_is_made_by_the_table_helper() -> None:
    """A table's delimiter row (``|---|---|``) is written by ``bot.render.markdown.table``
    only, so every cell of every table is escaped the one way."""
    import re

    delimiter = re.compile(r"\|\s*:?-{3,}")
    found = [
        f"{path.relative_to(ROOT)}:{constant.lineno}"
        for path in sorted((ROOT / "bot").rglob("*.py"))
        for constant in _constants(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(constant.value, str) and delimiter.search(constant.value)
    ]
    assert [where.split(":")[0] for where in found] == ["bot/render/markdown.py"], found
