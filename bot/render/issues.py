"""What riskbot writes on GitHub issues: the risk's issue, escalations, reminders, reviews.

A risk gets an issue while it is in a band that opens one (the plan's Red band; the policy says
which): "Red" in the names below means such a band, and every text names the policy's bands.

Each function returns the text a person reads, without the hidden marker (the desired-state
types of :mod:`bot.reconcile.plan` add it). Risk text is escaped here; logins are pinged only
through :func:`bot.render.who.who` with ``ping=True``, which the escalation and reminder comments
use, never the issue body.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Sequence

from bot.register.load import Register
from bot.register.method import levels_text
from bot.register.policy import Policy
from bot.register.reviews import Reminder, RemindReport
from bot.register.rules import Notify, owners_of, resolve
from bot.register.scoring import Assessment
from bot.render.acceptance import issue_cell, reminded_band
from bot.render.actions import log_line
from bot.render.history import CHANGED_HEADING
from bot.render.markdown import (
    BODY_LIMIT,
    Markdown,
    bold,
    code_span,
    escape_block,
    escape_text,
    join,
    table,
)
from bot.render.odds import no_odds_text
from bot.render.residual import residual_cell
from bot.render.who import who

NEW_RED = (
    "🚨 **New {band} risk: immediate escalation.** {rid} scores **{score}** "
    "({levels}), in the {band} band{threshold}.\n\n"
    "Per the plan, a new {band} risk is escalated at once to {who}.\n\n"
    "Please review the mitigation plan above and record the review in "
    "{file} (`riskbot review {rid}`)."
)
SCORE_UP = (
    "📈 **Score up by {delta}: team lead review.** {rid} went from {old} to **{new}** "
    "({levels}).\n\nPer the plan, a rise of {threshold} points or more needs a "
    "team lead review: {who}."
)
LEFT_RED = (
    "✅ **{rid} is no longer {bands}.** {what}\n\nClosing this issue; it reopens if the "
    "risk becomes {bands} again."
)
REMOVED = (
    "🗑️ **{rid} was removed from the register** (at {commit}). Closing this issue as not planned."
)
FOOTER = (
    "<sub>Kept in sync by riskbot from {file}. Edit the risk file, not this issue: the bot "
    "rewrites this text from the file.</sub>"
)
DUPLICATE_NOTE = (
    "Closing as a duplicate of #{number}: two runs of riskbot created the same issue. "
    "#{number} is kept; nothing else changes."
)
REVIEWS_TITLE = "Risk reviews"
REVIEWS_BODY = (
    "riskbot posts review reminders for {bands} risks here, one comment per "
    "day with something new. A review is recorded by a pull request that updates the risk's "
    "`last_reviewed` (`riskbot review R-0NN --note ...`); comments here do not count as reviews.\n"
)
RED_REMINDER = (
    "⏰ **Review due: {rid}** ({band}, reviewed {cadence}). Due {due}{late}.\n\n"
    "{who}: please review {file} and record it with `riskbot review {rid}`.{escalation}"
)


def issue_bands_text(policy: Policy) -> str:
    """The bands that open issues, by label: ``Red``, or ``Critical or High``."""
    labels = [b.label for b in policy.method.issue_bands]
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"


def reviews_body(policy: Policy) -> str:
    """The body of the issue that gathers the digests: which bands' risks it reminds."""
    labels = [b.label for b in policy.method.other_bands]
    bands = " and ".join([", ".join(labels[:-1]), labels[-1]] if len(labels) > 1 else labels)
    return REVIEWS_BODY.format(bands=escape_text(bands or "all"))


def _levels(a: Assessment) -> str:
    return levels_text(a.risk.impact, a.risk.probability, a.risk.detection)


def red_issue_title(a: Assessment) -> str:
    """``R-001: PostgreSQL Migration Complexity (score 16)`` (titles are plain text on GitHub)."""
    title = " ".join(a.risk.title.split())
    return f"{a.risk.id}: {title} (score {a.score})"


_TITLE_STATE = re.compile(r"\s*\((?:score [^()]*|removed)\)\s*$")


def left_red_title(risk_id: str, title: str, a: Assessment | None, policy: Policy) -> str:
    """A closing issue's title: the risk's score now and that it left the issue bands, or
    ``(removed)``.

    ``R-001: PostgreSQL Migration Complexity (score 8, no longer Red)``.
    """
    if a is None:
        return f"{_TITLE_STATE.sub('', title)} (removed)"
    name = f"{risk_id}: {' '.join(a.risk.title.split())}"
    state = "closed" if not a.risk.is_open else f"no longer {issue_bands_text(policy)}"
    return f"{name} (score {a.score}, {state})"


def red_issue_body(
    a: Assessment,
    policy: Policy,
    *,
    link: str,
    not_assignable: Sequence[str],
    checked: Collection[str] = (),
) -> str:
    """The Red issue's body, from the risk file; mitigation items in ``checked`` stay ticked."""
    r = a.risk
    method = policy.method
    impact = policy.impact_scale[r.impact]
    prob = policy.probability_scale[r.probability]
    review = policy.cadence_labels.get(a.cadence, a.cadence)
    status = r.state.capitalize() + (f": {r.status_note}" if r.status_note else "")
    factors = [
        f"{method.factor_label('impact').lower()} {r.impact} ({impact.label}"
        + (f": {impact.meaning})" if impact.meaning else ")"),
        f"{method.factor_label('probability').lower()} {r.probability} ({prob.label}"
        + (f", {prob.range})" if prob.range else ")"),
    ]
    if method.detection and r.detection is not None:
        found = method.detection_scale[r.detection]
        factors.append(
            f"{method.factor_label('detection').lower()} {r.detection} ({found.label}"
            + (f": {found.meaning})" if found.meaning else ")")
        )
    rows = [
        (bold("Score"), join(bold(str(a.score)), " = " + " × ".join(factors))),
        (bold("Band"), f"{a.band.label}: {a.band.meaning}"),
        (bold("Inherent → residual"), residual_cell(a, policy)),
        (bold("Category"), r.category),
        (bold("Phase"), r.phase),
        (bold("Owner"), who(owners_of(r, policy))),  # no ping: the escalation comment does that
        (bold("Status"), status),
        (bold("Mitigation progress"), r.mitigation_summary or "not stated"),
        (bold("Review"), f"{review}; next review due {a.next_review.isoformat()}"),
        (bold("File"), Markdown(f"[{code_span(r.file)}](<{link}>)")),
    ]
    if (accepted := issue_cell(a, policy)) is not None:
        rows.insert(2, (bold("Acceptance"), accepted))
    head = [
        f"## {escape_text(a.band.mark)} {r.id} · {escape_text(r.title)}",
        "",
        table(("", ""), rows),
        "",
        "### Description",
        "",
    ]
    plan = ["", "### Mitigation plan"]
    for kind, items in r.mitigation.items():
        if not items:
            continue
        plan += ["", f"**{kind.capitalize()}**", ""]
        for item in items:
            text = escape_text(item)
            plan.append(f"- [{'x' if text in checked else ' '}] {text}")
    tail: list[str] = []
    if r.impact_narrative or r.probability_narrative:
        tail += ["", "### Assessment", ""]
        if r.impact_narrative:
            tail.append(f"- Impact: {_capped(escape_text(r.impact_narrative))}")
        if r.probability_narrative:
            tail.append(f"- Probability: {_capped(escape_text(r.probability_narrative))}")
    rule = policy.new_red
    if rule is not None:
        names = who(resolve(rule.notify, [r], policy))
        tail += ["", "### Who must act", "", f"{escape_text(rule.label)}: {names}."]
    if not_assignable:
        tail += [
            "",
            "Not assigned (not assignable in this repository): "
            + ", ".join(code_span(x) for x in not_assignable)
            + ".",
        ]
    tail += ["", "---", FOOTER.format(file=code_span(r.file))]
    # GitHub refuses a longer body: what gives way is the description, then the mitigation
    # plan, each shortened where it stands, never what comes after them (who must act).
    room = ISSUE_ROOM - len("\n".join([*head, *tail])) - 2
    description = escape_block(r.description)
    shown_plan = _shortened(
        "\n".join(plan), max(room // 2, room - len(description) - 1), "the mitigation plan"
    )
    description = _shortened(description, room - len(shown_plan) - 1, "the description")
    return "\n".join([*head, description, shown_plan, *tail]) + "\n"


ISSUE_ROOM = BODY_LIMIT - 1_000
"""An issue body's characters, the marker line and some margin left out of GitHub's limit."""
NARRATIVE_CHARS = 2_000
SHORTENED = "\n\n*… {what} is shortened here to fit GitHub's limit: the risk file has all.*"


def _capped(text: str) -> str:
    return text if len(text) <= NARRATIVE_CHARS else text[: NARRATIVE_CHARS - 1] + "…"


def _shortened(text: str, room: int, what: str) -> str:
    """``text`` if it fits in ``room`` characters, else its start (cut at a line, or between
    words, never inside an escape) and a note that says what was shortened."""
    if len(text) <= room:
        return text
    note = SHORTENED.format(what=what)
    keep = text[: max(0, room - len(note))]
    line = keep.rfind("\n")
    keep = keep[:line] if line > len(keep) // 2 else keep[: max(keep.rfind(" "), 0)]
    # A cut inside `&#8203;` or after a lone backslash would show its pieces.
    keep = re.sub(r"(?:&[#0-9A-Za-z]*|\\)$", "", keep.rstrip())
    return keep + note


def new_red_comment(a: Assessment, policy: Policy, notify: Sequence[Notify]) -> str:
    """The one escalation of a risk that entered a band that opens issues: it pings whom the rule
    names."""
    r = a.risk
    return NEW_RED.format(
        band=escape_text(a.band.label),
        rid=r.id,
        score=a.score,
        levels=_levels(a),
        threshold="" if policy.method.table else f" (≥ {a.band.min_score})",
        who=who(notify, ping=True),
        file=code_span(r.file),
    )


def score_up_comment(a: Assessment, old: int, threshold: int, notify: Sequence[Notify]) -> str:
    """The team lead review of a rise by ``threshold`` or more."""
    r = a.risk
    return SCORE_UP.format(
        rid=r.id,
        delta=a.score - old,
        old=old,
        new=a.score,
        levels=_levels(a),
        threshold=threshold,
        who=who(notify, ping=True),
    )


def left_red_comment(risk_id: str, a: Assessment | None, commit: str, policy: Policy) -> str:
    """Why a risk's issue closes: removed from the register, closed, or scored below the bands
    that open issues."""
    if a is None:
        return REMOVED.format(rid=risk_id, commit=code_span(commit))
    if not a.risk.is_open:
        what = f"It was closed (status `closed`) with score {a.score} ({_levels(a)})."
    else:
        what = (
            f"Its score is now **{a.score}** ({_levels(a)}), band **{escape_text(a.band.label)}**."
        )
    return LEFT_RED.format(
        rid=risk_id,
        what=f"{what} Commit: {code_span(commit)}.",
        bands=escape_text(issue_bands_text(policy)),
    )


def duplicate_note(kept: int) -> str:
    return DUPLICATE_NOTE.format(number=kept)


def late_text(r: Reminder) -> str:
    if r.overdue_days == 0:
        return " (today)"
    return f", overdue by {r.overdue_days} day{'s' * (r.overdue_days != 1)}"


def _escalation_note(r: Reminder) -> str:
    if r.step == 0:
        return ""
    names = " → ".join(escape_text(n.name) for n in r.notify)
    return (
        f"\n\nEscalated (step {r.step + 1} of the escalation path, one step per "
        f"{escape_text(r.assessment.cadence)} period overdue): {names}."
    )


def red_reminder_body(r: Reminder) -> str:
    """A Red risk's review reminder, on its issue."""
    a = r.assessment
    return RED_REMINDER.format(
        rid=a.risk.id,
        band=escape_text(reminded_band(a)),
        cadence=escape_text(a.cadence),
        due=r.due.isoformat(),
        late=late_text(r),
        who=who(r.notify, ping=True),
        file=code_span(a.risk.file),
        escalation=_escalation_note(r),
    )


DIGEST_HEADER = ("Risk", "Band", "File", "Due", "Who")


def digest_body(reminders: Sequence[Reminder], today: dt.date) -> str:
    """One comment gathering the day's new reminders of risks that have no issue of their own."""
    seen: set[str] = set()
    rows = []
    for r in sorted(reminders, key=lambda x: (-x.overdue_days, x.risk_id)):
        step = f" (escalated to step {r.step + 1})" if r.step else ""
        rows.append(
            (
                join(bold(r.risk_id), " ", r.assessment.risk.title),
                reminded_band(r.assessment),
                Markdown(code_span(r.assessment.risk.file)),
                f"{r.due.isoformat()}{late_text(r)}{step}",
                who(r.notify, ping=True, seen=seen),
            )
        )
    lines = [
        f"### Reviews due — {today.isoformat()}",
        "",
        table(DIGEST_HEADER, rows),
        "",
        "Record a review with `riskbot review R-0NN --note ...` in a pull request.",
    ]
    return "\n".join(lines) + "\n"


def quarterly_title(quarter: str) -> str:
    return f"Quarterly risk review — {quarter}"


def quarterly_body(
    register: Register,
    quarter: str,
    exposure_markdown: str | None,
    changes_link: str | None = None,
) -> str:
    """The quarter's review issue: all risks by band with owners, exposure, new risks, and a link
    to what changed since the last quarterly review (RISKS.md's section)."""
    policy = register.policy
    lines = [
        f"## Quarterly risk review — {quarter}",
        "",
        f"The plan asks for a quarterly review of {escape_text(policy.quarterly_scope)}. "
        "Tick each risk once its owner has reviewed it (and recorded `last_reviewed`).",
        "",
    ]
    if changes_link:
        lines += [
            f"What changed since the last quarterly review, risk by risk (from git): "
            f"[RISKS.md § {CHANGED_HEADING}](<{changes_link}>).",
            "",
        ]
    for band in policy.bands:
        at = [a for a in register.assessments if a.band.name == band.name and a.risk.is_open]
        lines += [f"### {escape_text(band.label)} ({len(at)})", ""]
        for a in at:
            owners = who(owners_of(a.risk, policy), ping=True)
            held = a.risk.acceptance
            accepted = f"; accepted until {held.until.isoformat()}" if held and a.accepted else ""
            lines.append(
                f"- [ ] **{a.risk.id}** {escape_text(a.risk.title)} — score {a.score}; "
                f"owner {owners}{accepted}"
            )
        lines.append("")
    lines += ["### Contingency exposure per release", ""]
    no_odds = no_odds_text(policy.no_odds or "the policy gives none")
    lines += [exposure_markdown or f"_{escape_text(no_odds)}_", ""]
    lines += [
        "### New risk identification",
        "",
        "- [ ] What changed this quarter that could threaten the schedule, security or adoption?",
        "- [ ] Did any risk occur that is not in the register? Add it with `riskbot new`.",
        "- [ ] Are the impact and probability levels still right?",
        "",
    ]
    return "\n".join(lines)


def remind_report(report: RemindReport, *, markdown: bool) -> str:
    """What was reminded, and what is not due yet; says so when nothing is due."""
    lines: list[str] = []
    head = f"Reminders for {report.today.isoformat()}"
    lines += [f"### {head}" if markdown else head, ""]
    if not report.due and not report.held and not report.notices:
        lines.append("Nothing due today.")
    for r in report.held:
        text = f"{r.risk_id} ({r.assessment.band.label}) due {r.due.isoformat()}: held back, "
        text += f"{r.assessment.risk.file} has errors"
        lines.append(f"- {escape_text(text)}" if markdown else f"  {log_line(text)}")
    for r in report.due:
        state = "reminding" if r in report.posting else "already reminded"
        names = " → ".join(n.name for n in r.notify)
        text = (
            f"{r.risk_id} ({r.assessment.band.label}) due {r.due.isoformat()}"
            f"{late_text(r)}; step {r.step + 1} ({names}): {state}"
        )
        lines.append(f"- {escape_text(text)}" if markdown else f"  {log_line(text)}")
    for notice in report.notices:
        state = "saying so" if notice in report.notices_posting else "already said"
        held = notice.acceptance
        what = (
            f"lapsed on {held.lapses_on.isoformat()}"
            if notice.kind == "lapsed"
            else f"ends on {held.until.isoformat()}"
        )
        text = f"{notice.risk_id}: acceptance {what}: {state}"
        lines.append(f"- {escape_text(text)}" if markdown else f"  {log_line(text)}")
    if report.quarterly:
        lines.append(f"{'- ' if markdown else '  '}opening the quarterly review {report.quarterly}")
    if report.not_due:
        lines += ["", "Not yet due:" if not markdown else "**Not yet due:**", ""]
        for a in report.not_due:
            text = f"{a.risk.id} ({a.band.label}) next review {a.next_review.isoformat()}"
            lines.append(f"- {escape_text(text)}" if markdown else f"  {text}")
    return "\n".join(lines) + "\n"
