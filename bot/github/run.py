"""Running a plan against GitHub from a command: set up, read, plan, execute, summarise."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TextIO

from github import GithubException
from requests.exceptions import RequestException

from bot.github.api import GitHubApi, Limits, StopRun
from bot.github.executor import Executor
from bot.github.settings import Settings
from bot.reconcile.plan import Action, CommentState, Snapshot
from bot.render import actions as gha
from bot.render.summary import Stats, render_markdown, render_text

Planner = Callable[[Snapshot, "Checks"], Sequence[Action]]


class HeadMismatch(Exception):
    """The pull request moved on since the run that made the payload: skip, do not fail."""


@dataclass
class Checks:
    """Reads a planner may need besides the snapshot (cached, counted like every read)."""

    api: GitHubApi | None
    _assignable: dict[str, bool]
    executor: Executor | None = None

    def comments(self, number: int, since: dt.datetime | None = None) -> list[CommentState]:
        """The bot's comments on an issue; shared with the executor so nothing is read twice."""
        if self.executor is None:
            return []
        return self.executor.comments(number, since)

    def assignable(self, login: str) -> bool:
        """Whether a login can be assigned; assumed yes when there is no API to ask."""
        if self.api is None:
            return True
        key = login.lower()
        if key not in self._assignable:
            self._assignable[key] = self.api.assignable(login)
        return self._assignable[key]

    def pull_head_sha(self, number: int) -> str | None:
        """The head commit of a pull request (None without an API to ask)."""
        if self.api is None:
            return None
        return self.api.pull_head_sha(number)


def scrub(text: str, settings: Settings) -> str:
    """Remove the token from any text before it is shown."""
    if settings.token is not None and settings.token.reveal():
        return text.replace(settings.token.reveal(), "***")
    return text


def run_plan(
    command: str,
    settings: Settings,
    planner: Planner,
    *,
    label: str,
    budget: int,
    dry_run: bool,
    limits: Limits | None = None,
    stderr: TextIO | None = None,
    sleep: Callable[[float], None] | None = None,
    snapshot: bool = True,
) -> Stats:
    """Read the bot's issues, plan, execute; always end with a summary on stderr and in Actions."""
    stderr = stderr or sys.stderr
    stats = Stats()
    limits = limits or Limits()
    dry = dry_run or not settings.has_token
    api = None
    if settings.has_token:
        kwargs = {"sleep": sleep} if sleep is not None else {}
        api = GitHubApi(settings, limits, stats, **kwargs)  # type: ignore[arg-type]
    executor = Executor(api, label=label, budget=budget, dry_run=dry, stats=stats)
    try:
        # Comments on a PR need no issue listing: skip that read when the plan cannot use it.
        found = executor.snapshot() if snapshot else Snapshot()
        plan = planner(found, Checks(api, {}, executor))
        executor.execute(plan, found)
    except HeadMismatch as exc:
        stats.done.append(f"skipped: {exc}")
    except StopRun as exc:
        stats.stopped = str(exc)
    except (GithubException, RequestException) as exc:
        stats.stopped = f"GitHub API failed: {describe_error(exc)}"
    finally:
        if api is not None:
            api.close()
    if not settings.has_token:
        stderr.write("riskbot: no GITHUB_TOKEN: dry run, assuming nothing exists on GitHub yet\n")
    stderr.write(scrub(render_text(command, stats, dry_run=dry), settings))
    gha.append_step_summary(
        scrub(render_markdown(command, stats, dry_run=dry), settings), settings.step_summary
    )
    for name, value in (
        ("complete", str(stats.complete).lower()),
        ("writes", str(stats.writes)),
        ("reads", str(stats.reads)),
    ):
        gha.set_output(name, value, settings.output)
    if stats.stopped and settings.step_summary:
        stderr.flush()
        sys.stdout.write(
            gha.annotation("error", scrub(f"riskbot {command} stopped: {stats.stopped}", settings))
            + "\n"
        )
    return stats


def describe_error(exc: Exception) -> str:
    if isinstance(exc, GithubException):
        data = exc.data if isinstance(exc.data, Mapping) else {}
        return f"{exc.status} {data.get('message', '')}".strip()
    return type(exc).__name__
