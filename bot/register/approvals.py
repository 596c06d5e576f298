"""Who must approve a pull request, and whether they have: the pure half of the approval gate.

A risk in a band that opens an issue (the plan's Red) that leaves those bands (by its score, its
closure, its removal or the policy) needs an approving review from one of its owner's logins; so
does a change of who owns it (its ``owner``, or the logins of the role that owns it), which the
program sponsor may approve too; a change of the method (band thresholds, scales, formula) or of
the sponsor's own logins needs the program sponsor's; an acceptance that a change adds or extends
needs its band's acceptance authority, neither the pull request's author nor the requester.
Approvers always come from the base policy (the default branch's), so a pull request cannot choose
who approves it. An owner (or an acceptance authority) without logins falls back to the sponsor;
an approval that nobody in the base policy can give blocks the merge and names the policy lines
to fill. The reviews are read by the GitHub shell
(:meth:`bot.github.api.GitHubApi.pull_reviews`); the decision is made here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.register.policy import RISK_OWNER, Policy
from bot.register.rules import Notify, resolve

POLICY_SUBJECT = "policy"
NOT_CHECKED = "no pull request run in GitHub Actions with a token to read its reviews"
SPONSOR_ROLE = "program-sponsor"
"""The plan's go/no-go role; without it, the roles the schedule-impact rule names approve."""


@dataclass(frozen=True)
class Approval:
    """One approval a pull request needs: of what, why, and from whom (base policy's people)."""

    subject: str
    """A risk id, or :data:`POLICY_SUBJECT`."""
    reason: str
    approvers: tuple[Notify, ...]
    role: str
    """``owner`` or ``program sponsor``: in what capacity they approve."""
    file: str
    line: int
    unfilled: tuple[tuple[str, int], ...] = ()
    """Approver roles without logins: (name, the policy line to fill)."""
    band: str = ""
    """The band (its label) the risk was in on base (an acceptance's: on head); empty for the
    policy."""
    fallback: str = ""
    """Whom the approval fell back to because the role that must approve has no logins
    (:data:`SPONSOR_FALLBACK`); empty when it did not."""
    excluded: tuple[str, ...] = ()
    """Logins whose approval does not count (an acceptance's requester)."""
    strict: bool = False
    """An acceptance's approval: the pull request's author cannot give it either."""

    def barred(self, author: str | None) -> frozenset[str]:
        """The logins (case-folded) whose approval does not count, ``author`` the PR's."""
        out = {x.casefold() for x in self.excluded}
        if self.strict and author:
            out.add(author.casefold())
        return frozenset(out)

    def eligible(self, author: str | None) -> tuple[Notify, ...]:
        """The approvers, each with only the logins whose approval counts."""
        barred = self.barred(author)
        return tuple(
            n._replace(logins=tuple(x for x in n.logins if x.casefold() not in barred))
            for n in self.approvers
        )

    @property
    def risk(self) -> str | None:
        return None if self.subject == POLICY_SUBJECT else self.subject

    @property
    def owners(self) -> tuple[str, ...]:
        return tuple(n.name for n in self.approvers)

    @property
    def logins(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(x for n in self.approvers for x in n.logins))


SPONSOR_FALLBACK = "program sponsor"
"""What :attr:`Approval.fallback` says when the owner has no logins and the sponsor approves."""


def _unique(notify: Sequence[Notify]) -> tuple[Notify, ...]:
    """Each role once, in first-seen order."""
    out: dict[str, Notify] = {}
    for n in notify:
        out.setdefault(n.role, n)
    return tuple(out.values())


def with_unfilled(
    subject: str,
    reason: str,
    approvers: Sequence[Notify],
    role: str,
    file: str,
    line: int,
    policy: Policy,
    band: str = "",
    *,
    or_sponsor: bool = False,
) -> Approval:
    """An approval by ``approvers`` (``or_sponsor``: or the program sponsor), noting each role
    without logins and where to add them. Approvers none of whom has a login fall back to the
    sponsor; with no sponsor login either, nobody can approve (the approval then blocks)."""
    primary = _unique(approvers)
    backup = [n for n in sponsors(policy) if n.role not in {a.role for a in primary}]
    unfillable = not any(n.logins for n in primary)
    fallback = SPONSOR_FALLBACK if unfillable and any(n.logins for n in backup) else ""
    chosen = _unique([*primary, *backup]) if or_sponsor or unfillable else primary
    unfilled = tuple(
        (n.name, r.line if (r := policy.role(n.role)) is not None else 1)
        for n in chosen
        if not n.logins
    )
    return Approval(subject, reason, chosen, role, file, line, unfilled, band, fallback)


def sponsors(policy: Policy) -> tuple[Notify, ...]:
    """The program sponsor: the ``program-sponsor`` role, else whom the schedule-impact rule
    names (the plan's "Program sponsor review"), else the top role of the escalation path."""
    if policy.role(SPONSOR_ROLE) is not None:
        return resolve([SPONSOR_ROLE], [], policy)
    rule = policy.schedule_impact
    named = [r for r in rule.notify if r != RISK_OWNER] if rule is not None else []
    if not named:
        named = [r for r in policy.escalation_path if r != RISK_OWNER][-1:]
    return resolve(named, [], policy)


@dataclass(frozen=True)
class Review:
    """A pull request review as GitHub lists it."""

    login: str
    state: str
    commit_id: str
    submitted_at: dt.datetime | None = None


_EARLIEST = dt.datetime.min.replace(tzinfo=dt.UTC)
_DECIDING = ("APPROVED", "CHANGES_REQUESTED", "DISMISSED")
"""Review states that replace a reviewer's earlier verdict (a comment review does not)."""


def approvers_on(reviews: Sequence[Review], head_sha: str) -> frozenset[str]:
    """Logins (case-folded) whose latest verdict is an approval of the head commit itself."""
    latest: dict[str, Review] = {}
    ordered = sorted(enumerate(reviews), key=lambda ir: (ir[1].submitted_at or _EARLIEST, ir[0]))
    for _, review in ordered:
        if review.state.upper() in _DECIDING:
            latest[review.login.casefold()] = review
    return frozenset(
        login
        for login, r in latest.items()
        if r.state.upper() == "APPROVED" and r.commit_id == head_sha
    )


Standing = Literal["approved", "waiting", "nobody", "not checked"]


@dataclass(frozen=True)
class ApprovalStatus:
    approval: Approval
    state: Standing
    by: tuple[str, ...] = ()


@dataclass(frozen=True)
class ApprovalCheck:
    """Every approval a pull request needs, each approved, waiting, unapprovable or unchecked."""

    statuses: tuple[ApprovalStatus, ...] = ()
    checked: bool = False
    why_not: str = ""
    """When not checked: why (outside Actions, no token)."""
    author: str | None = None
    """The pull request's author, where known (who cannot approve an acceptance)."""

    @property
    def waiting(self) -> list[ApprovalStatus]:
        return [s for s in self.statuses if s.state == "waiting"]

    @property
    def nobody(self) -> list[ApprovalStatus]:
        """Approvals nobody in the base policy can give: its logins must be filled first."""
        return [s for s in self.statuses if s.state == "nobody"]

    @property
    def blocking(self) -> bool:
        """Whether the pull request must wait: an approval is missing, or nobody can give it."""
        return bool(self.waiting or self.nobody)


def check_approvals(
    approvals: Sequence[Approval],
    reviews: Sequence[Review] | None,
    head_sha: str | None,
    why_not: str = "",
    author: str | None = None,
) -> ApprovalCheck:
    """Hold each approval against the reviews standing on the head commit.

    ``reviews`` None: they could not be read (``why_not`` says why): each approval that someone
    could give is "not checked", and does not block. An approval whose approvers (the sponsor
    included, see :func:`with_unfilled`) have no logins whose approval counts is "nobody" either
    way, and blocks: a policy without logins must not wave a Red risk through, nor accept one.
    ``author``, the pull request's, cannot approve an acceptance (:attr:`Approval.strict`).
    """
    approved = approvers_on(reviews, head_sha) if reviews is not None and head_sha else frozenset()
    out: list[ApprovalStatus] = []
    for ap in approvals:
        barred = ap.barred(author)
        eligible = [x for x in ap.logins if x.casefold() not in barred]
        if not eligible:
            out.append(ApprovalStatus(ap, "nobody"))
        elif reviews is None:
            out.append(ApprovalStatus(ap, "not checked"))
        else:
            by = tuple(x for x in eligible if x.casefold() in approved)
            out.append(ApprovalStatus(ap, "approved" if by else "waiting", by))
    return ApprovalCheck(tuple(out), reviews is not None, why_not, author)
