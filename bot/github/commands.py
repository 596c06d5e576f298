"""The GitHub commands as library functions: the CLI only parses options and calls these."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TextIO

from bot.github.api import Limits
from bot.github.run import Checks, HeadMismatch, Planner, run_plan
from bot.github.settings import Settings
from bot.reconcile.comment import Payload, plan_comment
from bot.reconcile.plan import Action, Snapshot
from bot.reconcile.remind import RemindReport, plan_remind
from bot.reconcile.sync import SyncContext, plan_sync
from bot.register.exposure import exposure_by_release, render_exposure_markdown
from bot.register.load import Register
from bot.render.summary import Stats
from bot.repo.git import last_commit


def file_linker(root: Path, settings: Settings) -> Callable[[str], str]:
    """Links to a file at the last commit that changed it: stable until the file changes."""
    resolved = root.resolve()

    def file_url(path: str) -> str:
        return settings.blob_url(path, last_commit(resolved, path))

    return file_url


def _run_with_policy(
    command: str,
    register: Register,
    settings: Settings,
    planner: Planner,
    *,
    dry_run: bool,
    budget: int | None,
    limits: Limits | None,
    stderr: TextIO | None,
    sleep: Callable[[float], None] | None,
) -> Stats:
    """Run a plan with the policy's label, write budget and rate-limit bound as defaults."""
    policy = register.policy
    if policy is None:
        raise ValueError(f"{command} needs a register with a valid policy")
    return run_plan(
        command,
        settings,
        planner,
        label=policy.label,
        budget=policy.write_budget if budget is None else budget,
        dry_run=dry_run,
        limits=limits or Limits(max_wait=policy.max_rate_limit_wait),
        stderr=stderr,
        sleep=sleep,
    )


def run_sync(
    register: Register,
    root: Path,
    settings: Settings,
    *,
    dry_run: bool = False,
    budget: int | None = None,
    limits: Limits | None = None,
    stderr: TextIO | None = None,
    sleep: Callable[[float], None] | None = None,
) -> Stats:
    """Bring the Red-risk issues in line with a checked register."""
    file_url = file_linker(root, settings)
    commit = (settings.sha or last_commit(root.resolve(), ".") or "HEAD")[:12]

    def planner(snapshot: Snapshot, checks: Checks) -> list[Action]:
        ctx = SyncContext(commit=commit, file_url=file_url, assignable=checks.assignable)
        return plan_sync(register, snapshot, ctx)

    return _run_with_policy(
        "sync",
        register,
        settings,
        planner,
        dry_run=dry_run,
        budget=budget,
        limits=limits,
        stderr=stderr,
        sleep=sleep,
    )


def today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def run_comment(
    payload: Payload,
    run_head_sha: str | None,
    allowed_logins: Collection[str],
    settings: Settings,
    *,
    label: str,
    dry_run: bool = False,
    limits: Limits | None = None,
    stderr: TextIO | None = None,
) -> Stats:
    """Create or update the sticky comment, once the PR's head is the run's head."""

    def planner(snapshot: Snapshot, checks: Checks) -> list[Action]:
        if run_head_sha is not None:
            actual = checks.pull_head_sha(payload.pr)
            if actual is not None and actual != run_head_sha:
                raise HeadMismatch(
                    f"PR #{payload.pr} head is {actual[:12]}, not this run's {run_head_sha[:12]}"
                    ": nothing posted (a newer run will comment)"
                )
        return [plan_comment(payload, allowed_logins)]

    return run_plan(
        "comment",
        settings,
        planner,
        label=label,
        budget=5,
        dry_run=dry_run,
        limits=limits,
        stderr=stderr,
        snapshot=False,
    )


def run_remind(
    register: Register,
    settings: Settings,
    today: dt.date,
    *,
    dry_run: bool = False,
    budget: int | None = None,
    limits: Limits | None = None,
    stderr: TextIO | None = None,
    sleep: Callable[[float], None] | None = None,
) -> tuple[Stats, RemindReport]:
    """Post the reminders that are due and not yet posted, and open the quarter's review."""
    exposure = render_exposure_markdown(exposure_by_release(register))
    reports: list[RemindReport] = []

    def planner(snapshot: Snapshot, checks: Checks) -> list[Action]:
        actions, report = plan_remind(register, snapshot, today, checks.comments, exposure)
        reports.append(report)
        return actions

    stats = _run_with_policy(
        "remind",
        register,
        settings,
        planner,
        dry_run=dry_run,
        budget=budget,
        limits=limits,
        stderr=stderr,
        sleep=sleep,
    )
    report = reports[0] if reports else RemindReport(today)
    return stats, report
