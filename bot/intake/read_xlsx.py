"""Reader of spreadsheets (``.xlsx``, with openpyxl): the first sheet, or the one named.

A workbook is a zip of XML parts, and a small file can unpack to gigabytes (a zip bomb) or
declare a sheet of a million rows: before openpyxl reads anything, the parts' unpacked sizes
are added up from the zip's directory (zipfile never unpacks past a part's stated size), and
the sheet's rows and columns are counted as they are read; past a limit the workbook is refused
with what it holds and what to do instead.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Mapping

from bot.intake.records import Document
from bot.intake.tabular import find_header, read_table

XLSX_MAGIC = b"PK\x03\x04"


MAX_UNPACKED_BYTES = 64 * 1024 * 1024
"""The most a workbook's parts may unpack to (a register of 100,000 rows is a fraction)."""
MAX_ROWS = 100_000
MAX_COLUMNS = 1_000
MAX_CELLS = 2_000_000
"""Rows × columns of the sheet read (each row as wide as the sheet says it is)."""


class SheetError(ValueError):
    """The workbook cannot be read, or has no sheet of that name."""


class WorkbookTooLarge(SheetError):
    """The workbook unpacks to more than riskbot reads, or its sheet has too many rows or
    columns."""


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):,.0f} MB"


def check_unpacked_size(raw: bytes) -> None:
    """Refuse a workbook whose parts unpack past :data:`MAX_UNPACKED_BYTES` (a zip bomb)."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(part.file_size for part in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        raise SheetError("not a readable .xlsx workbook (not a zip archive)") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise WorkbookTooLarge(
            f"the workbook unpacks to {_megabytes(unpacked)}, over the "
            f"{_megabytes(MAX_UNPACKED_BYTES)} riskbot reads: not read; save the register's "
            "sheet alone (or as CSV) and import that"
        )


def _too_many(title: str, what: str) -> WorkbookTooLarge:
    return WorkbookTooLarge(
        f"sheet '{title}' has {what}, over the {MAX_ROWS:,} rows, {MAX_COLUMNS:,} columns and "
        f"{MAX_CELLS:,} cells riskbot reads: not read; copy the register's rows to a sheet of "
        "their own (--sheet NAME), or save it as CSV"
    )


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

    check_unpacked_size(raw)
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise SheetError(f"not a readable .xlsx workbook ({exc.__class__.__name__})") from None
    try:
        if sheet and sheet not in book.sheetnames:
            raise SheetError(f"no sheet '{sheet}'; the sheets are {', '.join(book.sheetnames)}")
        ws = book[sheet] if sheet else book.worksheets[0]
        title = ws.title
        # The sheet's stated size first: read-only openpyxl pads every row to it.
        stated_rows, stated_columns = ws.max_row or 0, ws.max_column or 0
        if (
            stated_rows > MAX_ROWS
            or stated_columns > MAX_COLUMNS
            or stated_rows * stated_columns > MAX_CELLS
        ):
            raise _too_many(title, f"{stated_rows:,} rows of {stated_columns:,} columns")
        rows: list[tuple[int, list[str]]] = []
        cells = 0
        for n, row in enumerate(ws.iter_rows(), start=1):
            cells += len(row)
            if n > MAX_ROWS or len(row) > MAX_COLUMNS or cells > MAX_CELLS:
                raise _too_many(title, f"more than that by row {n:,} ({len(row):,} cells)")
            rows.append(
                (n, [cell_text(c.value, getattr(c, "number_format", "") or "") for c in row])
            )
    finally:
        book.close()
    doc = Document(name, "XLSX", sheet=title)
    header_at = find_header(rows, mapping)
    if header_at is None:
        doc.looks = f"a workbook whose sheet '{title}' has {len(rows)} rows and no header of risks"
        return doc
    header = rows[header_at][1]
    doc.looks = f"a sheet '{title}' with columns {', '.join(h for h in header if h.strip())}"
    return read_table(doc, rows, header_at, mapping)
