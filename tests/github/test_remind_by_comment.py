"""A review given by an authorised `/riskbot review` comment counts at once: `remind` stops
reminding from the moment GitHub stamped the comment, before the file says so."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from bot.github.api import Limits
from bot.github.commands import run_remind
from bot.reconcile.markers import read as marker_fields
from tests.acceptance.test_respond import PERF, STRANGER, policy_text
from tests.factories import copy_register, register_of
from tests.fakegithub.server import GITHUB_ACTIONS, FakeGitHub
from tests.github.helpers import settings_for
from tests.github.test_remind import set_reviewed

DUE = dt.date(2026, 11, 25)  # R-005 (Yellow, weekly) reviewed in its file on 11-18


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = copy_register(tmp_path)
    (root / ".github" / "riskbot.yml").write_text(policy_text(), encoding="utf-8")
    for path in (root / "risks").glob("*.yaml"):
        set_reviewed(root, path.name[:5], "2026-11-24")  # nothing else is due this fortnight
    set_reviewed(root, "R-005", "2026-11-18")
    return root


def remind_on(server: FakeGitHub, root: Path, day: dt.date, hour: int = 6) -> set[str]:
    """One remind run; the reminders of R-005 it posted (risk:due:period); the Red risks,
    reviewed daily, have their own reminders beside."""
    server.clock.set(dt.datetime.combine(day, dt.time(hour, 17), tzinfo=dt.UTC))
    before = set(server.state.comments)
    stats, _ = run_remind(
        register_of(root, day),
        settings_for(server),
        day,
        budget=100,
        limits=Limits(write_interval=0),
        stderr=io.StringIO(),
    )
    assert stats.complete, stats
    posted: set[str] = set()
    for number in set(server.state.comments) - before:
        fields = marker_fields(server.state.comments[number].body) or {}
        posted |= {k for k in fields.get("items", "").split("+") if k.startswith("R-005:")}
    return posted


def digest_issue(server: FakeGitHub) -> int:
    (number,) = [
        i.number
        for i in server.state.issues.values()
        if (marker_fields(i.body) or {}).get("id") == "reviews" and i.user == GITHUB_ACTIONS
    ]
    return number


@pytest.mark.parametrize(("login", "stops"), [(PERF, True), (STRANGER, False)])
def test_an_authorised_review_comment_stops_the_reminders_that_day(
    github_server: FakeGitHub, root: Path, login: str, stops: bool
) -> None:
    assert remind_on(github_server, root, DUE) == {"R-005:2026-11-25:p0"}
    github_server.add_comment(
        digest_issue(github_server),
        "/riskbot review R-005 Profiling shows no regression",
        user=login,
        created_at=dt.datetime.combine(DUE, dt.time(10, 4), tzinfo=dt.UTC),
    )
    # The days after, up to the next period: nothing either way (weekly cadence).
    for offset in range(1, 7):
        assert remind_on(github_server, root, DUE + dt.timedelta(days=offset)) == set()
    week_later = remind_on(github_server, root, DUE + dt.timedelta(days=7))
    if stops:
        # Reviewed at 10:04 on the due day: the overdue reminder (period 1) never comes; the
        # next review is due a week after the comment, and reminded to the owner then.
        assert week_later == {"R-005:2026-12-02:p0"}
    else:
        assert week_later == {"R-005:2026-11-25:p1"}, "a stranger's comment is no review"


def test_an_edited_comment_and_a_quoted_command_are_no_review(
    github_server: FakeGitHub, root: Path
) -> None:
    remind_on(github_server, root, DUE)
    at = dt.datetime.combine(DUE, dt.time(10, 4), tzinfo=dt.UTC)
    number = digest_issue(github_server)
    github_server.add_comment(number, "> /riskbot review R-005", user=PERF, created_at=at)
    github_server.add_comment(
        number,
        "/riskbot review R-005",
        user=PERF,
        created_at=at,
        updated_at=at + dt.timedelta(hours=1),
    )
    assert remind_on(github_server, root, DUE + dt.timedelta(days=7)) == {"R-005:2026-11-25:p1"}
