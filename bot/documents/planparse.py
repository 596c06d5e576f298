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
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Each part of the plan that was found: its first and last line."""

    def expected_line(self, part: str) -> int:
        """Where a missing part would be: the line after the part before it in PART_ORDER."""
        before = PART_ORDER[: PART_ORDER.index(part)]
        for other in reversed(before):
            if other in self.spans:
                return self.spans[other][1] + 1
        return 1


# The parts of a plan in the seed plan's order; a missing part is expected after the one before.
PART_ORDER = (
    "categories",
    "scoring",
    "risks",
    "matrix",
    "monitoring",
    "escalation path",
    "escalation thresholds",
    "timeline buffer",
)

# How headings name the parts of a plan, as data. A heading names a part when each word of one
# of its patterns begins a word of the heading (case, numbering, emoji and punctuation aside):
# "## 3. Risk Response Matrix", "### Escalation Triggers", "### Schedule Buffer". The first
# matching part wins; "escalation" alone is told apart by its lines (see _Reader.other_line).
SECTION_PATTERNS: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = (
    ("categories", (("categor",), ("risk", "types"), ("types", "risk"), ("risk", "areas"))),
    (
        "matrix",
        (
            ("response", "matrix"),
            ("response", "overview"),
            ("response", "plan"),
            ("response", "table"),
            ("risk", "register", "table"),
            ("tracking",),
        ),
    ),
    (
        "escalation thresholds",
        (
            ("escalat", "threshold"),
            ("escalat", "trigger"),
            ("escalat", "criteri"),
            ("escalat", "rules"),
            ("when", "escalat"),
        ),
    ),
    (
        "escalation path",
        (
            ("escalat", "path"),
            ("escalat", "chain"),
            ("escalat", "ladder"),
            ("escalat", "route"),
            ("escalat", "hierarch"),
            ("escalat", "levels"),
        ),
    ),
    (
        "monitoring",
        (("monitoring",), ("review", "schedule"), ("review", "cadence"), ("review", "frequenc")),
    ),
    (
        "timeline buffer",
        (
            ("timeline", "buffer"),
            ("schedule", "buffer"),
            ("schedule", "contingenc"),
            ("time", "buffer"),
            ("release", "buffer"),
        ),
    ),
    ("escalation", (("escalat",),)),
    ("scoring", (("scoring",), ("score", "matrix"), ("score", "levels"))),
)

# The labels of a risk's fields, loosely: "**Risk Score**", "**Score**", "**Likelihood**".
RISK_FIELDS = {
    "risk score": "score",
    "score": "score",
    "risk rating": "score",
    "rating": "score",
    "description": "description",
    "risk description": "description",
    "impact": "impact",
    "probability": "probability",
    "likelihood": "probability",
    "owner": "owner",
    "owners": "owner",
    "risk owner": "owner",
    "status": "status",
    "risk status": "status",
}
# The three parts of a mitigation, by the first word of their label ("**Prevent**:").
MITIGATION_WORDS = {
    "prevention": "prevention",
    "prevent": "prevention",
    "preventive": "prevention",
    "preventative": "prevention",
    "avoid": "prevention",
    "avoidance": "prevention",
    "detection": "detection",
    "detect": "detection",
    "monitoring": "detection",
    "early": "detection",
    "response": "response",
    "respond": "response",
    "contingency": "response",
    "recovery": "response",
    "reaction": "response",
}
# Response matrix columns, loosely, by what they hold.
MATRIX_COLUMNS = {
    "status": "status",
    "band": "status",
    "rag": "status",
    "owner": "owner",
    "owners": "owner",
    "review date": "review date",
    "review": "review date",
    "review cadence": "review date",
    "cadence": "review date",
    "review frequency": "review date",
    "frequency": "review date",
    "mitigation status": "mitigation status",
    "mitigation progress": "mitigation status",
    "progress": "mitigation status",
    "mitigation": "mitigation status",
}

HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
RISK_HEADING = re.compile(
    r"^(?:[^\w\s]+\s*)*(?:risk\s*#?\s*|r-?|#)(\d+)\s*(?::|\.|\)|-|–|—)\s*(.+?)\s*$",
    re.IGNORECASE,
)
TRAILING_PAREN = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")
FIELD = re.compile(r"^\*\*([^*]+?)\*\*\s*:?\s*(.*?)\s*$")
KEYED_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\*\*([^*]+?)\*\*\s*:?\s*(.*?)\s*$")
SUB_ITEM = re.compile(r"^\s+(?:[-*+]|\d+[.)])\s+(.+?)\s*$")
PLAIN_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.+?)\s*$")
LEVEL = re.compile(r"^\s*(?:[-*+]\s+)?\**(\d+)\**\s*[=:]\s*(.+?)\s*(?:\((.*)\))?\s*$")
BAND = re.compile(
    r"^\s*(?:[-*+]\s+)?(?:[^\w\s]+\s*)?\**([A-Za-z][A-Za-z ]*?)\**\s*[=:]\s*"
    r"([<>≥≤]?\s*\d+\s*(?:\+|[-–]\s*\d+)?)\s*(?:\((.*)\))?\s*$"
)
MATRIX_ID = re.compile(r"^(?:risk\s*)?#?\s*(\d+)\s*:?\s*(.*)$", re.IGNORECASE)
_NOT_WORD = re.compile(r"[^\w+]+")


def words_of(text: str) -> list[str]:
    """A heading or label as plain lower-case words: no numbering, emoji or punctuation."""
    return [w for w in _NOT_WORD.split(text.casefold()) if w and not w.isdigit() and w != "_"]


def label_of(text: str) -> str:
    """A label for lookups: ``**Risk Score**:`` → ``risk score``, ``🔥 Status`` → ``status``."""
    return " ".join(words_of(text))


def part_of_heading(heading: str) -> str:
    """The part of the plan a heading names (see SECTION_PATTERNS), or ``""``."""
    words = words_of(heading)
    for part, patterns in SECTION_PATTERNS:
        for pattern in patterns:
            if all(any(w.startswith(p) for w in words) for p in pattern):
                return part
    return ""


def repair(text: str) -> str:
    """Undo mis-encoding (``Ã—`` → ``×``, ``ðŸŸ¡`` → 🟡) with ftfy, keeping the line count."""
    fixed = ftfy.fix_text(text)
    if len(fixed.splitlines()) == len(text.splitlines()):
        return fixed
    # ftfy does not join or split lines in practice; if it ever did, go line by line.
    return "\n".join(ftfy.fix_text(line) for line in text.splitlines())


def _scale_marker(line: str) -> str | None:
    """Which list a scoring line opens: ``Impact Levels:`` → impact, ``Risk Score =`` → bands."""
    words = words_of(line)
    if not words or re.search(r"\d\s*[=:]", line):
        return None
    if words[:2] in (["risk", "score"], ["risk", "scores"], ["score", "bands"]) or words in (
        ["bands"],
        ["thresholds"],
        ["risk", "bands"],
    ):
        return "bands"
    if len(words) > 2:
        return None
    if words[0] == "impact" and words[1:] in ([], ["levels"], ["level"], ["scale"]):
        return "impact"
    if words[0] in ("probability", "likelihood") and words[1:] in (
        [],
        ["levels"],
        ["level"],
        ["scale"],
    ):
        return "probability"
    return None


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

    def seen(self, part: str, line: int) -> None:
        first, _ = self.doc.spans.get(part, (line, line))
        self.doc.spans[part] = (first, line)

    @property
    def section(self) -> str:
        """The part the current lines belong to: the h3's, else the h2's when there is no h3."""
        return part_of_heading(self.h3) if self.h3 else part_of_heading(self.h2)

    def heading(self, n: int, depth: int, text: str) -> None:
        self.risk, self.kind, self.last_field = None, None, None
        if depth >= 2 and (m := RISK_HEADING.match(text)):
            title, phase = m.group(2), None
            if p := TRAILING_PAREN.match(title):
                title, phase = p.group(1), p.group(2).strip()
            self.risk = PlanRisk(int(m.group(1)), title.strip(), phase, n)
            self.doc.risks.append(self.risk)
            self.seen("risks", n)
            if depth <= 3:
                self.h3, self.columns = "", []
            return
        if depth == 1 and self.doc.title is None:
            self.doc.title = Text(text, n)
        elif depth == 2:
            self.h2, self.h3, self.columns = text, "", []
        elif depth >= 3:
            self.h3, self.columns = text, []

    def scoring_line(self, n: int, line: str) -> None:
        """A line of the scoring matrix: a list marker, a level or a band."""
        low = line.strip()
        if marker := _scale_marker(low):
            self.code_part = marker
            if self.doc.scoring_line == 1 and not self.code:  # a list outside a code block
                self.doc.scoring_line = n
            self.seen("scoring", n)
        elif self.code_part in ("impact", "probability") and (m := LEVEL.match(line)):
            level = ScaleLevel(int(m.group(1)), m.group(2).strip(), (m.group(3) or "").strip(), n)
            target = (
                self.doc.impact_levels
                if self.code_part == "impact"
                else self.doc.probability_levels
            )
            target.append(level)
            self.seen("scoring", n)
        elif self.code_part == "bands" and (m := BAND.match(line)):
            self.doc.bands.append(
                PlanBand(
                    m.group(1).strip(), m.group(2).replace(" ", ""), (m.group(3) or "").strip(), n
                )
            )
            self.seen("scoring", n)
        elif not low:
            self.code_part = ""

    def risk_line(self, n: int, line: str) -> None:
        assert self.risk is not None
        if line.strip():
            self.seen("risks", n)
        if (m := FIELD.match(line)) and label_of(m.group(1)) in RISK_FIELDS:
            self.kind = None
            self.last_field = RISK_FIELDS[label_of(m.group(1))]
            if m.group(2):
                setattr(self.risk, self.last_field, Text(m.group(2), n))
            return
        if FIELD.match(line):  # "**Mitigation Strategy**:" and other labels of no value here
            self.kind, self.last_field = None, None
            return
        if (m := KEYED_ITEM.match(line)) and not line.startswith(" "):
            words = words_of(m.group(1))
            self.kind = MITIGATION_WORDS.get(words[0], label_of(m.group(1))) if words else None
            if self.kind is not None:
                self.risk.mitigation.setdefault(self.kind, [])
                if m.group(2):  # "1. **Prevention**: one measure" on the same line
                    self.risk.mitigation[self.kind].append(m.group(2))
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
            self.columns = [MATRIX_COLUMNS.get(label_of(c), label_of(c)) for c in cells]
            return
        if all(set(c) <= set(":- ") for c in cells):
            return
        first = MATRIX_ID.match(cells[0]) if cells else None
        if first is None:
            self.error(n, f"response matrix row does not start with '#N: name': {line.strip()}")
            return
        named = dict(zip(self.columns, cells, strict=False))
        self.doc.matrix.append(MatrixRow(int(first.group(1)), first.group(2).strip(), named, n))
        self.seen("matrix", n)

    def other_line(self, n: int, line: str) -> None:
        section = self.section
        if section == "matrix" and line.lstrip().startswith("|"):
            self.table_line(n, line)
            return
        if section == "scoring":
            self.scoring_line(n, line)
            return
        keyed = KEYED_ITEM.match(line)
        if keyed is None and (m := FIELD.match(line)):
            self.doc.fields.setdefault(label_of(m.group(1)), Text(m.group(2), n))
            return
        if section == "escalation":
            # "### Escalation" alone: "1. **Role** does" is the path, "- when → who" a threshold.
            has_arrow = re.search(r"→|->", line) is not None
            section = "escalation thresholds" if has_arrow else "escalation path"
        target = {
            "categories": self.doc.categories,
            "monitoring": self.doc.monitoring,
            "escalation path": self.doc.escalation_path,
            "timeline buffer": self.doc.buffers,
        }.get(section)
        if target is not None and keyed is not None:
            target.append(Item(keyed.group(1).strip(), keyed.group(2), n))
            self.seen(section, n)
        elif section == "escalation thresholds" and (m := PLAIN_ITEM.match(line)):
            parts = re.split(r"\s*(?:→|->)\s*", m.group(1), maxsplit=1)
            condition, consequence = [*parts, ""][:2]
            self.doc.thresholds.append(Item(condition, consequence, n))
            self.seen(section, n)

    def feed(self, n: int, line: str) -> None:
        if line.lstrip().startswith("```"):
            self.code, self.code_part = not self.code, ""
            if self.code and not self.doc.impact_levels:
                self.doc.scoring_line = n
            return
        if self.code:
            self.scoring_line(n, line)
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
