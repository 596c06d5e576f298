"""Review reminders on the plan's monitoring schedule, escalation of overdue reviews, and the
quarterly review issue.

A reminder is identified by (risk, due date, cadence period): one per period while the review
is overdue, its escalation step recorded beside it. It is posted once: the bot's own earlier
comments (gathered into the snapshot, see :func:`remind_needs`) say what was already posted, so
a rerun, a late run or a run after a missed day posts exactly what is missing, and a risk
reminded today is not reminded again today. Their markers record the day each was posted for,
by riskbot's clock (``--today``), so what counts as posted never depends on whether GitHub's
clock agrees; the rhythm of an overdue review's reminders starts at its first one, one a cadence
period from there. Reviews are recorded only in the risk files (``last_reviewed``); nothing the
bot writes counts as one. A risk whose file has errors is left alone (held back) until the file
is fixed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.reconcile import acceptance, markers
from bot.reconcile.commands import CommentReview, comment_reviews
from bot.reconcile.plan import (
    Action,
    EnsureComment,
    EnsureIssue,
    EnsureLabel,
    IssueState,
    Needs,
    Plan,
    Snapshot,
    held_back,
)
from bot.register.load import Register
from bot.register.reviews import (
    Reminder,
    RemindReport,
    quarter_of,
    reminders_due,
    step_marker_covers,
)
from bot.render.issues import (
    REVIEWS_TITLE,
    digest_body,
    quarterly_body,
    quarterly_title,
    red_reminder_body,
    reviews_body,
)

REVIEW_LABEL = "risk:review"


def _key(r: Reminder) -> markers.ReminderKey:
    return markers.ReminderKey(r.risk_id, r.due, r.period)


def _due(
    register: Register, today: dt.date, reviewed: Mapping[str, dt.date] | None = None
) -> tuple[list[Reminder], list[Reminder]]:
    """The reminders due today, and those held back because their risk's file has errors."""
    due, _ = reminders_due(register, today, reviewed)
    failed = register.failed_ids
    return [r for r in due if r.risk_id not in failed], [r for r in due if r.risk_id in failed]


def _split(due: Sequence[Reminder], snapshot: Snapshot) -> tuple[list[Reminder], list[Reminder]]:
    """Reminders of risks in the issue bands go on the risk's issue (when it has one); the rest
    into the digest (one pass: a register of thousands is split in linear time)."""
    reds: list[Reminder] = []
    rest: list[Reminder] = []
    for r in due:
        own = r.assessment.band.opens_issue and markers.red_issue(r.risk_id) in snapshot.issues
        (reds if own else rest).append(r)
    return reds, rest


SKEW = dt.timedelta(days=1)
"""How far GitHub's clock and riskbot's day may disagree (a runner's clock, a run near midnight,
``--today``): every listing of earlier reminders reaches this much further back."""


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def _window(
    issue: IssueState | None,
    reminders: Sequence[Reminder],
    today: dt.date,
    now: dt.datetime | None,
) -> dt.datetime | None:
    """Since when an issue's comments could hold these reminders (the start of the period
    before, or of the current rhythm period) or a review by comment newer than the file's (the
    day after its ``last_reviewed``), a day early for a skewed clock, and never after
    ``now`` (the runner's clock: GitHub stamped what it posted by its own); None: nothing to
    read."""
    if issue is None or issue.number is None or not reminders:
        return None
    starts = [r.applicable for r in reminders]
    starts += [
        _midnight(today) - dt.timedelta(days=r.assessment.cadence_days - 1) for r in reminders
    ]
    starts += [_after_file_review(r) for r in reminders]
    if now is not None:
        starts.append(now)
    return min(starts) - SKEW


def _after_file_review(r: Reminder) -> dt.datetime:
    return _midnight(r.due - dt.timedelta(days=r.assessment.cadence_days - 1))


def reviews_by_comment(register: Register, snapshot: Snapshot) -> dict[str, CommentReview]:
    """The authorised reviews by comment on the bot's issues that the snapshot holds."""
    idents = {i.number: i.ident for i in snapshot.issues.values() if i.number is not None}
    return comment_reviews(register, snapshot.commands, idents)


def remind_needs(
    register: Register, snapshot: Snapshot, today: dt.date, now: dt.datetime | None = None
) -> Needs:
    """The issues whose bot comments tell which due reminders were already posted, each since
    the earliest moment one of them could have been posted (the shell reads them in one go).

    ``now``: the runner's clock, so that a ``--today`` ahead of it still lists what GitHub
    stamped before it.
    """
    due, _ = _due(register, today)
    reds, rest = _split(due, snapshot)
    wanted: dict[int, dt.datetime | None] = {}
    pairs: list[tuple[IssueState | None, list[Reminder]]] = [
        (snapshot.issues[markers.red_issue(r.risk_id)], [r]) for r in reds
    ]
    pairs.append((snapshot.issues.get(markers.REVIEWS), rest))
    for issue, reminders in pairs:
        since = _window(issue, reminders, today, now)
        if since is not None and issue is not None and issue.number is not None:
            earlier = wanted.get(issue.number)
            wanted[issue.number] = since if earlier is None else min(earlier, since)
    for number, start in acceptance.notice_needs(register, snapshot).items():
        since = start - SKEW  # as wide as the reminders' listing, for a skewed clock
        earlier = wanted.get(number)
        wanted[number] = since if earlier is None else min(earlier, since)
    return Needs(comments=wanted)


Posted = set[markers.ReminderKey | markers.StepKey]


@dataclass
class Earlier:
    """What the bot's earlier reminder comments on an issue record, by their markers."""

    keys: Posted = field(default_factory=set)
    days: dict[str, set[dt.date]] = field(default_factory=dict)
    """Each risk: the days it was reminded on (riskbot's days)."""
    last: dict[tuple[str, dt.date], dt.date] = field(default_factory=dict)
    """Each (risk, due date): the latest day a reminder of that review was posted for."""

    def is_new(self, r: Reminder, today: dt.date) -> bool:
        """Not posted for its period, nor anything for its risk today, nor for its review
        within the last cadence period (the rhythm starts at the first reminder)."""
        if is_posted(r, self.keys) or today in self.days.get(r.risk_id, ()):
            return False
        last = self.last.get((r.risk_id, r.due))
        return last is None or (today - last).days >= r.assessment.cadence_days


def _earlier(snapshot: Snapshot, issue: IssueState | None) -> Earlier:
    """The reminders the bot's comments on an issue record, with the day each was for."""
    found = Earlier()
    if issue is None or issue.number is None:
        return found
    for comment in snapshot.comments.get(issue.number, []):
        fields = markers.read(comment.body) or {}
        keys = markers.reminder_keys(fields)
        found.keys |= keys
        day = markers.reminder_day(fields, comment.created_at)
        if day is None:
            continue
        for k in keys:
            found.days.setdefault(k.risk, set()).add(day)
            found.last[(k.risk, k.due)] = max(day, found.last.get((k.risk, k.due), day))
    return found


def is_posted(r: Reminder, posted: Posted) -> bool:
    """Posted for its period, or (by a marker of the older format) for its step."""
    if _key(r) in posted:
        return True
    return any(
        isinstance(k, markers.StepKey)
        and (k.risk, k.due) == (r.risk_id, r.due)
        and step_marker_covers(k.step, r.period)
        for k in posted
    )


def red_reminder(r: Reminder, today: dt.date) -> EnsureComment:
    """A Red risk's reminder on its issue; its marker records the period and the day."""
    key = _key(r)
    return EnsureComment(
        markers.reminder(key),
        red_reminder_body(r),
        fields={"key": str(key), "step": str(r.step), markers.DAY: today.isoformat()},
        issue=markers.red_issue(r.risk_id),
    )


def digest(reminders: Sequence[Reminder], today: dt.date) -> EnsureComment:
    """One comment gathering the day's new reminders of risks without an issue of their own."""
    ident, fields = markers.digest(today, (_key(r) for r in reminders))
    return EnsureComment(ident, digest_body(reminders, today), fields=fields, issue=markers.REVIEWS)


def quarterly_issue(
    register: Register,
    today: dt.date,
    exposure_markdown: str | None,
    changes_link: str | None = None,
) -> EnsureIssue:
    """The quarter's review issue: all risks by band with owners, exposure, new risks."""
    policy = register.policy
    quarter = quarter_of(today)
    return EnsureIssue(
        ident=markers.quarterly(quarter),
        title=quarterly_title(quarter),
        body=quarterly_body(register, quarter, exposure_markdown, changes_link),
        labels=(policy.label, REVIEW_LABEL),
        edit=False,
    )


def plan_remind(
    register: Register,
    snapshot: Snapshot,
    today: dt.date,
    exposure_markdown: str | None = None,
    changes_link: str | None = None,
) -> tuple[Plan, RemindReport]:
    """The reminders and the quarterly issue that are due and not yet posted."""
    policy = register.policy
    report = RemindReport(today)
    by_comment = reviews_by_comment(register, snapshot)
    reviewed = {rid: review.day for rid, review in by_comment.items()}
    report.by_comment = sorted(by_comment)
    _, report.not_due = reminders_due(register, today, reviewed)
    due, held = _due(register, today, reviewed)
    report.due = due
    report.held = held
    actions: list[Action] = []
    if markers.quarterly(quarter_of(today)) not in snapshot.issues:
        actions.append(quarterly_issue(register, today, exposure_markdown, changes_link))
        report.quarterly = quarter_of(today)
    reds, rest = _split(due, snapshot)
    for r in sorted(reds, key=lambda x: x.risk_id):
        if _earlier(snapshot, snapshot.issues[markers.red_issue(r.risk_id)]).is_new(r, today):
            actions.append(red_reminder(r, today))
            report.posting.append(r)
    earlier = _earlier(snapshot, snapshot.issues.get(markers.REVIEWS))
    new = [r for r in rest if earlier.is_new(r, today)]
    notes, report.notices, report.notices_posting = acceptance.plan_notices(register, snapshot)
    in_reviews = acceptance.needs_reviews_issue(notes)
    if new or report.quarterly or in_reviews:
        actions.insert(0, EnsureLabel(REVIEW_LABEL, "fbca04", "Managed by riskbot: risk reviews"))
    if new or in_reviews:
        actions.append(
            EnsureIssue(
                markers.REVIEWS,
                REVIEWS_TITLE,
                reviews_body(policy),
                labels=(policy.label, REVIEW_LABEL),
                edit=False,
            )
        )
    if new:
        actions.append(digest(new, today))
        report.posting.extend(new)
    actions += notes
    return Plan(actions, held_back=held_back(register.failed_files, "no reminders")), report
