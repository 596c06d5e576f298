"""`riskbot review`: record a review in a risk file in place, leaving every other byte as it was.

The owner's pull request then shows a one- or two-line diff (plus the note, if given): the YAML
node tree tells where the values are, and only those spans are rewritten or inserted.
"""

from __future__ import annotations

import json
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.errors import RiskbotError
from bot.register.yamlfile import load_yaml
from bot.repo.worktree import linked_part


class ReviewError(RiskbotError):
    """The file cannot be edited safely (not valid YAML, unexpected shape)."""


def _key(mapping: MappingNode, name: str) -> tuple[ScalarNode, Node] | None:
    for k, v in mapping.value:
        if isinstance(k, ScalarNode) and k.value == name:
            return k, v
    return None


def _line_end(text: str, index: int) -> int:
    """Index just past the newline ending the line that contains ``index``."""
    end = text.find("\n", index)
    return len(text) if end < 0 else end + 1


def _quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _log_entry(indent: str, date: str, note: str | None, by: str | None) -> str:
    lines = [f"{indent}- date: {_quote(date)}"]
    if by:
        lines.append(f"{indent}  by: {_quote(by)}")
    if note:
        lines.append(f"{indent}  note: {_quote(note)}")
    return "\n".join(lines) + "\n"


def record_review(text: str, date: str, note: str | None = None, by: str | None = None) -> str:
    """The file's text with ``review.last_reviewed`` set and, with a note, a log entry added."""
    loaded = load_yaml("risk", text.encode("utf-8"))
    if not loaded.ok or not isinstance(loaded.node, MappingNode):
        raise ReviewError(loaded.findings[0].message if loaded.findings else "not a mapping")
    root = loaded.node
    if not text.endswith("\n"):
        text += "\n"
    found = _key(root, "review")
    if found is None:
        block = f"review:\n  last_reviewed: {_quote(date)}\n"
        if note or by:
            block += "  log:\n" + _log_entry("    ", date, note, by)
        return text + block
    key, review = found
    if not isinstance(review, MappingNode):
        raise ReviewError("`review` is not a mapping")
    if review.flow_style:
        raise ReviewError("`review` is written in flow style {…}; write it as a block to edit")
    indent = " " * (
        review.value[0][0].start_mark.column if review.value else key.start_mark.column + 2
    )
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement), applied from the back
    last = _key(review, "last_reviewed")
    if last is not None:
        value = last[1]
        edits.append((value.start_mark.index, value.end_mark.index, _quote(date)))
    else:
        at = _line_end(text, key.start_mark.index)
        edits.append((at, at, f"{indent}last_reviewed: {_quote(date)}\n"))
    if note or by:
        log = _key(review, "log")
        if log is None:
            end = (
                max(v.end_mark.index for _, v in review.value)
                if review.value
                else key.end_mark.index
            )
            at = _line_end(text, max(end - 1, 0))
            entry = f"{indent}log:\n" + _log_entry(indent + "  ", date, note, by)
            edits.append((at, at, entry))
        elif isinstance(log[1], SequenceNode) and not log[1].flow_style and log[1].value:
            items = log[1].value
            dash = " " * (items[0].start_mark.column - 2)
            at = _line_end(text, max(items[-1].end_mark.index - 1, 0))
            edits.append((at, at, _log_entry(dash, date, note, by)))
        else:
            raise ReviewError("`review.log` must be a block list to append to it")
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    check = load_yaml("risk", text.encode("utf-8"))
    if not check.ok or check.data.get("review", {}).get("last_reviewed") != date:
        raise ReviewError("the edit did not produce the expected YAML; file left unchanged")
    return text


def find_risk_file(root: Path, risk_id: str) -> Path:
    """The file of a risk id under ``risks/``."""
    matches = sorted(
        p
        for p in (root / "risks").glob(f"{risk_id}*.y*ml")
        if p.name == f"{risk_id}.yaml" or p.name.startswith(f"{risk_id}-")
    )
    if len(matches) != 1:
        raise ReviewError(f"no single file for {risk_id} under risks/ ({len(matches)} found)")
    if (link := linked_part(root, matches[0])) is not None:  # never write through a link
        raise ReviewError(f"{link.relative_to(root).as_posix()} is a symbolic link; not edited")
    return matches[0]
