"""What riskbot writes on GitHub issues: the Red issue, escalations, reminders, reviews.

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
from bot.register.policy import Policy
from bot.register.reviews import Reminder, RemindReport
from bot.register.rules import Notify, owners_of, resolve
from bot.register.scoring import Assessment
from bot.render.history import CHANGED_HEADING
from bot.render.markdown import Markdown, bold, code_span, escape_block, escape_text, join, table
from bot.render.residual import residual_cell
from bot.render.who import who

NEW_RED = (
    "🚨 **New Red risk: immediate escalation.** {rid} scores **{score}** "
    "({impact} × {probability}), in the Red band (≥ {red_min}).\n\n"
    "Per the plan, a new Red risk is escalated at once to {who}.\n\n"
    "Please review the mitigation plan above and record the review in "
    "{file} (`riskbot review {rid}`)."
)
SCORE_UP = (
    "📈 **Score up by {delta}: team lead review.** {rid} went from {old} to **{new}** "
    "({impact} × {probability}).\n\nPer the plan, a rise of {threshold} points or more needs a "
    "team lead review: {who}."
)
LEFT_RED = (
    "✅ **{rid} is no longer Red.** {what}\n\nClosing this issue; it reopens if the "
    "risk becomes Red again."
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
    "riskbot posts review reminders for Yellow and Green risks here, one comment per "
    "day with something new. A review is recorded by a pull request that updates the risk's "
    "`last_reviewed` (`riskbot review R-0NN --note ...`); comments here do not count as reviews.\n"
)
RED_REMINDER = (
    "⏰ **Review due: {rid}** (Red, reviewed {cadence}). Due {due}{late}.\n\n"
    "{who}: please review {file} and record it with `riskbot review {rid}`.{escalation}"
)


def red_issue_title(a: Assessment) -> str:
    """``R-001: PostgreSQL Migration Complexity (score 16)`` (titles are plain text on GitHub)."""
    title = " ".join(a.risk.title.split())
    return f"{a.risk.id}: {title} (score {a.score})"


_TITLE_STATE = re.compile(r"\s*\((?:score [^()]*|removed)\)\s*$")


def left_red_title(risk_id: str, title: str, a: Assessment | None) -> str:
    """A closing Red issue's title: the risk's score now and that it left Red, or ``(removed)``.

    ``R-001: PostgreSQL Migration Complexity (score 8, no longer Red)``.
    """
    if a is None:
        return f"{_TITLE_STATE.sub('', title)} (removed)"
    name = f"{risk_id}: {' '.join(a.risk.title.split())}"
    state = "closed" if not a.risk.is_open else "no longer Red"
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
    impact = policy.impact_scale[r.impact]
    prob = policy.probability_scale[r.probability]
    review = policy.cadence_labels.get(a.cadence, a.cadence)
    status = r.state.capitalize() + (f": {r.status_note}" if r.status_note else "")
    rows = [
        (
            bold("Score"),
            join(
                bold(str(a.score)),
                f" = impact {r.impact} ({impact.label}: {impact.meaning}) × probability "
                f"{r.probability} ({prob.label}, {prob.range})",
            ),
        ),
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
    lines = [
        f"## 🟥 {r.id} · {escape_text(r.title)}",
        "",
        table(("", ""), rows),
        "",
        "### Description",
        "",
        escape_block(r.description),
        "",
        "### Mitigation plan",
    ]
    for kind, items in r.mitigation.items():
        if not items:
            continue
        lines += ["", f"**{kind.capitalize()}**", ""]
        for item in items:
            text = escape_text(item)
            lines.append(f"- [{'x' if text in checked else ' '}] {text}")
    if r.impact_narrative or r.probability_narrative:
        lines += ["", "### Assessment", ""]
        if r.impact_narrative:
            lines.append(f"- Impact: {escape_text(r.impact_narrative)}")
        if r.probability_narrative:
            lines.append(f"- Probability: {escape_text(r.probability_narrative)}")
    rule = policy.new_red
    if rule is not None:
        names = who(resolve(rule.notify, [r], policy))
        lines += ["", "### Who must act", "", f"{escape_text(rule.label)}: {names}."]
    if not_assignable:
        lines += [
            "",
            "Not assigned (not assignable in this repository): "
            + ", ".join(code_span(x) for x in not_assignable)
            + ".",
        ]
    lines += ["", "---", FOOTER.format(file=code_span(r.file))]
    return "\n".join(lines) + "\n"


def new_red_comment(a: Assessment, policy: Policy, notify: Sequence[Notify]) -> str:
    """The one escalation of a risk that became Red: it pings whom the rule names."""
    r = a.risk
    return NEW_RED.format(
        rid=r.id,
        score=a.score,
        impact=r.impact,
        probability=r.probability,
        red_min=policy.band("red").min_score,
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
        impact=r.impact,
        probability=r.probability,
        threshold=threshold,
        who=who(notify, ping=True),
    )


def left_red_comment(risk_id: str, a: Assessment | None, commit: str) -> str:
    """Why a Red issue closes: removed from the register, closed, or scored below Red."""
    if a is None:
        return REMOVED.format(rid=risk_id, commit=code_span(commit))
    if not a.risk.is_open:
        what = (
            f"It was closed (status `closed`) with score {a.score} "
            f"({a.risk.impact} × {a.risk.probability})."
        )
    else:
        what = (
            f"Its score is now **{a.score}** ({a.risk.impact} × {a.risk.probability}), "
            f"band **{escape_text(a.band.label)}**."
        )
    return LEFT_RED.format(rid=risk_id, what=f"{what} Commit: {code_span(commit)}.")


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
        cadence=escape_text(a.cadence),
        due=r.due.isoformat(),
        late=late_text(r),
        who=who(r.notify, ping=True),
        file=code_span(a.risk.file),
        escalation=_escalation_note(r),
    )


DIGEST_HEADER = ("Risk", "Band", "File", "Due", "Who")


def digest_body(reminders: Sequence[Reminder], today: dt.date) -> str:
    """One comment gathering the new Yellow and Green reminders of the day."""
    seen: set[str] = set()
    rows = []
    for r in sorted(reminders, key=lambda x: (-x.overdue_days, x.risk_id)):
        step = f" (escalated to step {r.step + 1})" if r.step else ""
        rows.append(
            (
                join(bold(r.risk_id), " ", r.assessment.risk.title),
                r.assessment.band.label,
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
    return "\n".join(lines)


def remind_report(report: RemindReport, *, markdown: bool) -> str:
    """What was reminded, and what is not due yet; says so when nothing is due."""
    lines: list[str] = []
    head = f"Reminders for {report.today.isoformat()}"
    lines += [f"### {head}" if markdown else head, ""]
    if not report.due and not report.held:
        lines.append("Nothing due today.")
    for r in report.held:
        text = f"{r.risk_id} ({r.assessment.band.label}) due {r.due.isoformat()}: held back, "
        text += f"{r.assessment.risk.file} has errors"
        lines.append(f"- {escape_text(text)}" if markdown else f"  {text}")
    for r in report.due:
        state = "reminding" if r in report.posting else "already reminded"
        names = " → ".join(n.name for n in r.notify)
        text = (
            f"{r.risk_id} ({r.assessment.band.label}) due {r.due.isoformat()}"
            f"{late_text(r)}; step {r.step + 1} ({names}): {state}"
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
