"""Accepted risks against the policy: the findings of an acceptance, who may approve one, and
what a change of the register does to the acceptances.

A risk file's ``acceptance`` (``by``, ``rationale``, ``until``) says the risk is knowingly
accepted. The policy's acceptance terms say, per band, who approves it (its authority: role ids,
the program sponsor by default) and for how long at most. An accepted risk keeps its score and
band in every count; its reviews and their reminders follow the acceptance cadence (see
:func:`bot.register.scoring.assess`). A pull request that adds or extends an acceptance, or
carries one into a band of other approvers, needs an approving review by the band's authority of
the base policy, who is neither the pull request's author nor the requester
(:class:`bot.register.approvals.Approval` with ``strict``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from bot.register.findings import Finding, error, warning
from bot.register.policy import Band, Policy
from bot.register.risk import Acceptance, AcceptanceState, Risk
from bot.register.rules import Notify, owners_of, resolve
from bot.register.scoring import Assessment

if TYPE_CHECKING:
    from bot.register.approvals import Approval

AUTHORITY_ROLE = "acceptance authority"
"""The capacity in which an acceptance's approvers approve (``Approval.role``)."""

ChangeKind = Literal["added", "extended", "changed", "moved", "removed", "lapsed"]
NEEDS_APPROVAL: tuple[ChangeKind, ...] = ("added", "extended", "moved")
"""What a change does to an acceptance that its band's authority must approve (a ``moved`` one
only where its new band's authority is not its old band's)."""


def authority(policy: Policy, band: str) -> tuple[Notify, ...]:
    """Who approves accepting a risk of a band: its terms' roles, else the program sponsor."""
    roles = policy.acceptance.terms(band).authority
    if roles:
        return resolve(roles, [], policy)
    from bot.register.approvals import sponsors  # only a policy without its own authority

    return sponsors(policy)


def until_line(risk: Risk) -> int:
    """The line of an acceptance's ``until`` (else of the acceptance, else 1)."""
    return risk.lines.get("acceptance.until", risk.line("acceptance"))


def requester_hint(by: str, policy: Policy) -> str:
    """``(did you mean '@alice'?)`` for a policy login; for a role, whom to name instead."""
    logins = {login.casefold(): login for role in policy.roles for login in role.logins}
    bare = by.strip().lstrip("@").casefold()
    if bare in logins:
        return f" (did you mean '@{logins[bare]}'?)"
    role = policy.role(by)
    if role is not None:
        people = ", ".join(f"@{x}" for x in role.logins) or "a login of the role"
        return f" ('{by}' is a role: name the person who asks, e.g. {people})"
    return ""


def acceptance_findings(a: Assessment, policy: Policy, today: dt.date) -> list[Finding]:
    """An acceptance's requester must be an ``@login``; an open risk's acceptance may run at
    most its band's longest term from ``today``, and one that has lapsed is a warning."""
    risk, held = a.risk, a.risk.acceptance
    if held is None:
        return []
    found: list[Finding] = []
    if held.login is None:
        found.append(
            error(
                risk.file,
                risk.lines.get("acceptance.by", risk.line("acceptance")),
                f"acceptance.by '{held.by}' is not a GitHub login: write who asks for the "
                f"acceptance as @login{requester_hint(held.by, policy)}",
                path=("acceptance", "by"),
                code="acceptance-by",
            )
        )
    if not risk.is_open:
        return found  # a closed risk is neither reviewed nor escalated: nothing to accept
    band = a.band
    terms = policy.acceptance.terms(band.name)
    days = (held.until - today).days
    if days > terms.max_days:
        latest = today + dt.timedelta(days=terms.max_days)
        found.append(
            error(
                risk.file,
                until_line(risk),
                f"acceptance until {held.until.isoformat()} is {days} days after "
                f"{today.isoformat()}: a {band.label} risk is accepted for at most "
                f"{terms.max_days} days (until {latest.isoformat()} at the latest)",
                path=("acceptance", "until"),
                code="acceptance-term",
            )
        )
    if a.acceptance == "lapsed":
        names = ", ".join(n.name for n in authority(policy, band.name)) or "nobody"
        found.append(
            warning(
                risk.file,
                until_line(risk),
                f"{risk.id}'s acceptance lapsed on {held.lapses_on.isoformat()} (until "
                f"{held.until.isoformat()}): it is back on the {band.label} band's "
                f"{band.monitoring} reviews and escalation path; extend it (approved by "
                f"{names}) or remove it",
                path=("acceptance", "until"),
                code="acceptance-lapsed",
            )
        )
    return found


@dataclass(frozen=True)
class AcceptanceChange:
    """What a change of the register does to one risk's acceptance: ``added``, ``extended``
    (a later ``until``), ``changed`` (reworded or shortened), ``removed``, or, unchanged,
    ``moved`` into another band (by its levels or the policy), or ``lapsed`` on the day
    compared."""

    kind: ChangeKind
    risk: Risk
    """The risk as it is on head (on base, for a removed acceptance of a removed risk)."""
    band: Band
    old: Acceptance | None
    new: Acceptance | None
    state: AcceptanceState | None
    """Where the head's acceptance stands on the day compared (None: none on head)."""
    was_band: Band | None = None
    """For a ``moved`` acceptance: the band it was accepted in."""

    @property
    def risk_id(self) -> str:
        return self.risk.id

    @property
    def line(self) -> int:
        return until_line(self.risk)

    def as_json(self) -> dict[str, object]:
        def side(held: Acceptance | None) -> dict[str, str] | None:
            if held is None:
                return None
            return {"by": held.by, "until": held.until.isoformat(), "rationale": held.rationale}

        return {
            "risk": self.risk.id,
            "file": self.risk.file,
            "kind": self.kind,
            "band": self.band.name,
            "state": self.state,
            **({"was_band": self.was_band.name} if self.was_band is not None else {}),
            "old": side(self.old),
            "new": side(self.new),
        }


def _kind(old: Acceptance | None, new: Acceptance) -> ChangeKind:
    """An acceptance on head against base: ``lapsed`` stands for one that did not change."""
    if old is None:
        return "added"
    if new.until > old.until:
        return "extended"
    return "changed" if new != old else "lapsed"


def acceptance_changes(
    base: Sequence[Assessment], head: Sequence[Assessment], invalid: Iterable[str] = ()
) -> list[AcceptanceChange]:
    """Acceptances added, extended, changed and removed from base to head, and those on head
    that have lapsed; ``head`` the risks sound on head, ``invalid`` the ids whose head files
    fail (not compared: their acceptance is not taken for removed)."""
    base_by = {a.risk.id: a for a in base}
    head_ids = {a.risk.id for a in head} | set(invalid)
    out: list[AcceptanceChange] = []
    for a in sorted(head, key=lambda x: x.risk.id):
        new = a.risk.acceptance
        before = base_by.get(a.risk.id)
        old = before.risk.acceptance if before is not None else None
        if new is None:
            if old is not None and before is not None:
                out.append(AcceptanceChange("removed", a.risk, a.band, old, None, None))
            continue
        moved = before is not None and before.band.name != a.band.name
        if old == new and a.acceptance != "lapsed":
            if moved and before is not None:
                change = AcceptanceChange("moved", a.risk, a.band, old, new, a.acceptance)
                out.append(dataclasses.replace(change, was_band=before.band))
            continue
        kind = _kind(old, new)
        out.append(AcceptanceChange(kind, a.risk, a.band, old, new, a.acceptance))
    for b in sorted(base, key=lambda x: x.risk.id):
        if b.risk.acceptance is not None and b.risk.id not in head_ids:
            out.append(AcceptanceChange("removed", b.risk, b.band, b.risk.acceptance, None, None))
    return out


def acceptance_approvals(policy: Policy, changes: Sequence[AcceptanceChange]) -> list[Approval]:
    """Each acceptance a change adds or extends needs its band's authority (of ``policy``, the
    base's), neither the pull request's author nor the requester."""
    from bot.register.approvals import with_unfilled  # pr's, not check's: imported when used

    out: list[Approval] = []
    for change in changes:
        new = change.new
        if change.kind not in NEEDS_APPROVAL or new is None:
            continue
        reason = f"acceptance {change.kind} until {new.until.isoformat()}"
        if change.was_band is not None:
            before = authority(policy, change.was_band.name)
            if before == authority(policy, change.band.name):
                continue  # the same people approve in either band
            reason = (
                f"acceptance until {new.until.isoformat()} moved from {change.was_band.label} "
                f"into {change.band.label}"
            )
        elif change.old is not None:
            reason += f" (was {change.old.until.isoformat()})"
        approval = with_unfilled(
            change.risk_id,
            reason,
            authority(policy, change.band.name),
            AUTHORITY_ROLE,
            change.risk.file,
            change.line,
            policy,
            band=change.band.label,
        )
        requester = () if new.login is None else (new.login,)
        out.append(dataclasses.replace(approval, excluded=requester, strict=True))
    return out


def accepted_count(assessments: Iterable[Assessment]) -> int:
    """How many open risks are accepted (their acceptance has not lapsed)."""
    return sum(1 for a in assessments if a.accepted and a.risk.is_open)


NoticeKind = Literal["ending", "lapsed"]


@dataclass(frozen=True)
class AcceptanceNotice:
    """What ``remind`` says once about an acceptance: that it ends soon (within the policy's
    notice), or that it has lapsed; and whom it names (the owners and the authority)."""

    assessment: Assessment
    kind: NoticeKind
    notify: tuple[Notify, ...]
    authority: tuple[Notify, ...]

    @property
    def risk_id(self) -> str:
        return self.assessment.risk.id

    @property
    def acceptance(self) -> Acceptance:
        held = self.assessment.risk.acceptance
        assert held is not None  # a notice is only made for a risk that has one
        return held

    def since(self, notice_days: int) -> dt.date:
        """The first day the notice could be posted: ``notice_days`` before ``until`` (for
        the end), the lapse day (for the lapse)."""
        if self.kind == "lapsed":
            return self.acceptance.lapses_on
        return self.acceptance.until - dt.timedelta(days=notice_days)


def notices_due(assessments: Iterable[Assessment], policy: Policy) -> list[AcceptanceNotice]:
    """The open risks whose acceptance ends within the notice, or has lapsed, by id."""
    out: list[AcceptanceNotice] = []
    for a in sorted(assessments, key=lambda x: x.risk.id):
        if not a.risk.is_open or a.acceptance not in ("ending", "lapsed"):
            continue
        approvers = authority(policy, a.band.name)
        people: dict[str, Notify] = {n.role: n for n in owners_of(a.risk, policy)}
        for n in approvers:
            people.setdefault(n.role, n)
        kind: NoticeKind = "lapsed" if a.acceptance == "lapsed" else "ending"
        out.append(AcceptanceNotice(a, kind, tuple(people.values()), approvers))
    return out
