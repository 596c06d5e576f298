"""Running a plan against GitHub from a command: set up, read, plan, execute, summarise."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from typing import TextIO

from github import GithubException
from requests.exceptions import RequestException

from bot.errors import UsageError
from bot.github.api import GitHubApi, Limits, SetupFailed, StopRun
from bot.github.executor import Executor
from bot.github.settings import Settings, no_token_in_actions
from bot.github.step import append_step_summary, set_output
from bot.reconcile.plan import Action, EnsureComment, EnsureIssue, Needs, Plan, Snapshot
from bot.render import actions as gha
from bot.render.markdown import defuse_mentions
from bot.render.summary import Stats, render_markdown, render_text

NeedsOf = Callable[[Snapshot], Needs]
Planner = Callable[[Snapshot], Plan]
LinkFor = Callable[[str], str]


def gather(
    snapshot: Snapshot, needs: Needs, api: GitHubApi | None, executor: Executor, link_for: LinkFor
) -> None:
    """Read into the snapshot what the planner needs, before it plans (each read counted)."""
    snapshot.links.update({name: link_for(name) for name in sorted(needs.files)})
    gather_comments(snapshot, needs, executor)
    if api is None:
        return  # nothing to ask: every login counts as assignable, no PR head is known
    for login in sorted(needs.logins, key=str.lower):
        snapshot.assignable.setdefault(login.lower(), api.assignable(login))
    for number in sorted(needs.pulls):
        snapshot.pull_heads[number] = api.pull_head_sha(number)


def gather_comments(snapshot: Snapshot, needs: Needs, executor: Executor) -> None:
    """The bot's comments on the issues the planner names: those wanted since a time come from
    one listing of the repository's comments since the earliest of them; an issue not updated
    since its time has no such comment and costs nothing; the others are read issue by issue."""
    updated = {i.number: i.updated_at for i in snapshot.issues.values() if i.number is not None}
    recent: dict[int, dt.datetime] = {}
    for number, since in sorted(needs.comments.items()):
        if since is None:
            snapshot.comments[number] = executor.comments(number)
        elif _updated_since(updated.get(number), since):
            recent[number] = since
        else:
            snapshot.comments[number] = executor.remember(number, [])
    if recent:
        snapshot.comments.update(executor.comments_since(min(recent.values()), recent))
        snapshot.commands.extend(executor.commands)


def _updated_since(updated_at: dt.datetime | None, since: dt.datetime) -> bool:
    """Whether an issue may have been commented on since a time (unknown: it may)."""
    return updated_at is None or updated_at >= since


def scrub(text: str, settings: Settings) -> str:
    """Remove the token from any text before it is shown."""
    if settings.token is not None and settings.token.reveal():
        return text.replace(settings.token.reveal(), "***")
    return text


def run_plan(
    command: str,
    settings: Settings,
    needs_of: NeedsOf,
    planner: Planner,
    *,
    label: str,
    budget: int,
    dry_run: bool,
    limits: Limits | None = None,
    stderr: TextIO | None = None,
    sleep: Callable[[float], None] | None = None,
    snapshot: bool = True,
    link_for: LinkFor | None = None,
    commit: str = "HEAD",
    allowed_logins: Collection[str] = (),
) -> Stats:
    """Read the bot's issues and what the planner needs, plan, execute; always end with a
    summary on stderr and in Actions.

    Every text posted goes through one mention rule: only ``allowed_logins`` (the policy's and
    the risk owners', from the default branch) can be pinged, whatever a planner wrote.
    """
    stderr = stderr or sys.stderr
    stats = Stats()
    limits = limits or Limits()
    dry = dry_run or not settings.has_token
    if not settings.has_token and not dry_run and settings.in_actions:
        refused = no_token_in_actions(command)
        stats.stopped = str(refused)
        summarise(command, stats, settings, dry_run=dry, stderr=stderr)
        raise refused
    api = None
    if settings.has_token:
        kwargs = {"sleep": sleep} if sleep is not None else {}
        api = GitHubApi(settings, limits, stats, **kwargs)  # type: ignore[arg-type]
    executor = Executor(api, label=label, budget=budget, dry_run=dry, stats=stats)
    setup: SetupFailed | None = None
    planned = False
    try:
        # Comments on a PR need no issue listing: skip that read when the plan cannot use it.
        found = executor.snapshot() if snapshot else Snapshot()
        found.commit = commit
        gather(found, needs_of(found), api, executor, link_for or settings.blob_url)
        plan = planner(found)
        planned = True
        if plan.skipped:
            stats.done.append(f"skipped: {plan.skipped}")
        stats.undone.extend(plan.held_back)
        executor.execute([defused(a, allowed_logins) for a in plan.actions], found)
    except SetupFailed as exc:
        stats.stopped = str(exc)
        setup = exc
    except StopRun as exc:
        stats.stopped = str(exc)
    except (GithubException, RequestException) as exc:
        stats.stopped = f"GitHub API failed: {describe_error(exc)}"
    finally:
        if stats.stopped and not planned:
            stats.undone.append(f"all of {command}: stopped before it could plan")
        if api is not None:
            api.close()
    if not settings.has_token:
        stderr.write("riskbot: no GITHUB_TOKEN: dry run, assuming nothing exists on GitHub yet\n")
    summarise(command, stats, settings, dry_run=dry, stderr=stderr)
    if setup is not None:
        raise UsageError(scrub(str(setup), settings)) from None
    return stats


def summarise(
    command: str, stats: Stats, settings: Settings, *, dry_run: bool, stderr: TextIO
) -> None:
    """The summary every run ends with: stderr, the step summary, outputs, an annotation."""
    dry = dry_run
    stderr.write(gha.log_lines(scrub(render_text(command, stats, dry_run=dry), settings)))
    append_step_summary(
        scrub(render_markdown(command, stats, dry_run=dry), settings), settings.step_summary
    )
    for name, value in (
        ("complete", str(stats.complete).lower()),
        ("writes", str(stats.writes)),
        ("reads", str(stats.reads)),
    ):
        set_output(name, value, settings.output)
    if stats.stopped and settings.step_summary:
        stderr.flush()
        sys.stdout.write(
            gha.annotation("error", scrub(f"riskbot {command} stopped: {stats.stopped}", settings))
            + "\n"
        )


def defused(action: Action, allowed: Collection[str]) -> Action:
    """An action whose texts can mention only ``allowed`` logins."""
    if isinstance(action, EnsureIssue):
        return replace(
            action,
            title=defuse_mentions(action.title, allowed),
            body=defuse_mentions(action.body, allowed),
        )
    if isinstance(action, EnsureComment):
        return replace(action, body=defuse_mentions(action.body, allowed))
    return action


def describe_error(exc: Exception) -> str:
    if isinstance(exc, GithubException):
        data = exc.data if isinstance(exc.data, Mapping) else {}
        return f"{exc.status} {data.get('message', '')}".strip()
    return type(exc).__name__
