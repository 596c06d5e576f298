"""`riskbot remind` with Actions variables, on the local server."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.reconcile.markers import read as marker_fields
from bot.register import clock
from tests.cli import Result, run_riskbot
from tests.factories import copy_register
from tests.fakegithub.server import FakeGitHub


def remind(server: FakeGitHub, root: Path, today: str, command: str = "remind") -> Result:
    env = {
        "GITHUB_TOKEN": server.token or "",
        "GITHUB_REPOSITORY": server.repo,
        "GITHUB_API_URL": server.url,
        "GITHUB_STEP_SUMMARY": str(root / "summary.md"),
    }
    return run_riskbot(
        command, "--root", str(root), "--today", today, "--write-interval", "0", env=env
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


def reviewed(root: Path, risk_id: str, day: dt.date) -> None:
    path = next((root / "risks").glob(f"{risk_id}-*.yaml"))
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("review:\n", f'review:\n  last_reviewed: "{day.isoformat()}"\n', 1), "utf-8"
    )


def test_a_today_ahead_of_githubs_clock_posts_nothing_twice(
    github_server: FakeGitHub, tmp_path: Path
) -> None:
    """`--today` two days ahead of the clock GitHub stamps comments with: what the first run
    posted is found and counted by its markers, so the second run writes nothing, even for a
    risk whose review was re-dated in between (reminded today already: not again today)."""
    root = copy_register(tmp_path)
    ahead = clock.today() + dt.timedelta(days=2)
    assert github_server.clock.now().date() == clock.today()  # GitHub's clock: the real one
    synced = remind(github_server, root, ahead.isoformat(), command="sync")
    assert synced.returncode == 0, synced.stderr
    first = remind(github_server, root, ahead.isoformat())
    assert first.returncode == 0, first.stderr
    posted = [
        (marker_fields(c.body) or {}).get("id", "") for c in github_server.state.comments.values()
    ]
    assert sum(p.startswith("review/R-00") for p in posted) == 3  # the three Red risks
    assert sum(p.startswith("reviews/") for p in posted) == 1  # and one digest
    github_server.reset_log()
    second = remind(github_server, root, ahead.isoformat())
    assert second.returncode == 0, second.stderr
    assert github_server.writes() == []
    reviewed(root, "R-001", ahead - dt.timedelta(days=1))  # due again today: a new reminder key
    third = remind(github_server, root, ahead.isoformat())
    assert third.returncode == 0, third.stderr
    assert github_server.writes() == []  # R-001 was reminded today already
