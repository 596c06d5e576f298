"""sync against the local server: a risk whose file has errors is left alone (and the run says
so), and a closing Red issue's title follows the risk's score."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.factories import copy_register, risk_yaml, set_levels, write_risk
from tests.fakegithub.server import FakeGitHub
from tests.github.test_sync import red_issues, sync, world


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_register(tmp_path)


def declare_score(root: Path, risk_id: str, score: int) -> None:
    """Add a declared score to a risk file (set_levels drops it): wrong unless it is right."""
    path = next((root / "risks").glob(f"{risk_id}-*.yaml"))
    path.write_text(path.read_text(encoding="utf-8") + f"score: {score}\n", encoding="utf-8")


def test_risks_whose_files_have_errors_are_left_alone(
    github_server: FakeGitHub, root: Path
) -> None:
    sync(github_server, root)
    before = world(github_server)
    set_levels(root, "R-001", 5, 4)  # 16 -> 20: would edit the issue and comment (score up)
    declare_score(root, "R-001", 16)  # ... but the file now has an error
    set_levels(root, "R-003", 5, 2)  # 15 -> 10: would close the issue
    declare_score(root, "R-003", 15)
    path = next((root / "risks").glob("R-002-*.yaml"))
    path.write_text(path.read_text(encoding="utf-8").replace("owner:", "ownr:"), "utf-8")
    write_risk(
        root,
        "R-011-new.yaml",
        risk_yaml("R-011", impact={"level": 5}, probability={"level": 5}, score=20),
    )  # a new Red risk, but with a wrong declared score: no issue yet
    github_server.reset_log()
    stats = sync(github_server, root)
    assert github_server.writes() == []
    assert world(github_server) == before
    assert not stats.complete
    assert stats.exit_code == 1
    held = "\n".join(stats.undone)
    for rid in ("R-001", "R-002", "R-003", "R-011"):
        assert f"{rid}: not synced while risks/{rid}-" in held
    # Fixed, the file is synced again.
    set_levels(root, "R-001", 5, 4)
    assert sync(github_server, root).writes > 0
    assert red_issues(github_server)["R-001"].title.endswith("(score 20)")


def test_the_summary_says_what_was_held_back(github_server: FakeGitHub, root: Path) -> None:
    from bot.github.api import Limits
    from bot.github.commands import run_sync
    from tests.factories import register_of
    from tests.github.helpers import settings_for
    from tests.github.test_sync import TODAY

    declare_score(root, "R-001", 12)
    err = io.StringIO()
    run_sync(
        register_of(root, TODAY),
        root,
        settings_for(github_server),
        limits=Limits(write_interval=0),
        stderr=err,
    )
    assert "INCOMPLETE" in err.getvalue()
    assert (
        "left undone: R-001: not synced while "
        "risks/R-001-postgresql-migration.yaml has errors (see riskbot check)" in err.getvalue()
    )
    assert "red-issue/R-001" not in "\n".join(red_issues(github_server))


def test_a_closed_red_issue_title_follows_the_score(github_server: FakeGitHub, root: Path) -> None:
    sync(github_server, root)
    issues = red_issues(github_server)
    assert issues["R-002"].title == "R-002: Autonomous Agent Unpredictability (score 20)"
    set_levels(root, "R-002", 2, 4)  # 8: Yellow
    set_levels(root, "R-003", 5, 3, status={"state": "closed", "note": "Mitigated"})
    next((root / "risks").glob("R-001-*.yaml")).unlink()
    sync(github_server, root)
    titles = {rid: github_server.state.issues[i.number].title for rid, i in issues.items()}
    assert titles == {
        "R-001": "R-001: PostgreSQL Migration Complexity (removed)",
        "R-002": "R-002: Autonomous Agent Unpredictability (score 8, no longer Red)",
        "R-003": "R-003: Federated Network Byzantine Failure (score 15, closed)",
    }
    github_server.reset_log()
    assert sync(github_server, root).writes == 0  # the new titles are stable
    set_levels(root, "R-002", 2, 3)  # 6: still not Red, the closed issue's title follows
    github_server.reset_log()
    assert sync(github_server, root).writes == 1
    assert github_server.state.issues[issues["R-002"].number].title == (
        "R-002: Autonomous Agent Unpredictability (score 6, no longer Red)"
    )
    set_levels(root, "R-002", 5, 4)  # back to Red: the same issue, its Red title again
    sync(github_server, root)
    reopened = github_server.state.issues[issues["R-002"].number]
    assert (reopened.state, reopened.title) == (
        "open",
        "R-002: Autonomous Agent Unpredictability (score 20)",
    )
