"""A workbook is read within limits: a zip that unpacks past them (a zip bomb) or a sheet of
too many rows, columns or cells is one error that says so, before it can fill the memory."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from bot.intake import read_xlsx
from bot.intake.pipeline import import_document
from tests.data.documents import xlsx_documents


def with_part(raw: bytes, name: str, data: bytes) -> bytes:
    """The workbook ``raw`` with one more part (deflated, as a zip bomb packs it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w") as dst:
        for part in src.infolist():
            dst.writestr(part, src.read(part.filename))
        dst.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def without_dimension(raw: bytes) -> bytes:
    """The workbook with no stated sheet size (some tools write none): rows are counted."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w") as dst:
        for part in src.infolist():
            data = src.read(part.filename)
            if part.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"<dimension [^>]*/>", b"", data)
            dst.writestr(part, data)
    return out.getvalue()


def only_error(raw: bytes) -> tuple[str, str]:
    result = import_document(raw, "book.xlsx")
    (finding,) = result.findings
    assert finding.severity == "error"
    assert finding.line == 1
    assert result.files == {}
    return finding.code, finding.message


def test_a_workbook_that_unpacks_past_the_limit_is_refused_unread() -> None:
    small = xlsx_documents.simple()
    bomb = with_part(small, "xl/media/image1.bin", bytes(read_xlsx.MAX_UNPACKED_BYTES))
    assert len(bomb) < len(small) + 200_000  # 64 MB of zeros packs into a few hundred KB
    code, message = only_error(bomb)
    assert code == "too-large"
    assert "the workbook unpacks to 64 MB, over the 64 MB riskbot reads: not read" in message
    assert "as CSV" in message
    just_under = with_part(small, "xl/media/image1.bin", bytes(1024))
    assert import_document(just_under, "book.xlsx").read == 3


def test_a_zip_that_is_no_workbook_is_unreadable() -> None:
    code, message = only_error(b"PK\x03\x04 not really a zip")
    assert code == "unreadable"
    assert "not a readable .xlsx workbook" in message


def test_a_sheet_that_states_more_rows_than_the_limit_is_refused_before_reading() -> None:
    rows = [*xlsx_documents.SIMPLE, *[[] for _ in range(read_xlsx.MAX_ROWS)], ["end"]]
    code, message = only_error(xlsx_documents.workbook([("Sheet1", rows)]))
    assert code == "too-large"
    assert f"sheet 'Sheet1' has {read_xlsx.MAX_ROWS + 5:,} rows of 7 columns" in message
    assert "--sheet NAME" in message


@pytest.mark.parametrize(
    ("limit", "value", "row"),
    [("MAX_ROWS", 3, 4), ("MAX_COLUMNS", 6, 1), ("MAX_CELLS", 20, 3)],
)
def test_rows_columns_and_cells_are_counted_when_the_sheet_states_no_size(
    monkeypatch: pytest.MonkeyPatch, limit: str, value: int, row: int
) -> None:
    raw = without_dimension(xlsx_documents.simple())  # 4 rows of 7 cells
    assert import_document(raw, "book.xlsx").read == 3
    monkeypatch.setattr(read_xlsx, limit, value)
    code, message = only_error(raw)
    assert code == "too-large"
    assert f"more than that by row {row}" in message
