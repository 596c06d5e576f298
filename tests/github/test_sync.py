"""`riskbot sync` through the real client against the local GitHub server."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import pytest

from bot.github.api import Limits
from bot.github.commands import run_remind, run_sync
from bot.render.markdown import parse_marker
from bot.render.summary import Stats
from tests.factories import (
    copy_register,
    register_of,
    risk_yaml,
    set_levels,
    write_many_risks,
    write_risk,
)
from tests.fakegithub.server import FakeGitHub, Fault
from tests.github.helpers import settings_for

TODAY = dt.date(2026, 11, 27)


def sync(server: FakeGitHub, root: Path, *, budget: int = 1000) -> Stats:
    register = register_of(root, TODAY)
    return run_sync(
        register,
        root,
        settings_for(server),
        budget=budget,
        limits=Limits(write_interval=0),
        stderr=io.StringIO(),
        sleep=lambda s: None,
    )


def remind(server: FakeGitHub, root: Path) -> Stats:
    register = register_of(root, TODAY)
    stats, _ = run_remind(
        register,
        settings_for(server),
        TODAY,
        budget=1000,
        limits=Limits(write_interval=0),
        stderr=io.StringIO(),
        sleep=lambda s: None,
    )
    return stats


def red_issues(server: FakeGitHub) -> dict[str, Any]:
    out = {}
    for issue in server.state.issues.values():
        fields = parse_marker(issue.body or "")
        if fields and fields["id"].startswith("red-issue/"):
            out[fields["id"].split("/")[1]] = issue
    return out


def comment_ids(server: FakeGitHub, number: int) -> list[str]:
    return [parse_marker(c.body)["id"] for c in server.state.comments_on(number)]  # type: ignore[index]


def world(server: FakeGitHub) -> list[tuple[Any, ...]]:
    """Everything visible on the server, for comparing end states."""
    out = []
    for issue in sorted(server.state.issues.values(), key=lambda i: i.number):
        out.append(
            (
                issue.title,
                issue.body,
                issue.state,
                issue.state_reason,
                tuple(sorted(issue.label_names)),
                tuple(sorted(issue.assignee_logins)),
                tuple(c.body for c in server.state.comments_on(issue.number)),
            )
        )
    return out


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_register(tmp_path)


def test_plan_register_gives_three_issues_then_rerun_writes_nothing(
    github_server: FakeGitHub, root: Path
) -> None:
    stats = sync(github_server, root)
    assert stats.complete
    issues = red_issues(github_server)
    assert sorted(issues) == ["R-001", "R-002", "R-003"]
    r1 = issues["R-001"]
    assert r1.title == "R-001: PostgreSQL Migration Complexity (score 16)"
    assert set(r1.label_names) == {"risk", "risk:red", "category:technical"}
    assert "**16** = impact 4 (Major" in r1.body
    assert "- [ ] Rollback plan prepared and tested" in r1.body
    assert "next review due 2024-11-17" in r1.body
    assert "60% complete" in r1.body
    assert "risks/R-001-postgresql-migration.yaml" in r1.body
    for issue in issues.values():
        assert comment_ids(github_server, issue.number) == [f"red/{issue.title[:5]}/round-1"]
    labels = {label.name: label for label in github_server.state.labels.values()}
    assert labels["risk:red"].color == "b60205"
    assert labels["risk:red"].description
    github_server.reset_log()
    again = sync(github_server, root)
    assert again.writes == 0
    assert github_server.writes() == []


def test_new_red_risk_gets_its_issue_and_one_escalation(
    github_server: FakeGitHub, root: Path
) -> None:
    sync(github_server, root)
    before = world(github_server)
    set_levels(root, "R-004", 4, 4)
    github_server.reset_log()
    sync(github_server, root)
    issues = red_issues(github_server)
    assert sorted(issues) == ["R-001", "R-002", "R-003", "R-004"]
    r4 = issues["R-004"]
    assert r4.title.endswith("(score 16)")
    comments = github_server.state.comments_on(r4.number)
    assert len(comments) == 1
    assert "New Red risk: immediate escalation" in comments[0].body
    assert world(github_server)[: len(before)] == before  # the others untouched
    assert len(github_server.writes()) == 2  # create, comment
    github_server.reset_log()
    assert sync(github_server, root).writes == 0


def test_leaving_red_closes_and_returning_reopens_the_same_issue(
    github_server: FakeGitHub, root: Path
) -> None:
    sync(github_server, root)
    number = red_issues(github_server)["R-002"].number
    set_levels(root, "R-002", 3, 4)  # 12: Yellow
    sync(github_server, root)
    issue = github_server.state.issues[number]
    assert issue.state == "closed"
    assert issue.state_reason == "completed"
    assert "risk:red" not in issue.label_names
    last = github_server.state.comments_on(number)[-1].body
    assert "no longer Red" in last
    assert "**12**" in last
    assert "Yellow" in last
    github_server.reset_log()
    assert sync(github_server, root).writes == 0
    set_levels(root, "R-002", 5, 4)
    sync(github_server, root)
    assert red_issues(github_server)["R-002"].number == number
    assert github_server.state.issues[number].state == "open"
    assert "risk:red" in github_server.state.issues[number].label_names
    assert comment_ids(github_server, number) == [
        "red/R-002/round-1",
        "left-red/R-002/round-1",
        "red/R-002/round-2",
    ]
    assert len([i for i in github_server.state.issues.values() if "R-002" in i.title]) == 1
    github_server.reset_log()
    assert sync(github_server, root).writes == 0


def test_removed_and_closed_risks(github_server: FakeGitHub, root: Path) -> None:
    sync(github_server, root)
    issues = red_issues(github_server)
    next((root / "risks").glob("R-001-*.yaml")).unlink()
    set_levels(root, "R-003", 5, 3, status={"state": "closed", "note": "Mitigated"})
    sync(github_server, root)
    removed = github_server.state.issues[issues["R-001"].number]
    assert (removed.state, removed.state_reason) == ("closed", "not_planned")
    assert "removed from the register" in github_server.state.comments_on(removed.number)[-1].body
    closed = github_server.state.issues[issues["R-003"].number]
    assert (closed.state, closed.state_reason) == ("closed", "completed")


def test_broken_file_is_not_taken_for_a_removed_risk(github_server: FakeGitHub, root: Path) -> None:
    sync(github_server, root)
    path = next((root / "risks").glob("R-001-*.yaml"))
    path.write_text("id: R-001\ntitle: [broken\n", encoding="utf-8")
    github_server.reset_log()
    sync(github_server, root)
    assert red_issues(github_server)["R-001"].state == "open"
    assert github_server.writes() == []


def test_score_up_by_five_adds_team_lead_review(github_server: FakeGitHub, root: Path) -> None:
    sync(github_server, root)
    number = red_issues(github_server)["R-003"].number
    set_levels(root, "R-003", 5, 4)  # 15 -> 20
    sync(github_server, root)
    ids = comment_ids(github_server, number)
    assert ids == ["red/R-003/round-1", "score-up/R-003/15-20"]
    assert "team lead review" in github_server.state.comments_on(number)[-1].body
    assert github_server.state.issues[number].title.endswith("(score 20)")
    github_server.reset_log()
    assert sync(github_server, root).writes == 0


def test_small_rise_edits_body_without_comment(github_server: FakeGitHub, root: Path) -> None:
    sync(github_server, root)
    number = red_issues(github_server)["R-001"].number
    set_levels(root, "R-001", 4, 5)  # 16 -> 20: +4
    github_server.reset_log()
    sync(github_server, root)
    assert [w.method for w in github_server.writes()] == ["PATCH"]
    assert len(github_server.state.comments_on(number)) == 1


def test_owner_logins_assigned_when_assignable_and_reported_otherwise(
    github_server: FakeGitHub, root: Path
) -> None:
    policy = root / ".github" / "riskbot.yml"
    text = policy.read_text(encoding="utf-8")
    text = re.sub(r"(id: db-lead\n(?:.*\n)*?\s+logins: )\[\]", r"\1[alice, bob]", text, count=1)
    policy.write_text(text, encoding="utf-8")
    github_server.set_assignable(["alice"])
    sync(github_server, root)
    r1 = red_issues(github_server)["R-001"]
    assert r1.assignee_logins == ["alice"]
    assert "Not assigned (not assignable in this repository): `bob`" in r1.body
    # The body names the owner without pinging; the one escalation comment pings.
    assert "@alice" not in re.sub(r"`[^`]*`", "", r1.body)
    escalation = github_server.state.comments_on(r1.number)[0].body
    assert "@alice" in escalation
    assert "@bob" in escalation


def test_human_issues_are_never_touched(github_server: FakeGitHub, root: Path) -> None:
    human = github_server.add_issue("R-001 is scary", "Let's talk", labels=["risk"], user="alice")
    sync(github_server, root)
    sync(github_server, root)
    assert github_server.state.issues[human.number].body == "Let's talk"
    assert github_server.state.comments_on(human.number) == []


def test_risk_text_cannot_ping_or_inject(github_server: FakeGitHub, root: Path) -> None:
    write_risk(
        root,
        "R-011-evil.yaml",
        risk_yaml(
            "R-011",
            title="@everyone | <img src=x>",
            impact={"level": 5},
            probability={"level": 5},
            description="ping @octocat and #1 <script>x</script>",
        ),
    )
    sync(github_server, root)
    body = red_issues(github_server)["R-011"].body
    assert "@everyone" not in body
    assert "@octocat" not in body
    assert "<img" not in body
    assert "<script>" not in body


def _reference(server: FakeGitHub, root: Path) -> list[tuple[Any, ...]]:
    sync(server, root)
    set_levels(root, "R-004", 4, 4)
    set_levels(root, "R-002", 3, 4)
    sync(server, root)
    return world(server)


@pytest.mark.parametrize("k", [1, 2, 3, 5, 8])
def test_crash_after_k_writes_then_rerun_reaches_the_same_state(
    github_server: FakeGitHub, root: Path, tmp_path_factory: pytest.TempPathFactory, k: int
) -> None:
    reference_root = copy_register(tmp_path_factory.mktemp("ref"))
    expected = _reference(github_server, reference_root)
    github_server.reset()
    sync(github_server, root)
    set_levels(root, "R-004", 4, 4)
    set_levels(root, "R-002", 3, 4)
    partial = sync(github_server, root, budget=k)
    assert not partial.complete or partial.writes <= k
    final = sync(github_server, root)
    assert final.complete
    assert world(github_server) == expected
    github_server.reset_log()
    assert sync(github_server, root).writes == 0


def test_lost_answer_mid_run_then_rerun(
    github_server: FakeGitHub, root: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    expected_root = copy_register(tmp_path_factory.mktemp("ref"))
    sync(github_server, expected_root)
    expected = world(github_server)
    github_server.reset()
    github_server.inject(Fault.server_error(502, method="POST", nth=5, after_write=True))
    github_server.inject(Fault.server_error(500, method="POST", nth=7))
    sync(github_server, root)
    sync(github_server, root)
    # The create that failed is made by the rerun (never twice in one run): a later number.
    assert sorted(world(github_server)) == sorted(expected)


def test_thousand_risks_hundred_red_reads_stay_few_pages(
    github_server: FakeGitHub, tmp_path: Path
) -> None:
    root = copy_register(tmp_path)
    write_many_risks(root, 1000, stem="x")
    first = sync(github_server, root, budget=10_000)
    assert first.complete
    assert len(red_issues(github_server)) == 100
    github_server.reset_log()
    rerun = sync(github_server, root)
    assert rerun.writes == 0
    assert github_server.writes() == []
    assert len(github_server.reads()) <= 4
    assert rerun.reads == len(github_server.reads())
    # Every review is due (none was ever recorded): one reminder on each of the 100 Red issues,
    # the review label, the quarter's issue, the reviews issue and its digest. The reminders
    # already posted come from one listing of the repository's recent comments, 100 a page,
    # not from one read per Red issue.
    for attempt in ("first run", "rerun"):
        github_server.reset_log()
        reminded = remind(github_server, root)
        assert reminded.complete, attempt
        assert reminded.writes == (104 if attempt == "first run" else 0), attempt
        assert reminded.reads == len(github_server.reads()) <= 15, attempt
        assert github_server.reads(r".*/issues/[0-9]+/comments") == [], attempt
