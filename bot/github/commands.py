"""The GitHub commands as library functions: the CLI only parses options and calls these."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TextIO

from bot.github.api import Limits
from bot.github.run import LinkFor, NeedsOf, Planner, run_plan
from bot.github.settings import Settings
from bot.reconcile.comment import Payload, comment_needs, plan_comment
from bot.reconcile.plan import Plan, Snapshot
from bot.reconcile.remind import plan_remind, remind_needs
from bot.reconcile.sync import plan_sync, sync_needs
from bot.register import clock
from bot.register.exposure import exposure_by_release
from bot.register.load import Register
from bot.register.reviews import RemindReport
from bot.register.rules import pingable_logins
from bot.render.exposure import render_exposure_markdown
from bot.render.history import CHANGED_ANCHOR
from bot.render.summary import Stats
from bot.repo.git import last_commit

REPORT_FILE = "RISKS.md"


def file_linker(root: Path, settings: Settings) -> LinkFor:
    """Links to a file at the last commit that changed it: stable until the file changes."""
    resolved = root.resolve()

    def file_url(path: str) -> str:
        return settings.blob_url(path, last_commit(resolved, path))

    return file_url


def _run_with_policy(
    command: str,
    register: Register,
    settings: Settings,
    needs_of: NeedsOf,
    planner: Planner,
    *,
    dry_run: bool,
    budget: int | None,
    limits: Limits | None,
    stderr: TextIO | None,
    sleep: Callable[[float], None] | None,
    link_for: LinkFor | None = None,
    commit: str = "HEAD",
) -> Stats:
    """Run a plan with the policy's label, write budget and rate-limit bound as defaults."""
    policy = register.policy
    return run_plan(
        command,
        settings,
        needs_of,
        planner,
        label=policy.label,
        budget=policy.write_budget if budget is None else budget,
        dry_run=dry_run,
        limits=limits or Limits(max_wait=policy.max_rate_limit_wait),
        stderr=stderr,
        sleep=sleep,
        link_for=link_for,
        commit=commit,
        allowed_logins=pingable_logins(policy, register.risks),
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
    commit = (settings.sha or last_commit(root.resolve(), ".") or "HEAD")[:12]
    return _run_with_policy(
        "sync",
        register,
        settings,
        lambda snapshot: sync_needs(register),
        lambda snapshot: plan_sync(register, snapshot),
        dry_run=dry_run,
        budget=budget,
        limits=limits,
        stderr=stderr,
        sleep=sleep,
        link_for=file_linker(root, settings),
        commit=commit,
    )


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
    return run_plan(
        "comment",
        settings,
        lambda snapshot: comment_needs(payload, run_head_sha),
        lambda snapshot: plan_comment(payload, allowed_logins, snapshot, run_head_sha),
        label=label,
        budget=5,
        dry_run=dry_run,
        limits=limits,
        stderr=stderr,
        snapshot=False,
        allowed_logins=allowed_logins,
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
    changes_link: str | None = None,
) -> tuple[Stats, RemindReport]:
    """Post the reminders that are due and not yet posted, and open the quarter's review.

    ``changes_link``: where RISKS.md shows the changes since the last quarterly review.
    """
    exposure = (
        render_exposure_markdown(exposure_by_release(register))
        if register.policy.no_odds is None
        else None
    )
    reports: list[RemindReport] = []

    def planner(snapshot: Snapshot) -> Plan:
        plan, report = plan_remind(register, snapshot, today, exposure, changes_link)
        reports.append(report)
        return plan

    stats = _run_with_policy(
        "remind",
        register,
        settings,
        lambda snapshot: remind_needs(register, snapshot, today, clock.now()),
        planner,
        dry_run=dry_run,
        budget=budget,
        limits=limits,
        stderr=stderr,
        sleep=sleep,
    )
    report = reports[0] if reports else RemindReport(today)
    return stats, report


def changes_link(root: Path, settings: Settings) -> str | None:
    """RISKS.md's "changed since the last quarterly review" on the default branch, if committed."""
    if not (root / REPORT_FILE).is_file() or not settings.repository:
        return None
    return f"{settings.blob_url(REPORT_FILE, 'HEAD')}#{CHANGED_ANCHOR}"
