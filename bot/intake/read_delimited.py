"""Reader of CSV and TSV registers: the delimiter sniffed from the text, quoted cells that span
lines kept whole, each row's first line its position."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from bot.intake.records import Document
from bot.intake.tabular import find_header, read_table

DELIMITERS = ",;\t|"


def delimiter_of(text: str) -> str | None:
    """The delimiter of a delimited text (None when it does not look like one)."""
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return None


def read_delimited(
    text: str, name: str, mapping: Mapping[str, str], delimiter: str | None = None
) -> Document:
    """Read a CSV or TSV register."""
    delimiter = delimiter or delimiter_of(text) or ","
    shape = "TSV" if delimiter == "\t" else "CSV"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    for row in reader:
        rows.append((start, row))
        start = reader.line_num + 1
    doc = Document(name, shape)
    header_at = find_header(rows, mapping)
    if header_at is None:
        first = next((r for _, r in rows if any(c.strip() for c in r)), [])
        doc.looks = (
            f"a {shape} file of {len(rows)} rows whose first row is "
            f"{', '.join(c for c in first[:8] if c.strip()) or 'empty'}"
        )
        return doc
    header = rows[header_at][1]
    doc.looks = f"a {shape} file with columns {', '.join(h for h in header if h.strip())}"
    return read_table(doc, rows, header_at, mapping)
