"""`riskbot remind` with Actions variables, on the local server."""

from __future__ import annotations

from pathlib import Path

from tests.cli import Result, run_riskbot
from tests.factories import copy_register
from tests.fakegithub.server import FakeGitHub


def remind(server: FakeGitHub, root: Path, today: str) -> Result:
    env = {
        "GITHUB_TOKEN": server.token or "",
        "GITHUB_REPOSITORY": server.repo,
        "GITHUB_API_URL": server.url,
        "GITHUB_STEP_SUMMARY": str(root / "summary.md"),
    }
    return run_riskbot(
        "remind", "--root", str(root), "--today", today, "--write-interval", "0", env=env
    )


def test_remind_posts_once_and_summarises(github_server: FakeGitHub, tmp_path: Path) -> None:
    root = copy_register(tmp_path)
    first = remind(github_server, root, "2026-11-27")
    assert first.returncode == 0, first.stderr
    assert "R-004 (Yellow) due 2024-11-17, overdue by 740 days" in first.stderr
    summary = (root / "summary.md").read_text(encoding="utf-8")
    assert "### Reminders for 2026-11-27" in summary
    assert "### riskbot remind" in summary
    titles = sorted(i.title for i in github_server.state.issues.values())
    assert titles == ["Quarterly risk review — 2026-Q4", "Risk reviews"]
    github_server.reset_log()
    second = remind(github_server, root, "2026-11-27")
    assert second.returncode == 0
    assert github_server.writes() == []
    assert "already reminded" in second.stderr


def test_bad_date_is_a_usage_error(github_server: FakeGitHub, tmp_path: Path) -> None:
    result = remind(github_server, copy_register(tmp_path), "27/11/2026")
    assert result.returncode == 2
    assert "YYYY-MM-DD" in result.stderr
