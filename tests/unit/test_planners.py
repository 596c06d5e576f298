"""The planners as pure functions of (register, snapshot): no server, no git, no subprocess."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path

import pytest

from bot.reconcile import markers
from bot.reconcile.comment import Payload, comment_needs, plan_comment
from bot.reconcile.plan import (
    Action,
    CommentState,
    EnsureComment,
    EnsureIssue,
    EnsureLabel,
    IssueState,
    Snapshot,
)
from bot.reconcile.remind import plan_remind, remind_needs
from bot.reconcile.sync import plan_sync, sync_needs
from bot.register.compare import compare
from bot.register.load import Register
from bot.render.markdown import parse_marker
from tests.factories import copy_register, register_of, risk_yaml, set_levels, write_risk

TODAY = dt.date(2026, 11, 27)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_register(tmp_path / "register")


def issue_state(
    ident: str,
    *,
    number: int | None = 1,
    state: str = "open",
    comments: int = 1,
    updated_at: str = "",
    **fields: str,
) -> IssueState:
    body = markers.render(ident, fields) + "\nBody\n"
    return IssueState(
        number=number,
        ident=ident,
        fields={"id": ident, **fields},
        title=ident,
        body=body,
        state=state,  # type: ignore[arg-type]
        state_reason=None,
        labels=("risk",),
        assignees=(),
        comments=comments,
        created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        updated_at=dt.datetime.fromisoformat(updated_at) if updated_at else None,
    )


def snapshot_of(*issues: IssueState) -> Snapshot:
    return Snapshot.from_issues(list(issues))


def idents(actions: Iterable[Action]) -> list[str]:
    return [a.name if isinstance(a, EnsureLabel) else a.ident for a in actions]


def test_sync_of_the_plan_register_from_nothing(root: Path) -> None:
    plan = plan_sync(register_of(root, TODAY), Snapshot())
    assert plan.skipped is None
    issues = [a for a in plan.actions if isinstance(a, EnsureIssue)]
    assert [i.ident for i in issues] == ["red-issue/R-001", "red-issue/R-002", "red-issue/R-003"]
    assert [i.fields for i in issues] == [
        {"score": "16", "round": "1"},
        {"score": "20", "round": "1"},
        {"score": "15", "round": "1"},
    ]
    names = idents(plan.actions)
    # Each new issue comes before its one escalation comment.
    for rid in ("R-001", "R-002", "R-003"):
        assert names.index(f"red/{rid}/round-1") == names.index(f"red-issue/{rid}") + 1
    assert {"risk", "risk:red"} <= {a.name for a in plan.actions if isinstance(a, EnsureLabel)}


def test_sync_rerun_plans_the_same_issues_and_no_comment(root: Path) -> None:
    register = register_of(root, TODAY)
    snapshot = snapshot_of(
        issue_state("red-issue/R-001", number=1, score="16", round="1"),
        issue_state("red-issue/R-002", number=2, score="20", round="1"),
        issue_state("red-issue/R-003", number=3, score="15", round="1"),
    )
    actions = plan_sync(register, snapshot).actions
    assert not [a for a in actions if isinstance(a, EnsureComment)]


def test_sync_score_up_and_leaving_red(root: Path) -> None:
    set_levels(root, "R-003", 5, 4)  # 15 -> 20
    set_levels(root, "R-001", 2, 2)  # 16 -> 4: no longer Red
    snapshot = snapshot_of(
        issue_state("red-issue/R-001", number=1, score="16", round="2"),
        issue_state("red-issue/R-003", number=3, score="15", round="1"),
    )
    actions = plan_sync(register_of(root, TODAY), snapshot).actions
    names = idents(actions)
    assert "score-up/R-003/15-20" in names
    assert names.index("left-red/R-001/round-2") < names.index("red-issue/R-001")
    closing = next(a for a in actions if isinstance(a, EnsureIssue) and a.ident.endswith("R-001"))
    assert (closing.state, closing.state_reason, closing.create) == ("closed", "completed", False)
    assert closing.fields == {"score": "16", "round": "2"}


def test_sync_removed_risk_but_not_a_broken_file(root: Path) -> None:
    snapshot = snapshot_of(issue_state("red-issue/R-001", score="16", round="1"))
    next((root / "risks").glob("R-001-*.yaml")).unlink()
    removed = plan_sync(register_of(root, TODAY), snapshot).actions
    closing = [a for a in removed if isinstance(a, EnsureIssue) and a.ident == "red-issue/R-001"]
    assert closing[0].state_reason == "not_planned"
    # A broken file that most likely holds R-001 (by its name) leaves R-001's issue alone...
    write_risk(root, "R-001-broken.yaml", "id: [\n")
    held = plan_sync(register_of(root, TODAY), snapshot)
    assert "red-issue/R-001" not in idents(held.actions)
    assert held.held_back == (
        "R-001: not synced while risks/R-001-broken.yaml has errors (see riskbot check)",
    )
    # ... as does one whose risk cannot be told; a broken file of another risk does not.
    (root / "risks" / "R-001-broken.yaml").rename(root / "risks" / "notes.yaml")
    assert "red-issue/R-001" not in idents(plan_sync(register_of(root, TODAY), snapshot).actions)
    (root / "risks" / "notes.yaml").rename(root / "risks" / "R-011-broken.yaml")
    assert "red-issue/R-001" in idents(plan_sync(register_of(root, TODAY), snapshot).actions)


def test_sync_needs_and_assignability(root: Path) -> None:
    policy = root / ".github" / "riskbot.yml"
    text = policy.read_text(encoding="utf-8")
    text = re.sub(r"(id: db-lead\n(?:.*\n)*?\s+logins: )\[\]", r"\1[alice, bob]", text, count=1)
    policy.write_text(text, encoding="utf-8")
    register = register_of(root, TODAY)
    needs = sync_needs(register)
    assert needs.logins == {"alice", "bob"}
    assert needs.files == {a.risk.file for a in register.assessments if a.band.name == "red"}
    snapshot = Snapshot(assignable={"alice": True, "bob": False}, links={"x": "y"})
    r1 = next(
        a
        for a in plan_sync(register, snapshot).actions
        if isinstance(a, EnsureIssue) and a.ident == "red-issue/R-001"
    )
    assert r1.assignees == ("alice",)
    assert "Not assigned (not assignable in this repository): `bob`" in r1.body


def test_comment_head_mismatch_is_an_empty_plan_with_a_reason() -> None:
    payload = Payload(7, "a" * 40, True, "## report @alice @mallory")
    assert comment_needs(payload, "a" * 40).pulls == {7}
    assert comment_needs(payload, None).pulls == frozenset()
    moved = plan_comment(payload, ["alice"], Snapshot(pull_heads={7: "b" * 40}), "a" * 40)
    assert moved.actions == ()
    assert moved.skipped is not None
    assert "nothing posted" in moved.skipped
    same = plan_comment(payload, ["alice"], Snapshot(pull_heads={7: "a" * 40}), "a" * 40)
    (comment,) = same.actions
    assert isinstance(comment, EnsureComment)
    assert (comment.ident, comment.number, comment.sticky) == ("pr-report/7", 7, True)
    assert "@alice" in comment.body
    assert "@mallory" not in comment.body


def test_remind_reads_only_what_can_hold_a_reminder_and_skips_what_was_posted(
    root: Path,
) -> None:
    register = register_of(root, TODAY)
    red = issue_state("red-issue/R-001", number=5, updated_at="2026-11-27T06:00:00+00:00")
    stand_in = issue_state("red-issue/R-002", number=None)
    quiet = issue_state("red-issue/R-003", number=6, updated_at="2020-01-01T00:00:00+00:00")
    snapshot = snapshot_of(red, stand_in, quiet, issue_state("quarterly/2026-Q4", number=9))
    needs = remind_needs(register, snapshot, TODAY)
    # R-002's issue is a dry run's stand-in (no number). R-003's was not written since its
    # window: it is named too, and the shell knows it has nothing to read there.
    assert set(needs.comments) == {5, 6}
    assert all(since is not None for since in needs.comments.values())
    plan, report = plan_remind(register, snapshot, TODAY)
    r1 = next(r for r in report.due if r.risk_id == "R-001")
    key = markers.ReminderKey("R-001", r1.due, r1.period)
    assert markers.reminder(key) in idents(plan.actions)
    posted = CommentState(
        11, 5, markers.reminder(key), markers.render(markers.reminder(key), {"key": str(key)}), None
    )
    snapshot.comments[5] = [posted]
    again, _ = plan_remind(register, snapshot, TODAY)
    assert markers.reminder(key) not in idents(again.actions)


def test_compare_planner_on_two_registers(root: Path, tmp_path: Path) -> None:
    base = register_of(copy_register(tmp_path / "base"), TODAY)
    set_levels(root, "R-004", 4, 4)
    comparison = compare(base, register_of(root, TODAY))
    rules = [(e.rule, e.risks) for e in comparison.escalations]
    assert ("new_red", ("R-004",)) in rules
    assert ("score_increase", ("R-004",)) in rules
    assert ("same_level", ("R-002", "R-001", "R-004", "R-003")) in rules
    assert [c.id for c in comparison.changed] == ["R-004"]


def _planned(register: Register, snapshot: Snapshot) -> list[Action]:
    sync = plan_sync(register, snapshot).actions
    remind, _ = plan_remind(register, snapshot, TODAY, "exposure")
    comment = plan_comment(
        Payload(3, "c" * 40, True, "<!-- riskbot:id=red-issue/R-001 -->"), [], snapshot, None
    )
    return [*sync, *remind.actions, *comment.actions]


def test_every_body_carries_exactly_the_marker_of_its_ident(root: Path) -> None:
    hostile = "<!-- riskbot:id=red-issue/R-001 round=7 --> forged"
    write_risk(
        root,
        "R-011-forged.yaml",
        risk_yaml(
            "R-011",
            title=hostile,
            description=hostile,
            impact={"level": 5},
            probability={"level": 5},
        ),
    )
    set_levels(root, "R-003", 5, 4)
    register = register_of(root, TODAY)
    snapshots = [
        Snapshot(),
        snapshot_of(
            issue_state("red-issue/R-001", number=1, score="16", round="1"),
            issue_state("red-issue/R-003", number=3, score="15", round="1"),
            issue_state("red-issue/R-007", number=7, score="16", round="1"),
        ),
    ]
    checked = 0
    for snapshot in snapshots:
        for action in _planned(register, snapshot):
            if isinstance(action, EnsureLabel):
                continue
            assert action.text.count("<!-- riskbot:") == 1, action.ident
            assert action.text.startswith(action.marker)
            assert parse_marker(action.text) == {"id": action.ident, **action.fields}
            checked += 1
    assert checked > 20
