"""The mapper: each candidate's cells to the fields of a risk (by :mod:`bot.intake.synonyms`),
the rest kept under their own label; and the same risk listed twice joined into one."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.intake.records import Candidate, Cell
from bot.intake.synonyms import field_of, words

TITLE_MAX = 90
PLACEHOLDERS = frozenset(
    {"", "-", "--", "—", "–", "n/a", "na", "none", "tbd", "tbc", "?", "todo", "unknown",
     "unassigned", "owner", "name", "[name]", "[owner]", "nobody", "null", "nil"}
)  # fmt: skip


@dataclass
class Mapped:
    """One risk's cells by field (in the document's order), with the cells no field takes."""

    candidate: Candidate
    fields: dict[str, list[Cell]] = field(default_factory=dict)
    extras: list[Cell] = field(default_factory=list)
    listings: list[Mapped] = field(default_factory=list)
    """Other places the same risk is listed (a summary row, a second entry)."""

    @property
    def line(self) -> int:
        return self.candidate.line

    def first(self, name: str) -> Cell | None:
        cells = self.fields.get(name)
        return cells[0] if cells else None

    def text(self, name: str) -> str:
        cell = self.first(name)
        return cell.text.strip() if cell else ""

    @property
    def own_id(self) -> str:
        return self.candidate.own_id or self.text("id")

    @property
    def title(self) -> str:
        return self.candidate.title or self.text("title") or title_from(self.text("description"))

    @property
    def name(self) -> str:
        """How findings name the risk: its own id, else its title."""
        if self.own_id:
            return self.own_id
        return f"'{self.title[:40]}'" if self.title else f"the risk on line {self.line}"


def title_from(description: str) -> str:
    """A title from a description: its first sentence, cut on a word near TITLE_MAX characters."""
    first = re.split(r"(?<=[.!?])\s|\n", description.strip(), maxsplit=1)[0].rstrip(".")
    if len(first) <= TITLE_MAX:
        return first
    cut = first[:TITLE_MAX].rsplit(" ", 1)[0]
    return cut + "…"


def is_placeholder(text: str) -> bool:
    """An empty value as templates write it: ``TBD``, ``-``, ``[Name]``."""
    return text.strip().casefold() in PLACEHOLDERS or bool(
        re.fullmatch(r"\[[^\]]*\]", text.strip())
    )


def _is_rating(text: str) -> bool:
    """A cell that rates (``7``, ``High``, ``4 - Likely``), not one that describes measures."""
    return bool(
        re.fullmatch(
            r"\W*\d{1,2}\b.{0,30}|\W*[A-Za-z]+(?: [A-Za-z]+)?\W*(?:\(.{0,20}\))?", text.strip()
        )
    )


def map_candidate(candidate: Candidate, mapping: Mapping[str, str]) -> Mapped:
    """Sort a candidate's cells into fields; a placeholder value counts as none. A Detection
    label that holds measures, not a rating, is the mitigation's detection."""
    out = Mapped(candidate)
    for cell in candidate.cells:
        if is_placeholder(cell.text):
            continue
        name = field_of(cell.label, mapping)
        if name == "detection" and not _is_rating(cell.text):
            name = "detection measures"
        if name == "extra":
            out.extras.append(cell)
        else:
            out.fields.setdefault(name, []).append(cell)
    return out


def key_of(candidate: Candidate, mapping: Mapping[str, str]) -> list[str]:
    """The keys that say two listings are one risk: its own id, and its title."""
    keys: list[str] = []
    own = candidate.own_id or next(
        (c.text for c in candidate.cells if field_of(c.label, mapping) == "id"), ""
    )
    if own.strip():
        keys.append("id:" + re.sub(r"[\s#_-]+", "", own.casefold()).lstrip("0"))
    title = candidate.title or next(
        (c.text for c in candidate.cells if field_of(c.label, mapping) == "title"), ""
    )
    if title.strip():
        keys.append("title:" + words(title))
    return keys


@dataclass(frozen=True)
class Twice:
    """An id two different risks use (both are imported; the document should tell them apart)."""

    own_id: str
    first: Mapped
    second: Mapped


def map_all(
    candidates: Sequence[Candidate], mapping: Mapping[str, str]
) -> tuple[list[Mapped], list[Twice]]:
    """Map every candidate; a second listing of a risk (same id and title, or same id and no
    title) joins the first, and an id used by two different risks is reported."""
    risks: list[Mapped] = []
    by_id: dict[str, Mapped] = {}
    twice: list[Twice] = []
    for candidate in candidates:
        mapped = map_candidate(candidate, mapping)
        summary = [c for c in candidate.cells if c.line < 0]
        if summary:  # rows of a summary table, already matched to this risk (read_markdown)
            candidate.cells = [c for c in candidate.cells if c.line >= 0]
            mapped = map_candidate(candidate, mapping)
            for line in candidate.lines:
                row = Candidate(
                    line, [Cell(c.label, c.text, -c.line) for c in summary if -c.line == line]
                )
                mapped.listings.append(map_candidate(row, mapping))
        keys = key_of(candidate, mapping)
        ident = next((k for k in keys if k.startswith("id:")), None)
        first = by_id.get(ident) if ident else None
        if first is not None:
            same = not mapped.title or not first.title or words(mapped.title) == words(first.title)
            if same:
                # One risk across tables (identification, assessment, treatment): what the first
                # listing lacks comes from this one; where both say something, the auditor
                # compares them.
                for name, cells in mapped.fields.items():
                    first.fields.setdefault(name, list(cells))
                first.extras.extend(
                    c for c in mapped.extras if c.label not in {e.label for e in first.extras}
                )
                first.listings.append(mapped)
                continue
            twice.append(Twice(mapped.own_id, first, mapped))
        elif ident:
            by_id[ident] = mapped
        risks.append(mapped)
    return risks, twice
