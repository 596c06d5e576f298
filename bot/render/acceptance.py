"""Accepted risks in words: one wording for ``check``, ``report``, ``pr`` and the issues.

An accepted risk keeps its band, so it is shown in it, marked: ``Red, accepted`` in text, the
policy's acceptance mark (escaped like every policy text) in Markdown tables and heat maps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.register.acceptance import AcceptanceChange, AcceptanceNotice, authority
from bot.register.policy import Policy
from bot.register.scoring import Assessment
from bot.render.markdown import (
    Cell,
    Markdown,
    bold,
    code_span,
    escape_cell,
    escape_text,
    join,
    table,
)
from bot.render.who import who

HEADER = ("Risk", "Band", "Requested by", "Until", "State", "Authority", "Rationale")


def state_word(a: Assessment, today: dt.date) -> str:
    """A table's state of an acceptance beside its ``until``: ``accepted``, ``ends in 10 days``,
    ``lapsed on 2026-11-23``."""
    held = a.risk.acceptance
    if held is None:
        return ""
    if a.acceptance == "lapsed":
        return f"lapsed on {held.lapses_on.isoformat()}"
    if a.acceptance == "ending":
        days = (held.until - today).days
        return "ends today" if days == 0 else f"ends in {days} day{'s' * (days != 1)}"
    return "accepted"


def band_text(a: Assessment) -> str:
    """The band as text, with the acceptance: ``Red, accepted``, ``Red, acceptance lapsed``."""
    if a.risk.acceptance is None or not a.risk.is_open:
        return a.band.label
    return f"{a.band.label}, {'accepted' if a.accepted else 'acceptance lapsed'}"


def band_cell(a: Assessment, policy: Policy) -> Markdown:
    """The band's label, then the acceptance mark while the risk is accepted."""
    label = escape_cell(a.band.label)
    return Markdown(f"{label} {mark(policy)}" if a.accepted and a.risk.is_open else label)


def mark(policy: Policy) -> str:
    """The policy's mark of an accepted risk, escaped."""
    return escape_cell(policy.acceptance.mark)


def accepted_open(assessments: Sequence[Assessment]) -> list[Assessment]:
    """The open risks whose files record an acceptance (held or lapsed), by id."""
    found = [a for a in assessments if a.risk.acceptance is not None and a.risk.is_open]
    return sorted(found, key=lambda a: a.risk.id)


def legend(assessments: Sequence[Assessment], policy: Policy) -> str | None:
    """The line under a heat map or table that marks accepted risks (None: none is)."""
    if not any(a.accepted and a.risk.is_open for a in assessments):
        return None
    cadence = policy.cadence_labels.get(policy.acceptance.cadence, policy.acceptance.cadence)
    return (
        f"{mark(policy)} accepted: counted in its band, reviewed "
        f"{escape_cell(cadence).lower()} while the acceptance holds."
    )


def text_rows(assessments: Sequence[Assessment], today: dt.date) -> list[tuple[str, ...]]:
    """The acceptances as rows of a plain-text table, a header first."""
    rows: list[tuple[str, ...]] = [("ID", "Band", "By", "Until", "State")]
    for a in accepted_open(assessments):
        held = a.risk.acceptance
        assert held is not None  # accepted_open keeps those that have one
        rows.append(
            (a.risk.id, a.band.label, held.by, held.until.isoformat(), state_word(a, today))
        )
    return rows


def markdown_table(assessments: Sequence[Assessment], policy: Policy, today: dt.date) -> str:
    """The acceptances as a Markdown table, with each one's approvers and rationale."""
    rows: list[Sequence[Cell]] = []
    for a in accepted_open(assessments):
        held = a.risk.acceptance
        assert held is not None  # accepted_open keeps those that have one
        rows.append(
            (
                join(bold(a.risk.id), " ", a.risk.title),
                band_cell(a, policy),
                Markdown(code_span(held.by, table=True)),
                held.until.isoformat(),
                state_word(a, today),
                who(authority(policy, a.band.name)),
                held.rationale,
            )
        )
    return table(HEADER, rows)


def change_line(change: AcceptanceChange, policy: Policy | None) -> str:
    """One acceptance a pull request touches (or that has lapsed), in a Markdown list."""
    risk = join(bold(change.risk_id), " ", change.risk.title)
    band = escape_text(change.band.label)
    new, old = change.new, change.old
    if new is None:  # removed: only an acceptance that was there can go
        was = f" (was accepted until {old.until.isoformat()})" if old is not None else ""
        return f"- {risk} ({band}): **removed**{was}"
    if change.kind == "lapsed":
        lapsed = f"on {new.lapses_on.isoformat()} (accepted until {new.until.isoformat()})"
        return f"- {risk} ({band}): **lapsed** {lapsed}"
    was = f" (was {old.until.isoformat()})" if old is not None and old.until != new.until else ""
    what = f"**{change.kind}**: until {new.until.isoformat()}{was}"
    if change.was_band is not None:
        was_band = escape_text(change.was_band.label)
        what = f"**moved** from {was_band}, accepted until {new.until.isoformat()}"
    if change.state == "lapsed":
        what += ", already lapsed"
    if policy is not None:
        days = policy.acceptance.terms(change.band.name).max_days
        what += f"; a {band} risk is accepted for at most {days} days"
    what += f"; requested by {code_span(new.by)}: {escape_text(new.rationale)}"
    return f"- {risk} ({band}): {what}"


ENDING = (
    "⏳ **The acceptance of {rid} ends on {until}** ({left}). Requested by {by}: {why}\n\n"
    "From {lapses} {rid} is back on the {band} band's {cadence} reviews and escalation path. "
    "To keep it accepted, {owners} can extend `acceptance.until` in {file} by a pull request "
    "that {authority} approves."
)
LAPSED = (
    "⌛ **The acceptance of {rid} lapsed on {lapses}** (accepted until {until}, requested by "
    "{by}).\n\n{rid} is back on the {band} band's {cadence} reviews and escalation path: its "
    "review is due {due}. {owners}: please review it. To accept it again, a pull request with a "
    "new `acceptance.until` in {file} needs the approval of {authority}."
)


def notice_comment(notice: AcceptanceNotice, policy: Policy, today: dt.date) -> str:
    """The one comment saying an acceptance ends soon, or has lapsed; it pings the risk's owners
    and the band's acceptance authority."""
    a = notice.assessment
    held = notice.acceptance
    seen: set[str] = set()
    owners = [n for n in notice.notify if n not in notice.authority]
    days = (held.until - today).days
    values = {
        "rid": a.risk.id,
        "until": held.until.isoformat(),
        "lapses": held.lapses_on.isoformat(),
        "left": "today is its last day" if days <= 0 else f"in {days} day{'s' * (days != 1)}",
        "by": code_span(held.by),
        "why": escape_text(held.rationale),
        "band": escape_text(a.band.label),
        "cadence": escape_text(
            policy.cadence_labels.get(a.band.monitoring, a.band.monitoring)
        ).lower(),
        "file": code_span(a.risk.file),
        "due": a.next_review.isoformat(),
    }
    values["owners"] = who(owners, ping=True, seen=seen) if owners else "its owner"
    values["authority"] = who(notice.authority, ping=True, seen=seen, either=True)
    template = LAPSED if notice.kind == "lapsed" else ENDING
    return template.format(**values)


def issue_cell(a: Assessment, policy: Policy) -> Markdown | None:
    """The acceptance as a risk's issue shows it, the same text all the days of one state
    (so the issue is edited when the state changes, not every day); None without one."""
    held = a.risk.acceptance
    if held is None:
        return None
    approvers = who(authority(policy, a.band.name))
    if a.acceptance == "lapsed":
        state = (
            f"**lapsed** on {held.lapses_on.isoformat()}: back on the band's cadence and "
            "escalation path"
        )
    else:
        ending = " (ends soon: its owner and approvers are reminded)"
        state = f"**accepted** until {held.until.isoformat()}"
        state += ending if a.acceptance == "ending" else ""
    return Markdown(
        f"{state}; requested by {code_span(held.by)}; acceptance authority {approvers}: "
        f"{escape_text(held.rationale)}"
    )


def reminded_band(a: Assessment) -> str:
    """A reminder's band: ``Red``, or ``Red, accepted until 2027-01-26`` while accepted."""
    held = a.risk.acceptance
    if held is None or not a.accepted:
        return a.band.label
    return f"{a.band.label}, accepted until {held.until.isoformat()}"
