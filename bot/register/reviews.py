"""Which reviews are due on a day, and how far up the escalation path an overdue one has climbed.

Reviews are recorded only in the risk files (``review.last_reviewed``). While a review is due,
it is reminded once per period of its effective cadence (Red: each day; Yellow: each week;
Green: each month): period 0 starts on the due day, period ``n`` ``n`` cadences later. The owner
is reminded in periods 0 and 1; each later period climbs one step up the escalation path, and
the top step repeats every period until the review is recorded. A reminder is identified by
(risk, due date, period), which is what :mod:`bot.reconcile.remind` posts once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from bot.register.acceptance import AcceptanceNotice
from bot.register.load import Register
from bot.register.policy import RISK_OWNER
from bot.register.rules import Notify, resolve
from bot.register.scoring import Assessment


@dataclass(frozen=True)
class Reminder:
    """One reminder: a due review at an escalation step, and who it names."""

    assessment: Assessment
    due: dt.date
    overdue_days: int
    step: int
    notify: tuple[Notify, ...]
    period: int = 0

    @property
    def risk_id(self) -> str:
        return self.assessment.risk.id

    @property
    def applicable(self) -> dt.datetime:
        """The earliest moment a reminder standing for this one could have been posted: the
        start of the period before (an older marker, by step, may cover this period)."""
        days = max(0, self.period - 1) * self.assessment.cadence_days
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
    held: list[Reminder] = field(default_factory=list)
    """Due, but not posted: the risk's file has errors."""
    notices: list[AcceptanceNotice] = field(default_factory=list)
    """Acceptances that end soon or have lapsed: each said once on the risk's issue."""
    notices_posting: list[AcceptanceNotice] = field(default_factory=list)
    by_comment: list[str] = field(default_factory=list)
    """Risks whose latest review was recorded by an authorised comment, not yet in the file."""


def review_period(overdue_days: int, cadence_days: int) -> int:
    """Which cadence period of a due review a day is in: 0 from the due day on."""
    return overdue_days // max(cadence_days, 1)


def escalation_step(overdue_days: int, cadence_days: int, path_length: int) -> int:
    """Owner first; one step up the path per full cadence period overdue beyond the first."""
    period = review_period(overdue_days, cadence_days)
    return max(0, min(path_length - 1, period - 1))


def step_marker_covers(step: int, period: int) -> bool:
    """Whether a reminder recorded by its step alone (the marker format before periods) stands
    for the reminder of ``period``: it does for every period up to the first at the next step,
    so a review reminded before the upgrade is not reminded again the same period."""
    return period <= step + 1


def reminders_due(
    register: Register, today: dt.date, reviewed: Mapping[str, dt.date] | None = None
) -> tuple[list[Reminder], list[Assessment]]:
    """Every open risk whose review is due today or earlier, with its escalation step.

    ``reviewed``: reviews recorded elsewhere than in the files (an authorised comment), by risk:
    the next review falls due a cadence after the later of the two.
    """
    policy = register.policy
    due: list[Reminder] = []
    later: list[Assessment] = []
    path = policy.escalation_path or (RISK_OWNER,)
    for a in register.assessments:
        if not a.risk.is_open:
            continue
        if reviewed and a.risk.id in reviewed:
            since = reviewed[a.risk.id] + dt.timedelta(days=a.cadence_days)
            a = replace(a, next_review=max(a.next_review, since))
        if a.next_review > today:
            later.append(a)
            continue
        overdue = (today - a.next_review).days
        # An accepted risk is off the escalation path: its owner is reminded, nobody above.
        step = 0 if a.accepted else escalation_step(overdue, a.cadence_days, len(path))
        notify = resolve(path[: step + 1], [a.risk], policy)
        period = review_period(overdue, a.cadence_days)
        due.append(Reminder(a, a.next_review, overdue, step, notify, period))
    later.sort(key=lambda a: (a.next_review, a.risk.id))
    return due, later


def quarter_of(day: dt.date) -> str:
    """``2026-Q4``."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
