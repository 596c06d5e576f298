"""Rows with a header (a CSV or TSV file, a sheet, a Markdown table) into candidates.

The header is the first row where two or more cells name fields riskbot knows, so title rows
above a spreadsheet's table are skipped; each row under it is one candidate, its cells labelled
by their column. A table whose columns name no risk (a legend: ``Score | Level``) is read as
the document's scale, bands or counts instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from bot.intake.legend import LegendReader, factor_named
from bot.intake.matrix import read_matrix
from bot.intake.records import Candidate, Cell, CountClaim, Document
from bot.intake.synonyms import field_of, words

HEADER_SCAN = 15
"""How many rows from the top may come before the header (titles, notes, blank rows)."""
LEVEL_FIELDS = frozenset({"impact", "probability", "detection", "score", "band"})
NAME_FIELDS = frozenset({"id", "title", "description"})


def fields_of(header: Sequence[str], mapping: Mapping[str, str]) -> list[str]:
    return [field_of(h, mapping) if h.strip() else "" for h in header]


def is_risk_header(fields: Sequence[str]) -> bool:
    """A header of risks: a column that names them and one that rates them."""
    return bool(set(fields) & NAME_FIELDS) and bool(set(fields) & LEVEL_FIELDS)


def find_header(
    rows: Sequence[tuple[int, Sequence[str]]], mapping: Mapping[str, str]
) -> int | None:
    """The index of the header row among the first rows (None when no row is one)."""
    for i, (_, row) in enumerate(rows[:HEADER_SCAN]):
        known = [f for f in fields_of(row, mapping) if f and f != "extra"]
        if len(known) >= 2 and is_risk_header(known):
            return i
    return None


def rows_to_candidates(
    header: Sequence[str], rows: Iterable[tuple[int, Sequence[str]]]
) -> list[Candidate]:
    """Each non-empty row as a candidate, its cells labelled by the header."""
    out: list[Candidate] = []
    labels = [h.strip() for h in header]
    for line, row in rows:
        if not any(c.strip() for c in row):
            continue
        # Values as written (an export's file text keeps its last newline); readers of the
        # cells strip what they read.
        cells = [
            Cell(label, value, line)
            for label, value in zip(labels, row, strict=False)
            if label and value.strip()
        ]
        if cells:
            out.append(Candidate(line, cells))
    return out


def split_blocks(
    header: Sequence[str], rows: Sequence[tuple[int, Sequence[str]]], mapping: Mapping[str, str]
) -> tuple[list[tuple[int, Sequence[str]]], list[list[tuple[int, Sequence[str]]]]]:
    """The rows of the table under ``header``, and the blocks after it: after a blank row, a
    short row of labels (``Risk level | Score``) starts a block of its own (a legend)."""
    width = sum(1 for h in header if h.strip())
    table: list[tuple[int, Sequence[str]]] = []
    blocks: list[list[tuple[int, Sequence[str]]]] = []
    blank = False
    for line, row in rows:
        filled = [c for c in row if c.strip()]
        if not filled:
            blank = True
            continue
        starts = (
            blank
            and len(filled) * 5 < width * 3
            and not any(c.strip().replace(".", "").isdigit() for c in filled)
            and any(field_of(c, mapping) != "extra" for c in filled)
        )
        if starts:
            blocks.append([])
        (blocks[-1] if blocks else table).append((line, row))
        blank = False
    return table, blocks


def legend_table(
    doc: Document, header: Sequence[str], rows: Sequence[tuple[int, Sequence[str]]], lead: str
) -> None:
    """A table that lists no risks: a scale (``Level | Likelihood | Meaning``), bands
    (``Score | Level``) or counts (``Level | Count``), read as the document's own definitions."""
    plain = [words(h) for h in header]
    matrix = read_matrix(header, rows, lead, [b.label for b in doc.bands])
    if matrix is not None:
        doc.matrix = doc.matrix or matrix
        doc.scales.extend(matrix.scales)
        return
    if len(header) >= 2 and any(w in ("count", "number", "risks", "total", "#") for w in plain[1:]):
        for line, row in rows:
            if len(row) >= 2 and row[1].strip().isdigit() and row[0].strip():
                doc.counts.append(CountClaim(words(row[0]) or "total", int(row[1].strip()), line))
        return
    reader = LegendReader(doc)
    reader.heading(
        " ".join(header) if any(factor_named(h) for h in header) else lead + " " + " ".join(header)
    )
    for line, row in rows:
        cells = [c.strip() for c in row if c.strip()]
        if len(cells) >= 2:
            rest = f" ({cells[2]})" if len(cells) > 2 else ""
            reader.line(f"{cells[0]}: {cells[1]}{rest}", line)


def read_table(
    doc: Document,
    rows: Sequence[tuple[int, Sequence[str]]],
    header_at: int,
    mapping: Mapping[str, str],
) -> Document:
    """Fill ``doc`` from the rows under its header (``rows[header_at]``): one candidate per risk
    row, and the legends (scales, matrices) in the blocks after the table."""
    header = rows[header_at][1]
    table, blocks = split_blocks(header, rows[header_at + 1 :], mapping)
    doc.candidates = rows_to_candidates(header, table)
    if not doc.candidates:
        doc.looks += ", but no row under them"
    for block in blocks:
        legend_table(doc, list(block[0][1]), block[1:], "")
    return doc
