"""`riskbot review` edits exactly the lines it should; every other byte stays as it was."""

from __future__ import annotations

import datetime as dt
import difflib
import json
from pathlib import Path

import pytest
import yaml

from bot.documents.review import ReviewError, record_review
from bot.register import clock
from tests.cli import Result, run_riskbot
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


def test_flow_style_review_is_edited_within_its_line() -> None:
    before = (
        'id: R-001\nreview: {cadence: weekly, last_reviewed: "2026-11-20"}  # kept\n'
        "owner: QA Lead\n"
    )
    after = record_review(before, "2026-11-27")
    assert after == before.replace("2026-11-20", "2026-11-27")
    noted = record_review(before, "2026-11-27", note="fine", by="@alice")
    removed, added = changed_lines(before, noted)
    assert removed == ['review: {cadence: weekly, last_reviewed: "2026-11-20"}  # kept']
    assert added == [
        'review: {cadence: weekly, last_reviewed: "2026-11-27", '
        'log: [{date: "2026-11-27", by: "@alice", note: "fine"}]}  # kept'
    ]
    assert yaml.safe_load(noted)["review"]["log"] == [
        {"date": "2026-11-27", "by": "@alice", "note": "fine"}
    ]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("review: {cadence: weekly}\n", 'review: {cadence: weekly, last_reviewed: "2026-11-27"}\n'),
        ("review: {}\n", 'review: {last_reviewed: "2026-11-27"}\n'),
        ("review: {last_reviewed: 2026-11-01}\n", "review: {last_reviewed: 2026-11-27}\n"),
        ("review: {last_reviewed: '2026-11-01'}\n", "review: {last_reviewed: '2026-11-27'}\n"),
        ("review:\nowner: x\n", 'review: {last_reviewed: "2026-11-27"}\nowner: x\n'),
    ],
)
def test_each_flow_shape_keeps_its_style(before: str, after: str) -> None:
    assert record_review("id: R-001\n" + before, "2026-11-27") == "id: R-001\n" + after


def test_a_flow_log_is_appended_to_in_flow_style() -> None:
    before = 'id: R-001\nreview:\n  last_reviewed: "2026-11-01"\n  log: [{date: "2026-11-01"}]\n'
    after = record_review(before, "2026-11-27", note="n")
    assert after.endswith('  log: [{date: "2026-11-01"}, {date: "2026-11-27", note: "n"}]\n')


def test_a_bom_and_crlf_file_keeps_both_and_changes_one_line() -> None:
    lines = ["id: R-001", "review:", '  last_reviewed: "2026-11-01"', "owner: QA Lead", ""]
    before = "\ufeff" + "\r\n".join(lines)
    after = record_review(before, "2026-11-27")
    assert after == before.replace("2026-11-01", "2026-11-27")
    flow = "\ufeffid: R-001\r\nreview: {cadence: weekly}\r\nowner: QA Lead\r\n"
    noted = record_review(flow, "2026-11-27", note="n")
    assert noted.startswith("\ufeff")
    assert noted.count("\r\n") == noted.count("\n") == 3
    block = "\ufeffid: R-001\r\nreview:\r\n  cadence: weekly\r\nowner: QA Lead\r\n"
    noted = record_review(block, "2026-11-27", note="n")
    assert noted.count("\r\n") == noted.count("\n") == 8
    assert yaml.safe_load(noted.lstrip("\ufeff"))["review"]["log"] == [
        {"date": "2026-11-27", "note": "n"}
    ]


def test_a_file_it_cannot_edit_safely_is_refused_not_mangled() -> None:
    with pytest.raises(ReviewError):
        record_review("id: R-1\nreview: [weekly]\n", "2026-11-27")
    with pytest.raises(ReviewError):
        record_review("{id: R-1}\n", "2026-11-27")


def test_cli_review_then_check_passes(tmp_path: Path) -> None:
    root = copy_register(tmp_path)
    path = root / "risks" / "R-002-agent-unpredictability.yaml"
    before = path.read_bytes()
    done = run_riskbot(
        "review", "R-002", "--root", str(root), "--date", "2026-11-27", "--note",
        "Agents paused in staging",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    after = path.read_bytes()
    removed, added = changed_lines(before.decode(), after.decode())
    assert removed == []
    assert len(added) == 4  # last_reviewed, log:, - date:, note:
    check = run_riskbot("check", "--root", str(root), "--today", "2026-11-27", "--format", "json")
    risk = next(r for r in json.loads(check.stdout)["risks"] if r["id"] == "R-002")
    assert risk["next_review"] == "2026-11-28"
    missing = run_riskbot("review", "R-099", "--root", str(root))
    assert missing.returncode == 1
    assert "no single file for R-099" in missing.stderr


def review_cli(root: Path, *args: str) -> Result:
    return run_riskbot("review", "--root", str(root), *args)


def test_cli_review_of_a_bom_crlf_flow_file_changes_one_line_and_check_accepts(
    tmp_path: Path,
) -> None:
    root = copy_register(tmp_path)
    path = root / "risks" / "R-002-agent-unpredictability.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "review:\n  cadence: bi-weekly\n",
        'review: {cadence: bi-weekly, last_reviewed: "2026-11-01"}\n',
    )
    assert "last_reviewed" in text
    before = b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8")
    path.write_bytes(before)
    done = review_cli(root, "R-002", "--date", "2026-11-27")
    assert done.returncode == 0, done.stderr
    after = path.read_bytes()
    assert after == before.replace(b"2026-11-01", b"2026-11-27")
    check = run_riskbot("check", "--root", str(root), "--today", "2026-11-27", "--format", "json")
    risk = next(r for r in json.loads(check.stdout)["risks"] if r["id"] == "R-002")
    assert risk["last_reviewed"] == "2026-11-27"


def test_cli_review_refuses_a_future_date(tmp_path: Path) -> None:
    root = copy_register(tmp_path)
    path = root / "risks" / "R-001-postgresql-migration.yaml"
    before = path.read_bytes()
    tomorrow = (clock.today() + dt.timedelta(days=1)).isoformat()
    done = review_cli(root, "R-001", "--date", tomorrow)
    assert done.returncode == 1
    assert f"review date {tomorrow} is in the future" in done.stderr
    assert path.read_bytes() == before


def test_cli_review_warns_when_the_date_moves_back_and_writes_it(tmp_path: Path) -> None:
    root = copy_register(tmp_path)
    path = root / "risks" / "R-001-postgresql-migration.yaml"
    assert review_cli(root, "R-001", "--date", "2026-11-20").returncode == 0
    done = review_cli(root, "R-001", "--date", "2026-11-01")
    assert done.returncode == 0
    assert "last_reviewed moves back from 2026-11-20 to 2026-11-01" in done.stderr
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["review"]["last_reviewed"] == (
        "2026-11-01"
    )
    later = review_cli(root, "R-001", "--date", "2026-11-02")
    assert "moves back" not in later.stderr


def test_cli_review_never_writes_through_a_symlink(tmp_path: Path) -> None:
    root = copy_register(tmp_path / "register")
    outside = tmp_path / "outside.yaml"
    link = root / "risks" / "R-001-postgresql-migration.yaml"
    outside.write_bytes(link.read_bytes())
    link.unlink()
    link.symlink_to(outside)
    before = outside.read_bytes()
    done = review_cli(root, "R-001", "--date", "2026-11-20")
    assert done.returncode == 1
    assert "symbolic link" in done.stderr
    assert outside.read_bytes() == before


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            "review: {cadence: weekly, log: []}\n",
            'review: {cadence: weekly, log: [{date: "2026-11-27", note: "n"}], '
            'last_reviewed: "2026-11-27"}\n',
        ),
        (
            "review: {log: ~}\n",
            'review: {log: [{date: "2026-11-27", note: "n"}], last_reviewed: "2026-11-27"}\n',
        ),
        (
            "review:\n  cadence: weekly\n  log:\nowner: x\n",
            'review:\n  last_reviewed: "2026-11-27"\n  cadence: weekly\n  log:\n'
            '    - date: "2026-11-27"\n      note: "n"\nowner: x\n',
        ),
        (
            "review:\n  log: ~\n",
            'review:\n  last_reviewed: "2026-11-27"\n  log: [{date: "2026-11-27", note: "n"}]\n',
        ),
        (
            'review:\n  log:\n  - date: "2026-01-01"\n  cadence: weekly\n',
            'review:\n  last_reviewed: "2026-11-27"\n  log:\n  - date: "2026-01-01"\n'
            '  - date: "2026-11-27"\n    note: "n"\n  cadence: weekly\n',
        ),
    ],
)
def test_every_shape_of_log_gets_the_entry_in_its_own_style(before: str, after: str) -> None:
    assert record_review("id: R-001\n" + before, "2026-11-27", note="n") == "id: R-001\n" + after


@pytest.mark.parametrize(
    "review",
    [
        "review: {last_reviewed: [2026]}\n",
        "review:\n  last_reviewed: [2026]\n",
        "review: {log: nope}\n",
        "review:\n  log: nope\n",
    ],
)
def test_a_shape_it_cannot_edit_is_refused(review: str) -> None:
    with pytest.raises(ReviewError):
        record_review("id: R-001\n" + review, "2026-11-27", note="n")
