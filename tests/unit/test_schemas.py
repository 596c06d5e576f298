"""The fast validator (fastjsonschema) and jsonschema agree on every instance, valid or not.

fastjsonschema answers for valid files; jsonschema explains the rest. They must never
disagree, or a broken file would pass unexplained. The schemas avoid the one construct where
draft 2020-12 and fastjsonschema's draft 7 differ: validation keywords beside a `$ref`.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.register.schemas import POLICY_SCHEMA, RISK_SCHEMA, fast_validator, load_schema, validator
from tests.factories import POLICY, REPO, RISKS

ANNOTATIONS = {"$ref", "title", "description", "$comment", "default", "examples"}
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 30)
    | st.floats(allow_nan=False, width=32)
    | st.sampled_from(["", "v3", "2024-11-17", "2024-13-45", "R-001", "weekly", "red", "x" * 201]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["level", "state", "note", "release", "occurred", "extra"]),
            inner,
            max_size=3,
        )
    ),
    max_leaves=6,
)


def fast_ok(name: str, data: Any) -> bool:
    try:
        fast_validator(name)(data)
    except ValueError:  # compiled.Invalid
        return False
    return True


def paths(data: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from paths(value, (*prefix, index))


STRING_SAMPLES = [
    "",
    "v3",
    "2024-11-17",
    "2024-13-45",
    "2024-1-1",
    "R-1",
    "R-001",
    "weekly",
    "often",
    "red",
    "purple",
    "@x",
    "x" * 201,
    # `$` of a JSON Schema pattern, searched with Python's `re`, matches before a final newline.
    "R-001\n",
    "red\n",
    "weekly\n",
    "2024-11-17\n",
]
STRINGS = st.sampled_from(STRING_SAMPLES)


def at(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        doc = doc[step]
    return doc


def value_for(data: st.DataObject, current: Any) -> Any:
    """Mostly a value of the same JSON type (where the subtle bugs are), sometimes anything."""
    if data.draw(st.booleans()):
        return data.draw(JSON_VALUES)
    if isinstance(current, bool):
        return not current
    if isinstance(current, int):
        return data.draw(st.integers(-2, 120))
    if isinstance(current, str):
        return data.draw(STRINGS)
    return data.draw(JSON_VALUES)


def mutate(doc: Any, path: tuple[Any, ...], how: str, value: Any) -> Any:
    doc = copy.deepcopy(doc)
    if not path:
        return value
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if how == "replace":
        parent[last] = value
    elif how == "delete":
        del parent[last]
    elif how == "add" and isinstance(parent[last], dict):
        parent[last]["unknown_key"] = value
    return doc


RISK_DOCS = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(RISKS.glob("*.yaml"))]
POLICY_DOC = yaml.safe_load(POLICY.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", [RISK_SCHEMA, POLICY_SCHEMA, "retro.schema.json"])
def test_no_validation_keyword_beside_a_ref(name: str) -> None:
    def walk(node: Any, where: str) -> Iterator[str]:
        if isinstance(node, dict):
            if "$ref" in node and set(node) - ANNOTATIONS:
                yield where
            for key, value in node.items():
                yield from walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from walk(value, f"{where}/{index}")

    assert list(walk(load_schema(name), "#")) == []


INTS = [-1, 0, 1, 5, 6, 25, 26, 101]


def leaf_variants(value: Any) -> list[Any]:
    """Values of the same JSON type, and a few of other types, to put in a leaf's place."""
    if isinstance(value, bool):
        return [not value, "yes", None]
    if isinstance(value, int):
        return [*INTS, 1.5, "3", None]
    if isinstance(value, str):
        return [*STRING_SAMPLES, 3, None, ["x"]]
    return [None, "x", 1]


def every_single_mutation(doc: Any) -> Iterator[Any]:
    """Each leaf replaced by each variant, each key deleted, an unknown key in each mapping.

    Only the first item of each list is mutated: the others have the same schema.
    """
    for path in paths(doc):
        if any(isinstance(step, int) and step > 0 for step in path):
            continue
        current = at(doc, path)
        if path and not isinstance(current, dict | list):
            for variant in leaf_variants(current):
                yield mutate(doc, path, "replace", variant)
        if path:
            yield mutate(doc, path, "delete", None)
        if isinstance(current, dict):
            yield mutate(doc, (*path, next(iter(current))), "replace", current)
            probe = copy.deepcopy(doc)
            at(probe, path)["unknown_key"] = 1
            yield probe


POLICY_PARTS = 4
"""The policy's mutations are checked in this many tests (every fourth one each), so that a
parallel run shares them out."""


@pytest.mark.parametrize(
    ("name", "doc", "part"),
    [
        (RISK_SCHEMA, RISK_DOCS[0], 0),
        (RISK_SCHEMA, RISK_DOCS[5], 0),
        *((POLICY_SCHEMA, POLICY_DOC, part) for part in range(POLICY_PARTS)),
    ],
    ids=["R-001", "R-006", *(f"policy-{n + 1}-of-{POLICY_PARTS}" for n in range(POLICY_PARTS))],
)
def test_fast_and_full_validation_agree_on_every_single_mutation(
    name: str, doc: Any, part: int
) -> None:
    parts = POLICY_PARTS if name == POLICY_SCHEMA else 1
    doc = json.loads(json.dumps(doc, default=str))
    full = validator(name)
    checked = rejected = 0
    for index, mutated in enumerate(every_single_mutation(doc)):
        if index % parts != part:
            continue
        valid = full.is_valid(mutated)
        assert fast_ok(name, mutated) == valid, json.dumps(mutated)[:300]
        checked += 1
        rejected += not valid
    assert rejected > checked // 3  # the mutations really do break things


def test_the_register_is_valid_both_ways() -> None:
    for doc in RISK_DOCS:
        doc = json.loads(json.dumps(doc, default=str))
        assert fast_ok(RISK_SCHEMA, doc)
        assert validator(RISK_SCHEMA).is_valid(doc)


@settings(max_examples=600, deadline=None)
@given(st.data())
def test_fast_and_full_validation_agree_on_mutated_risks(data: st.DataObject) -> None:
    doc = json.loads(json.dumps(data.draw(st.sampled_from(RISK_DOCS)), default=str))
    path = data.draw(st.sampled_from(list(paths(doc))))
    how = data.draw(st.sampled_from(["replace", "delete", "add"]))
    mutated = mutate(doc, path, how, value_for(data, at(doc, path)))
    assert fast_ok(RISK_SCHEMA, mutated) == validator(RISK_SCHEMA).is_valid(mutated)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_fast_and_full_validation_agree_on_mutated_policies(data: st.DataObject) -> None:
    doc = json.loads(json.dumps(POLICY_DOC, default=str))
    path = data.draw(st.sampled_from(list(paths(doc))))
    how = data.draw(st.sampled_from(["replace", "delete", "add"]))
    mutated = mutate(doc, path, how, value_for(data, at(doc, path)))
    assert fast_ok(POLICY_SCHEMA, mutated) == validator(POLICY_SCHEMA).is_valid(mutated)


def _patterns(node: Any, where: str = "#") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            yield where, node["pattern"]
        for key, value in node.items():
            yield from _patterns(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _patterns(value, f"{where}/{index}")


@pytest.mark.parametrize("name", [RISK_SCHEMA, POLICY_SCHEMA])
def test_every_pattern_matches_the_whole_value(name: str) -> None:
    """A pattern is searched with Python's ``re`` by both validators: each must refuse a value
    that matches but for a final newline (``$`` alone accepts ``"R-001\\n"``)."""
    import re

    found = list(_patterns(load_schema(name)))
    assert found
    for where, pattern in found:
        assert re.search(pattern, "R-001\n") is None, where
        assert re.search(pattern, "red\n") is None, where
        assert re.search(pattern, "2024-11-17\n") is None, where
        assert re.search(pattern, "lead\n") is None, where
        assert re.search(pattern, "#a0b1c2\n") is None, where


@pytest.mark.parametrize(
    ("name", "path", "value"),
    [
        (RISK_SCHEMA, ("id",), "R-001\n"),
        (RISK_SCHEMA, ("band",), "red\n"),
        (RISK_SCHEMA, ("last_reviewed",), "2024-11-17\n"),
        (POLICY_SCHEMA, ("roles", 0, "logins"), ["lead\n"]),
        (POLICY_SCHEMA, ("roles", 0, "id"), "db-lead\n"),
        (POLICY_SCHEMA, ("bands", 0, "name"), "red\n"),
    ],
    ids=lambda v: repr(v) if isinstance(v, str) else None,
)
def test_both_validators_refuse_a_name_with_a_final_newline(name, path, value) -> None:
    base = RISK_DOCS[0] if name == RISK_SCHEMA else yaml.safe_load(POLICY.read_text("utf-8"))
    doc = mutate(json.loads(json.dumps(base, default=str)), path, "replace", value)
    assert not fast_ok(name, doc)
    assert not validator(name).is_valid(doc)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    assert not repeated, f"keys written twice (JSON keeps the last): {repeated}"
    return dict(pairs)


@pytest.mark.parametrize("name", sorted(p.name for p in (REPO / "schema").glob("*.json")))
def test_a_schema_writes_each_key_once(name: str) -> None:
    """A key written twice in one object is silently the last: the first is dead text."""
    text = (REPO / "schema" / name).read_text(encoding="utf-8")
    json.loads(text, object_pairs_hook=_no_duplicates)
