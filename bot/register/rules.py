"""The plan's escalation thresholds, evaluated on the register or on a change to it.

Each escalation names its rule, the risks, and whom it notifies: policy roles resolved to their
GitHub logins, or the risk's own owner(s).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.register.policy import RISK_OWNER, Policy
from bot.register.risk import LOGIN_RE, Risk
from bot.register.scoring import Assessment


@dataclass(frozen=True, slots=True)
class Notify:
    """Someone an escalation names: a role (with its logins) or a login written as the owner."""

    role: str
    name: str
    logins: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {"role": self.role, "name": self.name, "logins": list(self.logins)}

    def describe(self) -> str:
        who = ", ".join(f"@{x}" for x in self.logins) if self.logins else "no logins set"
        return f"{self.name} ({who})"


@dataclass(frozen=True, slots=True)
class Escalation:
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


def unique(items: Iterable[str]) -> tuple[str, ...]:
    """Items in first-seen order, each once."""
    return tuple(dict.fromkeys(items))


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


def _make(policy: Policy, key: str, risks: Sequence[Risk], message: str) -> Escalation | None:
    rule = policy.rules.get(key)
    if rule is None:
        return None
    return Escalation(
        key, rule.label, tuple(r.id for r in risks), resolve(rule.notify, risks, policy), message
    )


def red_escalation(policy: Policy, a: Assessment, *, new: bool = False) -> Escalation | None:
    what = "new Red risk" if new else "Red risk"
    return _make(
        policy,
        "new_red",
        [a.risk],
        f"{a.risk.id} is a {what} (score {a.score}): immediate escalation",
    )


def same_level_escalations(policy: Policy, assessments: Sequence[Assessment]) -> list[Escalation]:
    """Several open risks at the same level (by default two or more Red) → steering committee."""
    rule = policy.rules.get("same_level")
    if rule is None:
        return []
    min_risks = int(rule.params.get("min_risks", 2))
    out: list[Escalation] = []
    for band_name in rule.params.get("bands", ["red"]):
        at_level = [a for a in assessments if a.band.name == band_name and a.risk.is_open]
        if len(at_level) >= min_risks:
            label = policy.band(band_name).label
            ids = ", ".join(a.risk.id for a in at_level)
            esc = _make(
                policy,
                "same_level",
                [a.risk for a in at_level],
                f"{len(at_level)} {label} risks at once ({ids})",
            )
            if esc is not None:
                out.append(esc)
    return out


def schedule_threshold(policy: Policy) -> int | None:
    rule = policy.rules.get("schedule_impact")
    return int(rule.params.get("min_impact", 3)) if rule is not None else None


def schedule_escalation(policy: Policy, a: Assessment, *, newly: bool = False) -> Escalation | None:
    level = policy.impact_scale[a.risk.impact]
    when = "newly above" if newly else "above"
    return _make(
        policy,
        "schedule_impact",
        [a.risk],
        f"{a.risk.id} has schedule impact {when} one week "
        f"(impact {a.risk.impact} {level.label}: {level.meaning})",
    )


def register_escalations(policy: Policy, assessments: Sequence[Assessment]) -> list[Escalation]:
    """Escalations the register triggers: each Red risk, several at one level, schedule impact."""
    out: list[Escalation] = []
    open_ = [a for a in assessments if a.risk.is_open]
    for a in open_:
        if a.band.name == "red" and (esc := red_escalation(policy, a)) is not None:
            out.append(esc)
    out.extend(same_level_escalations(policy, open_))
    threshold = schedule_threshold(policy)
    if threshold is not None:
        for a in open_:
            if a.risk.impact >= threshold and (esc := schedule_escalation(policy, a)) is not None:
                out.append(esc)
    return out
