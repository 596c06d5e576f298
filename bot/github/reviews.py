"""The approval gate of a pull request: its reviews, read with the PR job's read-only token.

``GET /repos/{o}/{r}/pulls/{n}/reviews`` needs only ``pull-requests: read``, so the fork-safe
``pull_request`` job can read it. Which reviews count is decided by
:func:`bot.register.approvals.check_approvals`.
"""

from __future__ import annotations

from github import GithubException
from requests.exceptions import RequestException

from bot.errors import RiskbotError, UsageError
from bot.github.api import GitHubApi, Limits, SetupFailed, StopRun
from bot.github.run import describe_error, scrub
from bot.github.settings import TOKEN_FIX, Settings
from bot.register.approvals import ApprovalCheck, check_approvals
from bot.register.compare import PrReport
from bot.render.summary import Stats

REVIEWS_MAX_WAIT = 60.0
"""Longest wait for a rate limit while reading reviews: shorter than a run's, since the pull
request's check waits on it."""
NO_TOKEN = (
    f"GITHUB_TOKEN is not set, so the reviews cannot be read: give the step `{TOKEN_FIX}` "
    "and the job `pull-requests: read`"
)


def check_pr_approvals(
    report: PrReport, settings: Settings, number: int, head_sha: str, author: str | None = None
) -> tuple[ApprovalCheck, RiskbotError | None]:
    """The approvals the change needs, held against the reviews on ``head_sha`` (an
    acceptance's not by ``author``, the pull request's).

    When they cannot be read the approvals are "not checked" and the error to exit with comes
    back too (after the report is written): a setup error (exit 2) for a missing token or
    permission, else a run that could not finish (exit 1).
    """
    approvals = report.comparison.approvals
    if not approvals:
        return report.approval, None
    if not settings.has_token or settings.repository is None:
        if not settings.in_actions:
            return report.approval, None  # a laptop: not checked, and that is no error
        unread = check_approvals(approvals, None, None, NO_TOKEN, author)
        return unread, UsageError(f"pr: {NO_TOKEN}")
    stats = Stats()
    api = GitHubApi(settings, Limits(max_wait=REVIEWS_MAX_WAIT), stats)
    try:
        reviews = api.pull_reviews(number)
    except SetupFailed as exc:
        why = scrub(str(exc), settings)
        return check_approvals(approvals, None, None, why, author), UsageError(f"pr: {why}")
    except (StopRun, GithubException, RequestException) as exc:
        detail = str(exc) if isinstance(exc, StopRun) else describe_error(exc)
        why = scrub(f"the reviews could not be read: {detail}", settings)
        return check_approvals(approvals, None, None, why, author), RiskbotError(f"pr: {why}")
    finally:
        api.close()
    return check_approvals(approvals, reviews, head_sha, author=author), None
