"""riskbot's stored state on GitHub: the idents of everything it writes, formatted and read here.

Every issue and comment the bot owns carries a hidden marker, ``<!-- riskbot:id=IDENT k=v -->``.
The ident says what the item is (``red-issue/R-001``, ``review/R-004/2026-11-20/p3``); the
other fields record state (the score last escalated, the round, the reminders a digest holds).
These strings are read back by every later run, so their formats are a contract: they are built
and parsed in this module only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.render.markdown import hidden_marker, parse_marker

RED_ISSUE = "red-issue"
SCORE_UP = "score-up"
LEFT_RED = "left-red"
REMINDER = "review"
REVIEWS = "reviews"
DIGEST = "reviews"
QUARTERLY = "quarterly"
PR_REPORT = "pr-report"
DUPLICATE = "duplicate"
ACCEPTANCE = "acceptance"

_RED_ISSUE = re.compile(rf"{RED_ISSUE}/(?P<risk>R-[0-9]{{3,}})")
_REMINDER_KEY = re.compile(
    r"(?P<risk>R-[0-9]{3,}):(?P<due>[0-9]{4}-[0-9]{2}-[0-9]{2}):(?P<p>p?)(?P<n>[0-9]+)"
)


def red_issue(risk_id: str) -> str:
    """The issue of a risk in a band that opens issues (the plan's Red): ``red-issue/R-001``,
    whatever the band."""
    return f"{RED_ISSUE}/{risk_id}"


def red_issue_risk(ident: str) -> str | None:
    """The risk a Red issue's ident names, or None when the ident is not a Red issue's."""
    match = _RED_ISSUE.fullmatch(ident)
    return match.group("risk") if match else None


def new_red(band: str, risk_id: str, round_: int) -> str:
    """The escalation comment of the ``round_``-th time a risk entered the issue bands, in
    ``band``: ``red/R-001/round-1`` for the plan's Red band."""
    return f"{band}/{risk_id}/round-{round_}"


def score_up(risk_id: str, old: int, new: int) -> str:
    """The team-lead comment for a rise from ``old`` to ``new``."""
    return f"{SCORE_UP}/{risk_id}/{old}-{new}"


def left_red(risk_id: str, round_: int) -> str:
    """The comment saying why a Red issue closes, once per round."""
    return f"{LEFT_RED}/{risk_id}/round-{round_}"


@dataclass(frozen=True, order=True)
class ReminderKey:
    """A reminder's identity: the risk, the review's due date, the cadence period."""

    risk: str
    due: dt.date
    period: int

    def __str__(self) -> str:
        """``R-004:2026-11-20:p3``, the form markers record."""
        return f"{self.risk}:{self.due.isoformat()}:p{self.period}"


@dataclass(frozen=True, order=True)
class StepKey:
    """A reminder as markers recorded it before periods: (risk, due date, escalation step).

    Still read, so that what was posted then counts as posted (see
    :func:`bot.register.reviews.step_marker_covers`)."""

    risk: str
    due: dt.date
    step: int

    def __str__(self) -> str:
        return f"{self.risk}:{self.due.isoformat()}:{self.step}"


def reminder(key: ReminderKey) -> str:
    """A Red risk's reminder comment: ``review/R-001/2026-11-20/p3``."""
    return f"{REMINDER}/{key.risk}/{key.due.isoformat()}/p{key.period}"


def reminder_keys(fields: Mapping[str, str]) -> set[ReminderKey | StepKey]:
    """The reminders a bot comment's marker records: its ``key``, or a digest's ``items``."""
    found: set[ReminderKey | StepKey] = set()
    texts = [fields.get("key", "")] if fields.get("id", "").startswith(f"{REMINDER}/") else []
    texts += fields.get("items", "").split("+")
    for text in filter(None, texts):
        match = _REMINDER_KEY.fullmatch(text)
        if match:
            due = dt.date.fromisoformat(match.group("due"))
            kind = ReminderKey if match.group("p") else StepKey
            found.add(kind(match.group("risk"), due, int(match.group("n"))))
    return found


def digest(day: dt.date, keys: Iterable[ReminderKey]) -> tuple[str, dict[str, str]]:
    """The ident and fields of a day's digest of Yellow and Green reminders."""
    items = "+".join(str(k) for k in sorted(keys))
    digest_id = hashlib.sha256(items.encode()).hexdigest()[:10]
    return f"{DIGEST}/{day.isoformat()}/{digest_id}", {"items": items, DAY: day.isoformat()}


DAY = "day"
"""The field of a reminder's marker that says which of riskbot's days it was posted for."""
_DIGEST_DAY = re.compile(rf"{DIGEST}/(?P<day>[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}})/[0-9a-f]+")


def _iso_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def reminder_day(fields: Mapping[str, str], created_at: dt.datetime | None) -> dt.date | None:
    """The day a reminder comment was posted for, by riskbot's clock: its marker's ``day``.

    Markers written before they carried it still count: a digest's ident names its day; a Red
    reminder's day is then the one GitHub stamped it with (None when that is unknown too).
    """
    if (day := _iso_date(fields.get(DAY, ""))) is not None:
        return day
    if match := _DIGEST_DAY.fullmatch(fields.get("id", "")):
        return _iso_date(match.group("day"))
    return created_at.date() if created_at is not None else None


def quarterly(quarter: str) -> str:
    """The quarter's review issue: ``quarterly/2026-Q4``."""
    return f"{QUARTERLY}/{quarter}"


def pr_report(number: int) -> str:
    """The one sticky comment on a pull request."""
    return f"{PR_REPORT}/{number}"


def duplicate(number: int) -> str:
    """The note on an issue closed as a duplicate."""
    return f"{DUPLICATE}/{number}"


def render(ident: str, fields: Mapping[str, str] | None = None) -> str:
    """The hidden marker: the ident first, then the recorded fields."""
    return hidden_marker(id=ident, **dict(fields or {}))


def read(body: str | None) -> dict[str, str] | None:
    """The fields of the riskbot marker in a body (``id`` included), or None without one."""
    if not body:
        return None
    fields = parse_marker(body)
    if fields is None or "id" not in fields:
        return None
    return fields


def acceptance_notice(kind: str, risk_id: str, until: dt.date) -> str:
    """The one comment saying an acceptance ends soon (``kind`` ending) or has lapsed:
    ``acceptance/ending/R-001/2027-01-26``; a new ``until`` is a new acceptance, said anew."""
    return f"{ACCEPTANCE}/{kind}/{risk_id}/{until.isoformat()}"


REPLY = "reply"
FOLD_REVIEWS = "fold-reviews"
ACCEPT = "accept"
PROPOSE = "propose"
FORM = "form"


def reply(comment_id: int) -> str:
    """The bot's one answer to a command comment: ``reply/3000000012``."""
    return f"{REPLY}/{comment_id}"


def accept_pr(comment_id: int) -> str:
    """The pull request an acceptance request opens: ``accept/3000000012``."""
    return f"{ACCEPT}/{comment_id}"


def propose_pr(issue_number: int) -> str:
    """The pull request adding the risk an issue form proposes: ``propose/12``."""
    return f"{PROPOSE}/{issue_number}"


def form_answer(issue_number: int) -> str:
    """The bot's answer on a proposal issue (what to fix, or where the pull request is)."""
    return f"{FORM}/{issue_number}"
