"""Reader of spreadsheets (``.xlsx``, with openpyxl): the first sheet, or the one named."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping

from bot.intake.records import Document
from bot.intake.tabular import find_header, legend_table, rows_to_candidates, split_blocks

XLSX_MAGIC = b"PK\x03\x04"


class SheetError(ValueError):
    """The workbook cannot be read, or has no sheet of that name."""


def cell_text(value: object, number_format: str = "") -> str:
    """A cell as people read it: ``0.3`` formatted as a percentage is ``30%``, 3.0 is ``3``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float | int):
        if "%" in number_format:
            value = round(float(value) * 100, 6)
        text = str(int(value)) if float(value).is_integer() else str(value)
        return text + ("%" if "%" in number_format else "")
    return str(value)


def read_xlsx(raw: bytes, name: str, mapping: Mapping[str, str], sheet: str = "") -> Document:
    """Read the register on one sheet of a workbook."""
    from openpyxl import load_workbook  # only spreadsheets need it

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise SheetError(f"not a readable .xlsx workbook ({exc.__class__.__name__})") from None
    try:
        if sheet and sheet not in book.sheetnames:
            raise SheetError(f"no sheet '{sheet}'; the sheets are {', '.join(book.sheetnames)}")
        ws = book[sheet] if sheet else book.worksheets[0]
        rows: list[tuple[int, list[str]]] = []
        for n, row in enumerate(ws.iter_rows(), start=1):
            rows.append(
                (n, [cell_text(c.value, getattr(c, "number_format", "") or "") for c in row])
            )
        title = ws.title
    finally:
        book.close()
    doc = Document(name, "XLSX", sheet=title)
    header_at = find_header(rows, mapping)
    if header_at is None:
        doc.looks = f"a workbook whose sheet '{title}' has {len(rows)} rows and no header of risks"
        return doc
    header = rows[header_at][1]
    doc.looks = f"a sheet '{title}' with columns {', '.join(h for h in header if h.strip())}"
    table, blocks = split_blocks(header, rows[header_at + 1 :], mapping)
    doc.candidates = rows_to_candidates(header, table)
    if not doc.candidates:
        doc.looks += ", but no row under them"
    for block in blocks:
        legend_table(doc, list(block[0][1]), block[1:], "")
    return doc
