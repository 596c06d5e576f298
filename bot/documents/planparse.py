"""Read a risk management plan written in Markdown (the shape of the program's plan) into data.

Mis-encoded text (UTF-8 read as Latin-1, e.g. ``Ã—`` for ``×``) is repaired with ftfy first.
Every value keeps the 1-based line it came from, so that whatever the importer finds wrong with
the plan can point at it. This module only reads; judging the plan is the importer's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import ftfy

from bot.register.findings import Finding, error


@dataclass(frozen=True, slots=True)
class Text:
    """A value and the plan line it is on."""

    value: str
    line: int


@dataclass(frozen=True, slots=True)
class ScaleLevel:
    """``4 = Major (schedule slip 1-3 months)`` of the scoring matrix."""

    level: int
    label: str
    detail: str
    line: int


@dataclass(frozen=True, slots=True)
class PlanBand:
    """``Red = 15+ (immediate mitigation required)`` of the scoring matrix."""

    label: str
    threshold: str
    meaning: str
    line: int


@dataclass
class PlanRisk:
    """One ``#### Risk #N: Title (phase)`` section."""

    number: int
    title: str
    phase: str | None
    line: int
    score: Text | None = None
    description: Text | None = None
    impact: Text | None = None
    probability: Text | None = None
    owner: Text | None = None
    status: Text | None = None
    mitigation: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MatrixRow:
    """One row of the risk response matrix, cells by lower-cased column name."""

    number: int
    name: str
    cells: dict[str, str]
    line: int


@dataclass(frozen=True, slots=True)
class Item:
    """A ``- **Key**: text`` list item (or ``1. **Key** text``)."""

    key: str
    text: str
    line: int


@dataclass
class PlanDocument:
    """Everything read from the plan, each piece with its line."""

    name: str
    title: Text | None = None
    fields: dict[str, Text] = field(default_factory=dict)
    categories: list[Item] = field(default_factory=list)
    impact_levels: list[ScaleLevel] = field(default_factory=list)
    probability_levels: list[ScaleLevel] = field(default_factory=list)
    bands: list[PlanBand] = field(default_factory=list)
    scoring_line: int = 1
    risks: list[PlanRisk] = field(default_factory=list)
    matrix: list[MatrixRow] = field(default_factory=list)
    monitoring: list[Item] = field(default_factory=list)
    escalation_path: list[Item] = field(default_factory=list)
    thresholds: list[Item] = field(default_factory=list)
    buffers: list[Item] = field(default_factory=list)
    errors: list[Finding] = field(default_factory=list)


HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
RISK_HEADING = re.compile(r"^Risk\s*#\s*(\d+)\s*:\s*(.+?)\s*$", re.IGNORECASE)
TRAILING_PAREN = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")
FIELD = re.compile(r"^\*\*([^*]+?)\*\*\s*:\s*(.*?)\s*$")
KEYED_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\*\*([^*]+?)\*\*\s*:?\s*(.*?)\s*$")
SUB_ITEM = re.compile(r"^\s+[-*+]\s+(.+?)\s*$")
PLAIN_ITEM = re.compile(r"^\s*[-*+]\s+(.+?)\s*$")
LEVEL = re.compile(r"^\s*(\d+)\s*=\s*(.+?)\s*(?:\((.*)\))?\s*$")
BAND = re.compile(r"^\s*([A-Za-z][A-Za-z ]*?)\s*=\s*(\S+)\s*(?:\((.*)\))?\s*$")
MATRIX_ID = re.compile(r"^#\s*(\d+)\s*:?\s*(.*)$")

RISK_FIELDS = {
    "risk score": "score",
    "description": "description",
    "impact": "impact",
    "probability": "probability",
    "owner": "owner",
    "status": "status",
}


def repair(text: str) -> str:
    """Undo mis-encoding (``Ã—`` → ``×``, ``ðŸŸ¡`` → 🟡) with ftfy, keeping the line count."""
    fixed = ftfy.fix_text(text)
    if len(fixed.splitlines()) == len(text.splitlines()):
        return fixed
    # ftfy does not join or split lines in practice; if it ever did, go line by line.
    return "\n".join(ftfy.fix_text(line) for line in text.splitlines())


def _section(h2: str, h3: str) -> str:
    """Which part of the plan a line is in, from the headings above it."""
    both = f"{h2} / {h3}".casefold()
    for key in (
        "categor",
        "monitoring schedule",
        "escalation path",
        "escalation threshold",
        "timeline buffer",
        "response matrix",
    ):
        if key in (h3.casefold() if key != "response matrix" else both):
            return key
    return ""


class _Reader:
    """A line-by-line reader: headings switch sections, each section reads its own lines."""

    def __init__(self, name: str) -> None:
        self.doc = PlanDocument(name)
        self.h2 = ""
        self.h3 = ""
        self.risk: PlanRisk | None = None
        self.kind: str | None = None
        self.last_field: str | None = None
        self.code = False
        self.code_part = ""
        self.columns: list[str] = []

    def error(self, line: int, message: str) -> None:
        self.doc.errors.append(error(self.doc.name, line, message, code="plan"))

    def heading(self, n: int, depth: int, text: str) -> None:
        self.risk, self.kind, self.last_field = None, None, None
        if depth == 1 and self.doc.title is None:
            self.doc.title = Text(text, n)
        elif depth == 2:
            self.h2, self.h3, self.columns = text, "", []
        elif depth == 3:
            self.h3, self.columns = text, []
        elif depth >= 4 and (m := RISK_HEADING.match(text)):
            title, phase = m.group(2), None
            if p := TRAILING_PAREN.match(title):
                title, phase = p.group(1), p.group(2).strip()
            self.risk = PlanRisk(int(m.group(1)), title.strip(), phase, n)
            self.doc.risks.append(self.risk)

    def code_line(self, n: int, line: str) -> None:
        low = line.strip().casefold()
        if low.startswith("impact levels"):
            self.code_part = "impact"
        elif low.startswith("probability levels"):
            self.code_part = "probability"
        elif low.startswith("risk score ="):
            self.code_part = "bands"
        elif self.code_part in ("impact", "probability") and (m := LEVEL.match(line)):
            level = ScaleLevel(int(m.group(1)), m.group(2).strip(), (m.group(3) or "").strip(), n)
            target = (
                self.doc.impact_levels
                if self.code_part == "impact"
                else (self.doc.probability_levels)
            )
            target.append(level)
        elif self.code_part == "bands" and (m := BAND.match(line)):
            self.doc.bands.append(
                PlanBand(m.group(1).strip(), m.group(2), (m.group(3) or "").strip(), n)
            )
        elif not low:
            self.code_part = ""

    def risk_line(self, n: int, line: str) -> None:
        assert self.risk is not None
        if m := FIELD.match(line):
            key = m.group(1).strip().casefold()
            self.kind = None
            self.last_field = RISK_FIELDS.get(key)
            if self.last_field is not None and m.group(2):
                setattr(self.risk, self.last_field, Text(m.group(2), n))
            return
        if (m := KEYED_ITEM.match(line)) and not line.startswith(" "):
            self.kind = m.group(1).strip().casefold()
            self.risk.mitigation.setdefault(self.kind, [])
            self.last_field = None
            return
        if self.kind is not None and (m := SUB_ITEM.match(line)):
            self.risk.mitigation[self.kind].append(m.group(1))
            return
        if not line.strip():
            self.last_field = None
        elif self.last_field == "description" and self.risk.description is not None:
            # A description may wrap onto more lines of the same paragraph.
            d = self.risk.description
            self.risk.description = Text(f"{d.value} {line.strip()}", d.line)

    def table_line(self, n: int, line: str) -> None:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not self.columns:
            self.columns = [c.casefold() for c in cells]
            return
        if all(set(c) <= set(":- ") for c in cells):
            return
        first = MATRIX_ID.match(cells[0]) if cells else None
        if first is None:
            self.error(n, f"response matrix row does not start with '#N: name': {line.strip()}")
            return
        named = dict(zip(self.columns, cells, strict=False))
        self.doc.matrix.append(MatrixRow(int(first.group(1)), first.group(2).strip(), named, n))

    def other_line(self, n: int, line: str) -> None:
        section = _section(self.h2, self.h3)
        if section == "response matrix" and line.lstrip().startswith("|"):
            self.table_line(n, line)
            return
        keyed = KEYED_ITEM.match(line)
        if keyed is None and (m := FIELD.match(line)):
            self.doc.fields.setdefault(m.group(1).strip().casefold(), Text(m.group(2), n))
            return
        target = {
            "categor": self.doc.categories,
            "monitoring schedule": self.doc.monitoring,
            "escalation path": self.doc.escalation_path,
            "timeline buffer": self.doc.buffers,
        }.get(section)
        if target is not None and keyed is not None:
            target.append(Item(keyed.group(1).strip(), keyed.group(2), n))
        elif section == "escalation threshold" and (m := PLAIN_ITEM.match(line)):
            parts = re.split(r"\s*(?:→|->)\s*", m.group(1), maxsplit=1)
            condition, consequence = [*parts, ""][:2]
            self.doc.thresholds.append(Item(condition, consequence, n))

    def feed(self, n: int, line: str) -> None:
        if line.lstrip().startswith("```"):
            self.code, self.code_part = not self.code, ""
            if self.code and not self.doc.impact_levels:
                self.doc.scoring_line = n
            return
        if self.code:
            self.code_line(n, line)
            return
        if h := HEADING.match(line):
            self.heading(n, len(h.group(1)), h.group(2))
            return
        if line.strip() in ("---", "***", "___"):
            self.risk, self.kind, self.last_field = None, None, None
            return
        if self.risk is not None:
            self.risk_line(n, line)
        else:
            self.other_line(n, line)


def read_plan(text: str, name: str) -> PlanDocument:
    """Read the plan (mis-encoding repaired); errors are only for what cannot be read at all."""
    reader = _Reader(name)
    for n, line in enumerate(repair(text).splitlines(), start=1):
        reader.feed(n, line)
    return reader.doc
