"""The installed `riskbot import` on documents of every shape, and `riskbot export` back."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from tests.cli import run_riskbot as run
from tests.data.documents import xlsx_documents
from tests.factories import REGISTER, copy_register

DOCUMENTS = Path(__file__).resolve().parent.parent / "data" / "documents"


def document(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    shutil.copy(DOCUMENTS / name, path)
    return path


def files_under(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.yaml"))}


def test_dry_run_prints_the_table_and_writes_nothing(tmp_path: Path) -> None:
    doc = document(tmp_path, "table-3x3.md")
    out = tmp_path / "out"
    result = run("import", str(doc), "--out", str(out), "--dry-run")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["id", "own", "id", "title", "levels", "score", "band", "owner"]
    assert re.split(r"\s{2,}", lines[1]) == [
        "R-001",
        "R1",
        "Tax rules change in two states before launch",
        "3 × 2",
        "6",
        "High",
        "Finance Eng",
    ]
    assert len(lines) == 6
    assert "dry run: 5 of 5 risks would be written" in result.stderr
    assert f"{doc}:8: warning[document] R2: 'Low' contradicts" in result.stderr
    assert not out.exists()


def test_a_partial_import_writes_what_reads_and_strict_writes_nothing(tmp_path: Path) -> None:
    doc = document(tmp_path, "register.csv")
    strict = run("import", str(doc), "--out", str(tmp_path / "strict"), "--strict")
    assert strict.returncode == 1
    unreadable = f"{doc}:10: error[unreadable] ORP-5: not imported: Probability: 'sometimes'"
    assert unreadable in strict.stderr
    assert "nothing was written" in strict.stderr
    assert not (tmp_path / "strict").exists()
    out = tmp_path / "out"
    partial = run("import", str(doc), "--out", str(out))
    assert partial.returncode == 1
    assert sorted(p.name for p in (out / "risks").iterdir()) == [
        "R-001-black-friday-load.yaml",
        "R-002-loyalty-points-double.yaml",
        "R-003-search-index-lags.yaml",
        "R-004-courier-api-rate.yaml",
    ]
    assert "1 of 5 risks were not imported" in partial.stderr
    assert partial.stderr.count("with no owner") == 1


def test_an_imported_register_on_the_plans_method_passes_check_and_shows_its_sources(
    tmp_path: Path,
) -> None:
    doc = document(tmp_path, "sections-yaml-fence.md")
    out = tmp_path / "out"
    assert run("import", str(doc), "--out", str(out)).returncode == 0
    check = run("check", "--root", str(out), "--format", "json")
    assert check.returncode == 0, check.stdout
    report = json.loads(check.stdout)
    assert {r["id"]: r["source"] for r in report["risks"]} == {
        "R-001": {"document": str(doc), "id": "T-001", "line": 5},
        "R-002": {"document": str(doc), "id": "T-002", "line": 16},
        "R-003": {"document": str(doc), "id": "T-003", "line": 27},
    }
    kept = [f for f in report["findings"] if f.get("code") == "extra"]
    assert [f["message"].split(";")[0] for f in kept] == [
        "kept from the imported document, not used by riskbot: cost"
    ]


def test_map_and_sheet(tmp_path: Path) -> None:
    book = tmp_path / "fleet.xlsx"
    book.write_bytes(xlsx_documents.falcon())
    first = run("import", str(book), "--out", str(tmp_path / "a"), "--dry-run")
    assert first.returncode == 1
    assert "sheet 'Cover'" in first.stderr
    assert "name the sheet with --sheet" in first.stderr
    named = run("import", str(book), "--sheet", "Register", "--dry-run", "--out", str(tmp_path))
    assert named.returncode == 0, named.stderr
    assert "5 of 5 risks" in named.stderr
    odd = tmp_path / "odd.csv"
    odd.write_text("Hazard,Odds,Damage\nFlood,2,5\n", encoding="utf-8")
    mapped = run(
        "import", str(odd), "--map", "Odds=probability", "--map", "Damage=impact", "--dry-run",
        "--out", str(tmp_path),
    )  # fmt: skip
    assert mapped.returncode == 0, mapped.stderr
    assert "Flood" in mapped.stdout
    bad = run("import", str(odd), "--map", "Odds=colour", "--dry-run")
    assert bad.returncode == 2
    assert "'colour' is not a field" in bad.stderr


def test_ids_in_use_are_renumbered_or_refused(tmp_path: Path) -> None:
    root = copy_register(tmp_path / "reg")
    doc = document(tmp_path, "sections-yaml-fence.md")
    refused = run("import", str(doc), "--out", str(root), "--no-renumber")
    assert refused.returncode == 1
    assert "ids already used" in refused.stderr
    done = run("import", str(doc), "--out", str(root), "--force")
    assert done.returncode == 0, done.stderr
    assert "T-001 → R-011, T-002 → R-012, T-003 → R-013" in done.stderr
    assert (root / "risks" / "R-011-collector-memory-leak.yaml").is_file()


def test_export_and_import_back_give_the_same_files(tmp_path: Path) -> None:
    root = copy_register(tmp_path / "reg")
    csv_out = run("export", "--root", str(root), "--format", "csv")
    assert csv_out.returncode == 0, csv_out.stderr
    (tmp_path / "risks.csv").write_text(csv_out.stdout, encoding="utf-8")
    book = tmp_path / "risks.xlsx"
    assert run("export", "--root", str(root), "--format", "xlsx", "-o", str(book)).returncode == 0
    no_file = run("export", "--root", str(root), "--format", "xlsx")
    assert no_file.returncode == 2
    for exported in (tmp_path / "risks.csv", book):
        back = tmp_path / f"back-{exported.suffix[1:]}"
        result = run("import", str(exported), "--out", str(back))
        assert result.returncode == 0, result.stderr
        assert files_under(back / "risks") == files_under(REGISTER / "risks")
        assert not (back / ".github").exists()  # an export holds the risks, not the policy
