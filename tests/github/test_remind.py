"""`riskbot remind` with a frozen "today", through the real client against the local server."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.github.api import Limits
from bot.github.commands import run_remind, run_sync
from bot.reconcile.markers import read as marker_fields
from bot.register.reviews import escalation_step
from bot.render.issues import remind_report as render_report
from tests.factories import copy_register, register_of
from tests.fakegithub.server import FakeGitHub, Fault, RepoState
from tests.github.helpers import settings_for

DAY1 = dt.date(2026, 11, 23)
LAST_REVIEWED = {  # chosen so the week exercises every path; expectations below by hand
    "R-001": "2026-11-22",  # Red, daily: due day 1; the owner reviews on day 3
    "R-002": "2026-11-23",  # Red: due day 2, then climbs one step a day from day 4
    "R-003": "2026-11-20",  # Red: due 11-21, overdue 2 on day 1 → already at step 1
    "R-004": "2026-11-18",  # Yellow, weekly: due day 3
    "R-005": "2026-11-23",  # Yellow: due 11-30, not in this week
    "R-006": "2026-11-10",  # Yellow: due 11-17; overdue 8 on day 3 → step 1
    "R-007": "2026-11-23",
    "R-008": "2026-10-26",  # Green, monthly (30 days): due day 3
    "R-009": "2026-11-20",  # Green, but its own cadence is weekly (stricter): due day 5
    "R-010": "2026-11-20",
}


def set_reviewed(root: Path, risk_id: str, date: str) -> None:
    path = next((root / "risks").glob(f"{risk_id}-*.yaml"))
    text = path.read_text(encoding="utf-8")
    text = re.sub(r'\n  last_reviewed: "[0-9-]+"', "", text)
    text = text.replace("\nreview:\n", f'\nreview:\n  last_reviewed: "{date}"\n')
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = copy_register(tmp_path)
    for rid, date in LAST_REVIEWED.items():
        set_reviewed(root, rid, date)
    return root


def day_run(server: FakeGitHub, root: Path, day: dt.date) -> tuple[int, str]:
    """The daily workflow: sync, then remind; returns (writes, the remind summary)."""
    server.clock.set(dt.datetime.combine(day, dt.time(6, 17), tzinfo=dt.UTC))
    register = register_of(root, day)
    settings = settings_for(server)
    limits = Limits(write_interval=0)
    synced = run_sync(register, root, settings, budget=100, limits=limits, stderr=io.StringIO())
    server.reset_log()
    stats, report = run_remind(
        register, settings, day, budget=100, limits=limits, stderr=io.StringIO()
    )
    assert synced.complete
    assert stats.complete
    # What was posted before is found in one listing of the repository's recent comments.
    assert stats.reads == len(server.reads()) <= 15
    assert server.reads(r".*/issues/[0-9]+/comments") == []
    return synced.writes + stats.writes, render_report(report, markdown=True)


def reminders(server: FakeGitHub) -> Counter[str]:
    """Posted reminder keys (risk:due:period), counted."""
    keys: Counter[str] = Counter()
    for comment in server.state.comments.values():
        fields = marker_fields(comment.body) or {}
        if fields.get("id", "").startswith("review/"):
            keys[fields["key"]] += 1
        for item in filter(None, fields.get("items", "").split("+")):
            keys[item] += 1
    return keys


EXPECTED_WEEK = {  # one reminder per cadence period while overdue (risk:due:period)
    "R-001:2026-11-23:p0",
    "R-001:2026-11-23:p1",
    "R-001:2026-11-26:p0",
    "R-001:2026-11-26:p1",
    "R-001:2026-11-26:p2",
    "R-001:2026-11-26:p3",
    *(f"R-002:2026-11-24:p{n}" for n in range(6)),  # due day 2: one a day from then on
    *(f"R-003:2026-11-21:p{n}" for n in range(2, 9)),  # overdue 2 days on day 1
    "R-004:2026-11-25:p0",  # Yellow: weekly, so once in this week
    # Due 11-17, first reminded on day 1 (11-23, period 0): its weekly rhythm starts there, so
    # period 1 (from 11-24) is reminded on 11-30, a week after the first, not the next day.
    "R-006:2026-11-17:p0",
    "R-008:2026-11-25:p0",
    "R-009:2026-11-27:p0",
}


def test_a_week_of_daily_runs(github_server: FakeGitHub, root: Path) -> None:
    for n in range(7):
        day = DAY1 + dt.timedelta(days=n)
        if n == 2:
            set_reviewed(root, "R-001", "2026-11-25")  # the owner records a review on day 3
        writes, _ = day_run(github_server, root, day)
        assert writes > 0
        again, _ = day_run(github_server, root, day)
        assert again == 0  # rerunning any day changes nothing
    posted = reminders(github_server)
    assert set(posted) == EXPECTED_WEEK
    assert all(count == 1 for count in posted.values())
    titles = Counter(i.title for i in github_server.state.issues.values())
    assert titles["Quarterly risk review — 2026-Q4"] == 1
    assert titles["Risk reviews"] == 1
    digests = [
        c
        for c in github_server.state.comments.values()
        if (marker_fields(c.body) or {}).get("id", "").startswith("reviews/")
    ]
    # Day 1, day 3, day 5.
    assert len(digests) == 3


def test_ten_days_overdue_red_review_is_reminded_every_day(
    github_server: FakeGitHub, root: Path
) -> None:
    """Red is monitored daily: ten days overdue, ten reminders, one a day, the step climbing to
    the top of the path and staying there (before, it fell silent at the top)."""
    set_reviewed(root, "R-002", (DAY1 - dt.timedelta(days=1)).isoformat())  # due on day 1
    for n in range(10):
        day_run(github_server, root, DAY1 + dt.timedelta(days=n))
        day_run(github_server, root, DAY1 + dt.timedelta(days=n))  # a rerun adds nothing
    posted = [
        (c.created_at.date(), marker_fields(c.body) or {})
        for c in sorted(github_server.state.comments.values(), key=lambda c: c.id)
        if (marker_fields(c.body) or {}).get("id", "").startswith("review/R-002/")
    ]
    assert [day for day, _ in posted] == [DAY1 + dt.timedelta(days=n) for n in range(10)]
    assert [f["step"] for _, f in posted] == ["0", "0", "1", "2", "3", "4", "4", "4", "4", "4"]
    assert [f["key"] for _, f in posted] == [f"R-002:{DAY1.isoformat()}:p{n}" for n in range(10)]


def test_escalation_mentions_climb_the_path(github_server: FakeGitHub, root: Path) -> None:
    policy = root / ".github" / "riskbot.yml"
    text = policy.read_text(encoding="utf-8")
    for role, login in (
        ("ai-ml-lead", "ai-owner"),
        ("team-lead", "lead"),
        ("program-sponsor", "sponsor"),
    ):
        text = re.sub(rf"(id: {role}\n(?:.*\n)*?\s+logins: )\[\]", rf"\1[{login}]", text, count=1)
    policy.write_text(text, encoding="utf-8")
    for n in range(5):
        day_run(github_server, root, DAY1 + dt.timedelta(days=n))
    r2 = [
        c.body
        for c in github_server.state.comments.values()
        if (marker_fields(c.body) or {}).get("id", "").startswith("review/R-002/")
    ]
    assert len(r2) == 4  # day 2 and 3 the owner, day 4 step 2 (team lead), day 5 step 3
    assert "@ai-owner" in r2[0]
    assert "@lead" not in r2[0] + r2[1]
    assert "@lead" in r2[2]
    assert "@sponsor" not in r2[2]
    assert "@sponsor" in r2[3]
    assert all(body.count("@ai-owner") == 1 for body in r2)


def test_a_skipped_day_is_caught_up_without_duplicates(
    github_server: FakeGitHub, root: Path
) -> None:
    for n in (0, 1, 3):  # day 3 is missed
        day = DAY1 + dt.timedelta(days=n)
        if n == 3:
            set_reviewed(root, "R-001", "2026-11-25")
        day_run(github_server, root, day)
    posted = reminders(github_server)
    assert all(count == 1 for count in posted.values())
    # What was due on the missed day is posted on day 4, at its level of that day.
    for key in (
        "R-004:2026-11-25:p0",
        "R-008:2026-11-25:p0",
        "R-001:2026-11-26:p0",
        "R-002:2026-11-24:p2",
        "R-003:2026-11-21:p5",
    ):
        assert key in posted
    assert "R-006:2026-11-17:p1" not in posted  # reminded on day 1: its next week starts 11-30


def test_the_weekly_rhythm_starts_at_the_first_overdue_reminder(
    github_server: FakeGitHub, root: Path
) -> None:
    """R-006 was due on 11-17 and is first reminded on 11-23 (period 0 of its due date, which
    ends the next day): the next reminder comes a week after that one, on 11-30, and the one
    after on 12-07 at the next step; not on 11-24 and 12-01 by the old due date's weekdays."""
    days: dict[str, dt.date] = {}
    for n in range(15):
        day = DAY1 + dt.timedelta(days=n)
        day_run(github_server, root, day)
        for key in reminders(github_server):
            if key.startswith("R-006:"):
                days.setdefault(key, day)
    assert days == {
        "R-006:2026-11-17:p0": dt.date(2026, 11, 23),
        "R-006:2026-11-17:p1": dt.date(2026, 11, 30),
        "R-006:2026-11-17:p2": dt.date(2026, 12, 7),
    }


def test_review_recorded_yesterday_is_not_reminded(github_server: FakeGitHub, root: Path) -> None:
    set_reviewed(root, "R-001", "2026-11-22")
    _, summary = day_run(github_server, root, DAY1 + dt.timedelta(days=0))
    assert "R-001 (Red) due 2026-11-23 (today)" in summary
    set_reviewed(root, "R-004", "2026-11-23")
    _, summary = day_run(github_server, root, DAY1 + dt.timedelta(days=1))
    assert "R-004 (Yellow) next review 2026-11-30" in summary


def test_nothing_due_says_so(github_server: FakeGitHub, root: Path) -> None:
    for rid in LAST_REVIEWED:
        set_reviewed(root, rid, "2026-11-23")
    _, summary = day_run(github_server, root, DAY1)
    assert "Nothing due today." in summary
    assert "**Not yet due:**" in summary


def test_quarter_boundary_opens_one_issue(github_server: FakeGitHub, root: Path) -> None:
    for day in (
        dt.date(2026, 12, 31),
        dt.date(2027, 1, 1),
        dt.date(2027, 1, 1),
        dt.date(2027, 1, 2),
    ):
        day_run(github_server, root, day)
    titles = Counter(i.title for i in github_server.state.issues.values())
    assert titles["Quarterly risk review — 2026-Q4"] == 1
    assert titles["Quarterly risk review — 2027-Q1"] == 1
    q1 = next(i for i in github_server.state.issues.values() if i.title.endswith("2027-Q1"))
    assert q1.body is not None
    assert "### Red (3)" in q1.body
    assert "- [ ] **R-001**" in q1.body
    assert "Contingency exposure per release" in q1.body
    assert "New risk identification" in q1.body


@pytest.mark.parametrize(
    ("overdue", "cadence", "step"),
    [
        (0, 1, 0),
        (1, 1, 0),
        (2, 1, 1),
        (3, 1, 2),
        (50, 1, 4),
        (7, 7, 0),
        (8, 7, 0),  # still the first week overdue: the owner
        (14, 7, 1),
        (15, 7, 1),
        (21, 7, 2),
    ],
)
def test_escalation_step(overdue: int, cadence: int, step: int) -> None:
    assert escalation_step(overdue, cadence, 5) == step


def _someone_chats(server: FakeGitHub, day: dt.date) -> list[int]:
    """Comments by a person from before riskbot's run of ``day``, as many as put riskbot's
    first reminder first on the second page of the repository's listing of recent comments."""
    early = dt.datetime.combine(day, dt.time(6, 0), tzinfo=dt.UTC)
    chat = server.add_issue("Chat", "Let us talk", user="someone", created_at=early)
    ordered = sorted(server.state.comments.values(), key=lambda c: (c.updated_at, c.id))
    first = next(n for n, c in enumerate(ordered) if "review/" in (c.body or ""))
    return [
        server.add_comment(
            chat.number, f"hello {n}", user="someone", created_at=early, updated_at=early
        ).id
        for n in range(100 - first)
    ]


def _edit(comment_id: int) -> Callable[[RepoState], None]:
    def change(state: RepoState) -> None:
        state.clock.advance(600)  # later than riskbot's reminders of this morning
        comment = state.comments[comment_id]
        comment.body += " (edited)"
        comment.updated_at = state.clock.after(comment.updated_at)

    return change


def _delete(comment_id: int) -> Callable[[RepoState], None]:
    def change(state: RepoState) -> None:
        state.delete_comment(state.comments[comment_id])

    return change


@pytest.mark.parametrize(
    ("change", "listings"), [(_edit, 2), (_delete, 4)], ids=["edited", "deleted"]
)
def test_a_comment_changed_between_two_pages_hides_no_reminder(
    github_server: FakeGitHub,
    root: Path,
    change: Callable[[int], Callable[[RepoState], None]],
    listings: int,
) -> None:
    """With 100 comments or more in the window, one edited (or deleted) between the listing's
    pages shifted riskbot's first reminder onto the page already read: it was posted again.
    Listed by creation, an edit shifts nothing (two pages read); a deletion still does, and the
    listing is read again, newest first, before the reminder would be posted (four)."""
    day_run(github_server, root, DAY1)
    chat = _someone_chats(github_server, DAY1)
    posted = reminders(github_server)
    assert posted
    github_server.inject(
        Fault.mid_listing(change(chat[0]), path=r"/repos/[^/]+/[^/]+/issues/comments", page=2)
    )
    again, _ = day_run(github_server, root, DAY1)
    assert again == 0
    assert reminders(github_server) == posted
    assert len(github_server.reads(r"/repos/[^/]+/[^/]+/issues/comments")) == listings
