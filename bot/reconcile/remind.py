"""Review reminders on the plan's monitoring schedule, escalation of overdue reviews, and the
quarterly review issue.

A reminder is identified by (risk, due date, escalation step). It is posted once: the bot's own
earlier comments say what was already posted, so a rerun, a late run or a run after a missed day
posts exactly what is missing. Reviews are recorded only in the risk files (``last_reviewed``);
nothing the bot writes counts as one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.reconcile.plan import (
    Action,
    CommentState,
    EnsureComment,
    EnsureIssue,
    EnsureLabel,
    IssueState,
    Snapshot,
    marker,
    marker_fields,
)
from bot.reconcile.sync import issue_ident
from bot.register.load import Register
from bot.register.policy import RISK_OWNER, Policy
from bot.register.rules import Notify, owners_of, resolve
from bot.register.scoring import Assessment
from bot.render.markdown import escape_cell, escape_text
from bot.render.who import mentions

REVIEWS_IDENT = "reviews"
REVIEW_LABEL = "risk:review"
REVIEWS_TITLE = "Risk reviews"
REVIEWS_BODY = (
    "{marker}\nriskbot posts review reminders for Yellow and Green risks here, one comment per "
    "day with something new. A review is recorded by a pull request that updates the risk's "
    "`last_reviewed` (`riskbot review R-0NN --note ...`); comments here do not count as reviews.\n"
)
RED_REMINDER = (
    "{marker}\n⏰ **Review due: {rid}** (Red, reviewed {cadence}). Due {due}{late}.\n\n"
    "{who}: please review `{file}` and record it with `riskbot review {rid}`.{escalation}"
)


@dataclass(frozen=True)
class Reminder:
    """One reminder: a due review at an escalation step."""

    assessment: Assessment
    due: dt.date
    overdue_days: int
    step: int
    notify: tuple[Notify, ...]

    @property
    def risk_id(self) -> str:
        return self.assessment.risk.id

    @property
    def key(self) -> str:
        """Identity inside markers: ``R-004:2026-11-20:1``."""
        return f"{self.risk_id}:{self.due.isoformat()}:{self.step}"

    @property
    def applicable(self) -> dt.datetime:
        """The earliest moment this reminder could have been posted."""
        days = 0 if self.step == 0 else self.step * self.assessment.cadence_days + 1
        start = self.due + dt.timedelta(days=days)
        return dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC)


@dataclass
class RemindReport:
    """What a run found due, what it posts, and what is not due yet (for the summary)."""

    today: dt.date
    due: list[Reminder] = field(default_factory=list)
    posting: list[Reminder] = field(default_factory=list)
    not_due: list[Assessment] = field(default_factory=list)
    quarterly: str | None = None


def escalation_step(overdue_days: int, cadence_days: int, path_length: int) -> int:
    """Owner first; one step up the path per full cadence period overdue beyond the first."""
    if overdue_days <= cadence_days:
        return 0
    return min(path_length - 1, (overdue_days - 1) // cadence_days)


def reminders_due(register: Register, today: dt.date) -> tuple[list[Reminder], list[Assessment]]:
    """Every open risk whose review is due today or earlier, with its escalation step."""
    policy = register.policy
    if policy is None:
        return [], []
    due: list[Reminder] = []
    later: list[Assessment] = []
    path = policy.escalation_path or (RISK_OWNER,)
    for a in register.assessments:
        if not a.risk.is_open:
            continue
        if a.next_review > today:
            later.append(a)
            continue
        overdue = (today - a.next_review).days
        step = escalation_step(overdue, a.cadence_days, len(path))
        notify = resolve(path[: step + 1], [a.risk], policy)
        due.append(Reminder(a, a.next_review, overdue, step, notify))
    later.sort(key=lambda a: (a.next_review, a.risk.id))
    return due, later


def quarter_of(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _late(r: Reminder) -> str:
    if r.overdue_days == 0:
        return " (today)"
    return f", overdue by {r.overdue_days} day{'s' * (r.overdue_days != 1)}"


def _escalation_note(r: Reminder, policy: Policy) -> str:
    if r.step == 0:
        return ""
    names = " → ".join(escape_text(n.name) for n in r.notify)
    return (
        f"\n\nEscalated (step {r.step + 1} of the escalation path, one step per "
        f"{r.assessment.cadence} period overdue): {names}."
    )


def _posted_keys(comments: Sequence[CommentState]) -> set[str]:
    """Reminder keys already posted, from the bot's own comment markers."""
    keys: set[str] = set()
    for c in comments:
        fields = marker_fields(c.body) or {}
        if fields.get("id", "").startswith("review/"):
            keys.add(fields.get("key", ""))
        keys.update(k for k in fields.get("items", "").split("+") if k)
    return keys


def red_reminder(r: Reminder, policy: Policy) -> EnsureComment:
    a = r.assessment
    ident = f"review/{a.risk.id}/{r.due.isoformat()}/{r.step}"
    body = RED_REMINDER.format(
        marker=marker(ident, key=r.key),
        rid=a.risk.id,
        cadence=escape_text(a.cadence),
        due=r.due.isoformat(),
        late=_late(r),
        who=mentions(r.notify),
        file=escape_text(a.risk.file),
        escalation=_escalation_note(r, policy),
    )
    return EnsureComment(ident, body, issue=issue_ident(a.risk.id))


def digest(reminders: Sequence[Reminder], policy: Policy, today: dt.date) -> EnsureComment:
    """One comment gathering the new Yellow and Green reminders of the day."""
    keys = sorted(r.key for r in reminders)
    digest_id = hashlib.sha256("+".join(keys).encode()).hexdigest()[:10]
    ident = f"reviews/{today.isoformat()}/{digest_id}"
    lines = [
        marker(ident, items="+".join(keys)),
        f"### Reviews due — {today.isoformat()}",
        "",
        "| Risk | Band | File | Due | Who |",
        "|---|---|---|---|---|",
    ]
    seen: set[str] = set()
    for r in sorted(reminders, key=lambda x: (-x.overdue_days, x.risk_id)):
        step = f" (escalated to step {r.step + 1})" if r.step else ""
        lines.append(
            f"| **{r.risk_id}** {escape_cell(r.assessment.risk.title)} | "
            f"{r.assessment.band.label} | `{escape_cell(r.assessment.risk.file)}` | "
            f"{r.due.isoformat()}{escape_cell(_late(r))}{step} | "
            f"{mentions(r.notify, seen)} |"
        )
    lines += ["", "Record a review with `riskbot review R-0NN --note ...` in a pull request."]
    return EnsureComment(ident, "\n".join(lines) + "\n", issue=REVIEWS_IDENT)


def quarterly_issue(
    register: Register, today: dt.date, exposure_markdown: str | None
) -> EnsureIssue:
    """The quarter's review issue: all risks by band with owners, exposure, new risks."""
    policy = register.policy
    assert policy is not None
    quarter = quarter_of(today)
    ident = f"quarterly/{quarter}"
    lines = [
        marker(ident),
        f"## Quarterly risk review — {quarter}",
        "",
        f"The plan asks for a quarterly review of {escape_text(policy.quarterly_scope)}. "
        "Tick each risk once its owner has reviewed it (and recorded `last_reviewed`).",
        "",
    ]
    for band in policy.bands:
        at = [a for a in register.assessments if a.band.name == band.name and a.risk.is_open]
        lines += [f"### {escape_text(band.label)} ({len(at)})", ""]
        for a in at:
            owners = mentions(owners_of(a.risk, policy))
            lines.append(
                f"- [ ] **{a.risk.id}** {escape_text(a.risk.title)} — score {a.score}; "
                f"owner {owners}"
            )
        lines.append("")
    lines += ["### Contingency exposure per release", ""]
    lines += [exposure_markdown or "_No releases in the policy._", ""]
    lines += [
        "### New risk identification",
        "",
        "- [ ] What changed this quarter that could threaten the schedule, security or adoption?",
        "- [ ] Did any risk occur that is not in the register? Add it with `riskbot new`.",
        "- [ ] Are the impact and probability levels still right?",
        "",
    ]
    return EnsureIssue(
        ident=ident,
        title=f"Quarterly risk review — {quarter}",
        body="\n".join(lines),
        labels=(policy.label, REVIEW_LABEL),
        edit=False,
    )


CommentsReader = Callable[[int, dt.datetime | None], list[CommentState]]


def _already_posted(
    issue: IssueState | None, reminders: Sequence[Reminder], comments: CommentsReader
) -> set[str]:
    if issue is None or issue.number <= 0 or not reminders:
        return set()
    since = min(r.applicable for r in reminders)
    if issue.updated_at and dt.datetime.fromisoformat(issue.updated_at) < since:
        return set()  # nothing was written there since: no need to read
    return _posted_keys(comments(issue.number, since))


def plan_remind(
    register: Register,
    snapshot: Snapshot,
    today: dt.date,
    comments: CommentsReader,
    exposure_markdown: str | None = None,
) -> tuple[list[Action], RemindReport]:
    """The reminders and the quarterly issue that are due and not yet posted."""
    policy = register.policy
    report = RemindReport(today)
    if policy is None:
        return [], report
    due, report.not_due = reminders_due(register, today)
    report.due = due
    actions: list[Action] = []
    quarter_ident = f"quarterly/{quarter_of(today)}"
    if quarter_ident not in snapshot.issues:
        actions.append(quarterly_issue(register, today, exposure_markdown))
        report.quarterly = quarter_of(today)
    reds = [
        r
        for r in due
        if r.assessment.band.name == "red" and issue_ident(r.risk_id) in snapshot.issues
    ]
    rest = [r for r in due if r not in reds]
    for r in sorted(reds, key=lambda x: x.risk_id):
        issue = snapshot.issues[issue_ident(r.risk_id)]
        if r.key not in _already_posted(issue, [r], comments):
            actions.append(red_reminder(r, policy))
            report.posting.append(r)
    reviews = snapshot.issues.get(REVIEWS_IDENT)
    posted = _already_posted(reviews, rest, comments)
    new = [r for r in rest if r.key not in posted]
    if new or report.quarterly:
        actions.insert(0, EnsureLabel(REVIEW_LABEL, "fbca04", "Managed by riskbot: risk reviews"))
    if new:
        actions.append(
            EnsureIssue(
                REVIEWS_IDENT,
                REVIEWS_TITLE,
                REVIEWS_BODY.format(marker=marker(REVIEWS_IDENT)),
                labels=(policy.label, REVIEW_LABEL),
                edit=False,
            )
        )
        actions.append(digest(new, policy, today))
        report.posting.extend(new)
    return actions, report


def render_report(report: RemindReport, *, markdown: bool) -> str:
    """What was reminded, and what is not due yet; says so when nothing is due."""
    lines: list[str] = []
    head = f"Reminders for {report.today.isoformat()}"
    lines += [f"### {head}" if markdown else head, ""]
    if not report.due:
        lines.append("Nothing due today.")
    for r in report.due:
        state = "reminding" if r in report.posting else "already reminded"
        who = " → ".join(n.name for n in r.notify)
        text = (
            f"{r.risk_id} ({r.assessment.band.label}) due {r.due.isoformat()}"
            f"{_late(r)}; step {r.step + 1} ({who}): {state}"
        )
        lines.append(f"- {escape_text(text)}" if markdown else f"  {text}")
    if report.quarterly:
        lines.append(f"{'- ' if markdown else '  '}opening the quarterly review {report.quarterly}")
    if report.not_due:
        lines += ["", "Not yet due:" if not markdown else "**Not yet due:**", ""]
        for a in report.not_due:
            text = f"{a.risk.id} ({a.band.label}) next review {a.next_review.isoformat()}"
            lines.append(f"- {escape_text(text)}" if markdown else f"  {text}")
    return "\n".join(lines) + "\n"
