"""`riskbot check` on the frozen register and broken copies of it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from tests.cli import run_riskbot as run
from tests.factories import REGISTER, REPO, copy_register, line_of, risk_yaml, write_risk

CONTRACT = json.loads((REPO / "tests" / "contract" / "check-output.schema.json").read_text())


def test_plan_register_text() -> None:
    result = run("check", "--root", str(REGISTER), "--today", "2026-11-27")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    order = [line.split()[0] for line in out.splitlines() if line.startswith("R-0")]
    assert order == [
        "R-002",
        "R-001",
        "R-003",
        "R-004",
        "R-005",
        "R-006",
        "R-007",
        "R-008",
        "R-009",
        "R-010",
    ]
    assert "R-002  5×4=20  Red" in out
    assert "R-010  2×1=2   Green" in out
    assert (
        out.rstrip()
        .splitlines()[-1]
        .startswith("OK: 11 files, 10 risks (3 red, 4 yellow, 3 green)")
    )
    assert "Traceback" not in result.stderr


def test_plan_register_json_matches_contract(tmp_path: Path) -> None:
    # Run from an unrelated directory: riskbot must find its schemas itself.
    result = run("check", "--root", str(REGISTER), "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    jsonschema.validate(doc, CONTRACT)
    assert doc["ok"] is True
    assert [(r["id"], r["score"], r["band"]) for r in doc["risks"]][:3] == [
        ("R-002", 20, "red"),
        ("R-001", 16, "red"),
        ("R-003", 15, "red"),
    ]
    assert {f["severity"] for f in doc["findings"]} == {"warning"}
    assert {e["rule"] for e in doc["escalations"]} == {"new_red", "same_level", "schedule_impact"}


def test_broken_copy_exits_1_with_lines(tmp_path: Path) -> None:
    root = copy_register(tmp_path)
    typo = risk_yaml("R-100").replace("owner:", "ownr:")
    write_risk(root, "R-100-typo.yaml", typo)
    write_risk(root, "R-101-syntax.yaml", "id: R-101\ntitle: [oops\n")
    result = run("check", "--root", str(root), "--format", "json")
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    jsonschema.validate(doc, CONTRACT)
    assert doc["ok"] is False
    lines = {(f["file"], f["line"]) for f in doc["findings"] if f["severity"] == "error"}
    assert ("risks/R-100-typo.yaml", line_of(typo, "ownr:")) in lines
    assert any(f == "risks/R-101-syntax.yaml" for f, _ in lines)
    assert len(doc["risks"]) == 10  # every other file still checked
    text = run("check", "--root", str(root))
    assert text.returncode == 1
    assert (
        f"risks/R-100-typo.yaml:{line_of(typo, 'ownr:')}:1: error[unknown-key] unknown key 'ownr'"
        in text.stdout
    )
    assert "Traceback" not in text.stdout + text.stderr


@pytest.mark.parametrize(
    "raw", [b"\xff\xfe\x00", b"a: &a [*a]\n", b"!!python/object:os.system x\n"]
)
def test_hostile_input_never_crashes(tmp_path: Path, raw: bytes) -> None:
    root = copy_register(tmp_path)
    write_risk(root, "R-100-x.yaml", raw)
    result = run("check", "--root", str(root))
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert re.search(r"^risks/R-100-x\.yaml:1(:\d+)?: error\[[a-z-]+\] ", result.stdout, re.M)


def test_github_format_caps_annotations(tmp_path: Path) -> None:
    root = copy_register(tmp_path)
    for n in range(12):
        write_risk(root, f"R-1{n:02d}-x.yaml", risk_yaml(f"R-1{n:02d}", phase="v9"))
    summary = tmp_path / "summary.md"
    outputs = tmp_path / "outputs"
    result = run(
        "check",
        "--root",
        str(root),
        "--format",
        "github",
        env={
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_ACTIONS": "true",
            "GITHUB_OUTPUT": str(outputs),
        },
    )
    assert result.returncode == 1
    errors = [ln for ln in result.stdout.splitlines() if ln.startswith("::error ")]
    warnings = [ln for ln in result.stdout.splitlines() if ln.startswith("::warning ")]
    assert len(errors) == 10
    assert len(warnings) == 6
    assert "::notice::2 more findings" in result.stdout
    assert errors[0].startswith("::error file=risks/R-100-x.yaml,line=")
    text = summary.read_text(encoding="utf-8")
    assert "### 2 more findings" in text
    assert "Impact × probability" in text
    assert "::stop-commands::" in result.stdout
    written = outputs.read_text(encoding="utf-8")
    assert "ok<<ghadelimiter_" in written
    assert "\nfalse\n" in written


def test_check_does_not_import_pygithub() -> None:
    # A fresh interpreter: only there does sys.modules show what `check` alone imports.
    code = (
        "import sys, runpy; sys.argv=['riskbot','check','--root',sys.argv[1]];\n"
        "from bot import cli\n"
        "try:\n    cli.cli.main(prog_name='riskbot', standalone_mode=False)\n"
        "except SystemExit: pass\n"
        "print('github' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(REGISTER)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr


def test_bad_usage_exits_2(tmp_path: Path) -> None:
    assert run("check", "--root", str(tmp_path / "missing")).returncode == 2
    assert run("check", "--today", "yesterday", "--root", str(REGISTER)).returncode == 2
    assert run("check", "--format", "xml").returncode == 2
