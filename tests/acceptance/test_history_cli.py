"""`riskbot history` and `riskbot report` on a register with a scripted git year."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.cli import run_riskbot as run
from tests.factories import GIT_IDENTITY, commit_at, copy_register, git
from tests.mermaid import assert_charts_parse


@pytest.fixture
def built(scripted_repository: tuple[Path, dict[str, Any]]) -> tuple[Path, dict[str, Any]]:
    return scripted_repository


@pytest.fixture
def repo(built: tuple[Path, dict[str, Any]], tmp_path: Path) -> Path:
    """A fresh clone of the scripted repository, full history, for a test to change."""
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", f"file://{built[0]}", str(clone))
    return clone


def test_history_json_reproduces_the_scripted_scores(built: tuple[Path, dict[str, Any]]) -> None:
    root, expected = built
    result = run("history", "--root", str(root), "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["available"] is True
    trends = {r["id"]: [(p["date"], p["score"]) for p in r["trend"]] for r in data["risks"]}
    assert trends == {
        rid: [(day.isoformat(), score) for day, score in points] for rid, points in expected.items()
    }
    assert data["weeks"][0]["week"] == "2025-W02"
    assert {n["file"] for n in data["notes"]} == {".github/riskbot.yml", "risks/R-009-broken.yaml"}


def test_history_of_one_risk_since_a_day(built: tuple[Path, dict[str, Any]]) -> None:
    result = run("history", "R-001", "--since", "2025-06-01", "--root", str(built[0]))
    assert result.returncode == 0, result.stderr
    assert "R-001 Database migration" in result.stdout
    assert "2025-06-23" in result.stdout
    assert "2025-03-17" not in result.stdout
    assert "R-002" not in result.stdout
    markdown = run("history", "--format", "markdown", "--root", str(built[0]))
    assert markdown.returncode == 0
    assert_charts_parse(markdown.stdout)


def test_history_refuses_what_it_cannot_answer(
    built: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    unknown = run("history", "R-999", "--root", str(built[0]))
    assert unknown.returncode == 2
    assert "R-999 is not in the register's history" in unknown.stderr
    plain = run("history", "--root", str(copy_register(tmp_path / "plain")))
    assert plain.returncode == 2
    assert "no history: not a git repository" in plain.stderr
    bad_date = run("history", "--since", "May", "--root", str(built[0]))
    assert bad_date.returncode == 2


def test_report_shows_trends_and_the_changes_since_the_last_quarterly_review(repo: Path) -> None:
    written = run("report", "--root", str(repo))
    assert written.returncode == 0, written.stderr
    text = (repo / "RISKS.md").read_text(encoding="utf-8")
    assert (
        "**Trend**: 9 (2025-01-06) → 12 (2025-02-10) → 16 (2025-03-17) → 12 (2025-06-23) "
        "→ 6 (2025-12-16)"
    ) in text
    changed = text[text.index("### Changed since the last quarterly review") :]
    since = "Since 2025-10-01 (the start of the quarter of the newest commit, 2025-12-16):"
    assert since in changed
    assert "| 2025-10-20 | R-001 Database migration | band yellow → red |\n" in changed
    assert "| 2025-12-15 | R-003 Byzantine node | removed (was score 15, red) |\n" in changed
    assert "2025-09-15" not in changed
    assert "the policy did not load at 1 commit(s)" in text
    assert "1 risk file version(s) did not load (skipped)" in text
    assert_charts_parse(text, at_least=5)  # four releases' odds and the band trend
    assert run("report", "--root", str(repo), "--check").returncode == 0


def test_report_check_stays_exact_across_the_commits_that_follow(repo: Path) -> None:
    assert run("report", "--root", str(repo)).returncode == 0
    commit_at(repo, "RISKS.md", "2026-01-05T09:00:00+00:00", "bob")
    # RISKS.md's own commit is not a commit of the register: the report is still current.
    assert run("report", "--root", str(repo), "--check").returncode == 0
    risk = repo / "risks" / "R-001-database.yaml"
    risk.write_text(risk.read_text(encoding="utf-8").replace("level: 2", "level: 1"), "utf-8")
    noted = run("report", "--root", str(repo), "--output", "-")
    assert "differ from HEAD" in noted.stderr
    assert "the history ends with them as of today (UTC)" in noted.stderr
    commit_at(repo, "R-001 lower", "2026-01-06T09:00:00+00:00", "bob")
    stale = run("report", "--root", str(repo), "--check")
    assert stale.returncode == 1
    assert run("report", "--root", str(repo)).returncode == 0
    git(repo, "add", "RISKS.md")
    git(repo, "commit", "-q", "--amend", "--no-edit")  # amend keeps the author date
    fresh = run("report", "--root", str(repo), "--check")
    assert fresh.returncode == 0, fresh.stderr
    text = (repo / "RISKS.md").read_text(encoding="utf-8")
    assert "→ 6 (2025-12-16) → 3 (2026-01-06)" in text
    assert "Since 2026-01-01" in text


def test_without_git_the_report_says_no_history_and_check_compares_the_same(
    tmp_path: Path,
) -> None:
    root = copy_register(tmp_path)
    assert run("report", "--root", str(root)).returncode == 0
    text = (root / "RISKS.md").read_text(encoding="utf-8")
    assert "**Trend**: no history" in text
    assert "No history: the register is not read from the top of a git repository" in text
    assert run("report", "--root", str(root), "--check").returncode == 0


def test_a_shallow_clone_cannot_check_the_report(repo: Path, tmp_path: Path) -> None:
    assert run("report", "--root", str(repo)).returncode == 0
    commit_at(repo, "RISKS.md", "2026-01-05T09:00:00+00:00", "bob")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow))
    result = run("report", "--root", str(shallow), "--check")
    assert result.returncode == 2
    assert "shallow" in result.stderr
    assert "fetch-depth: 0" in result.stderr


def test_report_residual_heat_map(repo: Path) -> None:
    result = run("report", "--root", str(repo), "--residual", "--output", "-")
    assert result.returncode == 0, result.stderr
    assert "## 5. Heat map (residual impact × probability)" in result.stdout
    shutil.rmtree(repo / ".git")
    assert "**Trend**: no history" in run("report", "--root", str(repo), "--output", "-").stdout


def test_a_report_regenerated_with_its_change_and_committed_today_stays_current(
    repo: Path,
) -> None:
    """Edit a risk, regenerate RISKS.md, commit both at once: `report --check` passes, whoever
    commits (the author of a commit not yet made cannot be known, so the report names none)."""
    git(repo, "config", "user.name", "t")
    git(repo, "config", "user.email", "t@example.com")
    risk = repo / "risks" / "R-001-database.yaml"
    risk.write_text(risk.read_text(encoding="utf-8").replace("level: 2", "level: 1"), "utf-8")
    assert run("report", "--root", str(repo)).returncode == 0
    before = (repo / "RISKS.md").read_bytes()
    git(repo, "add", "-A")
    # Committed as someone else than git's configured user, as a web editor or a bot would.
    someone_else = {**os.environ, **GIT_IDENTITY, "GIT_AUTHOR_NAME": "Someone Else"}
    subprocess.run(
        ["git", "-C", str(repo), "commit", "-q", "-m", "R-001 lower, with its report"],
        env=someone_else,
        check=True,
    )
    assert git(repo, "log", "-1", "--format=%an") == "Someone Else"
    result = run("report", "--root", str(repo), "--check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert run("report", "--root", str(repo)).returncode == 0
    assert (repo / "RISKS.md").read_bytes() == before
