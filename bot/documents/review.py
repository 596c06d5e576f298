"""`riskbot review`: record a review in a risk file in place, leaving every other byte as it was.

The owner's pull request then shows a one- or two-line diff (plus the note, if given): the YAML
node tree tells where the values are, and only those spans are rewritten or inserted. Block and
flow style (``review: {cadence: weekly, last_reviewed: "2026-11-20"}``) are both edited in the
style the person wrote; a byte order mark and CRLF line endings are kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.documents.output import write_files
from bot.documents.yamledit import (
    Edit,
    EditableText,
    apply,
    key_of,
    mapping_file,
    quoted,
    scalar_like,
    with_section,
)
from bot.errors import RiskbotError
from bot.register.dates import future_text, is_future
from bot.register.ids import id_of_name
from bot.register.load import NOT_A_FILE, RISKS_DIR
from bot.register.yamlfile import load_yaml
from bot.repo.files import linked_part, read_regular, risk_file_names


class ReviewError(RiskbotError):
    """The review cannot be recorded (no such risk, a date in the future, a file it cannot edit)."""


def _entry_block(indent: str, date: str, note: str | None, by: str | None) -> list[str]:
    lines = [f"{indent}- date: {quoted(date)}"]
    if by:
        lines.append(f"{indent}  by: {quoted(by)}")
    if note:
        lines.append(f"{indent}  note: {quoted(note)}")
    return lines


def _entry_flow(date: str, note: str | None, by: str | None) -> str:
    parts = [f"date: {quoted(date)}"]
    if by:
        parts.append(f"by: {quoted(by)}")
    if note:
        parts.append(f"note: {quoted(note)}")
    return "{" + ", ".join(parts) + "}"


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _flow_review(date: str, note: str | None, by: str | None) -> str:
    parts = [f"last_reviewed: {quoted(date)}"]
    if note or by:
        parts.append(f"log: [{_entry_flow(date, note, by)}]")
    return "{" + ", ".join(parts) + "}"


def _date_edit(file: EditableText, review: MappingNode, date: str) -> Edit | None:
    """The edit of an existing ``last_reviewed`` value, or None when the key is missing."""
    last = key_of(review, "last_reviewed")
    if last is None:
        return None
    if not isinstance(last[1], ScalarNode):
        raise ReviewError("`review.last_reviewed` is not a date")
    start, end = file.span(last[1])
    return Edit(start, end, scalar_like(last[1], date))


def _flow_edits(
    file: EditableText, review: MappingNode, date: str, note: str | None, by: str | None
) -> list[Edit]:
    """Edits inside ``review: {…}``, keeping it on its line(s) and in flow style."""
    edits: list[Edit] = []
    added: list[str] = []
    date_edit = _date_edit(file, review, date)
    if date_edit is not None:
        edits.append(date_edit)
    else:
        added.append(f"last_reviewed: {quoted(date)}")
    if note or by:
        log = key_of(review, "log")
        entry = _entry_flow(date, note, by)
        if log is None:
            added.append(f"log: [{entry}]")
        elif isinstance(log[1], SequenceNode) and log[1].flow_style:
            edits.append(_append_to_flow(file, log[1], entry))
        elif _is_null(log[1]):
            start, end = file.span(log[1])
            edits.append(Edit(start, end, f"[{entry}]"))
        else:
            raise ReviewError("`review.log` must be a list to append to it")
    if added:
        if review.value:
            at = file.offset(review.value[-1][1].end_mark)
            edits.append(Edit(at, at, "".join(f", {a}" for a in added)))
        else:  # {}
            at = file.offset(review.start_mark) + 1
            edits.append(Edit(at, at, ", ".join(added)))
    return edits


def _append_to_flow(file: EditableText, seq: SequenceNode, item: str) -> Edit:
    if seq.value:
        at = file.offset(seq.value[-1].end_mark)
        return Edit(at, at, f", {item}")
    at = file.offset(seq.start_mark) + 1
    return Edit(at, at, item)


def _after(file: EditableText, node: Node) -> int:
    """Index of the line after a block node's last line (where a sibling goes)."""
    while isinstance(node, MappingNode | SequenceNode) and node.value and not node.flow_style:
        last = node.value[-1]
        node = last[1] if isinstance(node, MappingNode) else last
    end = file.offset(node.end_mark)
    if isinstance(node, ScalarNode) and node.style in ("|", ">"):
        end -= 1  # a block scalar ends at the start of the line after it
    return file.line_end(max(end - 1, 0) if end and file.body[end - 1 : end] == "\n" else end)


def _block_edits(
    file: EditableText,
    key: ScalarNode,
    review: MappingNode,
    date: str,
    note: str | None,
    by: str | None,
) -> list[Edit]:
    """Edits of a block ``review:`` mapping: a value replaced, or whole lines inserted."""
    column = review.value[0][0].start_mark.column if review.value else key.start_mark.column + 2
    indent = " " * column
    edits: list[Edit] = []
    date_edit = _date_edit(file, review, date)
    if date_edit is not None:
        edits.append(date_edit)
    else:
        at = file.line_end(file.offset(key.start_mark))
        edits.append(Edit(at, at, file.lines(f"{indent}last_reviewed: {quoted(date)}")))
    if note or by:
        log = key_of(review, "log")
        if log is None:
            at = _after(file, review)
            lines = [f"{indent}log:", *_entry_block(indent + "  ", date, note, by)]
            edits.append(Edit(at, at, file.lines(*lines)))
        elif isinstance(log[1], SequenceNode) and log[1].flow_style:
            edits.append(_append_to_flow(file, log[1], _entry_flow(date, note, by)))
        elif isinstance(log[1], SequenceNode) and log[1].value:
            items = log[1].value
            dash = " " * (items[0].start_mark.column - 2)
            at = _after(file, items[-1])
            edits.append(Edit(at, at, file.lines(*_entry_block(dash, date, note, by))))
        elif _is_null(log[1]) and not log[1].value:
            # `log:` with nothing after it: the entry goes on the lines below, as a block list.
            at = file.line_end(file.offset(log[0].start_mark))
            lines = _entry_block(indent + "  ", date, note, by)
            edits.append(Edit(at, at, file.lines(*lines)))
        elif _is_null(log[1]):
            start, end = file.span(log[1])
            edits.append(Edit(start, end, f"[{_entry_flow(date, note, by)}]"))
        else:
            raise ReviewError("`review.log` must be a list to append to it")
    return edits


def record_review(text: str, date: str, note: str | None = None, by: str | None = None) -> str:
    """The file's text with ``review.last_reviewed`` set and, with a note, a log entry added."""
    file, loaded, root = mapping_file(text, ReviewError)
    body = file.body
    found = key_of(root, "review")
    if found is None:
        lines = ["review:", f"  last_reviewed: {quoted(date)}"]
        if note or by:
            lines += ["  log:", *_entry_block("    ", date, note, by)]
        new_body = with_section(file, root, lines, ReviewError)
    else:
        key, review = found
        if _is_null(review):
            start, end = file.span(review)
            value = _flow_review(date, note, by)
            edits = [Edit(start, end, value if start < end else f" {value}")]
        elif not isinstance(review, MappingNode):
            raise ReviewError("`review` is not a mapping")
        elif review.flow_style:
            edits = _flow_edits(file, review, date, note, by)
        else:
            edits = _block_edits(file, key, review, date, note, by)
        new_body = apply(body, edits)
    _check_result(loaded.data, new_body, date)
    return file.with_body(new_body)


def _check_result(before: dict[str, Any], body: str, date: str) -> None:
    """The edit must change `review` only, and set the date: otherwise nothing is written."""
    after = load_yaml("risk", body.encode("utf-8"))
    review = after.data.get("review") if after.ok else None
    same_rest = after.ok and {k: v for k, v in after.data.items() if k != "review"} == {
        k: v for k, v in before.items() if k != "review"
    }
    if not same_rest or not isinstance(review, dict) or review.get("last_reviewed") != date:
        raise ReviewError("the edit did not produce the expected YAML; file left unchanged")


def find_risk_file(root: Path, risk_id: str) -> Path:
    """The file of a risk id anywhere under ``risks/`` (``risks/archive/`` too), found as
    ``check`` finds it."""
    matches = [root / name for name in risk_file_names(root) if id_of_name(name) == risk_id]
    if len(matches) != 1:
        found = f": {', '.join(p.relative_to(root).as_posix() for p in matches)}" if matches else ""
        raise ReviewError(
            f"no single file for {risk_id} under {RISKS_DIR}/ ({len(matches)} found{found})"
        )
    if (link := linked_part(root, matches[0])) is not None:  # never write through a link
        raise ReviewError(f"{link.relative_to(root).as_posix()} is a symbolic link; not edited")
    return matches[0]


@dataclass
class Reviewed:
    """A review recorded in a file: where, the date it replaced, and what to warn about."""

    path: Path
    date: dt.date
    previous: str | None
    warnings: list[str] = field(default_factory=list)


def review_risk(
    root: Path,
    risk_id: str,
    day: dt.date,
    *,
    today: dt.date,
    note: str | None = None,
    by: str | None = None,
) -> Reviewed:
    """Record a review of ``risk_id`` on ``day`` in its file; refuse a day after ``today``.

    A day before the recorded ``last_reviewed`` is written (the person said so) with a warning.
    """
    if is_future(day, today):
        raise ReviewError(
            f"{future_text('review date', day, today)}; record a review on or after the day it "
            "happens"
        )
    path = find_risk_file(root, risk_id)
    shown = path.relative_to(root) if path.is_relative_to(root) else path
    if path.is_symlink():
        raise ReviewError(f"{shown} is a symbolic link; riskbot review does not write through it")
    try:
        raw = read_regular(path)
        if raw is None:
            raise ReviewError(f"{shown} {NOT_A_FILE}")
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReviewError(f"{shown} is not UTF-8 (byte {exc.start}); file left unchanged") from None
    except OSError as exc:
        raise ReviewError(f"cannot read {shown}: {exc.strerror}") from None
    previous = _last_reviewed(text)
    try:
        new_text = record_review(text, day.isoformat(), note, by)
    except ReviewError as exc:
        raise ReviewError(f"{shown}: {exc}") from None
    reviewed = Reviewed(path, day, previous)
    if previous is not None and _date(previous) is not None and previous > day.isoformat():
        reviewed.warnings.append(
            f"{shown}: last_reviewed moves back from {previous} to {day.isoformat()}; "
            "the next review falls due earlier"
        )
    write_files(root, [(path, new_text)], refused=ReviewError)
    return reviewed


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _last_reviewed(text: str) -> str | None:
    loaded = load_yaml("risk", EditableText.of(text).body.encode("utf-8"))
    review = loaded.data.get("review") if loaded.ok else None
    value = review.get("last_reviewed") if isinstance(review, dict) else None
    return str(value) if value is not None else None
