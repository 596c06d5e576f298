"""Red risks as GitHub issues: one per risk, kept true, escalated once, closed when it leaves Red.

Pure planning: from the register and a snapshot of the bot's issues, the list of actions that
makes GitHub match. Each issue's marker records the score last escalated and the "round" (how
many times the risk has become Red), so comments have stable identities and a rerun after a
crash finds what it already posted instead of posting it again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from bot.reconcile.plan import (
    Action,
    EnsureComment,
    EnsureIssue,
    EnsureLabel,
    IssueState,
    Snapshot,
    marker,
)
from bot.register.load import Register
from bot.register.policy import Policy
from bot.register.rules import owners_of, resolve
from bot.register.scoring import Assessment
from bot.render.markdown import escape_block, escape_cell, escape_text
from bot.render.who import mentions, names

RED_LABEL = "risk:red"
LABEL_COLORS = {"risk": "5319e7", RED_LABEL: "b60205", "category": "c5def5"}

NEW_RED = (
    "{marker}\n🚨 **New Red risk: immediate escalation.** {rid} scores **{score}** "
    "({impact} × {probability}), in the Red band (≥ {red_min}).\n\n"
    "Per the plan, a new Red risk is escalated at once to {who}.\n\n"
    "Please review the mitigation plan above and record the review in "
    "`{file}` (`riskbot review {rid}`)."
)
SCORE_UP = (
    "{marker}\n📈 **Score up by {delta}: team lead review.** {rid} went from {old} to **{new}** "
    "({impact} × {probability}).\n\nPer the plan, a rise of {threshold} points or more needs a "
    "team lead review: {who}."
)
LEFT_RED = (
    "{marker}\n✅ **{rid} is no longer Red.** {what}\n\nClosing this issue; it reopens if the "
    "risk becomes Red again."
)
REMOVED = (
    "{marker}\n🗑️ **{rid} was removed from the register** (at {commit}). Closing this issue as "
    "not planned."
)
FOOTER = (
    "<sub>Kept in sync by riskbot from `{file}`. Edit the risk file, not this issue: the bot "
    "rewrites this text from the file.</sub>"
)


@dataclass(frozen=True)
class SyncContext:
    """What the plan needs besides the register: links, the commit, who can be assigned."""

    commit: str
    file_url: Callable[[str], str]
    assignable: Callable[[str], bool]


def issue_ident(risk_id: str) -> str:
    return f"red-issue/{risk_id}"


def category_label(category: str) -> str:
    return "category:" + re.sub(r"[^a-z0-9]+", "-", category.lower()).strip("-")


def labels_for(policy: Policy) -> list[EnsureLabel]:
    """Every label sync may apply, with colours and descriptions."""
    out = [
        EnsureLabel(
            policy.label, LABEL_COLORS["risk"], "Managed by riskbot: a risk of the register"
        ),
        EnsureLabel(
            RED_LABEL,
            LABEL_COLORS[RED_LABEL],
            "Risk in the Red band (score ≥ "
            f"{policy.band('red').min_score}): immediate mitigation required",
        ),
    ]
    out += [
        EnsureLabel(category_label(name), LABEL_COLORS["category"], f"{name} risk: {desc}"[:100])
        for name, desc in policy.categories.items()
    ]
    return out


def issue_title(a: Assessment) -> str:
    title = " ".join(a.risk.title.split())
    return f"{a.risk.id}: {title} (score {a.score})"


_CHECKED = re.compile(r"^- \[[xX]\] (.+)$", re.MULTILINE)


def _checked_items(body: str | None) -> set[str]:
    return set(_CHECKED.findall(body or ""))


def render_issue_body(
    a: Assessment,
    policy: Policy,
    ctx: SyncContext,
    *,
    round_: int,
    recorded: int,
    not_assignable: Sequence[str],
    previous_body: str | None = None,
) -> str:
    """The Red issue's body, rendered from the risk file; checked mitigation items stay checked."""
    r = a.risk
    impact = policy.impact_scale[r.impact]
    prob = policy.probability_scale[r.probability]
    owners = owners_of(r, policy)
    review = policy.cadence_labels.get(a.cadence, a.cadence)
    checked = _checked_items(previous_body)
    lines = [
        marker(issue_ident(r.id), score=str(recorded), round=str(round_)),
        f"## 🟥 {r.id} · {escape_text(r.title)}",
        "",
        "| | |",
        "|---|---|",
        f"| **Score** | **{a.score}** = impact {r.impact} ({escape_cell(impact.label)}: "
        f"{escape_cell(impact.meaning)}) × probability {r.probability} "
        f"({escape_cell(prob.label)}, {escape_cell(prob.range)}) |",
        f"| **Band** | {escape_cell(a.band.label)}: {escape_cell(a.band.meaning)} |",
        f"| **Category** | {escape_cell(r.category)} |",
        f"| **Phase** | {escape_cell(r.phase)} |",
        f"| **Owner** | {names(owners)} |",  # no ping: the escalation comment does that
        f"| **Status** | {escape_cell(r.state.capitalize())}"
        + (f": {escape_cell(r.status_note)}" if r.status_note else "")
        + " |",
        f"| **Mitigation progress** | {escape_cell(r.mitigation_summary or 'not stated')} |",
        f"| **Review** | {escape_cell(review)}; next review due {a.next_review.isoformat()} |",
        f"| **File** | [{escape_cell(r.file)}]({ctx.file_url(r.file)}) |",
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
    rule = policy.rules.get("new_red")
    if rule is not None:
        who = resolve(rule.notify, [r], policy)
        lines += ["", "### Who must act", "", f"{escape_text(rule.label)}: {names(who)}."]
    if not_assignable:
        lines += [
            "",
            "Not assigned (not assignable in this repository): "
            + ", ".join(f"`{x}`" for x in not_assignable)
            + ".",
        ]
    lines += ["", "---", FOOTER.format(file=escape_text(r.file))]
    return "\n".join(lines) + "\n"


def _owner_logins(a: Assessment, policy: Policy) -> list[str]:
    return list(dict.fromkeys(x for n in owners_of(a.risk, policy) for x in n.logins))


def _round(found: IssueState | None) -> int:
    if found is None:
        return 0
    value = found.fields.get("round", "1")
    return int(value) if value.isdigit() else 1


def _recorded(found: IssueState | None) -> int | None:
    if found is None:
        return None
    value = found.fields.get("score", "")
    return int(value) if value.isdigit() else None


def plan_red_issue(
    a: Assessment, policy: Policy, ctx: SyncContext, found: IssueState | None
) -> list[Action]:
    """Actions for one Red risk: its issue, and an escalation comment when it just became Red."""
    r = a.risk
    logins = _owner_logins(a, policy)
    assignees = [x for x in logins if ctx.assignable(x)][:10]
    not_assignable = [x for x in logins if x not in assignees]
    round_ = _round(found)
    recorded = _recorded(found)
    actions: list[Action] = []
    fmt = {
        "rid": r.id,
        "score": a.score,
        "impact": r.impact,
        "probability": r.probability,
        "file": r.file,
    }
    became_red = found is None or found.state == "closed"
    if became_red:
        round_ += 1
    new_red = policy.rules.get("new_red")
    comment: EnsureComment | None = None
    recovering = found is not None and found.comments == 0 and round_ == 1
    if new_red is not None and (became_red or recovering):
        who = mentions(resolve(new_red.notify, [r], policy))
        body = NEW_RED.format(
            marker=marker(f"red/{r.id}/round-{round_}"),
            who=who,
            red_min=policy.band("red").min_score,
            **fmt,
        )
        comment = EnsureComment(f"red/{r.id}/round-{round_}", body, issue=issue_ident(r.id))
        recorded = a.score
    up = policy.rules.get("score_increase")
    if (
        not became_red
        and up is not None
        and recorded is not None
        and a.score - recorded >= int(up.params.get("min_increase", 5))
    ):
        who = mentions(resolve(up.notify, [r], policy))
        ident = f"score-up/{r.id}/{recorded}-{a.score}"
        body = SCORE_UP.format(
            marker=marker(ident),
            delta=a.score - recorded,
            old=recorded,
            new=a.score,
            threshold=up.params.get("min_increase", 5),
            who=who,
            **fmt,
        )
        comment = EnsureComment(ident, body, issue=issue_ident(r.id))
        recorded = a.score
    if recorded is None or a.score > recorded:
        recorded = a.score
    issue = EnsureIssue(
        ident=issue_ident(r.id),
        title=issue_title(a),
        body=render_issue_body(
            a,
            policy,
            ctx,
            round_=max(round_, 1),
            recorded=recorded,
            not_assignable=not_assignable,
            previous_body=found.body if found else None,
        ),
        labels=(policy.label, RED_LABEL, category_label(r.category)),
        remove_labels=tuple(category_label(c) for c in policy.categories if c != r.category),
        assignees=tuple(assignees),
        state="open",
    )
    if found is None:
        # The issue must exist before anything can be said on it.
        actions.append(issue)
        if comment is not None:
            actions.append(comment)
    else:
        # Say it first, then change state: a crash in between repeats the same comment identity.
        if comment is not None:
            actions.append(comment)
        actions.append(issue)
    return actions


def plan_leaving(
    found: IssueState, a: Assessment | None, policy: Policy, ctx: SyncContext
) -> list[Action]:
    """A Red issue whose risk is no longer Red (or closed, or removed): say why, then close."""
    rid = found.ident.split("/", 1)[1]
    round_ = _round(found)
    ident = f"left-red/{rid}/round-{round_}"
    if a is None:
        body = REMOVED.format(marker=marker(ident), rid=rid, commit=ctx.commit)
        reason = "not_planned"
    else:
        if a.risk.state == "closed":
            what = (
                f"It was closed (status `closed`) with score {a.score} "
                f"({a.risk.impact} × {a.risk.probability})."
            )
        else:
            what = (
                f"Its score is now **{a.score}** ({a.risk.impact} × {a.risk.probability}), "
                f"band **{escape_text(a.band.label)}**."
            )
        body = LEFT_RED.format(marker=marker(ident), rid=rid, what=f"{what} Commit: {ctx.commit}.")
        reason = "completed"
    return [
        EnsureComment(ident, body, issue=found.ident),
        EnsureIssue(
            ident=found.ident,
            title=found.title,
            body=found.body,
            labels=(policy.label,),
            remove_labels=(RED_LABEL,),
            state="closed",
            state_reason=reason,
            create=False,
        ),
    ]


def plan_sync(register: Register, snapshot: Snapshot, ctx: SyncContext) -> list[Action]:
    """Every action that makes the bot's Red issues match the register."""
    policy = register.policy
    if policy is None:
        return []
    actions: list[Action] = []
    used = {policy.label, RED_LABEL}
    by_id: Mapping[str, Assessment] = {a.risk.id: a for a in register.assessments}
    red = [a for a in register.assessments if a.band.name == "red" and a.risk.is_open]
    used.update(category_label(a.risk.category) for a in red)
    actions += [label for label in labels_for(policy) if label.name in used]
    for a in sorted(red, key=lambda x: x.risk.id):
        actions += plan_red_issue(a, policy, ctx, snapshot.issues.get(issue_ident(a.risk.id)))
    red_ids = {a.risk.id for a in red}
    for ident, found in sorted(snapshot.issues.items()):
        if not ident.startswith("red-issue/") or found.state == "closed":
            continue
        rid = ident.split("/", 1)[1]
        if rid in red_ids:
            continue
        current = by_id.get(rid)
        if current is None and not register.ok:
            continue  # a file that failed to load is not a removed risk
        actions += plan_leaving(found, current, policy, ctx)
    return actions
