"""Which reviews are due on a day, and how far up the escalation path an overdue one has climbed.

Reviews are recorded only in the risk files (``review.last_reviewed``); a reminder is identified
by (risk, due date, escalation step), which is what :mod:`bot.reconcile.remind` posts once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

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

    @property
    def risk_id(self) -> str:
        return self.assessment.risk.id

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
    """``2026-Q4``."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
