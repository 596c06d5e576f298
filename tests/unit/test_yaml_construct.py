"""The one-pass construction of plain YAML trees gives exactly what PyYAML's constructor gives.

Every document is loaded twice: by :func:`load_yaml` (which builds plain trees itself) and by
PyYAML's own constructor on the same loader class; data (with its types) and findings must be
equal, on hand-picked corners of YAML and on generated documents.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.register import yamlfile
from bot.register.yamlfile import RiskLoader, load_yaml


def typed(value: Any) -> Any:
    """A value with its types spelt out, so that 1, 1.0 and True are told apart (nan too)."""
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    return (type(value).__name__, value if not isinstance(value, set) else sorted(value))


def by_pyyaml(text: str) -> tuple[Any, list[str]]:
    """What load_yaml gave before it built plain trees itself: PyYAML constructs everything."""
    original = yamlfile._construct

    def whole(loader: RiskLoader, node: Any, *, aliases: bool) -> Any:
        return loader.construct_document(node)

    yamlfile._construct = whole
    try:
        loaded = load_yaml("f.yaml", text.encode("utf-8"))
    finally:
        yamlfile._construct = original
    return typed(loaded.data), [f.as_text() for f in loaded.findings]


def by_riskbot(text: str) -> tuple[Any, list[str]]:
    loaded = load_yaml("f.yaml", text.encode("utf-8"))
    return typed(loaded.data), [f.as_text() for f in loaded.findings]


CORNERS = [
    "a: 1\nb: [1, 2.5, true, null, ~, x]\nc: {d: e}\n",
    "a: 1\na: 2\n",
    "a:\n  b: 1\n  b: 2\nc:\n  d: 1\n  d: 2\n",
    "yes: 1\ntrue: 2\n",
    "1: a\n'1': b\n",
    "1: a\n1.0: b\n",
    "~: 1\nnull: 2\n",
    "<<: {b: 1}\nc: 2\n",
    "a: &x {b: 1}\nc:\n  <<: *x\n  d: 2\n",
    "=: 1\n",
    "a: !!str 1\nb: !!int '3'\nc: !!float '1'\n",
    "a: !!binary aGVsbG8=\n",
    "a: !!set {x, y}\n",
    "a: !!omap [x: 1, y: 2]\n",
    "a: !!pairs [x: 1, x: 2]\n",
    "a: !!timestamp 2024-01-01\nb: 2024-01-01\n",
    "a: !foo bar\n",
    "? [a]\n: 1\n",
    "? {a: 1}\n: 1\n",
    "a: .inf\nb: -.Inf\nc: .nan\nd: 1e3\ne: 0x1F\nf: 0o17\ng: 1_000\nh: 0b101\ni: 1:30\nj: +12\n",
    "a:\nb: ''\nc: \"\"\n",
    "a: &anchor value\nb: plain\n",
    "a: !!map {b: 1}\nb: !!seq [1]\n",
    "a: !!str {b: 1}\n",
    "a: !!map scalar\n",
    "a: !!null ''\nb: !!bool yes\n",
    "- not\n- a mapping\n",
    "[" * 120 + "]" * 120 + "\n",
    "a: " + "[" * 2000 + "]" * 2000 + "\n",
    "a: 'It''s'\nb: \"tab\\there\"\nc: |\n  block\n  text\nd: >-\n  folded\n  text\n",
    "k: v # a comment\n# another\nl: [a, 'b', \"c\"]\n",
]


@pytest.mark.parametrize("text", CORNERS)
def test_corners_load_as_pyyaml_loads_them(text: str) -> None:
    assert by_riskbot(text) == by_pyyaml(text)


def test_the_frozen_register_loads_as_pyyaml_loads_it() -> None:
    from tests.factories import POLICY, RISKS

    for path in [POLICY, *sorted(RISKS.glob("*.yaml"))]:
        text = path.read_text(encoding="utf-8")
        assert by_riskbot(text) == by_pyyaml(text), path.name


SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["yes", "No", "on", "~", "null", "0x10", "1:30", "1e5", ".inf", "-", "="])
)
KEYS = (
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.text(max_size=6)
    | st.sampled_from(["yes", "true", "1", "1.0", "~", "null", "<<"])
)
DOCS = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(DOCS, st.booleans(), st.booleans())
def test_generated_documents_load_as_pyyaml_loads_them(data: Any, flow: bool, wide: bool) -> None:
    text = yaml.safe_dump(
        {"doc": data}, default_flow_style=flow, allow_unicode=wide, sort_keys=False
    )
    assert by_riskbot(text) == by_pyyaml(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "yes", "true", "1", "'1'", "~", "null"]), max_size=5))
def test_repeated_keys_are_found_as_pyyaml_finds_them(keys: list[str]) -> None:
    text = "".join(f"{k}: {i}\n" for i, k in enumerate(keys)) or "a: 1\n"
    nested = "outer:\n" + "".join(f"  {line}\n" for line in text.splitlines())
    for doc in (text, nested):
        assert by_riskbot(doc) == by_pyyaml(doc)


RESOLVABLE = st.text(max_size=45) | st.sampled_from(
    [
        "",
        "~",
        "null",
        "Null",
        "yes",
        "No",
        "on",
        "OFF",
        "true",
        "0x1F",
        "0o17",
        "1_000",
        "1:30",
        "+12",
        "-0",
        ".5",
        "1e3",
        ".inf",
        "-.Inf",
        ".NaN",
        "<<",
        "=",
        "2024-01-01",
        "R-001",
    ]
)


@settings(max_examples=500, deadline=None)
@given(RESOLVABLE, st.booleans(), st.booleans())
def test_remembered_tags_are_the_tags_pyyaml_resolves(value: str, plain: bool, twice: bool) -> None:
    from yaml.nodes import ScalarNode
    from yaml.resolver import BaseResolver

    loader = RiskLoader("a: 1")
    try:
        implicit = (plain, not plain)
        expected = BaseResolver.resolve(loader, ScalarNode, value, implicit)
        for _ in range(2 if twice else 1):
            assert loader.resolve(ScalarNode, value, implicit) == expected
    finally:
        loader.dispose()
