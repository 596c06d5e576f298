"""Finding codes: one registry, every code used is in it, each with its meaning."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.register.codes import CODES, DERIVED
from bot.register.findings import path_text
from bot.register.yamlfile import column_for, line_for, load_yaml

ROOT = Path(__file__).resolve().parents[2]


def codes_in_source() -> dict[str, list[str]]:
    """Every code the package names: ``code="…"`` in a call, or a constant whose name says so."""
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "bot").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            value = None
            if isinstance(node, ast.keyword) and node.arg == "code":
                value = node.value
            if value is None or not isinstance(value, ast.Constant):
                continue
            if isinstance(value.value, str):
                where = f"{path.relative_to(ROOT)}:{value.lineno}"
                found.setdefault(value.value, []).append(where)
    return found


def test_every_code_named_in_the_source_is_in_the_registry() -> None:
    found = codes_in_source()
    assert found, "the finder found no code at all"
    unknown = {code: where for code, where in found.items() if code not in CODES}
    assert unknown == {}


def test_every_code_has_a_one_line_meaning() -> None:
    for code, meaning in CODES.items():
        assert code == code.lower(), code
        assert " " not in code, code
        assert meaning, code
        assert "\n" not in meaning, code
        assert len(meaning) < 100, code
    assert set(DERIVED) <= set(CODES)


def test_a_key_with_a_dot_is_found_on_its_own_line() -> None:
    """A path is a value (its keys and indices), not text parsed back: the key ``a.b`` is one
    key, not ``a`` then ``b``. As text the path reads so too (quoted)."""
    text = "a:\n  b:\n    c: 1\n'a.b':\n  c: 2\n"
    node = load_yaml("x.yaml", text.encode()).node
    assert line_for(node, ("a.b", "c")) == 5
    assert line_for(node, ("a", "b", "c")) == 3
    assert column_for(node, ("a.b", "c")) == 6
    assert path_text(("a.b", "c")) == "$['a.b'].c"
    assert path_text(("a", "b", "c")) == "$.a.b.c"
    assert path_text(("mitigation", "response", 2)) == "$.mitigation.response[2]"
    assert path_text(()) == "$"
