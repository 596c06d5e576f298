"""What ``remind`` says once about each acceptance: that it ends soon, then that it has lapsed.

Each notice is one comment identified by (kind, risk, ``until``): on the risk's issue where it
has one, else on the issue that gathers the review digests. The bot's own comments on that issue
since the first day the notice could have been posted say whether it was; so a rerun, a late run
or a run after a missed day posts it exactly once, and a later ``until`` is a new acceptance
whose end is said anew.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.reconcile import markers
from bot.reconcile.plan import EnsureComment, IssueState, Snapshot
from bot.register.acceptance import AcceptanceNotice, notices_due
from bot.register.load import Register
from bot.render.acceptance import notice_comment


def due(register: Register) -> list[AcceptanceNotice]:
    """The notices due on the register's day, for risks whose files are sound."""
    failed = register.failed_ids
    found = notices_due(register.sound, register.policy)
    return [n for n in found if n.risk_id not in failed]


def target(notice: AcceptanceNotice, snapshot: Snapshot) -> str:
    """The ident of the issue a notice goes on: the risk's own, else the reviews issue."""
    own = markers.red_issue(notice.risk_id)
    if notice.assessment.band.opens_issue and own in snapshot.issues:
        return own
    return markers.REVIEWS


def ident(notice: AcceptanceNotice) -> str:
    return markers.acceptance_notice(notice.kind, notice.risk_id, notice.acceptance.until)


def since(notice: AcceptanceNotice, register: Register) -> dt.datetime:
    """The earliest moment the notice could have been posted."""
    day = notice.since(register.policy.acceptance.notice_days)
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def notice_needs(register: Register, snapshot: Snapshot) -> dict[int, dt.datetime]:
    """The issues whose bot comments say which notices were posted, each since when."""
    wanted: dict[int, dt.datetime] = {}
    for notice in due(register):
        issue = snapshot.issues.get(target(notice, snapshot))
        if issue is None or issue.number is None:
            continue
        start = since(notice, register)
        wanted[issue.number] = min(wanted.get(issue.number, start), start)
    return wanted


def _posted(notice: AcceptanceNotice, issue: IssueState | None, snapshot: Snapshot) -> bool:
    if issue is None or issue.number is None:
        return False
    return any(c.ident == ident(notice) for c in snapshot.comments.get(issue.number, []))


def plan_notices(
    register: Register, snapshot: Snapshot
) -> tuple[list[EnsureComment], list[AcceptanceNotice], list[AcceptanceNotice]]:
    """The notice comments not posted yet; every notice due, and those being posted."""
    notices = due(register)
    actions: list[EnsureComment] = []
    posting: list[AcceptanceNotice] = []
    for notice in notices:
        where = target(notice, snapshot)
        if _posted(notice, snapshot.issues.get(where), snapshot):
            continue
        body = notice_comment(notice, register.policy, register.today)
        actions.append(EnsureComment(ident(notice), body, issue=where))
        posting.append(notice)
    return actions, notices, posting


def needs_reviews_issue(actions: Sequence[EnsureComment]) -> bool:
    """Whether a notice goes on the reviews issue (which must then exist)."""
    return any(a.issue == markers.REVIEWS for a in actions)
