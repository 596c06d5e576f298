"""Risks in the issue bands as GitHub issues: one per risk, kept true, escalated once, closed
when it leaves them.

The bands that open issues are the policy's (the plan's Red band; the top band always); "Red"
in the names below means them. Pure planning: from the register and a snapshot of the bot's
issues, the plan that makes GitHub match. Each issue's marker records the score last escalated
and the "round" (how many times the risk has entered the issue bands), so comments have stable
identities and a rerun after a crash finds what it already posted instead of posting it again.
The issue carries the label of its band (``risk:NAME``), changed when the risk moves between
two bands that both open issues.
"""

from __future__ import annotations

import re

from bot.reconcile import markers
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
from bot.register.policy import Band, Policy
from bot.register.rules import Prior, change_escalations, in_issue_band, owners_of
from bot.register.scoring import Assessment
from bot.render.issues import (
    left_red_comment,
    left_red_title,
    new_red_comment,
    red_issue_body,
    red_issue_title,
    score_up_comment,
)
from bot.render.markdown import remove_marker

LABEL_COLORS = {"risk": "5319e7", "category": "c5def5"}


def category_label(category: str) -> str:
    return "category:" + re.sub(r"[^a-z0-9]+", "-", category.lower()).strip("-")


def band_label(band: Band) -> str:
    """The issue label of a band: ``risk:red``."""
    return f"risk:{band.name}"


def _band_description(band: Band, policy: Policy) -> str:
    where = "" if policy.method.table else f" (score ≥ {band.min_score})"
    meaning = f": {band.meaning}" if band.meaning else ""
    return f"Risk in the {band.label} band{where}{meaning}"[:100]


def labels_for(policy: Policy) -> list[EnsureLabel]:
    """Every label sync may apply, with colours and descriptions."""
    out = [
        EnsureLabel(
            policy.label, LABEL_COLORS["risk"], "Managed by riskbot: a risk of the register"
        ),
    ]
    out += [
        EnsureLabel(band_label(band), band.label_colour, _band_description(band, policy))
        for band in policy.method.issue_bands
    ]
    out += [
        EnsureLabel(category_label(name), LABEL_COLORS["category"], f"{name} risk: {desc}"[:100])
        for name, desc in policy.categories.items()
    ]
    return out


def _red(register: Register) -> list[Assessment]:
    """The open risks in the issue bands sync acts on: not those whose file has errors (left
    alone)."""
    return sorted((a for a in register.sound if in_issue_band(a)), key=lambda a: a.risk.id)


def _owner_logins(a: Assessment, policy: Policy) -> list[str]:
    return list(dict.fromkeys(x for n in owners_of(a.risk, policy) for x in n.logins))


def sync_needs(register: Register) -> Needs:
    """What sync must know before planning: who can be assigned, where the Red risks' files are."""
    policy = register.policy
    red = _red(register)
    return Needs(
        logins=frozenset(x for a in red for x in _owner_logins(a, policy)),
        files=frozenset(a.risk.file for a in red),
    )


_CHECKED = re.compile(r"^- \[[xX]\] (.+)$", re.MULTILINE)


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
    a: Assessment, policy: Policy, snapshot: Snapshot, found: IssueState | None
) -> list[Action]:
    """Actions for one Red risk: its issue, and an escalation comment when it just became Red."""
    r = a.risk
    ident = markers.red_issue(r.id)
    logins = _owner_logins(a, policy)
    assignees = [x for x in logins if snapshot.can_assign(x)][:10]
    not_assignable = [x for x in logins if x not in assignees]
    round_ = _round(found)
    recorded = _recorded(found)
    became_red = found is None or found.state == "closed"
    if became_red:
        round_ += 1
    # A first comment lost to a crash (the issue exists, nothing was said on it): as new again.
    recovering = found is not None and found.comments == 0 and round_ == 1
    # What the issue says was known: an open issue is a risk that was Red at its recorded score.
    prior = None
    if found is not None and not recovering:
        prior = Prior(a.score if recorded is None else recorded, issue_band=not became_red)
    fired = {e.rule: e for e in change_escalations(policy, prior, a)}
    comment: EnsureComment | None = None
    if "new_red" in fired:
        body = new_red_comment(a, policy, fired["new_red"].notify)
        comment = EnsureComment(markers.new_red(a.band.name, r.id, round_), body, issue=ident)
        recorded = a.score
    elif "score_increase" in fired and recorded is not None and not became_red:
        up = policy.score_increase
        assert up is not None  # it fired
        body = score_up_comment(a, recorded, up.min_increase, fired["score_increase"].notify)
        comment = EnsureComment(markers.score_up(r.id, recorded, a.score), body, issue=ident)
        recorded = a.score
    if recorded is None or a.score > recorded:
        recorded = a.score
    checked = set(_CHECKED.findall(found.body)) if found else set()
    issue = EnsureIssue(
        ident=ident,
        title=red_issue_title(a),
        body=red_issue_body(
            a,
            policy,
            link=snapshot.links.get(r.file, ""),
            not_assignable=not_assignable,
            checked=checked,
        ),
        fields={"score": str(recorded), "round": str(max(round_, 1))},
        labels=(policy.label, band_label(a.band), category_label(r.category)),
        remove_labels=tuple(
            band_label(b) for b in policy.method.issue_bands if b.name != a.band.name
        )
        + tuple(category_label(c) for c in policy.categories if c != r.category),
        assignees=tuple(assignees),
        state="open",
    )
    if found is None:
        # The issue must exist before anything can be said on it.
        return [issue] if comment is None else [issue, comment]
    # Say it first, then change state: a crash in between repeats the same comment identity.
    return [issue] if comment is None else [comment, issue]


def _band_labels_on(found: IssueState, policy: Policy) -> tuple[str, ...]:
    """The band labels a closing issue must lose: those of the issue bands, and any other band
    label it carries (a band that opened issues under an earlier policy)."""
    labels = [band_label(b) for b in policy.method.issue_bands]
    labels += [band_label(b) for b in policy.bands if band_label(b) in found.labels]
    return tuple(dict.fromkeys(labels))


def plan_leaving(
    found: IssueState, a: Assessment | None, policy: Policy, snapshot: Snapshot
) -> list[Action]:
    """An issue whose risk left the issue bands (or was closed, or removed): say why, then close."""
    rid = markers.red_issue_risk(found.ident) or found.ident
    ident = markers.left_red(rid, _round(found))
    return [
        EnsureComment(ident, left_red_comment(rid, a, snapshot.commit, policy), issue=found.ident),
        EnsureIssue(
            ident=found.ident,
            title=left_red_title(rid, found.title, a, policy),
            body=remove_marker(found.body),
            fields={k: v for k, v in found.fields.items() if k != "id"},
            labels=(policy.label,),
            remove_labels=_band_labels_on(found, policy),
            state="closed",
            state_reason="not_planned" if a is None else "completed",
            create=False,
        ),
    ]


def plan_sync(register: Register, snapshot: Snapshot) -> Plan:
    """Every action that makes the bot's Red issues match the register."""
    policy = register.policy
    actions: list[Action] = []
    red = _red(register)
    used = {policy.label} | {band_label(a.band) for a in red}
    used |= {category_label(a.risk.category) for a in red}
    actions += [label for label in labels_for(policy) if label.name in used]
    for a in red:
        actions += plan_red_issue(
            a, policy, snapshot, snapshot.issues.get(markers.red_issue(a.risk.id))
        )
    red_ids = {a.risk.id for a in red}
    failed = register.failed_ids
    # A broken file whose id cannot be told could be any risk: then no risk counts as removed.
    unknown = None in register.failed_files.values()
    by_id = {a.risk.id: a for a in register.assessments}
    for ident, found in sorted(snapshot.issues.items()):
        rid = markers.red_issue_risk(ident)
        if rid is None or rid in red_ids or rid in failed:
            continue  # a file with errors is not a removed (or lowered) risk: left alone
        if rid not in by_id and unknown:
            continue
        if found.state == "closed":
            actions += plan_closed_title(found, rid, by_id.get(rid), policy)
            continue
        actions += plan_leaving(found, by_id.get(rid), policy, snapshot)
    return Plan(actions, held_back=held_back(register.failed_files, "not synced"))


def plan_closed_title(
    found: IssueState, rid: str, a: Assessment | None, policy: Policy
) -> list[Action]:
    """A closed issue's title keeps following its risk (its score, closed, removed)."""
    title = left_red_title(rid, found.title, a, policy)
    if title == found.title:
        return []
    return [
        EnsureIssue(
            ident=found.ident,
            title=title,
            body=remove_marker(found.body),
            fields={k: v for k, v in found.fields.items() if k != "id"},
            state="closed",
            create=False,
        )
    ]
