"""Readers of Markdown: a section per risk, and tables with a row per risk.

A section is a heading or a whole bold line (``**T001: Title**``) with the risk's id in any of
the usual forms (``R-01``, ``RISK R-001``, ``CR-001``, ``T1.1``, ``1.1``, ``Risk #3``) or none,
whose lines hold its fields: ``**Label**: value``, bullets (``- **Likelihood:** High``), a
two-column table, ``A: x | B: y`` pipes, a YAML fence, a label with its value on the next line,
or the risk's own sub-headings. A section counts as a risk when its fields name one (see
:func:`is_risk`). Every other line is read for the document's legend (:mod:`bot.intake.legend`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import yaml

from bot.intake.legend import LegendReader
from bot.intake.levels import plain, rank_of
from bot.intake.mapper import key_of
from bot.intake.records import Candidate, Cell, Document
from bot.intake.synonyms import LABELS, field_of, words
from bot.intake.tabular import fields_of, is_risk_header, legend_table, rows_to_candidates
from bot.register.findings import warning

HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
BOLD_LINE = re.compile(r"^\s*(?:[-*+]\s+)?(?:\*\*|__)(.+?)(?:\*\*|__)\s*:?\s*$")
_ID = r"(?:[A-Za-z]{1,6}[-_]?\d+(?:\.\d+)*[a-z]?|\d+(?:\.\d+)+|\d+)"
RISK_HEADING = re.compile(
    rf"^(?:[^\w\s#]+\s*)*(?:(risk)\s*(?:#\s*)?(?P<rid>{_ID})|#\s*(?P<hid>\d+)|(?P<id>{_ID}))"
    r"(?:\s*[:.)|–—-]\s*|\s+)(?P<title>\S.*?)\s*$",
    re.IGNORECASE,
)
ID_ONLY = re.compile(rf"^(?:risk\s*)?#?\s*({_ID})$", re.IGNORECASE)
FIELD_LINE = re.compile(
    r"^\s*(?P<bullet>[-*+]\s+|\d+[.)]\s+)?(?P<bold>\*\*|__)?(?P<label>[^*_:|\n]{1,48}?)"
    r"(?:\s*:\s*(?:\*\*|__)|(?:\*\*|__)\s*:?|\s*:)(?!//)\s*(?P<value>.*?)\s*$"
)
ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s*)?(.+?)\s*$")
TRAILING_PAREN = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")
# Headings of a document's own explanations, not of a risk (a section without an id).
LEGEND_HEADINGS = frozenset(
    {"scoring", "scale", "legend", "matrix", "methodology", "summary", "overview", "format",
     "template", "definitions", "criteria", "thresholds", "key"}
)  # fmt: skip


def split_row(line: str) -> list[str]:
    """The cells of a Markdown table row (escaped pipes kept inside their cell)."""
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", body)]


def is_separator(cells: list[str]) -> bool:
    return bool(cells) and all(re.fullmatch(r":?-{2,}:?", c.replace(" ", "")) for c in cells if c)


def unbold(text: str) -> str:
    """Text without its emphasis: ``**High**``, ``*3*``, ``_Open_``, `` `R-01` ``."""
    plain = re.sub(r"(\*\*|__|`)", "", text).strip()
    return re.sub(r"^([*_])(\S(?:.*\S)?)\1$", r"\2", plain)


@dataclass
class _Section:
    """A section that may be a risk: its candidate, depth, and its raw lines (for the legend
    when it turns out not to be one)."""

    candidate: Candidate
    depth: int
    has_id: bool
    raw: list[tuple[int, str]] = field(default_factory=list)
    pending: tuple[str, int] | None = None
    pending_values: list[tuple[int, str]] = field(default_factory=list)
    last: int | None = None
    """The index of the cell that list items and wrapped lines continue."""
    fence: list[tuple[int, str]] | None = None
    table: list[str] | None = None


def is_choice_list(text: str) -> bool:
    """A legend's list of levels (``Low / Medium / High``, ``High, Medium, or Low``), not one."""
    parts = [plain(p) for p in re.split(r"\s*(?:/|,|;|\||\bor\b)\s*", text) if p.strip()]
    return len({p for p in parts if p and rank_of(p) is not None}) >= 2


def is_risk(section: _Section, mapping: Mapping[str, str]) -> bool:
    """A section is a risk when its fields name one: with an id, one known field; without, two
    of levels, owner, status or mitigation, and no level written as a list of choices."""
    fields = [field_of(c.label, mapping) for c in section.candidate.cells]
    known = [f for f in fields if f not in ("extra", "description", "title")]
    heading = words(section.candidate.title)
    if any(w in heading.split() for w in LEGEND_HEADINGS) and not section.has_id:
        return False
    choices = [
        c
        for c, f in zip(section.candidate.cells, fields, strict=True)
        if f in ("impact", "probability") and is_choice_list(c.text)
    ]
    if choices:
        return False
    if section.has_id:
        return bool(known)
    core = {"impact", "probability", "score", "band", "detection", "owner", "status", "mitigation"}
    return len(set(known) & core) >= 2 and bool(
        set(known) & {"impact", "probability", "score", "band"}
    )


class MarkdownReader:
    """One pass over the lines: sections, tables and the legend."""

    def __init__(self, name: str, mapping: Mapping[str, str]) -> None:
        self.doc = Document(name, "Markdown")
        self.mapping = mapping
        self.legend = LegendReader(self.doc)
        self.sections: list[_Section] = []
        self.section: _Section | None = None
        self.code = False
        self.table: list[tuple[int, list[str]]] = []
        self.lead = ""
        self.tables: list[tuple[list[str], list[tuple[int, list[str]]], str]] = []
        self.table_candidates: list[Candidate] = []
        self.keyed: list[Candidate] = []
        self.all_tables: list[list[str]] = []
        self.depth = 0

    # -- sections ---------------------------------------------------------------------------
    def start(self, n: int, depth: int, text: str) -> None:
        plain = unbold(text)
        title, own_id, has_id = plain, "", False
        if m := RISK_HEADING.match(plain):
            own_id = m.group("rid") or m.group("hid") or m.group("id") or ""
            if m.group("rid") and own_id.isdigit():
                own_id = f"Risk #{own_id}" if "#" in plain[: m.end("rid")] else f"Risk {own_id}"
            elif m.group("hid"):
                own_id = f"#{own_id}"
            title, has_id = m.group("title"), True
            if re.fullmatch(r"[\d.]+", own_id) and not m.group("rid") and not m.group("hid"):
                has_id = False  # "## 4. Monitoring": a numbered heading needs levels to be a risk
        elif m := ID_ONLY.match(plain):
            own_id, title, has_id = m.group(1), "", True
        candidate = Candidate(n, own_id=own_id, title=title.strip())
        if (p := TRAILING_PAREN.match(candidate.title)) and 0 < len(p.group(2)) <= 24:
            candidate.title = p.group(1).strip()  # "Title (v3)": the phase, as plans write it
            candidate.cells.append(Cell("Phase", p.group(2).strip(), n))
        self.section = _Section(candidate, depth, has_id)
        self.sections.append(self.section)

    def flush(self) -> None:
        s = self.section
        if s is None:
            return
        if s.fence is not None:
            self._fence(s)
        if s.table is not None:
            s.table = None
        if s.pending is not None:
            label, _ = s.pending
            values = [v for _, v in s.pending_values]
            if values:
                first = s.pending_values[0][0]
                s.candidate.cells.append(Cell(label, "\n".join(values), first))
            s.pending, s.pending_values = None, []

    def end(self) -> None:
        self.flush()
        self.section = None

    def _fence(self, s: _Section) -> None:
        lines = s.fence or []
        s.fence = None
        try:
            data = yaml.compose("\n".join(t for _, t in lines), Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            return
        if isinstance(data, yaml.MappingNode) and lines:
            base = lines[0][0]
            for key, value in data.value:
                text = value.value if isinstance(value, yaml.ScalarNode) else ""
                if isinstance(value, yaml.SequenceNode):
                    text = "\n".join(
                        str(v.value) for v in value.value if isinstance(v, yaml.ScalarNode)
                    )
                s.candidate.cells.append(
                    Cell(str(key.value), str(text), base + key.start_mark.line)
                )

    def risk_line(self, n: int, line: str) -> None:
        s = self.section
        assert s is not None
        s.raw.append((n, line))
        stripped = line.strip()
        if s.fence is not None:
            if stripped.startswith("```"):
                self._fence(s)
            else:
                s.fence.append((n, line))
            return
        if stripped.startswith("```"):
            self.flush()
            s.fence = []
            return
        if not stripped:
            if s.pending is not None and s.pending_values:
                self.flush()
            if (
                s.last is not None
                and field_of(s.candidate.cells[s.last].label, self.mapping) == "description"
            ):
                s.last = None
            return
        if stripped.count("|") >= 1 and len(re.findall(r"[^|:]{1,40}:\s*[^|]+", stripped)) >= 2:
            self.flush()
            for part in stripped.split("|"):
                if ":" in part:
                    label, _, value = part.partition(":")
                    s.candidate.cells.append(Cell(unbold(label), unbold(value), n))
            s.last = None
            return
        m = FIELD_LINE.match(line)
        if m is not None:
            label = unbold(m.group("label"))
            marked = bool(m.group("bold") or m.group("bullet"))
            known = field_of(label, self.mapping)
            if (known != "extra" or (marked and m.group("bold"))) and len(label.split()) <= 6:
                self.flush()
                value = unbold(m.group("value"))
                if value:
                    s.candidate.cells.append(Cell(label, value, n))
                    s.last = len(s.candidate.cells) - 1
                else:
                    s.pending, s.last = (label, n), None
                return
        bold = BOLD_LINE.match(line)
        if bold and field_of(unbold(bold.group(1)), self.mapping) != "extra":
            self.flush()
            s.pending, s.last = (unbold(bold.group(1)), n), None
            return
        item = ITEM.match(line)
        if s.pending is not None:
            s.pending_values.append((n, unbold(item.group(1) if item else stripped)))
            return
        if s.last is not None:
            cell = s.candidate.cells[s.last]
            joiner = "\n" if item else " "
            text = unbold(item.group(1)) if item else unbold(stripped)
            s.candidate.cells[s.last] = Cell(cell.label, f"{cell.text}{joiner}{text}", cell.line)
            return
        if not any(field_of(c.label, self.mapping) == "description" for c in s.candidate.cells):
            s.candidate.cells.append(Cell("Description", unbold(stripped), n))
            s.last = len(s.candidate.cells) - 1

    def sub_heading(self, n: int, text: str) -> bool:
        """A heading inside a risk that names one of its fields (``#### Likelihood``)."""
        s = self.section
        if s is None:
            return False
        label = unbold(text)
        if field_of(label, self.mapping) == "extra" and len(label.split()) > 3:
            return False
        self.flush()
        s.raw.append((n, f"#### {text}"))  # a heading again, should the section be no risk
        s.pending, s.last = (label, n), None
        return True

    # -- tables outside risks -----------------------------------------------------------------
    def table_line(self, n: int, line: str) -> None:
        self.table.append((n, split_row(line)))

    def end_table(self) -> None:
        """A table ends: a table of risks, a risk's two-column attributes, or a legend."""
        if not self.table:
            return
        rows, self.table = self.table, []
        header = [unbold(c) for c in rows[0][1]]
        self.all_tables.append(header)
        body = [(n, [unbold(c) for c in r]) for n, r in rows[1:] if not is_separator(r)]
        fields = fields_of(header, self.mapping)
        s = self.section
        if len(header) >= 3 and is_risk_header(fields):
            self.tables.append((header, body, self.lead))
            self.table_candidates.extend(rows_to_candidates(header, body))
        elif "id" in fields and len([f for f in fields if f not in ("", "extra")]) >= 3:
            # Part of a register split over tables by id (identification, treatment): its rows
            # join the rows of the same ids in the table of levels.
            self.keyed.extend(rows_to_candidates(header, body))
        elif (
            s is not None
            and len(header) == 2
            and (
                attributes := [
                    (n, row)
                    for n, row in [(rows[0][0], header), *body]
                    if len(row) >= 2 and row[0] and field_of(row[0], self.mapping) != "extra"
                ]
            )
            and any(n != rows[0][0] for n, _ in attributes)
        ):
            # Every row of an attribute table is the risk's, a label riskbot does not know too.
            first = attributes[0][0]
            for n, row in [(rows[0][0], header), *body]:
                if len(row) >= 2 and row[0] and row[1] and n >= first:
                    s.candidate.cells.append(Cell(row[0], row[1], n))
                    s.raw.append((n, f"| {row[0]} | {row[1]} |"))
        else:
            legend_table(self.doc, header, body, self.lead)

    def _bold_risk(self, inner: str) -> bool:
        """A whole bold line that opens a risk: an id and a title that names no field."""
        m = RISK_HEADING.match(inner)
        if (
            m is None
            or words(m.group("title")) in LABELS
            or words(m.group("title")) in self.mapping
        ):
            return False
        bare = m.group("id") is not None and m.group("id").replace(".", "").isdigit()
        return not bare

    # -- the whole document ---------------------------------------------------------------
    def feed(self, n: int, line: str) -> None:
        stripped = line.strip()
        s = self.section
        if s is None and self.code:
            if stripped.startswith("```"):
                self.code = False
            else:
                self.legend.line(line, n)
            return
        if stripped.startswith("|") and not (s is not None and s.fence is not None):
            if s is not None:
                self.flush()
            self.table.append((n, split_row(line)))
            return
        if self.table:
            self.end_table()
        if h := HEADING.match(line):
            depth, text = len(h.group(1)), h.group(2)
            inside = s is not None and depth > s.depth and s.fence is None
            if inside and not RISK_HEADING.match(unbold(text)) and self.sub_heading(n, text):
                return
            self.end()
            self.lead, self.depth = text, depth
            if depth == 1 and not self.doc.title:
                self.doc.title = unbold(text)
            self.legend.heading(text)
            if depth >= 2:
                self.start(n, depth, text)
            return
        bold = BOLD_LINE.match(line)
        if bold is not None and self._bold_risk(unbold(bold.group(1))):
            self.end()
            self.start(n, self.depth + 1, bold.group(1))
            return
        if s is not None:
            if stripped in ("---", "***", "___") and s.fence is None:
                self.end()
                return
            self.risk_line(n, line)
            return
        if stripped.startswith("```"):
            self.code = True
            return
        if stripped.endswith(":") and not re.search(r"\d", stripped):
            self.legend.heading(stripped)
        self.legend.line(line, n)

    def finish(self) -> Document:
        self.end_table()
        self.end()
        for s in self.sections:
            if is_risk(s, self.mapping):
                self.doc.candidates.append(s.candidate)
            else:
                self._replay(s)
        return self.doc

    def _replay(self, s: _Section) -> None:
        """A section that is no risk: its lines are the legend's (tables included)."""
        self.legend.heading(s.candidate.title)
        table: list[tuple[int, str]] = []
        for n, line in s.raw:
            if line.strip().startswith("|"):
                table.append((n, line))
                continue
            if table:
                self._replay_table(table, s.candidate.title)
                table = []
            if h := HEADING.match(line):
                self.legend.heading(h.group(2))
                continue
            if line.strip().endswith(":") and not re.search(r"\d", line):
                self.legend.heading(line.strip())
            self.legend.line(line, n)
        if table:
            self._replay_table(table, s.candidate.title)

    def _replay_table(self, table: list[tuple[int, str]], lead: str) -> None:
        self.lead = lead
        self.table = [(n, split_row(line)) for n, line in table]
        self.end_table()


SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")


def atx_headings(lines: list[str]) -> list[str]:
    """Setext headings (a line underlined with ``===`` or ``---``) as ``#`` headings, the
    underline left blank, so every line keeps its number."""
    out = list(lines)
    for i in range(1, len(out)):
        under = SETEXT.match(out[i])
        above = out[i - 1].strip()
        text_above = bool(above) and not above.startswith(("#", "|", ">", "-", "*", "+", "```"))
        if under and text_above and not ITEM.match(out[i - 1]) and under.group(1) != "-":
            out[i - 1] = ("# " if under.group(1).startswith("=") else "## ") + above
            out[i] = ""
    return out


def read_markdown(text: str, name: str, mapping: Mapping[str, str]) -> Document:
    """Read a Markdown document: its risk sections, its risk tables and its legend."""
    reader = MarkdownReader(name, mapping)
    for n, line in enumerate(atx_headings(text.splitlines()), start=1):
        reader.feed(n, line)
    doc = reader.finish()
    tables = reader.table_candidates
    if tables and reader.keyed:
        known = {k for c in tables for k in key_of(c, mapping) if k.startswith("id:")}
        joined = [c for c in reader.keyed if set(key_of(c, mapping)) & known]
        for c in reader.keyed:
            if c not in joined:
                own = next((x.text for x in c.cells if field_of(x.label, mapping) == "id"), "")
                doc.findings.append(
                    warning(
                        name,
                        c.line,
                        f"{own.strip() or 'a row'}: listed without a likelihood or impact "
                        "anywhere in the document; not imported",
                        code="document",
                    )
                )
        tables = sorted([*tables, *joined], key=lambda c: c.line)
    if not doc.candidates:
        doc.shape = "Markdown table" if tables else "Markdown"
        doc.candidates = tables
    elif tables:
        doc.shape = "Markdown sections"
        doc.candidates = merge_summary(doc.candidates, tables, mapping, doc)
    else:
        doc.shape = "Markdown sections"
    headers = [", ".join(h for h in header if h) for header, _, _ in reader.tables]
    if doc.shape == "Markdown table":
        doc.looks = f"a table with columns {headers[0]}"
    elif not doc.candidates:
        doc.looks = describe(reader)
    return doc


def describe(reader: MarkdownReader) -> str:
    """What a Markdown document that holds no risk has instead, for the one error."""
    if reader.tables:
        header = ", ".join(h for h in reader.tables[0][0] if h)
        return f"Markdown with a table with columns {header}, but no row under it"
    if reader.all_tables:
        shown = "; ".join(", ".join(h for h in t if h) for t in reader.all_tables[:2])
        return (
            f"Markdown with tables of columns {shown}: none names its risks (Risk, Title or ID) "
            "and rates them (Likelihood, Impact, Score)"
        )
    titles = [s.candidate.title for s in reader.sections if s.candidate.title][:5]
    if titles:
        return (
            f"Markdown with {len(reader.sections)} sections ({', '.join(titles)}) but no "
            "likelihood, impact or score under any of them"
        )
    return "Markdown with no headings, tables or fields of risks"


def merge_summary(
    sections: list[Candidate], rows: list[Candidate], mapping: Mapping[str, str], doc: Document
) -> list[Candidate]:
    """Rows of a summary table that list a risk of the sections (same id or title) join it as
    cells of a second listing; the others are risks of their own."""
    by_key: dict[str, Candidate] = {}
    for c in sections:
        for k in key_of(c, mapping):
            by_key.setdefault(k, c)
    out = list(sections)
    for row in rows:
        match = next((by_key[k] for k in key_of(row, mapping) if k in by_key), None)
        if match is None:
            out.append(row)
            continue
        match.lines.append(row.line)
        match.cells.extend(Cell(c.label, c.text, -c.line) for c in row.cells)
    return out
