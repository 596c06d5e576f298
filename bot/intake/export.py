"""Exports: the register's risks as records (one flat mapping of text per risk), and back.

The same records serve every format: a CSV or TSV row, a spreadsheet row, a JSON object. Each
record has a column per field people read and edit (levels, owner, status, measures one per
line), ``more`` for the rest of the file as JSON, ``file`` for its path and ``yaml`` for its
text. Importing an export restores each file: its text as it was when the columns still say what
it says, else the file rebuilt from the columns through the writer.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from bot.intake import read_yaml
from bot.intake.writer import render_risk_file

COLUMNS = (
    "id",
    "title",
    "category",
    "phase",
    "identified",
    "description",
    "impact",
    "impact narrative",
    "probability",
    "probability narrative",
    "detection",
    "score",
    "band",
    "owner",
    "status",
    "status note",
    "prevention",
    "detection measures",
    "response",
    "cadence",
    "last reviewed",
    "progress",
    "source",
    "more",
    "file",
    "yaml",
)
# Where each column's value lives in a risk file: (key, sub-key or "").
PLACES: dict[str, tuple[str, str]] = {
    "id": ("id", ""),
    "title": ("title", ""),
    "category": ("category", ""),
    "phase": ("phase", ""),
    "identified": ("identified", ""),
    "description": ("description", ""),
    "impact": ("impact", "level"),
    "impact narrative": ("impact", "narrative"),
    "probability": ("probability", "level"),
    "probability narrative": ("probability", "narrative"),
    "detection": ("detection", "level"),
    "score": ("score", ""),
    "band": ("band", ""),
    "prevention": ("mitigation", "prevention"),
    "detection measures": ("mitigation", "detection"),
    "response": ("mitigation", "response"),
    "owner": ("owner", ""),
    "status": ("status", "state"),
    "status note": ("status", "note"),
    "cadence": ("review", "cadence"),
    "last reviewed": ("review", "last_reviewed"),
    "progress": ("mitigation_status", "summary"),
    "source": ("source", ""),
}
"""Where each column's value lives in a risk file, (key, sub-key), in the file's key order."""
INTEGERS = frozenset({"impact", "probability", "detection", "score"})
# Characters that make a spreadsheet read a cell as a formula: such a cell gets a leading
# apostrophe in CSV and TSV (a spreadsheet shows it as text), taken off again on import.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        if all(isinstance(v, str) and v and "\n" not in v for v in value) and len(value) != 1:
            return "\n".join(value)
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def record_of(name: str, text: str) -> dict[str, str]:
    """One risk file as a record (see the module doc)."""
    data = read_yaml.load(text)
    if not isinstance(data, dict):
        data = {}
    record = {c: "" for c in COLUMNS}
    taken: dict[str, set[str]] = {}
    for column, (key, sub) in PLACES.items():
        value = data.get(key)
        if sub:
            value = value.get(sub) if isinstance(value, dict) else None
        if value is not None:
            record[column] = _text(value)
            taken.setdefault(key, set()).add(sub)
    more: dict[str, Any] = {}
    for key, value in data.items():
        if key not in taken:
            more[key] = value
        elif isinstance(value, dict):
            rest = {k: v for k, v in value.items() if k not in taken[key]}
            if rest:
                more[key] = rest
    record["more"] = json.dumps(more, ensure_ascii=False, default=str) if more else ""
    # What the columns cannot say (an empty mitigation, keys in an order of their own) goes
    # into `more` whole, so the record alone always rebuilds the file's data.
    rebuilt = rebuild(record)
    for key, value in data.items():
        if rebuilt.get(key) != value:
            more[key] = value
    if list(rebuild(record | {"more": json.dumps(more, default=str)})) != list(data):
        more["keys"] = list(data)
    if more:
        record["more"] = json.dumps(more, ensure_ascii=False, default=str)
    record["file"] = name
    record["yaml"] = text
    return record


def _value(column: str, text: str) -> Any:
    if column in INTEGERS:
        return int(text)
    if column == "source":
        return json.loads(text)
    if text.startswith("[") and text.endswith("]"):
        try:
            loaded = json.loads(text)
        except ValueError:
            loaded = None
        if isinstance(loaded, list):
            return loaded
    if column in ("prevention", "detection measures", "response"):
        return text.split("\n")
    if column == "owner" and "\n" in text:
        return text.split("\n")
    return text


def rebuild(record: Mapping[str, str]) -> dict[str, Any]:
    """A risk file's mapping from a record, in the register's key order."""
    data: dict[str, Any] = {}
    more = json.loads(record["more"]) if record.get("more") else {}
    keys = more.pop("keys", None)
    for column, (key, sub) in PLACES.items():
        text = record.get(column, "")
        if key == "mitigation" and ("mitigation" in data or text or key in more):
            data.setdefault("mitigation", {})[sub] = _value(column, text) if text else []
            continue
        if not text:
            continue
        value = _value(column, text)
        if sub:
            data.setdefault(key, {})[sub] = value
        else:
            data[key] = value
    for key, value in more.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key].update(value)
        else:
            data[key] = value
    if keys:
        data = {k: data[k] for k in keys if k in data} | {
            k: v for k, v in data.items() if k not in keys
        }
    return data


def restore(record: Mapping[str, str]) -> tuple[str, str, bool]:
    """A record back to its file: (path, text, whether the file's own text was kept)."""
    record = {k: unescape(v) for k, v in record.items()}
    data = rebuild(record)
    text = record.get("yaml", "")
    if text:
        try:
            same = read_yaml.load(text) == data
        except yaml.YAMLError:
            same = False
        if same:
            return record["file"], text, True
    return record["file"], render_risk_file(data), False


def escape(text: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def unescape(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:2] and text[1] in "=+-@\t\r" else text


def to_delimited(records: Sequence[Mapping[str, str]], delimiter: str = ",") -> str:
    """Records as CSV (or TSV): a header row of the columns, then a row per risk."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(COLUMNS)
    for record in records:
        writer.writerow([escape(record.get(c, "")) for c in COLUMNS])
    return out.getvalue()


def to_json(records: Sequence[Mapping[str, str]]) -> str:
    """Records as a JSON list of objects."""
    return json.dumps([dict(r) for r in records], ensure_ascii=False, indent=2) + "\n"


def to_xlsx(records: Sequence[Mapping[str, str]]) -> bytes:
    """Records as a workbook with one sheet, ``Risks``; every cell is text, never a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Risks")
    sheet.append(list(COLUMNS))
    for record in records:
        row = []
        for column in COLUMNS:
            cell = WriteOnlyCell(sheet, value=record.get(column, ""))
            cell.data_type = "s"  # text as written, even when it starts with "="
            row.append(cell)
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export(files: Sequence[tuple[str, str]], fmt: str) -> bytes:
    """The register's risk files (path, text) exported in ``fmt``."""
    records = [record_of(name, text) for name, text in files]
    if fmt == "xlsx":
        return to_xlsx(records)
    if fmt == "json":
        return to_json(records).encode("utf-8")
    return to_delimited(records, "\t" if fmt == "tsv" else ",").encode("utf-8")
