"""`riskbot review` edits exactly the lines it should; every other byte stays as it was."""

from __future__ import annotations

import difflib
import json
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.documents.review import ReviewError, record_review
from tests.cli import RISKBOT
from tests.factories import RISKS, copy_register


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    removed, added = [], []
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0):
        if line.startswith("-") and not line.startswith("---"):
            removed.append(line[1:])
        elif line.startswith("+") and not line.startswith("+++"):
            added.append(line[1:])
    return removed, added


@pytest.mark.parametrize("path", sorted(RISKS.glob("*.yaml")), ids=lambda p: p.name[:5])
def test_first_review_adds_one_line_to_each_plan_risk(path: Path) -> None:
    before = path.read_text(encoding="utf-8")
    after = record_review(before, "2026-11-27")
    removed, added = changed_lines(before, after)
    assert removed == []
    assert added == ['  last_reviewed: "2026-11-27"']
    assert yaml.safe_load(after)["review"]["last_reviewed"] == "2026-11-27"


def test_second_review_changes_one_line_and_keeps_comments() -> None:
    before = (
        "# yaml-language-server: $schema=../schema/risk.schema.json\nid: R-001\n"
        "review:\n  cadence: weekly   # agreed with the DB team\n"
        '  last_reviewed: "2026-11-01"  # kept comment\nstatus: {state: active}\n'
    )
    after = record_review(before, "2026-11-27")
    assert after == before.replace("2026-11-01", "2026-11-27")


def test_note_appends_to_the_log() -> None:
    before = (
        'id: R-001\nreview:\n  last_reviewed: "2026-11-01"\n  log:\n'
        '    - date: "2026-11-01"\n      note: first\nowner: QA Lead\n'
    )
    after = record_review(before, "2026-11-27", note='Looked: "fine" #ok', by="alice")
    removed, added = changed_lines(before, after)
    assert removed == ['  last_reviewed: "2026-11-01"']
    assert added == [
        '  last_reviewed: "2026-11-27"',
        '    - date: "2026-11-27"',
        '      by: "alice"',
        '      note: "Looked: \\"fine\\" #ok"',
    ]
    data = yaml.safe_load(after)
    assert data["review"]["log"][-1] == {
        "date": "2026-11-27",
        "by": "alice",
        "note": 'Looked: "fine" #ok',
    }
    assert data["owner"] == "QA Lead"


def test_no_review_section_is_appended() -> None:
    before = "id: R-001\nowner: QA Lead"
    after = record_review(before, "2026-11-27", note="n")
    assert after.startswith(before + "\n")
    assert yaml.safe_load(after)["review"] == {
        "last_reviewed": "2026-11-27",
        "log": [{"date": "2026-11-27", "note": "n"}],
    }


def test_flow_style_review_is_refused_not_mangled() -> None:
    with pytest.raises(ReviewError):
        record_review("id: R-1\nreview: {cadence: weekly}\n", "2026-11-27")


def test_cli_review_then_check_passes(tmp_path: Path) -> None:
    root = copy_register(tmp_path)
    path = root / "risks" / "R-002-agent-unpredictability.yaml"
    before = path.read_bytes()
    done = subprocess.run(
        [
            RISKBOT,
            "review",
            "R-002",
            "--root",
            str(root),
            "--date",
            "2026-11-27",
            "--note",
            "Agents paused in staging",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    after = path.read_bytes()
    removed, added = changed_lines(before.decode(), after.decode())
    assert removed == []
    assert len(added) == 4  # last_reviewed, log:, - date:, note:
    check = subprocess.run(
        [RISKBOT, "check", "--root", str(root), "--today", "2026-11-27", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    risk = next(r for r in json.loads(check.stdout)["risks"] if r["id"] == "R-002")
    assert risk["next_review"] == "2026-11-28"
    missing = subprocess.run(
        [RISKBOT, "review", "R-099", "--root", str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 1
    assert "no single file for R-099" in missing.stderr
