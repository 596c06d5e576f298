"""Where two revisions of the register are compared: changes, and the escalations they trigger.

Each risk on head is assessed under the head policy and, when the policy changed, under the base
policy too: the difference between the two is what the policy alone does to it (a band, a cadence
or an escalation that changes although its file did not). A risk file on head that fails is
*invalid on head*, not compared and never taken for a removal; only a risk whose file is gone is
removed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from bot.register.acceptance import AcceptanceChange, acceptance_approvals, acceptance_changes
from bot.register.approvals import (
    NOT_CHECKED,
    POLICY_SUBJECT,
    Approval,
    ApprovalCheck,
    check_approvals,
    sponsors,
    with_unfilled,
)
from bot.register.findings import Finding
from bot.register.load import POLICY_PATH, Loaded, Register
from bot.register.policy import Policy
from bot.register.policydiff import PolicyChange, as_number, flatten, policy_changes, value_at
from bot.register.risk import LOGIN_RE, Risk
from bot.register.rules import (
    Escalation,
    Notify,
    change_escalations,
    comparison_escalations,
    in_issue_band,
    owners_of,
)
from bot.register.scoring import Assessment, assess, levels_fit

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
    "residual",
)
"""The fields listed first, in this order; every other field of the file follows."""

RENAMED = {
    "impact.level": "impact",
    "probability.level": "probability",
    "review.cadence": "cadence",
}
NOT_COMPARED = ("id", "score", "band")
"""A declared score or band says nothing the computed one does not (a wrong one is an error)."""
RISK_ITEM_KEYS = ("release", "date")
"""List items keyed by these (``outcome`` by release, ``review.log`` by date)."""
ABSENT = "(none)"


@dataclass(frozen=True)
class FieldChange:
    """One field of a risk file that differs, old → new as text; for a list, its item counts and
    the items added and removed (``is_list``)."""

    field: str
    old: str
    new: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    is_list: bool = False
    old_value: Any = None
    """The old value as the file holds it (a level stays a number in the JSON report)."""
    new_value: Any = None

    @classmethod
    def of_list(cls, field: str, old: tuple[str, ...], new: tuple[str, ...]) -> FieldChange:
        """A list field: how many items each side has, what came and what went."""
        added = tuple(x for x in new if x not in old)
        removed = tuple(x for x in old if x not in new)
        return cls(field, f"{len(old)} items", f"{len(new)} items", added, removed, True)

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "field": self.field,
            "old": as_number(self.old_value, self.old),
            "new": as_number(self.new_value, self.new),
        }
        if self.is_list:
            out |= {"added": list(self.added), "removed": list(self.removed)}
        return out


class Triggered(NamedTuple):
    """A per-risk escalation rule a risk triggers, and the roles it notifies."""

    rule: str
    label: str
    roles: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {"rule": self.rule, "label": self.label, "notify": list(self.roles)}


@dataclass(frozen=True)
class PolicyEffect:
    """What the policy change alone does to one risk: its head file under each policy."""

    before: Assessment
    after: Assessment
    rules_before: tuple[Triggered, ...]
    rules_after: tuple[Triggered, ...]

    @property
    def band_moved(self) -> bool:
        return self.before.band.name != self.after.band.name

    @property
    def cadence_moved(self) -> bool:
        return (self.before.cadence, self.before.cadence_days) != (
            self.after.cadence,
            self.after.cadence_days,
        )

    @property
    def rules_moved(self) -> bool:
        return self.rules_before != self.rules_after

    def as_json(self) -> dict[str, object]:
        return {
            "band": {"old": self.before.band.name, "new": self.after.band.name},
            "cadence": {"old": self.before.cadence, "new": self.after.cadence},
            "escalations": {
                "old": [r.as_json() for r in self.rules_before],
                "new": [r.as_json() for r in self.rules_after],
            },
        }


@dataclass(frozen=True)
class RiskChange:
    """One risk present on both sides, with what changed in its file and what the policy did."""

    base: Assessment
    head: Assessment
    fields: tuple[FieldChange, ...]
    policy: PolicyEffect | None = None

    @property
    def id(self) -> str:
        return self.head.risk.id

    @property
    def renamed(self) -> bool:
        return self.base.risk.file != self.head.risk.file

    @property
    def delta(self) -> int:
        return self.head.score - self.base.score

    @property
    def review_moved_back(self) -> tuple[dt.date, dt.date] | None:
        """(base, head) ``last_reviewed`` when the change moves it to an earlier day."""
        was, now = self.base.risk.last_reviewed, self.head.risk.last_reviewed
        return (was, now) if was is not None and now is not None and now < was else None

    @property
    def band_cause(self) -> str | None:
        """What moved the band: ``file``, ``policy``, ``file and policy`` (None: it stayed)."""
        if self.base.band.name == self.head.band.name:
            return None
        if self.policy is None or not self.policy.band_moved:
            return "file"
        return (
            "policy" if self.policy.before.band.name == self.base.band.name else "file and policy"
        )

    @property
    def cause(self) -> str:
        """``file``, ``policy`` or ``file and policy``: what this row of the report comes from."""
        by_file = bool(self.fields) or self.renamed
        by_policy = self.policy is not None
        return "file and policy" if by_file and by_policy else "policy" if by_policy else "file"


@dataclass(frozen=True)
class NotCompared:
    """A risk file on head that fails: *invalid on head*, not compared, its findings beside it."""

    file: str
    risk_id: str | None
    base: Assessment | None
    """The risk on base with the id the file most likely holds (None: the file is new)."""
    findings: tuple[Finding, ...]

    @property
    def added(self) -> bool:
        return self.base is None


@dataclass
class Comparison:
    base: Loaded
    head: Loaded
    added: list[Assessment] = field(default_factory=list)
    removed: list[Assessment] = field(default_factory=list)
    changed: list[RiskChange] = field(default_factory=list)
    invalid: list[NotCompared] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    approvals: list[Approval] = field(default_factory=list)
    policy_changes: list[PolicyChange] = field(default_factory=list)
    acceptances: list[AcceptanceChange] = field(default_factory=list)

    @property
    def moved(self) -> set[str]:
        """Risks whose cell in the matrix changed (or that are new)."""
        out = {a.risk.id for a in self.added}
        out |= {
            c.id
            for c in self.changed
            if (c.base.risk.impact, c.base.risk.probability)
            != (c.head.risk.impact, c.head.risk.probability)
            or c.band_cause is not None
        }
        return out

    @property
    def kept(self) -> list[Assessment]:
        """The risks invalid on head, as base assessed them: head's figures count them so (a
        typo moves no figure), where their levels are on the head policy's scales."""
        if not isinstance(self.head, Register):
            return []
        policy = self.head.policy
        sound = {a.risk.id for a in self.head.sound}
        return [
            n.base
            for n in self.invalid
            if n.base is not None
            and n.base.risk.id not in sound
            and levels_fit(n.base.risk, policy)
        ]

    @property
    def head_figures(self) -> list[Assessment]:
        """What head's odds and heat map count: its sound risks, and :attr:`kept`."""
        kept = self.kept
        return sorted([*self.head.sound, *kept], key=lambda a: (-a.score, a.risk.id))

    @property
    def fixed(self) -> set[str]:
        """Added risks whose file was invalid on base (so they could not be compared)."""
        return {a.risk.id for a in self.added} & self.base.failed_ids


def _plain(value: Any) -> str:
    return " ".join(str(value).split())


def _leaves(
    risk: Risk, keys: Set[str], raw: dict[str, Any] | None = None
) -> dict[str, str | tuple[str, ...]]:
    """The fields under these top-level keys as the report names them: ``impact``,
    ``mitigation.response``, …; ``raw`` gets each one's value as the file holds it."""
    data = {k: v for k, v in risk.data.items() if k in keys and k not in NOT_COMPARED}
    owner = data.pop("owner", None)
    status = data.pop("status", None)
    out: dict[str, str | tuple[str, ...]] = {}
    for key, (value, path) in flatten(data, item_keys=RISK_ITEM_KEYS).items():
        name = RENAMED.get(key, key)
        out[name] = value if isinstance(value, tuple) else _plain(value)
        if raw is not None:
            raw[name] = value_at(data, path)
    if owner is not None:
        out["owner"] = " / ".join(risk.owners)
    if status is not None:
        out["status"] = risk.state + (f": {_plain(risk.status_note)}" if risk.status_note else "")
    return out


def _order(name: str) -> tuple[int, str]:
    head = name.split(".", 1)[0]
    return (COMPARED_FIELDS.index(head) if head in COMPARED_FIELDS else len(COMPARED_FIELDS), "")


def field_changes(old: Risk, new: Risk) -> tuple[FieldChange, ...]:
    """Every field that differs between two versions of a risk; lists say what came and went."""
    if old.data == new.data:
        return ()  # the common case, decided without rendering either side
    # Only the top-level keys that differ are rendered: the rest cannot hold a change.
    gone = object()
    keys = {
        k
        for k in old.data.keys() | new.data.keys()
        if old.data.get(k, gone) != new.data.get(k, gone)
    }
    old_raw: dict[str, Any] = {}
    new_raw: dict[str, Any] = {}
    before, after = _leaves(old, keys, old_raw), _leaves(new, keys, new_raw)
    out: list[FieldChange] = []
    for name in list(after) + [k for k in before if k not in after]:
        was, now = before.get(name), after.get(name)
        if was == now:
            continue
        if isinstance(was, tuple) or isinstance(now, tuple):
            was_items = was if isinstance(was, tuple) else ()
            now_items = now if isinstance(now, tuple) else ()
            out.append(FieldChange.of_list(name, was_items, now_items))
            continue
        default = "(band's)" if name == "cadence" else ABSENT
        out.append(
            replace(
                FieldChange(name, was or default, now or default),
                old_value=old_raw.get(name),
                new_value=new_raw.get(name),
            )
        )
    return tuple(sorted(out, key=lambda c: _order(c.field)))


def _rules(policy: Policy, a: Assessment) -> tuple[Triggered, ...]:
    """The per-risk escalation rules a risk triggers as it stands, with whom each names."""
    found = change_escalations(policy, None, a, state=True)
    triggered = (Triggered(e.rule, e.label, tuple(n.role for n in e.notify)) for e in found)
    return tuple(sorted(triggered, key=lambda t: (t.label, t.roles)))


def policy_effect(risk: Risk, base: Policy, head: Policy, today: dt.date) -> PolicyEffect | None:
    """How a risk's band, cadence or escalations change from the base to the head policy alone.

    None also where the head file's levels are not on the base policy's scales: a method change
    rescored with its risks in one change, whose band moves are listed as the file's.
    """
    if not levels_fit(risk, base):
        return None
    before, after = assess(risk, base, today), assess(risk, head, today)
    effect = PolicyEffect(before, after, _rules(base, before), _rules(head, after))
    if effect.band_moved or effect.cadence_moved or effect.rules_moved:
        return effect
    return None


def issue_bands_text(policy: Policy) -> str:
    """What a risk leaves when it no longer gets an issue: ``Red`` (the plan's one issue band),
    or ``the issue bands`` when there are several."""
    bands = policy.method.issue_bands
    return bands[0].label if len(bands) == 1 else "the issue bands"


def _leaving_reason(
    before: Assessment, after: Assessment | None, change: RiskChange | None, policy: Policy
) -> str | None:
    if after is None:
        return "removed"
    if not after.risk.is_open:
        return f"closed (score {after.score})"
    if after.score < before.score:
        return f"score lowered {before.score} → {after.score} ({after.band.label})"
    if not in_issue_band(after):
        by = (
            "the policy change"
            if change is not None and change.band_cause == "policy"
            else "a change"
        )
        return (
            f"left {issue_bands_text(policy)} by {by}: score {after.score} is now "
            f"{after.band.label}"
        )
    return None


def owner_approvals(policy: Policy, comparison: Comparison) -> list[Approval]:
    """Every risk in an issue band (the plan's Red) that the change lowers, closes, removes or moves
    out of the issue bands (by the policy too) needs its owner's approval; a risk invalid on head
    is not compared, so asks none."""
    head_by = {a.risk.id: a for a in comparison.head.sound}
    changes = {c.id: c for c in comparison.changed}
    failed = comparison.head.failed_ids
    out: list[Approval] = []
    for before in comparison.base.assessments:
        rid = before.risk.id
        if not in_issue_band(before) or rid in failed:
            continue
        after = head_by.get(rid)
        reason = _leaving_reason(before, after, changes.get(rid), policy)
        if reason is None:
            continue
        where = after.risk if after is not None else before.risk
        out.append(
            with_unfilled(
                rid,
                reason,
                owners_of(before.risk, policy),
                "owner",
                where.file,
                where.line("impact"),
                policy,
                band=before.band.label,
            )
        )
    return out


def _owner_ids(risk: Risk, policy: Policy) -> frozenset[str]:
    """Who owns a risk, as what each owner names: a role (its id) or a login (case-folded)."""
    out: set[str] = set()
    for owner in risk.owners:
        if m := LOGIN_RE.match(owner):
            out.add("@" + m.group(1).casefold())
        elif (role := policy.role(owner)) is not None:
            out.add(role.id)
        else:
            out.add(owner.casefold())
    return frozenset(out)


def _logins(notify: Sequence[Notify]) -> frozenset[tuple[str, frozenset[str]]]:
    return frozenset((n.role, frozenset(x.casefold() for x in n.logins)) for n in notify)


def _login_moves(old: Sequence[str], new: Sequence[str]) -> str:
    """``+@b −@a``: the logins added and removed."""
    was, now = {x.casefold() for x in old}, {x.casefold() for x in new}
    moves = [f"+@{x}" for x in new if x.casefold() not in was]
    moves += [f"−@{x}" for x in old if x.casefold() not in now]
    return " ".join(moves)


def _people(notify: Sequence[Notify]) -> str:
    return (
        "; ".join(
            f"{n.name} ({', '.join(f'@{x}' for x in n.logins) or 'no logins'})" for n in notify
        )
        or "nobody"
    )


def ownership_approvals(base: Policy, head: Policy, comparison: Comparison) -> list[Approval]:
    """Who owns a risk in an issue band is governed like its score: a change of its owner, or of
    the logins of a role that owns one, needs the base owner's approval (or the program
    sponsor's); a change of who the sponsor is (its role or logins) needs the base sponsor's."""
    head_by = {a.risk.id: a for a in comparison.head.sound}
    failed = comparison.head.failed_ids
    owned: dict[str, list[str]] = {}
    out: list[Approval] = []
    for before in comparison.base.assessments:
        if not in_issue_band(before):
            continue
        rid = before.risk.id
        owners = owners_of(before.risk, base)
        for n in owners:
            owned.setdefault(n.role, []).append(rid)
        after = head_by.get(rid)
        if after is None or rid in failed:
            continue
        if _owner_ids(before.risk, base) == _owner_ids(after.risk, head):
            continue
        out.append(
            with_unfilled(
                rid,
                f"changes its owner: {' / '.join(before.risk.owners)} → "
                f"{' / '.join(after.risk.owners)}",
                owners,
                "owner",
                after.risk.file,
                after.risk.line("owner"),
                base,
                band=before.band.label,
                or_sponsor=True,
            )
        )
    covered: set[str] = set()
    for role in base.roles:
        risks = owned.get(role.id)
        new = head.role(role.id)
        if not risks or new is None or new.id != role.id:
            continue  # a role gone or renamed leaves its risks' owners unresolved: errors on head
        moves = _login_moves(role.logins, new.logins)
        if not moves:
            continue
        covered.add(role.id)
        out.append(
            with_unfilled(
                POLICY_SUBJECT,
                f"changes the logins of {role.name}, owner of {', '.join(risks)}: {moves}",
                [Notify(role.id, role.name, role.logins)],
                "owner",
                POLICY_PATH,
                new.line,
                base,
                or_sponsor=True,
            )
        )
    was, now = sponsors(base), sponsors(head)
    # Who the sponsor is: its roles and their logins. A role whose logins changed and that owns
    # a risk is guarded above already, by its own approval or the sponsor's.
    changed = {n.role for n in was} ^ {n.role for n in now}
    changed |= {role for role, _ in _logins(was) ^ _logins(now)}
    if changed - covered:
        line = next((r.line for n in now if (r := head.role(n.role)) is not None), 1)
        out.append(
            with_unfilled(
                POLICY_SUBJECT,
                f"changes the program sponsor: {_people(was)} → {_people(now)}",
                was,
                "program sponsor",
                POLICY_PATH,
                line,
                base,
            )
        )
    return out


def sponsor_approval(policy: Policy, changes: Sequence[PolicyChange], file: str) -> Approval | None:
    """A change of the method (band thresholds, scales, formula): the program sponsor must
    approve it."""
    needing = [c for c in changes if c.needs_sponsor]
    if not needing:
        return None
    shown = "; ".join(c.describe() for c in needing[:3])
    more = f" and {len(needing) - 3} more" if len(needing) > 3 else ""
    what = (
        "the scoring method"
        if any(c.changes_method for c in needing)
        else "the acceptance terms"
        if all(c.changes_acceptance for c in needing)
        else "band thresholds or scales"
    )
    return with_unfilled(
        POLICY_SUBJECT,
        f"changes {what}: {shown}{more}",
        sponsors(policy),
        "program sponsor",
        needing[0].file or file,  # the line is in the vendored base for a value it gives
        needing[0].line,
        policy,
    )


def compare(base: Loaded, head: Loaded) -> Comparison:
    """What changed from base to head, and what the change triggers under the head's policy.

    Approvers come from the base policy (a pull request cannot choose who approves it).
    """
    result = Comparison(base, head)
    base_policy = base.policy if isinstance(base, Register) else None
    head_policy = head.policy if isinstance(head, Register) else None
    base_by = {a.risk.id: a for a in base.assessments}
    sound = head.sound
    for name, rid in sorted(head.failed_files.items()):
        before = base_by.get(rid) if rid is not None else None
        findings = tuple(f for f in head.findings if f.file == name)
        result.invalid.append(NotCompared(name, rid, before, findings))
    held = {a.risk.id for a in sound} | head.failed_ids
    result.added = [a for a in sound if a.risk.id not in base_by]
    result.removed = [a for a in base.assessments if a.risk.id not in held]
    if base_policy is not None and head_policy is not None:
        result.policy_changes = policy_changes(
            base_policy.data, head_policy.data, head_policy.lines, head_policy.files
        )
    for a in sound:
        before = base_by.get(a.risk.id)
        if before is None:
            continue
        fields = field_changes(before.risk, a.risk)
        effect = None
        if result.policy_changes and base_policy is not None and head_policy is not None:
            effect = policy_effect(a.risk, base_policy, head_policy, head.today)
        if fields or before.risk.file != a.risk.file or effect is not None:
            result.changed.append(RiskChange(before, a, fields, effect))
    if head_policy is not None:
        result.escalations = comparison_escalations(head_policy, base.assessments, sound)
    approver_policy = base_policy or head_policy
    result.acceptances = acceptance_changes(base.assessments, sound, head.failed_ids)
    if approver_policy is not None:
        result.approvals = owner_approvals(approver_policy, result)
        if head_policy is not None:
            result.approvals += ownership_approvals(approver_policy, head_policy, result)
        if head_policy is not None and (
            sponsor := sponsor_approval(approver_policy, result.policy_changes, POLICY_PATH)
        ):
            result.approvals.append(sponsor)
        result.approvals += acceptance_approvals(approver_policy, result.acceptances)
    return result


@dataclass
class PrReport:
    """A comparison of two revisions as a pull request sees it: refs and the files it changes.

    Everything the PR comment, the JSON and the annotations are made from. ``approval`` is the
    state of the approvals it needs, once the GitHub shell has read the reviews.
    """

    comparison: Comparison
    base_ref: str
    head_ref: str
    changed_files: frozenset[str]
    gate_files: tuple[str, ...] = ()
    """The workflow files and the policy the pull request changes: what decides how it is
    checked (a pull request runs its own version of the workflows)."""
    approval: ApprovalCheck = field(default_factory=ApprovalCheck)
    links: Mapping[str, str] = field(default_factory=dict)
    """Where the full report is (``summary``: the run's page), for a comment that was cut."""

    def __post_init__(self) -> None:
        if not self.approval.statuses and self.comparison.approvals:
            self.approval = check_approvals(self.comparison.approvals, None, None, NOT_CHECKED)

    @property
    def head(self) -> Loaded:
        return self.comparison.head

    @property
    def ok(self) -> bool:
        return self.head.ok

    @property
    def touches_risks(self) -> bool:
        """Whether the pull request changes the register or what checks it (its comment)."""
        return bool(self.changed_files or self.gate_files)

    @property
    def exit_code(self) -> int:
        """1 when head has errors, or while an approval someone could give is missing."""
        return 0 if self.ok and not self.approval.blocking else 1
