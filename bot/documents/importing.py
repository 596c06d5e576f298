"""`riskbot import`: any risk document into the register.

A risk management plan in the program plan's own shape (``#### Risk #N: Title (phase)`` with
``**Risk Score**: I × P = S``) is imported by :mod:`bot.documents.importer`, which also reads the
plan's monitoring schedule, escalation and buffers; every other document (and such a plan when
some of its risks cannot be read there, unless ``strict``) by :mod:`bot.intake`. Both find the
ids the target register uses before anything is written.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.documents.importer import (
    SCORE_LINE,
    ImportRefused,
    ImportResult,
    ids_in_use,
    import_into,
    write_register,
)
from bot.documents.planparse import read_plan, repair
from bot.intake import read_yaml
from bot.intake.pipeline import IntakeResult, Options, Row, decode, detect, import_document
from bot.register.findings import Finding
from bot.register.load import POLICY_PATH


@dataclass
class Imported:
    """What an import would write, whichever importer read the document."""

    document: str
    files: dict[str, str]
    findings: list[Finding]
    rows: list[Row]
    summary: list[str] = field(default_factory=list)
    renumbered: list[str] = field(default_factory=list)
    """``#3 → R-013``: the document's risks that got other ids than their own."""
    shape: str = ""
    method: str = ""
    read: int = 0

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]


def is_plan(text: str) -> bool:
    """A plan in the program plan's shape: ``#### Risk #N`` sections, most of them stating
    ``**Risk Score**: I × P = S``."""
    doc = read_plan(text, "plan")
    scored = sum(1 for r in doc.risks if r.score is not None and SCORE_LINE.match(r.score.value))
    return bool(doc.risks) and scored * 2 > len(doc.risks)


def _level(value: Any) -> int:
    return int(value.get("level", 0)) if isinstance(value, dict) else 0


def preview(files: Mapping[str, str]) -> list[Row]:
    """The preview table of files already rendered (the plan importer's)."""
    policy = read_yaml.load(files.get(POLICY_PATH, "")) or {}
    bands = sorted(policy.get("bands", []), key=lambda b: -int(b.get("min_score", 0)))
    rows = []
    for name, text in sorted(files.items()):
        if name == POLICY_PATH:
            continue
        data = read_yaml.load(text)
        levels = [_level(data.get(k)) for k in ("impact", "probability", "detection")]
        levels = [n for n in levels if n]
        score = 1
        for n in levels:
            score *= n
        band: dict[str, Any] = next((b for b in bands if score >= int(b["min_score"])), {})
        owner = data.get("owner", "")
        rows.append(
            Row(
                str(data["id"]),
                "",
                str(data["title"]),
                " × ".join(map(str, levels)),
                score,
                str(band.get("label", "")),
                " / ".join(owner) if isinstance(owner, list) else str(owner),
            )
        )
    return rows


def _from_plan(result: ImportResult, numbers: Mapping[int, int]) -> Imported:
    return Imported(
        result.plan,
        dict(result.files),
        list(result.findings),
        preview(result.files) if result.ok else [],
        renumbered=[f"#{n} → R-{m:03d}" for n, m in sorted(numbers.items())],
        shape="Markdown plan",
        method="plan",
        read=len(result.risks),
    )


def _from_intake(result: IntakeResult, renumbered: Sequence[str] = ()) -> Imported:
    return Imported(
        result.document,
        dict(result.files),
        list(result.findings),
        list(result.rows),
        list(result.summary),
        list(renumbered),
        result.shape,
        result.method,
        result.read,
    )


def import_any(
    raw: bytes,
    name: str,
    out: Path,
    options: Options,
    *,
    renumber: bool = True,
    reserved: Collection[str] = (),
) -> Imported:
    """Read a document for the register under ``out``; nothing is written (see the module doc)."""
    shape = detect(raw, name, options.shape)
    if shape == "markdown" and not options.mapping:
        text = repair(decode(raw))
        if is_plan(text):
            result, numbers = import_into(text, name, out, renumber=renumber, reserved=reserved)
            if result.ok or options.strict:
                return _from_plan(result, numbers)
    first = import_document(raw, name, options, reserved=reserved)
    if first.method == "export" or not first.files:
        return _from_intake(first)
    used = ids_in_use(out, first)
    clashes = sorted(set(used) & {int(i[2:]) for i in first.risks})
    if not clashes:
        return _from_intake(first)
    if not renumber:
        listed = ", ".join(f"R-{n:03d} ({', '.join(used[n])})" for n in clashes)
        raise ImportRefused(
            f"ids already used under {out / 'risks'}: {listed}; nothing was written. "
            "Use --renumber to import the document's risks above them"
        )
    again = import_document(raw, name, options, used=set(used), reserved=reserved)
    moved = [f"{r.own_id or r.title} → {r.id}" for r in again.rows]
    return _from_intake(again, moved)


def write_imported(
    imported: Imported, out: Path, *, force: bool = False, strict: bool = False
) -> list[Path]:
    """Write what an import read: all of it, or with ``strict`` nothing when any risk failed."""
    if not imported.files or (strict and imported.errors):
        raise ImportRefused("nothing was written")
    return write_register(imported.files, out, force=force)
