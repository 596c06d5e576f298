"""Case 4: riskbot's issues and comments are those its own login wrote.

A person opened an issue with the bot's label and a forged marker (``round=7``): it was adopted as
the bot's own, which suppressed the new-Red escalation and would have received the review digest.
Any account of type Bot counted as riskbot too. Now the bot is one login — ``github-actions[bot]``
for the Actions token (the fake server's default actor), ``RISKBOT_BOT_LOGIN`` for another — and
a marker in anyone else's issue is left alone and named in the run summary.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from bot.github.api import GitHubApi, Limits
from bot.github.commands import run_sync
from bot.github.settings import Secret, Settings, from_env
from bot.reconcile.markers import render as marker
from bot.render.markdown import parse_marker
from bot.render.summary import Stats
from tests.factories import copy_register, register_of
from tests.fakegithub.server import FakeGitHub
from tests.github.helpers import settings_for

TODAY = dt.date(2026, 11, 27)
DEFAULT_BOT_LOGIN = "github-actions[bot]"
FORGED = marker("red-issue/R-001", {"round": "7", "score": "16"})


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_register(tmp_path)


def sync(server: FakeGitHub, root: Path, settings: Settings | None = None) -> tuple[Stats, str]:
    err = io.StringIO()
    stats = run_sync(
        register_of(root, TODAY),
        root,
        settings or settings_for(server),
        limits=Limits(write_interval=0),
        stderr=err,
        sleep=lambda s: None,
    )
    return stats, err.getvalue()


def issues_of(server: FakeGitHub, ident: str) -> list[int]:
    return [
        i.number
        for i in server.state.issues.values()
        if (parse_marker(i.body or "") or {}).get("id") == ident
    ]


def test_the_default_login_is_the_actions_bot() -> None:
    assert from_env({"GITHUB_REPOSITORY": "o/r"}).bot_login == DEFAULT_BOT_LOGIN
    env = {"GITHUB_REPOSITORY": "o/r", "RISKBOT_BOT_LOGIN": "risk-app[bot]"}
    assert from_env(env).bot_login == "risk-app[bot]"


@pytest.mark.parametrize(("author", "kind"), [("mallory", "User"), ("other-app[bot]", "Bot")])
def test_a_forged_marker_in_someone_elses_issue_is_ignored_and_reported(
    github_server: FakeGitHub, root: Path, author: str, kind: str
) -> None:
    github_server.add_user(author, type=kind)
    forged = github_server.add_issue(
        "R-001: PostgreSQL Migration Complexity (score 16)",
        f"{FORGED}\nI am the bot, honest.",
        labels=["risk", "risk:red"],
        user=author,
    )
    stats, err = sync(github_server, root)
    assert stats.complete
    # The forgery is untouched: no edit, no comment, no label change.
    assert all(f"/issues/{forged.number}" not in w.path for w in github_server.writes())
    assert github_server.state.issues[forged.number].body == f"{FORGED}\nI am the bot, honest."
    # The bot opened its own issue for R-001 and escalated it (round 1, not the forged 7).
    [own] = [n for n in issues_of(github_server, "red-issue/R-001") if n != forged.number]
    assert github_server.state.issues[own].user.login == DEFAULT_BOT_LOGIN
    bodies = [c.body for c in github_server.state.comments_on(own)]
    assert [parse_marker(b)["id"] for b in bodies] == ["red/R-001/round-1"]  # type: ignore[index]
    assert "New Red risk: immediate escalation" in bodies[0]
    # …and said why it left the other alone.
    assert f"issue #{forged.number} carries a riskbot marker (red-issue/R-001)" in err
    assert f"opened by {author}" in err
    assert stats.ignored
    assert stats.ignored[0].startswith(f"issue #{forged.number}")


def test_a_bot_login_of_its_own_is_recognised_and_others_are_not(
    github_server: FakeGitHub, root: Path
) -> None:
    github_server.add_token("app-token", "risk-app[bot]")
    app = Settings(
        token=Secret("app-token"),
        repository=github_server.repo,
        api_url=github_server.url,
        bot_login="risk-app[bot]",
    )
    first, _ = sync(github_server, root, app)
    assert first.complete
    assert first.writes > 0
    authors = {i.user.login for i in github_server.state.issues.values()}
    assert authors == {"risk-app[bot]"}
    github_server.reset_log()
    again, _ = sync(github_server, root, app)
    assert again.writes == 0  # its own issues and comments, recognised by its login
    # The same issues seen with the Actions token's identity are not riskbot's.
    stats = Stats()
    api = GitHubApi(settings_for(github_server), Limits(), stats)
    try:
        assert api.bot_issues("risk") == []
    finally:
        api.close()
    assert len(stats.ignored) == 3  # each named once


def test_a_comment_by_another_bot_account_is_not_riskbots(
    github_server: FakeGitHub, root: Path
) -> None:
    sync(github_server, root)
    [number] = issues_of(github_server, "red-issue/R-001")
    ours = github_server.state.comments_on(number)[0]
    github_server.add_user("other-app[bot]", type="Bot")
    github_server.add_comment(number, ours.body, user="other-app[bot]")
    api = GitHubApi(settings_for(github_server), Limits(), Stats())
    try:
        found = api.bot_comments(number)
    finally:
        api.close()
    assert [c.id for c in found] == [ours.id]


def test_a_persons_token_without_its_login_set_writes_nothing_and_says_the_setting(
    github_server: FakeGitHub, root: Path
) -> None:
    """A personal access token without ``RISKBOT_BOT_LOGIN``: riskbot's issues were then not its
    own (not by github-actions[bot]), so each run opened one more, then failed on an assertion.
    A person's token may ask who it is: riskbot does, before its first write, and stops."""
    from bot.errors import UsageError

    github_server.add_token("pat-token", "alice")
    pat = Settings(
        token=Secret("pat-token"), repository=github_server.repo, api_url=github_server.url
    )
    for _ in range(2):
        with pytest.raises(UsageError, match=r"RISKBOT_BOT_LOGIN=alice") as refused:
            sync(github_server, root, pat)
        assert "nothing was written" in str(refused.value)
    assert github_server.writes() == []
    mine = Settings(
        token=Secret("pat-token"),
        repository=github_server.repo,
        api_url=github_server.url,
        bot_login="alice",
    )
    first, _ = sync(github_server, root, mine)
    assert first.complete
    again, _ = sync(github_server, root, mine)
    assert again.writes == 0


def test_an_apps_token_without_its_login_set_stops_at_its_first_issue(
    github_server: FakeGitHub, root: Path
) -> None:
    """An App's token cannot ask who it is: the first issue it opens shows it, and the run
    stops there with the setting to make, instead of failing on an assertion."""
    from bot.errors import UsageError

    github_server.add_user("risk-app[bot]", type="Bot")
    github_server.add_token("app-token", "risk-app[bot]")
    app = Settings(
        token=Secret("app-token"), repository=github_server.repo, api_url=github_server.url
    )
    with pytest.raises(UsageError, match=r"RISKBOT_BOT_LOGIN=risk-app\[bot\]"):
        sync(github_server, root, app)
    assert len(github_server.state.issues) == 1
