"""Where two revisions of the register are compared: changes, and the escalations they trigger."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.register.load import Loaded, Register
from bot.register.policy import Policy
from bot.register.risk import Risk
from bot.register.rules import Escalation, comparison_escalations, is_open_red, owners_of
from bot.register.scoring import Assessment

COMPARED_FIELDS = (
    "title",
    "impact",
    "probability",
    "owner",
    "status",
    "phase",
    "category",
    "cadence",
    "mitigation",
)


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class RiskChange:
    """One risk present on both sides, with what changed in it."""

    base: Assessment
    head: Assessment
    fields: tuple[FieldChange, ...]

    @property
    def id(self) -> str:
        return self.head.risk.id

    @property
    def renamed(self) -> bool:
        return self.base.risk.file != self.head.risk.file

    @property
    def delta(self) -> int:
        return self.head.score - self.base.score


@dataclass(frozen=True)
class Approval:
    """A Red risk lowered, closed or removed: its owner must approve the PR."""

    risk: str
    reason: str
    owners: tuple[str, ...]
    logins: tuple[str, ...]


@dataclass
class Comparison:
    base: Loaded
    head: Loaded
    added: list[Assessment] = field(default_factory=list)
    removed: list[Assessment] = field(default_factory=list)
    changed: list[RiskChange] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    approvals: list[Approval] = field(default_factory=list)

    @property
    def moved(self) -> set[str]:
        """Risks whose cell in the matrix changed (or that are new)."""
        out = {a.risk.id for a in self.added}
        out |= {
            c.id
            for c in self.changed
            if (c.base.risk.impact, c.base.risk.probability)
            != (c.head.risk.impact, c.head.risk.probability)
        }
        return out


def _text(risk: Risk, name: str) -> str:
    if name == "impact":
        return str(risk.impact)
    if name == "probability":
        return str(risk.probability)
    if name == "owner":
        return " / ".join(risk.owners)
    if name == "status":
        return risk.state + (f": {risk.status_note}" if risk.status_note else "")
    if name == "cadence":
        return risk.cadence or "(band's)"
    if name == "mitigation":
        return "; ".join(f"{k}: {len(v)} items" for k, v in risk.mitigation.items())
    return str(getattr(risk, name))


def _value(risk: Risk, name: str) -> object:
    """What a field's text is made of: equal values give equal texts."""
    if name == "owner":
        return risk.owners
    if name == "status":
        return (risk.state, risk.status_note)
    return getattr(risk, name)


def field_changes(old: Risk, new: Risk) -> tuple[FieldChange, ...]:
    """The compared fields that differ between two versions of a risk."""
    out: list[FieldChange] = []
    for name in COMPARED_FIELDS:
        if _value(old, name) == _value(new, name):
            continue  # the common case, decided without rendering either side
        if name == "mitigation":
            # In the order the files name them, so that the report is the same on every run.
            for kind in dict.fromkeys([*old.mitigation, *new.mitigation]):
                was, now = old.mitigation.get(kind, ()), new.mitigation.get(kind, ())
                if was != now:
                    added = len([x for x in now if x not in was])
                    gone = len([x for x in was if x not in now])
                    out.append(
                        FieldChange(
                            f"mitigation.{kind}",
                            f"{len(was)} items",
                            f"{len(now)} items (+{added} −{gone})",
                        )
                    )
            continue
        before, after = _text(old, name), _text(new, name)
        if before != after:
            out.append(FieldChange(name, before, after))
    return tuple(sorted(out, key=lambda c: COMPARED_FIELDS.index(c.field.split(".")[0])))


def owner_approvals(policy: Policy, comparison: Comparison) -> list[Approval]:
    """Every Red risk the change lowers, closes or removes needs its owner's approval."""
    head_by = {a.risk.id: a for a in comparison.head.assessments}
    out: list[Approval] = []
    for before in comparison.base.assessments:
        if not is_open_red(before):
            continue
        after = head_by.get(before.risk.id)
        if after is None:
            reason = "removed"
        elif not after.risk.is_open:
            reason = f"closed (score {after.score})"
        elif after.score < before.score:
            reason = f"score lowered {before.score} → {after.score} ({after.band.label})"
        else:
            continue
        owners = owners_of(before.risk, policy)
        out.append(
            Approval(
                before.risk.id,
                reason,
                tuple(n.name for n in owners),
                tuple(x for n in owners for x in n.logins),
            )
        )
    return out


def compare(base: Loaded, head: Loaded, policy: Policy | None = None) -> Comparison:
    """What changed from base to head, and what the change triggers under the head's policy."""
    result = Comparison(base, head)
    base_by = {a.risk.id: a for a in base.assessments}
    head_by = {a.risk.id: a for a in head.assessments}
    result.added = [a for a in head.assessments if a.risk.id not in base_by]
    result.removed = [a for a in base.assessments if a.risk.id not in head_by]
    for a in head.assessments:
        before = base_by.get(a.risk.id)
        if before is None:
            continue
        fields = field_changes(before.risk, a.risk)
        if fields or before.risk.file != a.risk.file:
            result.changed.append(RiskChange(before, a, fields))
    policy = policy or (head.policy if isinstance(head, Register) else None)
    if policy is not None:
        result.escalations = comparison_escalations(policy, base.assessments, head.assessments)
        result.approvals = owner_approvals(policy, result)
    return result


@dataclass
class PrReport:
    """A comparison of two revisions as a pull request sees it: refs and the files it changes.

    Everything the PR comment, the JSON and the annotations are made from.
    """

    comparison: Comparison
    base_ref: str
    head_ref: str
    changed_files: frozenset[str]

    @property
    def head(self) -> Loaded:
        return self.comparison.head

    @property
    def ok(self) -> bool:
        return self.head.ok

    @property
    def touches_risks(self) -> bool:
        return bool(self.changed_files)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1
