"""Changing the method is a reviewed change: pr lists the band moves and asks the sponsor, risks
off the new scales are errors on their lines, sync relabels, closes and opens by the new bands,
and the history scores each revision with its own method."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from bot.reconcile import markers
from bot.reconcile.plan import EnsureComment, EnsureIssue, EnsureLabel, Snapshot
from bot.reconcile.sync import plan_sync
from bot.register.compare import PrReport, compare
from bot.register.history import Revision, build_history
from bot.register.load import Register, SourceFile, build_register
from bot.register.presets import preset_policy
from bot.render.pr import render_markdown_report
from tests.factories import line_of, risk_yaml
from tests.unit.test_planners import issue_state

TODAY = dt.date(2026, 11, 27)
POLICY_FILE = ".github/riskbot.yml"
# (id, impact, probability): on the plan's method 16 Red, 12 Yellow, 9 Yellow, 4 Green; on the
# 4-band preset 16 Critical, 12 High, 9 Medium, 4 Low.
RISKS = [("R-101", 4, 4), ("R-102", 4, 3), ("R-103", 3, 3), ("R-104", 2, 2)]


def policy(name: str, **logins: list[str]) -> str:
    data: dict[str, Any] = preset_policy(name)
    for role in data["roles"]:
        role["logins"] = logins.get(role["id"].replace("-", "_"), [])
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def risk_text(rid: str, impact: int, probability: int) -> str:
    return risk_yaml(
        rid,
        phase="All",
        owner="Technical Lead",
        impact={"level": impact},
        probability={"level": probability},
    )


def register(policy_text: str, risks: list[tuple[str, int, int]] = RISKS) -> Register:
    loaded = build_register(
        SourceFile(POLICY_FILE, policy_text.encode()),
        [SourceFile(f"risks/{r}-x.yaml", risk_text(r, i, p).encode()) for r, i, p in risks],
        TODAY,
    )
    assert isinstance(loaded, Register)
    return loaded


def test_a_method_change_lists_every_band_move_and_needs_the_sponsor() -> None:
    base = register(policy("5x5-4band", technical_lead=["lead"]))
    head = register(policy("plan", technical_lead=["lead"]))
    assert head.errors == []
    cmp = compare(base, head)
    moves = {
        c.id: (c.base.band.name, c.head.band.name, c.band_cause)
        for c in cmp.changed
        if c.band_cause
    }
    assert moves == {
        "R-101": ("critical", "red", "policy"),
        "R-102": ("high", "yellow", "policy"),
        "R-103": ("medium", "yellow", "policy"),
        "R-104": ("low", "green", "policy"),
    }
    sponsor = next(a for a in cmp.approvals if a.risk is None)
    assert sponsor.reason.startswith("changes the scoring method: ")
    assert sponsor.logins == ("lead",)  # the top of the escalation path approves
    owner = next(a for a in cmp.approvals if a.risk == "R-102")
    assert owner.band == "High"
    assert owner.reason == ("left the issue bands by the policy change: score 12 is now Yellow")
    markdown = render_markdown_report(PrReport(cmp, "main", "head", frozenset()))
    assert "R-102 (High) left the issue bands by the policy change" in markdown


def test_a_name_or_display_words_of_the_method_need_no_sponsor() -> None:
    renamed = yaml.safe_load(policy("plan"))
    renamed["method"]["name"] = "ours"
    renamed["method"]["factor_labels"] = {"impact": "Severity"}
    cmp = compare(register(policy("plan")), register(yaml.safe_dump(renamed)))
    assert sorted(c.key for c in cmp.policy_changes) == [
        "method.factor_labels.impact",
        "method.name",
    ]
    assert not any(c.needs_sponsor for c in cmp.policy_changes)
    assert cmp.approvals == []


def test_risks_off_the_new_scales_are_errors_on_their_lines_and_land_with_the_rescoring() -> None:
    head = register(policy("3x3"))
    levels = [f for f in head.errors if f.code == "level"]
    assert {f.file for f in levels} == {"risks/R-101-x.yaml", "risks/R-102-x.yaml"}
    text = risk_text("R-101", 4, 4)
    assert levels[0].line == line_of(text, "level: 4")
    cmp = compare(register(policy("plan")), head)
    assert {n.risk_id for n in cmp.invalid} == {"R-101", "R-102"}
    assert {a.risk.id for a in cmp.removed} == set()
    rescored = register(policy("3x3"), [("R-101", 3, 3), ("R-102", 3, 2), *RISKS[2:]])
    assert rescored.errors == []
    cmp = compare(register(policy("plan")), rescored)
    assert {c.id: c.head.band.name for c in cmp.changed} == {
        "R-101": "high",
        "R-102": "high",
        "R-103": "high",
        "R-104": "medium",
    }


def test_sync_after_the_change_relabels_closes_and_opens_by_the_new_bands() -> None:
    head = register(policy("5x5-4band"), [("R-101", 4, 3), ("R-102", 3, 3), ("R-103", 4, 4)])
    snapshot = Snapshot.from_issues(
        [
            issue_state(markers.red_issue("R-101"), number=1, score="16", round="1"),
            issue_state(markers.red_issue("R-102"), number=2, score="16", round="1"),
        ]
    )
    actions = plan_sync(head, snapshot).actions
    issues = {a.ident: a for a in actions if isinstance(a, EnsureIssue)}
    comments = [a.ident for a in actions if isinstance(a, EnsureComment)]
    labels = [a.name for a in actions if isinstance(a, EnsureLabel)]
    # R-101 moved from Critical to High: both open issues; its issue stays open, relabelled.
    moved = issues[markers.red_issue("R-101")]
    assert (moved.state, moved.labels[1]) == ("open", "risk:high")
    assert "risk:critical" in moved.remove_labels
    # R-102 is Medium now: its issue closes, titled by the bands it left.
    left = issues[markers.red_issue("R-102")]
    assert left.state == "closed"
    assert left.title == "R-102: Example risk R-102 (score 9, no longer Critical or High)"
    assert set(left.remove_labels) == {"risk:critical", "risk:high"}
    # R-103 is new in the top band: a new issue, escalated once, in the band's name.
    assert issues[markers.red_issue("R-103")].labels[1] == "risk:critical"
    assert "critical/R-103/round-1" in comments
    assert "left-red/R-102/round-1" in comments
    assert "risk:critical" in labels
    assert "risk:high" in labels
    assert not any(c.startswith("high/R-101") for c in comments)  # it never left the issue bands


def test_history_scores_each_revision_with_its_own_method() -> None:
    plan, four = policy("plan").encode(), policy("5x5-4band").encode()
    risk = risk_text("R-101", 4, 3).encode()
    blobs = {"p1": plan, "p2": four, "r1": risk}
    files = (("risks/R-101-x.yaml", "r1"),)
    revisions = [
        Revision("a" * 40, dt.datetime(2026, 1, 5, tzinfo=dt.UTC), "t", "p1", files),
        Revision("b" * 40, dt.datetime(2026, 1, 20, tzinfo=dt.UTC), "t", "p2", files),
    ]
    history = build_history(revisions, blobs)
    (added, moved) = history.of("R-101")
    assert (added.state.band, moved.state.band) == ("yellow", "high")
    assert [(f.field, f.old, f.new) for f in moved.fields] == [("band", "yellow", "high")]
    assert [b.name for b in history.bands] == [
        "critical",
        "high",
        "medium",
        "low",
        "red",
        "yellow",
        "green",
    ]
    assert history.weeks[0].counts["yellow"] == 1
    assert history.weeks[-1].counts == {
        "critical": 0,
        "high": 1,
        "medium": 0,
        "low": 0,
        "red": 0,
        "yellow": 0,
        "green": 0,
    }


def test_fix_rewrites_a_declared_score_and_band_by_the_policys_method(tmp_path: Path) -> None:
    from bot.documents.fix import fix_register

    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "riskbot.yml").write_text(policy("fmea"), encoding="utf-8")
    (tmp_path / "risks").mkdir()
    text = risk_yaml(
        "R-101",
        phase="All",
        owner="Technical Lead",
        impact={"level": 10},
        probability={"level": 5},
        detection={"level": 3},
        score=50,
        band="medium",
    )
    (tmp_path / "risks" / "R-101-x.yaml").write_text(text, encoding="utf-8")
    fixed = fix_register(tmp_path)
    assert [(f.key, f.old, f.new) for f in fixed] == [
        ("score", "50", "150"),
        ("band", "medium", "high"),
    ]
    data = yaml.safe_load((tmp_path / "risks" / "R-101-x.yaml").read_text(encoding="utf-8"))
    assert (data["score"], data["band"]) == (150, "high")


def test_remind_follows_each_bands_cadence_and_puts_issue_bands_on_their_issues() -> None:
    from bot.reconcile.remind import plan_remind

    head = register(policy("5x5-4band"), [("R-101", 4, 3), ("R-102", 3, 3), ("R-103", 4, 4)])
    by_id = {a.risk.id: a for a in head.assessments}
    assert {rid: (a.band.name, a.cadence) for rid, a in by_id.items()} == {
        "R-101": ("high", "weekly"),
        "R-102": ("medium", "bi-weekly"),
        "R-103": ("critical", "daily"),
    }
    snapshot = Snapshot.from_issues(
        [issue_state(markers.red_issue(r), number=n) for n, r in enumerate(["R-101", "R-103"], 1)]
    )
    plan, report = plan_remind(head, snapshot, dt.date(2027, 1, 4))
    comments = [a for a in plan.actions if isinstance(a, EnsureComment)]
    on_issues = {a.issue: a.body for a in comments if a.issue != markers.REVIEWS}
    assert set(on_issues) == {markers.red_issue("R-101"), markers.red_issue("R-103")}
    assert "(High, reviewed weekly)" in on_issues[markers.red_issue("R-101")]
    assert "(Critical, reviewed daily)" in on_issues[markers.red_issue("R-103")]
    (digest,) = [a for a in comments if a.issue == markers.REVIEWS]
    assert "R-102" in digest.body
    reviews = next(
        a for a in plan.actions if isinstance(a, EnsureIssue) and a.ident == markers.REVIEWS
    )
    assert reviews.body.startswith("riskbot posts review reminders for Medium and Low risks here")
    assert {r.risk_id for r in report.posting} == {"R-101", "R-102", "R-103"}
