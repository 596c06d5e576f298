"""The plan's escalation thresholds, each evaluated here once, on the register or on a change.

Each escalation names its rule, the risks, and whom it notifies: policy roles resolved to their
GitHub logins, or the risk's own owner(s). ``check`` and ``report`` ask what the register
triggers now (:func:`register_escalations`); ``pr`` and ``sync`` ask what a change triggers,
from what was known before (:class:`Prior`) to now (:func:`change_escalations`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from bot.register.policy import RISK_OWNER, Policy, Rule, SameLevel
from bot.register.risk import LOGIN_RE, Risk
from bot.register.scoring import Assessment


class Notify(NamedTuple):
    """Someone an escalation names: a role (with its logins) or a login written as the owner."""

    role: str
    name: str
    logins: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {"role": self.role, "name": self.name, "logins": list(self.logins)}


@dataclass(frozen=True)
class Escalation:
    """A rule that fires: the risks it names, whom it notifies, and what it says."""

    rule: str
    label: str
    risks: tuple[str, ...]
    notify: tuple[Notify, ...]
    message: str

    @property
    def risk(self) -> str | None:
        return self.risks[0] if len(self.risks) == 1 else None

    @property
    def logins(self) -> tuple[str, ...]:
        return unique(login for n in self.notify for login in n.logins)

    def as_json(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "label": self.label,
            "risk": self.risk,
            "risks": list(self.risks),
            "notify": [n.as_json() for n in self.notify],
            "message": self.message,
        }


@dataclass(frozen=True)
class Prior:
    """What was known of a risk before a change: its score, whether it was an open risk in a band
    that opens an issue, and its impact (None where the one who asks does not know it)."""

    score: int
    issue_band: bool
    impact: int | None = None
    band_label: str = ""


def pingable_logins(policy: Policy, risks: Iterable[Risk]) -> tuple[str, ...]:
    """Who riskbot may mention: the logins of the policy's roles and of the risks' owners
    (read from the default branch by the jobs that post)."""
    return unique(
        [login for role in policy.roles for login in role.logins]
        + [login for risk in risks for login in risk.owner_logins]
    )


def unique(items: Iterable[str]) -> tuple[str, ...]:
    """Items in first-seen order, each once."""
    return tuple(dict.fromkeys(items))


def in_issue_band(a: Assessment | None) -> bool:
    """An open risk in a band that opens an issue (the plan's Red band)."""
    return a is not None and a.band.opens_issue and a.risk.is_open


def prior_of(a: Assessment) -> Prior:
    """What an earlier assessment of a risk says, as a :class:`Prior`."""
    return Prior(a.score, in_issue_band(a), a.risk.impact, a.band.label)


def owners_of(risk: Risk, policy: Policy) -> list[Notify]:
    """The risk's owners as notify targets."""
    out: list[Notify] = []
    for owner in risk.owners:
        if m := LOGIN_RE.match(owner):
            out.append(Notify(owner, owner, (m.group(1),)))
        elif (role := policy.role(owner)) is not None:
            out.append(Notify(role.id, role.name, role.logins))
        else:
            out.append(Notify(owner, owner, ()))
    return out


def resolve(idents: Sequence[str], risks: Sequence[Risk], policy: Policy) -> tuple[Notify, ...]:
    """Turn a rule's notify list into people; ``risk-owner`` means each named risk's owners."""
    out: dict[str, Notify] = {}
    for ident in idents:
        if ident == RISK_OWNER:
            for risk in risks:
                for n in owners_of(risk, policy):
                    out.setdefault(n.role, n)
        elif (role := policy.role(ident)) is not None:
            out.setdefault(role.id, Notify(role.id, role.name, role.logins))
    return tuple(out.values())


def _escalation(policy: Policy, rule: Rule, risks: Sequence[Risk], message: str) -> Escalation:
    return Escalation(
        rule.key,
        rule.label,
        tuple(r.id for r in risks),
        resolve(rule.notify, risks, policy),
        message,
    )


def change_escalations(
    policy: Policy, prior: Prior | None, now: Assessment, *, state: bool = False
) -> list[Escalation]:
    """The per-risk thresholds a risk crosses from ``prior`` (None: it is new) to ``now``.

    New Red: an open risk in a band that opens an issue that was in none. Score up: a rise of the
    rule's minimum or more.
    Schedule impact: an open risk whose impact reaches the rule's minimum. With ``state``, the
    question is what the risk triggers as it stands (``check``), not what the change does.
    """
    out: list[Escalation] = []
    r = now.risk
    rule_red = policy.new_red
    if rule_red is not None and in_issue_band(now) and not (prior is not None and prior.issue_band):
        label = now.band.label
        if state:
            message = f"{r.id} is a {label} risk (score {now.score}): immediate escalation"
        else:
            band = prior.band_label if prior else ""
            was = "new" if prior is None else f"was {prior.score}" + (f", {band}" if band else "")
            message = f"{r.id} is a new {label} risk, score {now.score} ({was})"
        out.append(_escalation(policy, rule_red, [r], message))
    rule_up = policy.score_increase
    if (
        rule_up is not None
        and prior is not None
        and now.score - prior.score >= rule_up.min_increase
    ):
        message = f"{r.id} score up by {now.score - prior.score} ({prior.score} → {now.score})"
        out.append(_escalation(policy, rule_up, [r], message))
    rule_slip = policy.schedule_impact
    if rule_slip is not None and r.is_open and r.impact >= rule_slip.min_impact:
        was_above = (
            prior is not None and prior.impact is not None and prior.impact >= rule_slip.min_impact
        )
        if state or not was_above:
            level = policy.impact_scale[r.impact]
            when = "above" if state else "newly above"
            message = (
                f"{r.id} has schedule impact {when} one week "
                f"(impact {r.impact} {level.label}: {level.meaning})"
            )
            out.append(_escalation(policy, rule_slip, [r], message))
    return out


def same_level_groups(
    rule: SameLevel, assessments: Sequence[Assessment]
) -> list[tuple[str, list[Assessment]]]:
    """The bands holding at least the rule's number of open risks, with those risks."""
    out: list[tuple[str, list[Assessment]]] = []
    for band in rule.bands:
        at_level = [a for a in assessments if a.band.name == band and a.risk.is_open]
        if len(at_level) >= rule.min_risks:
            out.append((band, at_level))
    return out


def _same_level(
    policy: Policy, rule: SameLevel, band: str, at_level: Sequence[Assessment]
) -> Escalation:
    ids = ", ".join(a.risk.id for a in at_level)
    message = f"{len(at_level)} {policy.band(band).label} risks at once ({ids})"
    return _escalation(policy, rule, [a.risk for a in at_level], message)


def register_escalations(policy: Policy, assessments: Sequence[Assessment]) -> list[Escalation]:
    """What the register triggers as it stands: each risk in an issue band, several at one level,
    schedule."""
    out: list[Escalation] = []
    open_ = [a for a in assessments if a.risk.is_open]
    per_risk = [change_escalations(policy, None, a, state=True) for a in open_]
    out += [e for found in per_risk for e in found if e.rule == "new_red"]
    if (rule := policy.same_level) is not None:
        out += [_same_level(policy, rule, band, at) for band, at in same_level_groups(rule, open_)]
    out += [e for found in per_risk for e in found if e.rule == "schedule_impact"]
    return out


def comparison_escalations(
    policy: Policy, base: Sequence[Assessment], head: Sequence[Assessment]
) -> list[Escalation]:
    """What a change of the register triggers, base → head, under ``policy``."""
    base_by = {a.risk.id: a for a in base}
    per_risk = [
        change_escalations(policy, prior_of(b) if (b := base_by.get(a.risk.id)) else None, a)
        for a in head
    ]
    out = [e for key in ("new_red", "score_increase") for f in per_risk for e in f if e.rule == key]
    if (rule := policy.same_level) is not None:
        for band, at in same_level_groups(rule, head):
            before = {a.risk.id for a in base if a.band.name == band and a.risk.is_open}
            if any(a.risk.id not in before for a in at):
                out.append(_same_level(policy, rule, band, at))
    out += [e for found in per_risk for e in found if e.rule == "schedule_impact"]
    return out
