"""What every reader yields: candidate risks made of labelled cells, each with its line.

A reader knows one shape of document (Markdown sections, Markdown tables, YAML, CSV or TSV, a
spreadsheet) and nothing of what the labels mean; the mapper, the level resolver and the auditor
work on these records whatever shape they came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.register.findings import Finding


@dataclass(frozen=True, slots=True)
class Cell:
    """One value of a risk as the document writes it: its label (column, field), text and line."""

    label: str
    text: str
    line: int


@dataclass
class Candidate:
    """One risk as a reader found it: where it starts, its own id and title if the shape has
    them outside the cells (a heading), and its cells in document order."""

    line: int
    cells: list[Cell] = field(default_factory=list)
    own_id: str = ""
    title: str = ""
    lines: list[int] = field(default_factory=list)
    """Other lines the same risk was listed on (a summary row merged into its section)."""


@dataclass(frozen=True, slots=True)
class ScaleEntry:
    """A level the document defines: ``1: Very Low (0-10% chance)``, ``High (≥70%)``, ``H=3``.

    ``factor`` is impact, probability or detection, or ``""`` when the legend names none.
    """

    factor: str
    level: int | None
    label: str
    detail: str
    line: int


@dataclass(frozen=True, slots=True)
class BandRule:
    """A band the document defines with its score range: ``High: 15-25``, ``Critical (≥ 20)``."""

    label: str
    low: int | None
    high: int | None
    line: int


@dataclass(frozen=True, slots=True)
class CountClaim:
    """A count the document states about itself: ``**Total Risks**: 9``, ``High risks: 3``."""

    label: str
    count: int
    line: int


@dataclass
class Matrix:
    """A risk matrix the document draws: the band word or mark in the cell of each pair of
    levels, and the labels of its axes as the document's scales."""

    rows: str
    """The factor down the rows (impact or probability)."""
    columns: str
    cells: dict[tuple[int, int], Cell]
    """(row level, column level) → the cell."""
    scales: list[ScaleEntry]


@dataclass
class Document:
    """A document as its reader saw it: the candidates and what it says about its own method."""

    name: str
    shape: str
    candidates: list[Candidate] = field(default_factory=list)
    scales: list[ScaleEntry] = field(default_factory=list)
    bands: list[BandRule] = field(default_factory=list)
    counts: list[CountClaim] = field(default_factory=list)
    formula: tuple[str, ...] = ()
    """The factors of the document's score formula in its order (``Likelihood × Impact``)."""
    looks: str = ""
    """What the document looks like, for the message when no risk reads."""
    findings: list[Finding] = field(default_factory=list)
    sheet: str = ""
    title: str = ""
    """The document's own title (its first top heading), when it has one."""
    matrix: Matrix | None = None
    """The first risk matrix of bands the document draws, if any."""
