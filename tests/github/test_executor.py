"""The plan executor's promises, each proven through the real PyGithub client over HTTP."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.github.api import GitHubApi, Limits
from bot.github.executor import Executor
from bot.github.run import gather_comments
from bot.reconcile.markers import render as marker
from bot.reconcile.plan import Action, EnsureComment, EnsureIssue, EnsureLabel, Needs
from bot.render.markdown import parse_marker
from bot.render.summary import Stats
from tests.fakegithub.server import GITHUB_ACTIONS, FakeGitHub, Fault
from tests.github.helpers import execute, settings_for


def issue(ident: str = "red-issue/R-001", body: str = "Body", **kw: Any) -> EnsureIssue:
    return EnsureIssue(
        ident=ident,
        title=f"Issue {ident}",
        body=body,
        labels=("risk", "risk:red"),
        **kw,
    )


def comment(
    ident: str = "red/R-001/round-1",
    on: str = "red-issue/R-001",
    body: str = "Escalation",
    sticky: bool = False,
) -> EnsureComment:
    return EnsureComment(ident, body, issue=on, sticky=sticky)


PLAN: list[Action] = [EnsureLabel("risk", "5319e7", "Managed by riskbot"), issue(), comment()]


def bot_issues(server: FakeGitHub) -> list[object]:
    return [i for i in server.state.issues.values() if i.body and "riskbot:" in i.body]


def test_creates_then_rerun_writes_nothing(github_server: FakeGitHub) -> None:
    first = execute(github_server, PLAN)
    assert first.complete
    assert first.writes == 3  # label, issue, comment
    github_server.reset_log()
    second = execute(github_server, PLAN)
    assert second.writes == 0
    assert github_server.writes() == []
    assert second.skipped == 3


def test_edits_only_what_differs(github_server: FakeGitHub) -> None:
    execute(github_server, PLAN)
    github_server.reset_log()
    stats = execute(github_server, [issue(body="New body")])
    writes = github_server.writes()
    assert [w.method for w in writes] == ["PATCH"]
    assert set(writes[0].request_body) == {"body"}
    assert stats.writes == 1


def test_no_duplicate_after_a_lost_create_answer(github_server: FakeGitHub) -> None:
    github_server.inject(
        Fault.server_error(502, method="POST", path=r".*/issues", after_write=True)
    )
    stats = execute(github_server, [issue()])
    assert len(bot_issues(github_server)) == 1
    assert any("after a failed create" in d for d in stats.done)
    assert stats.complete
    posts = [w for w in github_server.writes() if w.method == "POST"]
    assert len(posts) == 1


def test_a_create_that_really_failed_is_made_by_the_next_run(github_server: FakeGitHub) -> None:
    """A 502 does not say whether the issue was made, nor whether it will be: the run looks,
    does not create it a second time, and says so (exit 1); the next run creates it once."""
    github_server.inject(Fault.server_error(502, method="POST", path=r".*/issues"))
    stats = execute(github_server, [issue()])
    assert bot_issues(github_server) == []
    assert not stats.complete
    assert any("not created again in this run" in f for f in stats.failures)
    again = execute(github_server, [issue()])
    assert len(bot_issues(github_server)) == 1
    assert again.complete


def test_no_duplicate_comment_after_a_lost_answer(github_server: FakeGitHub) -> None:
    execute(github_server, [issue()])
    github_server.inject(
        Fault.server_error(502, method="POST", path=r".*/comments", after_write=True)
    )
    stats = execute(github_server, [comment()])
    number = bot_issues(github_server)[0].number  # type: ignore[attr-defined]
    assert len(github_server.state.comments_on(number)) == 1
    assert stats.complete


def test_concurrent_duplicates_collapse_to_the_oldest(github_server: FakeGitHub) -> None:
    body = f"{marker('red-issue/R-001')}\nBody"
    bot = github_server.actor  # the token's account: github-actions[bot]
    first = github_server.add_issue(
        "Issue red-issue/R-001", body, labels=["risk", "risk:red"], user=bot
    )
    second = github_server.add_issue(
        "Issue red-issue/R-001", body, labels=["risk", "risk:red"], user=bot
    )
    stats = execute(github_server, [issue()])
    assert stats.complete
    assert github_server.state.issues[first.number].state == "open"
    dup = github_server.state.issues[second.number]
    assert dup.state == "closed"
    assert dup.state_reason == "duplicate"
    notes = github_server.state.comments_on(second.number)
    assert len(notes) == 1
    assert f"duplicate of #{first.number}" in notes[0].body
    github_server.reset_log()
    assert execute(github_server, [issue()]).writes == 0


def test_budget_exhaustion_stops_and_says_what_is_left(github_server: FakeGitHub) -> None:
    plan = [issue(f"red-issue/R-00{n}") for n in range(1, 6)]
    stats = execute(github_server, plan, budget=2)
    assert stats.writes == 2
    assert stats.stopped is not None
    assert "budget" in stats.stopped
    assert stats.undone == [f"issue red-issue/R-00{n} (open)" for n in range(3, 6)]
    assert stats.exit_code == 1
    assert len(bot_issues(github_server)) == 2
    # The next run picks up where this one stopped, and creates no duplicates.
    rest = execute(github_server, plan, budget=30)
    assert rest.writes == 3
    assert len(bot_issues(github_server)) == 5


def test_retry_after_is_honoured(github_server: FakeGitHub) -> None:
    github_server.inject(Fault.secondary_rate_limit(2, method="POST", path=r".*/issues"))
    slept: list[float] = []
    stats = execute(github_server, [issue()], sleep=slept.append)
    assert 2.0 in slept
    assert stats.waited >= 2.0
    assert stats.complete
    assert len(bot_issues(github_server)) == 1


def test_429_retry_after_on_a_read_is_honoured(github_server: FakeGitHub) -> None:
    github_server.inject(Fault.too_many_requests(3, method="GET", path=r".*/issues"))
    slept: list[float] = []
    stats = execute(github_server, [issue()], sleep=slept.append)
    assert 3.0 in slept
    assert stats.complete


def test_long_rate_limit_stops_cleanly_instead_of_sleeping(github_server: FakeGitHub) -> None:
    github_server.inject(Fault.primary_rate_limit(int(time.time()) + 3600, method="POST"))
    slept: list[float] = []
    stats = execute(
        github_server, [issue(), issue("red-issue/R-002")], sleep=slept.append, max_wait=300
    )
    assert all(s <= 300 for s in slept)
    assert stats.stopped is not None
    assert "rate limit" in stats.stopped
    assert stats.undone == ["issue red-issue/R-001 (open)", "issue red-issue/R-002 (open)"]
    assert stats.exit_code == 1


def test_listing_grows_with_pages_not_issues(github_server: FakeGitHub) -> None:
    for n in range(250):
        github_server.add_issue(
            f"R-{n}",
            f"{marker(f'red-issue/R-{n:03d}')}\nx",
            labels=["risk"],
            user=github_server.actor,
        )
    stats = Stats()
    api = GitHubApi(settings_for(github_server), Limits(), stats)
    try:
        found = api.bot_issues("risk")
    finally:
        api.close()
    assert len(found) == 250
    assert stats.reads == 3
    listing = [r for r in github_server.reads() if r.path.endswith("/issues")]
    assert len(listing) == 3
    assert all(r.query.get("per_page") == ["100"] for r in listing)
    assert not any("/search/" in r.path for r in github_server.requests)


def test_recent_bot_comments_come_from_one_repository_listing(github_server: FakeGitHub) -> None:
    start = datetime(2026, 11, 20, tzinfo=UTC)
    wanted = [github_server.add_issue(f"R-{n}", "x").number for n in range(3)]
    other = github_server.add_issue("Other", "x").number
    github_server.add_comment(
        wanted[0],
        f"{marker('review/old')}\nold",
        user=GITHUB_ACTIONS,
        created_at=start - timedelta(days=3),
    )
    for n in range(230):  # three pages of recent comments, on every issue
        github_server.add_comment(
            [*wanted, other][n % 4],
            f"{marker(f'review/{n}')}\nx",
            user=GITHUB_ACTIONS,
            created_at=start + timedelta(minutes=n),
        )
    github_server.add_comment(
        wanted[1],
        f"{marker('review/fake')}\nfake",
        user="mallory",
        created_at=start + timedelta(days=1),
    )
    stats = Stats()
    api = GitHubApi(settings_for(github_server), Limits(), stats)
    try:
        found = api.bot_comments_since(start, wanted)
    finally:
        api.close()
    assert sorted(found) == wanted
    idents = {n: [c.ident for c in comments] for n, comments in found.items()}
    assert idents[wanted[0]] == [f"review/{n}" for n in range(0, 230, 4)]
    assert "review/fake" not in idents[wanted[1]]
    assert stats.reads == 3
    listing = github_server.reads(r".*/issues/comments")
    assert len(listing) == 3
    assert all(r.query.get("per_page") == ["100"] for r in listing)
    assert all(r.query.get("since") == ["2026-11-20T00:00:00Z"] for r in listing)
    assert github_server.reads(r".*/issues/[0-9]+/comments") == []


def test_writes_are_paced(github_server: FakeGitHub) -> None:
    stats = execute(
        github_server,
        [issue(f"red-issue/R-00{n}") for n in range(1, 4)],
        interval=0.5,
        sleep=time.sleep,
    )
    assert stats.writes == 3
    times = [w.timestamp for w in github_server.writes()]
    assert all(b - a >= 0.45 for a, b in itertools.pairwise(times))


def test_long_bodies_are_truncated_with_marker_and_note(github_server: FakeGitHub) -> None:
    stats = execute(github_server, [issue(body="line of text\n" * 6000)])
    assert stats.complete
    body = bot_issues(github_server)[0].body  # type: ignore[attr-defined]
    assert len(body) <= 65_536
    assert parse_marker(body) == {"id": "red-issue/R-001"}
    assert "truncated" in body
    github_server.reset_log()
    assert execute(github_server, [issue(body="line of text\n" * 6000)]).writes == 0


def test_dry_run_counts_like_a_real_run_and_writes_nothing(github_server: FakeGitHub) -> None:
    dry = execute(github_server, PLAN, dry_run=True)
    assert github_server.writes() == []
    assert dry.writes == 3
    assert all(d.startswith("would ") for d in dry.done)
    real = execute(github_server, PLAN)
    assert real.writes == dry.writes


def test_issues_without_marker_are_never_touched(github_server: FakeGitHub) -> None:
    human = github_server.add_issue(
        "R-001 discussion", "No marker here", labels=["risk"], user="alice"
    )
    execute(github_server, [issue()])
    assert github_server.state.issues[human.number].body == "No marker here"
    assert all(f"/issues/{human.number}" not in w.path for w in github_server.writes())


def test_marker_in_a_human_comment_is_not_trusted(github_server: FakeGitHub) -> None:
    execute(github_server, [issue()])
    number = bot_issues(github_server)[0].number  # type: ignore[attr-defined]
    github_server.add_comment(number, f"{marker('red/R-001/round-1')}\nfake", user="mallory")
    execute(github_server, [comment()])
    bodies = [c.body for c in github_server.state.comments_on(number)]
    assert len(bodies) == 2
    assert "Escalation" in bodies[1]


def test_sticky_comment_is_edited_in_place(github_server: FakeGitHub) -> None:
    pr = github_server.add_pull("Change R-004")
    sticky = EnsureComment("pr-report/1", "v1", number=pr.number, sticky=True)
    execute(github_server, [sticky])
    execute(
        github_server,
        [EnsureComment("pr-report/1", "v2", number=pr.number, sticky=True)],
    )
    comments = github_server.state.comments_on(pr.number)
    assert len(comments) == 1
    assert comments[0].body.endswith("v2")


def test_short_primary_limit_reset_is_waited_out(github_server: FakeGitHub) -> None:
    reset = int(time.time()) + 3
    github_server.inject(Fault.primary_rate_limit(reset, method="POST", path=r".*/issues"))
    slept: list[float] = []
    stats = execute(github_server, [issue()], sleep=slept.append, max_wait=60)
    assert stats.complete
    assert slept
    assert 2 <= max(slept) <= 5  # until x-ratelimit-reset (plus a second), not an hour
    assert len(bot_issues(github_server)) == 1


def test_slow_read_times_out_and_is_retried(github_server: FakeGitHub) -> None:
    github_server.inject(Fault.slow(2.5, method="GET", path=r".*/issues"))
    stats = Stats()
    api = GitHubApi(settings_for(github_server), Limits(timeout=1), stats, sleep=lambda s: None)
    try:
        found = api.bot_issues("risk")
    finally:
        api.close()
    assert found == []
    assert stats.reads == 2  # the timed-out read, then the retry


def test_gather_lists_once_and_skips_issues_quiet_since_their_window(
    github_server: FakeGitHub,
) -> None:
    since = datetime(2026, 11, 20, tzinfo=UTC)
    busy = github_server.add_issue("Busy", f"{marker('red-issue/R-001')}\nx", labels=["risk"])
    quiet = github_server.add_issue("Quiet", f"{marker('red-issue/R-002')}\nx", labels=["risk"])
    github_server.add_comment(
        quiet.number,
        f"{marker('review/old')}\nold",
        user=GITHUB_ACTIONS,
        created_at=since - timedelta(days=5),
    )
    github_server.add_comment(
        busy.number,
        f"{marker('review/new')}\nnew",
        user=GITHUB_ACTIONS,
        created_at=since + timedelta(days=1),
    )
    stats = Stats()
    api = GitHubApi(settings_for(github_server), Limits(), stats)
    try:
        executor = Executor(api, label="risk", budget=5, dry_run=False, stats=stats)
        snapshot = executor.snapshot()
        github_server.reset_log()
        needs = Needs(comments={busy.number: since, quiet.number: since})
        gather_comments(snapshot, needs, executor)
        assert [c.ident for c in snapshot.comments[busy.number]] == ["review/new"]
        assert snapshot.comments[quiet.number] == []
        assert len(github_server.reads()) == 1  # one listing; the quiet issue costs nothing
        assert executor.comments(quiet.number) == []  # and the executor does not read it later
        assert len(github_server.reads()) == 1
    finally:
        api.close()
