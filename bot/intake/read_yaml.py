"""Reader of YAML (and JSON) registers: a list of risks, a list under a key (``risks:``), or a
mapping of id to risk. Nested keys read as one label (``impact: {level: 3}`` is ``impact
level``); lists of text become lines of one cell."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from bot.intake.records import Candidate, Cell, Document
from bot.intake.synonyms import field_of
from bot.intake.tabular import LEVEL_FIELDS, NAME_FIELDS

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _Loader = yaml.SafeLoader


def load(text: str) -> Any:
    """The data of a YAML text, by libyaml's safe loader where PyYAML has it (the pure-Python
    one reads a thousand risk files ten times slower)."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader


LIST_KEYS = ("risks", "risk_register", "register", "items", "entries", "records", "data")


def compose(text: str) -> yaml.Node | None:
    """The YAML node tree (None when the text is not YAML)."""
    try:
        return yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return None


def _scalar(node: yaml.Node) -> str:
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    if isinstance(node, yaml.SequenceNode):
        return "\n".join(_scalar(n) for n in node.value)
    if isinstance(node, yaml.MappingNode):
        return ", ".join(f"{_scalar(k)}: {_scalar(v)}" for k, v in node.value)
    return ""


def _cells(node: yaml.MappingNode, prefix: str = "") -> list[Cell]:
    out: list[Cell] = []
    for key, value in node.value:
        label = f"{prefix} {_scalar(key)}".strip()
        if isinstance(value, yaml.MappingNode) and prefix == "":
            out.extend(_cells(value, label))
        else:
            out.append(Cell(label, _scalar(value), key.start_mark.line + 1))
    return out


def _risky(node: yaml.Node, mapping: Mapping[str, str]) -> int:
    """How many items of a list are mappings with a name and a level (0 when it is none)."""
    if not isinstance(node, yaml.SequenceNode):
        return 0
    hits = 0
    for item in node.value:
        if isinstance(item, yaml.MappingNode):
            fields = {field_of(c.label, mapping) for c in _cells(item)}
            if fields & NAME_FIELDS and fields & LEVEL_FIELDS:
                hits += 1
    return hits


def risk_list(root: yaml.Node, mapping: Mapping[str, str]) -> tuple[str, yaml.Node] | None:
    """The list of risks: the root, or the list under a key (``risks:`` first, else the one
    with most risk-like items), or a mapping of ids to risks."""
    if isinstance(root, yaml.SequenceNode):
        return ("", root) if _risky(root, mapping) else None
    if not isinstance(root, yaml.MappingNode):
        return None
    best: tuple[int, int, str, yaml.Node] | None = None
    for key, value in root.value:
        name = _scalar(key)
        score = _risky(value, mapping)
        if isinstance(value, yaml.MappingNode) and all(
            isinstance(v, yaml.MappingNode) for _, v in value.value
        ):
            score = sum(1 for _, v in value.value if _risky(yaml.SequenceNode("", [v]), mapping))
        preferred = 1 if name.casefold() in LIST_KEYS else 0
        if score and (best is None or (preferred, score) > (best[0], best[1])):
            best = (preferred, score, name, value)
    return (best[2], best[3]) if best else None


def read_yaml(text: str, name: str, mapping: Mapping[str, str]) -> Document:
    """Read a YAML or JSON register."""
    doc = Document(name, "YAML")
    root = compose(text)
    found = risk_list(root, mapping) if root is not None else None
    if found is None:
        lists = (
            [(_scalar(k), v) for k, v in root.value if isinstance(v, yaml.SequenceNode)]
            if isinstance(root, yaml.MappingNode)
            else []
        )
        if lists:
            key, items = max(lists, key=lambda kv: len(kv[1].value))
            seen = {
                _scalar(k)
                for i in items.value
                if isinstance(i, yaml.MappingNode)
                for k, _ in i.value
            }
            doc.looks = (
                f"YAML with a `{key}:` list of {len(items.value)} items (keys: "
                f"{', '.join(sorted(seen)[:8]) or 'none'}), none with a name and a likelihood, "
                "impact or score"
            )
        elif isinstance(root, yaml.MappingNode):
            keys = ", ".join(_scalar(k) for k, _ in root.value[:8])
            doc.looks = f"YAML with the keys {keys} and no list of risks under any of them"
        elif isinstance(root, yaml.SequenceNode):
            doc.looks = f"a YAML list of {len(root.value)} items, none with a name and a level"
        else:
            doc.looks = "YAML with no list of risks"
        return doc
    key, node = found
    where = f"a `{key}:` list" if key else "a list"
    if isinstance(node, yaml.MappingNode):
        doc.looks = f"YAML with {where.replace('list', 'mapping')} of {len(node.value)} items"
        for k, v in node.value:
            if isinstance(v, yaml.MappingNode):
                doc.candidates.append(
                    Candidate(k.start_mark.line + 1, _cells(v), own_id=_scalar(k))
                )
        return doc
    assert isinstance(node, yaml.SequenceNode)
    doc.looks = f"YAML with {where} of {len(node.value)} items"
    for item in node.value:
        if isinstance(item, yaml.MappingNode):
            doc.candidates.append(Candidate(item.start_mark.line + 1, _cells(item)))
    return doc
