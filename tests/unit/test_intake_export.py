"""Export and back: the register as CSV, TSV, XLSX or JSON, and the same files from it."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.intake.export import COLUMNS, export, record_of
from bot.intake.pipeline import Options, import_document
from bot.intake.writer import render_risk_file, risk_file_name
from tests.factories import REGISTER

FORMATS = ("csv", "tsv", "xlsx", "json")


def plan_register() -> list[tuple[str, str]]:
    return [
        (p.relative_to(REGISTER).as_posix(), p.read_text(encoding="utf-8"))
        for p in sorted((REGISTER / "risks").glob("*.yaml"))
    ]


def generated_register(size: int, seed: int = 25) -> list[tuple[str, str]]:
    """``size`` risk files written by the writer, with every field riskbot has, some left out."""
    rng = random.Random(seed)
    owners = ["Technical Lead", "Security Lead", "QA Lead", "@octo-cat", "Community Lead"]
    states = ["planning", "active", "monitor", "closed"]
    files = []
    for n in range(1, size + 1):
        ident = f"R-{n:04d}"
        title = f"Generated risk {n}: {rng.choice(['cache', 'deploy', 'vendor', 'staff'])} issue"
        data: dict[str, Any] = {
            "id": ident,
            "title": title,
            "category": rng.choice(["Technical", "Security", "Market"]),
            "phase": rng.choice(["v2", "v3+", "All"]),
            "identified": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "description": f"What could go wrong, number {n}.\nA second line; with a semicolon.",
            "impact": {"level": rng.randint(1, 5)},
            "probability": {"level": rng.randint(1, 5), "narrative": "Likely (50-80%)"},
        }
        if n % 3 == 0:
            data["score"] = data["impact"]["level"] * data["probability"]["level"]
        data["mitigation"] = {
            "prevention": [f"Measure {n}.{i}" for i in range(rng.randint(0, 3))],
            "detection": ["- starts like a bullet", "=SUM(A1:A2) is text"] if n % 7 == 0 else [],
            "response": [f"Respond {n}"] if n % 2 else [],
        }
        data["owner"] = (
            rng.sample(owners, 2)
            if n % 11 == 0
            else [rng.choice(owners)]
            if n % 13 == 0
            else rng.choice(owners)
        )
        data["status"] = {"state": rng.choice(states)} | (
            {"note": "Half done"} if n % 5 == 0 else {}
        )
        if n % 4 == 0:
            data["review"] = {"cadence": "weekly", "last_reviewed": "2026-01-05"}
        if n % 6 == 0:
            data["mitigation_status"] = {"summary": "40% complete", "percent": 40}
        if n % 9 == 0:
            data["residual"] = {"impact": 1, "probability": 1, "note": "After the fix"}
            data["outcome"] = [{"release": "v2", "occurred": False}]
        if n % 10 == 0:
            data["source"] = {"document": "old.csv", "id": f"OLD-{n}", "line": n + 1}
            data["extra"] = {"cost": "12k", "trigger": "two failed builds"}
        files.append((risk_file_name(ident, title), render_risk_file(data)))
    return files


def restored(files: list[tuple[str, str]], fmt: str, edit: Any = None) -> dict[str, str]:
    raw = export(files, fmt)
    if edit is not None:
        raw = edit(raw)
    result = import_document(raw, f"register.{fmt}")
    assert result.errors == [], [f.as_text() for f in result.errors]
    return result.files


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_plans_register_round_trips_byte_for_byte(fmt: str) -> None:
    files = plan_register()
    assert restored(files, fmt) == dict(files)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_generated_register_of_1000_risks_round_trips_byte_for_byte(fmt: str) -> None:
    files = generated_register(1000)
    assert restored(files, fmt) == dict(files)


def drop_yaml_column(raw: bytes) -> bytes:
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    at = rows[0].index("yaml")
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows([r[:at] + r[at + 1 :] for r in rows])
    return out.getvalue().encode("utf-8")


def test_the_columns_alone_rebuild_the_files_the_writer_wrote() -> None:
    files = generated_register(300, seed=7)
    assert restored(files, "csv", drop_yaml_column) == dict(files)
    # The plan's register was written by hand (folded text, comments): the columns give back
    # its data, and the writer's layout.
    plan = plan_register()
    for name, text in restored(plan, "csv", drop_yaml_column).items():
        assert yaml.safe_load(text) == yaml.safe_load(dict(plan)[name])


def test_an_edited_row_is_rewritten_from_its_columns_and_the_rest_kept() -> None:
    files = plan_register()

    def edit(raw: bytes) -> bytes:
        return raw.replace(b"Database/Infrastructure Lead", b"Platform Lead", 1)

    raw = edit(export(files, "csv"))
    result = import_document(raw, "register.csv")
    name = "risks/R-001-postgresql-migration.yaml"
    assert yaml.safe_load(result.files[name])["owner"] == "Platform Lead"
    assert result.files[name] != dict(files)[name]
    assert {n: t for n, t in result.files.items() if n != name} == {
        n: t for n, t in files if n != name
    }
    assert "edited in the export, so rewritten from its columns: R-001" in result.summary


def test_cells_a_spreadsheet_would_run_are_text() -> None:
    files = generated_register(7)
    rows = list(csv.reader(io.StringIO(export(files, "csv").decode("utf-8"), newline="")))
    header, seventh = rows[0], rows[7]
    assert (
        seventh[header.index("detection measures")]
        == "'- starts like a bullet\n=SUM(A1:A2) is text"
    )
    assert all(not c.startswith(("=", "+", "-", "@")) for row in rows for c in row)
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(export(files, "xlsx"))).active
    assert sheet is not None
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "- starts like a bullet\n=SUM(A1:A2) is text" in values
    assert all(c.data_type == "s" for row in sheet.iter_rows(min_row=2) for c in row if c.value)


def test_a_row_cannot_write_outside_risks() -> None:
    record = record_of("risks/R-001-a.yaml", "id: R-001\ntitle: A\n")
    rows = [record | {"file": "../.github/workflows/evil.yml"}, record | {"file": "/etc/x.yaml"}]
    text = json.dumps(rows, indent=2)
    result = import_document(text.encode(), "export.json")
    assert result.files == {}
    starts = [n for n, line in enumerate(text.splitlines(), start=1) if line == "  {"]
    assert [f.line for f in result.errors] == starts
    assert all("is not a risk file under risks/" in f.message for f in result.errors)


def test_json_export_is_a_list_of_the_same_records(tmp_path: Path) -> None:
    files = plan_register()
    data = json.loads(export(files, "json"))
    assert [list(r) for r in data] == [list(COLUMNS)] * len(files)
    assert [r["file"] for r in data] == [n for n, _ in files]
    assert data[0]["impact"] == "4"
    assert data[0]["owner"] == "Database/Infrastructure Lead"
    result = import_document(export(files, "json"), "risks.json", Options())
    assert result.shape == "YAML"
    assert result.method == "export"
