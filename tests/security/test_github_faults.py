"""Cases 6, 7 and 8: GitHub faults that once made riskbot loop forever or write twice.

Each test drives the real PyGithub client over HTTP against the fake server (tests/fakegithub),
whose faults are injected per request: persistent rate limits, a write that lands after the
client gave up on it, and a listing that shrinks between two of its pages.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from pathlib import Path

import pytest

from bot.github.api import GitHubApi, Limits
from bot.github.commands import run_sync
from bot.github.executor import Executor
from bot.reconcile.markers import render as marker
from bot.reconcile.plan import Action, EnsureComment, EnsureIssue
from bot.render.markdown import parse_marker
from bot.render.summary import Stats
from tests.factories import copy_register, register_of
from tests.fakegithub.server import FakeGitHub, Fault, RepoState
from tests.github.helpers import settings_for

TODAY = dt.date(2026, 11, 27)
FOREVER = 500  # "persistent": far more answers than any bounded run may ask for


def red_issue(ident: str = "red-issue/R-001") -> EnsureIssue:
    return EnsureIssue(ident=ident, title=f"Issue {ident}", body="Body", labels=("risk",))


def run(server: FakeGitHub, actions: list[Action], limits: Limits, sleep=time.sleep) -> Stats:
    stats = Stats()
    api = GitHubApi(settings_for(server), limits, stats, sleep=sleep)
    try:
        executor = Executor(api, label="risk", budget=30, dry_run=False, stats=stats)
        executor.execute(actions, executor.snapshot())
    finally:
        api.close()
    return stats


def with_ident(server: FakeGitHub, ident: str) -> list[int]:
    return [
        i.number
        for i in server.state.issues.values()
        if (parse_marker(i.body or "") or {}).get("id") == ident
    ]


# -- case 6: bounded waiting ---------------------------------------------------------------


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_register(tmp_path)


def sync(server: FakeGitHub, root: Path, slept: list[float]) -> tuple[Stats, str]:
    err = io.StringIO()
    stats = run_sync(
        register_of(root, TODAY),
        root,
        settings_for(server),
        limits=Limits(write_interval=0),
        stderr=err,
        sleep=slept.append,
    )
    return stats, err.getvalue()


@pytest.mark.parametrize(
    "fault",
    [
        Fault.too_many_requests(0, method="POST", times=FOREVER),
        Fault.secondary_rate_limit(60, method="POST", times=FOREVER),
        Fault.too_many_requests(0, times=FOREVER),  # every request, reads too
    ],
    ids=["429 Retry-After 0 on writes", "secondary 403 on writes", "429 on everything"],
)
@pytest.mark.fakegithub_unchecked
def test_a_rate_limit_that_never_clears_stops_the_run_with_its_summary(
    github_server: FakeGitHub, root: Path, fault: Fault
) -> None:
    github_server.inject(fault)
    slept: list[float] = []
    stats, err = sync(github_server, root, slept)
    assert stats.exit_code == 1
    assert stats.stopped is not None
    assert "this run may" in stats.stopped
    assert "riskbot sync: INCOMPLETE" in err
    assert "  left undone: " in err
    # Bounded: the default budget is 10 retries and twice the longest single wait (600 s).
    limits = Limits()
    assert len(github_server.requests) <= limits.max_retries + 12
    assert sum(slept) <= limits.total_wait


# -- case 7: writes that cannot duplicate --------------------------------------------------


def late() -> Limits:
    """A client that gives up after 1 s and, after that, waits 2.5 s for the write to land (it
    lands 2 s after it was sent)."""
    return Limits(write_interval=0, timeout=1, settle=2.5)


def test_a_comment_landing_after_the_timeout_is_not_posted_again(
    github_server: FakeGitHub,
) -> None:
    run(github_server, [red_issue()], late())
    [number] = with_ident(github_server, "red-issue/R-001")
    github_server.inject(Fault.late_write(2.0, path=r".*/issues/\d+/comments"))
    escalation = EnsureComment("red/R-001/round-1", "Escalation", issue="red-issue/R-001")
    stats = run(github_server, [escalation], late())
    time.sleep(1.5)  # anything still in flight has landed by now
    assert [c.body for c in github_server.state.comments_on(number)] == [escalation.text]
    assert stats.complete


def test_an_issue_landing_after_the_timeout_is_not_created_again(
    github_server: FakeGitHub,
) -> None:
    github_server.inject(Fault.late_write(2.0, path=r"/repos/[^/]+/[^/]+/issues"))
    stats = run(github_server, [red_issue()], late())
    time.sleep(1.5)
    assert len(with_ident(github_server, "red-issue/R-001")) == 1
    assert stats.complete
    assert any("after a failed create" in d for d in stats.done)


def test_comments_with_one_marker_collapse_to_the_oldest(github_server: FakeGitHub) -> None:
    run(github_server, [red_issue()], Limits(write_interval=0))
    [number] = with_ident(github_server, "red-issue/R-001")
    body = f"{marker('red/R-001/round-1')}\nEscalation"
    t0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    bot = github_server.actor
    oldest = github_server.add_comment(number, body, user=bot, created_at=t0)
    github_server.add_comment(number, body, user=bot, created_at=t0 + dt.timedelta(minutes=1))
    github_server.add_comment(number, body, user=bot, created_at=t0 + dt.timedelta(minutes=2))
    github_server.add_comment(number, body, user="mallory")  # not the bot's: left alone
    escalation = EnsureComment("red/R-001/round-1", "Escalation", issue="red-issue/R-001")
    stats = run(github_server, [escalation], Limits(write_interval=0))
    assert stats.complete
    left = github_server.state.comments_on(number)
    assert [(c.id, c.user.login) for c in left] == [(oldest.id, bot.login), (left[1].id, "mallory")]
    deletes = github_server.writes(r".*/issues/comments/\d+")
    assert [w.method for w in deletes] == ["DELETE", "DELETE"]
    github_server.reset_log()
    assert run(github_server, [escalation], Limits(write_interval=0)).writes == 0


# -- case 8: pagination over a shrinking list ----------------------------------------------


def test_an_issue_shifted_between_pages_is_found_not_duplicated(
    github_server: FakeGitHub,
) -> None:
    bot = github_server.actor
    for n in range(100, 200):  # 100 issues of the bot fill the first page
        github_server.add_issue(
            f"R-{n}", f"{marker(f'red-issue/R-{n}')}\nx", labels=["risk"], user=bot
        )
    mine = github_server.add_issue(
        "R-001", f"{marker('red-issue/R-001')}\nBody", labels=["risk"], user=bot
    )
    for n in range(200, 220):
        github_server.add_issue(
            f"R-{n}", f"{marker(f'red-issue/R-{n}')}\nx", labels=["risk"], user=bot
        )

    def someone_removes_a_label(state: RepoState) -> None:
        first = state.issues[1]
        first.labels = [label for label in first.labels if label.name != "risk"]

    # Between page 1 and page 2 the list shrinks by one: R-001's issue moves from the top of
    # page 2 to the bottom of page 1, which was read already.
    github_server.inject(Fault.mid_listing(someone_removes_a_label, page=2))
    stats = run(github_server, [red_issue()], Limits(write_interval=0))
    assert stats.complete
    assert with_ident(github_server, "red-issue/R-001") == [mine.number]
    assert github_server.writes(r"/repos/[^/]+/[^/]+/issues") == []  # nothing created
    listings = github_server.reads(r"/repos/[^/]+/[^/]+/issues")
    assert len(listings) <= 4  # two pages, then the second, narrower read (two pages)


def gives_up_early() -> Limits:
    """A client that gives up after 1 s and waits 0.5 s more before it looks again: a write
    that lands 3 s after it was sent lands after all the waiting (as one answered after the
    25 s riskbot waits by default)."""
    return Limits(write_interval=0, timeout=1, settle=0.5)


def test_a_comment_landing_after_all_the_waiting_is_not_posted_again(
    github_server: FakeGitHub,
) -> None:
    run(github_server, [red_issue()], gives_up_early())
    [number] = with_ident(github_server, "red-issue/R-001")
    github_server.inject(Fault.late_write(3.0, path=r".*/issues/\d+/comments"))
    escalation = EnsureComment("red/R-001/round-1", "Escalation", issue="red-issue/R-001")
    stats = run(github_server, [escalation], gives_up_early())
    time.sleep(3)  # the write lands
    assert [c.body for c in github_server.state.comments_on(number)] == [escalation.text]
    assert not stats.complete  # it said it could not tell, and exits 1
    assert any("not posted again" in f for f in stats.failures)
    again = run(github_server, [escalation], gives_up_early())
    assert again.complete
    assert again.writes == 0
    assert len(github_server.state.comments_on(number)) == 1


def test_an_issue_landing_after_all_the_waiting_is_not_created_again(
    github_server: FakeGitHub,
) -> None:
    github_server.inject(Fault.late_write(3.0, path=r"/repos/[^/]+/[^/]+/issues"))
    stats = run(github_server, [red_issue()], gives_up_early())
    time.sleep(3)
    assert len(with_ident(github_server, "red-issue/R-001")) == 1
    assert not stats.complete
    assert any("not created again" in f for f in stats.failures)
    again = run(github_server, [red_issue()], gives_up_early())
    assert again.complete
    assert len(with_ident(github_server, "red-issue/R-001")) == 1
