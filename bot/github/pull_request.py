"""``riskbot pr`` as a library function: where a pull request's base and head come from, its
report, and in a pull request's run the approvals, the annotations, the step summary and the
comment payload."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bot.errors import RiskbotError, UsageError
from bot.github.events import PULL_REQUEST_EVENTS, EventError, PullRequestEvent, pull_request_event

PrFormat = Literal["markdown", "json"]


@dataclass(frozen=True)
class PrRequest:
    """What ``riskbot pr`` was asked: the options, as plain values."""

    root: Path
    base: str | None = None
    head: str | None = None
    fmt: PrFormat = "markdown"
    payload_dir: Path = Path("riskbot-pr")
    today: dt.date | None = None


@dataclass(frozen=True)
class Revisions:
    """The two revisions to compare, and the pull request event they came from (if any)."""

    base: str
    head: str | None
    """None: the working tree."""
    event: PullRequestEvent | None = None


def pr_revisions(base: str | None, head: str | None, env: Mapping[str, str]) -> Revisions:
    """The options' base and head; on a pull request event (in Actions) the event's fill in
    what the options leave out. Without a base to compare with, a usage error."""
    event = None
    if env.get("GITHUB_EVENT_NAME") in PULL_REQUEST_EVENTS and env.get("GITHUB_EVENT_PATH"):
        try:
            event = pull_request_event(env["GITHUB_EVENT_PATH"])
        except EventError as exc:
            raise UsageError(f"GITHUB_EVENT_PATH: {exc}") from None
        base = base or event.base_sha
        head = head or event.head_sha
    if base is None:
        raise UsageError("--base is required outside a pull_request event")
    return Revisions(base, head, event)


@dataclass(frozen=True)
class PrOutcome:
    """What the run printed for Actions, the report document, and how it ends."""

    annotations: str
    document: str
    exit_code: int
    failure: RiskbotError | None = None
    """An error to end with once everything is printed (the reviews could not be read)."""


def run_pr(request: PrRequest, env: Mapping[str, str]) -> PrOutcome:
    """Compare the revisions and render the report; on a pull request event also read the
    reviews, and write the step summary and the comment payload."""
    from bot.render.pr import render_json, render_markdown_report
    from bot.repo.revisions import build_report

    revisions = pr_revisions(request.base, request.head, env)
    report = build_report(request.root, revisions.base, revisions.head, request.today)
    event = revisions.event
    if event is None:
        body = render_json(report) if request.fmt == "json" else render_markdown_report(report)
        return PrOutcome("", body, report.exit_code)

    from bot.github.payload import write_payload
    from bot.github.reviews import check_pr_approvals  # PyGithub, only in a PR's run
    from bot.github.settings import from_env
    from bot.github.step import emit
    from bot.reconcile.comment import Payload
    from bot.render.pr import actions_output, comment_body

    settings = from_env(env, require_repository="GITHUB_TOKEN" in env)
    report.approval, failure = check_pr_approvals(
        report, settings, event.number, event.head_sha, event.author
    )
    if settings.run_url:
        report.links = {"summary": settings.run_url}
    body = render_json(report) if request.fmt == "json" else render_markdown_report(report)
    annotations = emit(actions_output(report), env)
    payload = Payload(event.number, event.head_sha, report.touches_risks, comment_body(report))
    write_payload(request.payload_dir, payload)
    return PrOutcome(annotations, body, report.exit_code, failure)
