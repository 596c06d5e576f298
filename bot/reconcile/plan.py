"""Plans are values: what the bot intends to have on GitHub, and what it found there.

The core builds a list of actions from the register and a snapshot of the bot's own issues; the
GitHub layer performs them. Actions state a desired end state ("this issue exists with this
body"), so performing a plan twice changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from bot.render.markdown import hidden_marker, parse_marker

State = Literal["open", "closed"]
MAX_BODY = 65_536
TRUNCATION_NOTE = (
    "\n\n---\n> **Note:** this text was truncated to fit GitHub's limit of 65,536 characters. "
    "The full content is in the repository."
)


def marker(ident: str, **state: str) -> str:
    """The hidden marker of a bot-owned issue or comment: identity first, then recorded state."""
    return hidden_marker(id=ident, **state)


def marker_fields(body: str | None) -> dict[str, str] | None:
    """The fields of the riskbot marker in a body, or None when the bot does not own it."""
    if not body:
        return None
    fields = parse_marker(body)
    if fields is None or "id" not in fields:
        return None
    return fields


def fit_body(body: str, limit: int = MAX_BODY) -> str:
    """Truncate a body over GitHub's limit with a visible note, keeping its marker."""
    if len(body) <= limit:
        return body
    fields = parse_marker(body)
    mark = hidden_marker(**fields) if fields else ""
    rest = body.replace(mark, "", 1).lstrip("\n") if mark else body
    head = rest[: limit - len(mark) - 1 - len(TRUNCATION_NOTE)]
    cut = head.rfind("\n")
    if cut > len(head) // 2:
        head = head[:cut]
    return (f"{mark}\n" if mark else "") + head + TRUNCATION_NOTE


@dataclass(frozen=True)
class EnsureLabel:
    """A label the bot needs: created once, with its colour and description."""

    name: str
    color: str
    description: str

    def describe(self) -> str:
        return f"label '{self.name}'"


@dataclass(frozen=True)
class EnsureIssue:
    """An issue the bot owns, identified by marker id, in the given state with the given content."""

    ident: str
    title: str
    body: str
    labels: tuple[str, ...] = ()
    remove_labels: tuple[str, ...] = ()
    assignees: tuple[str, ...] = ()
    state: State = "open"
    state_reason: str | None = None
    create: bool = True
    edit: bool = True

    def describe(self) -> str:
        return f"issue {self.ident} ({self.state})"


@dataclass(frozen=True)
class EnsureComment:
    """A comment the bot owns on an issue or PR (by issue marker id or number).

    ``sticky`` comments are edited to match; other comments are posted once and never edited.
    """

    ident: str
    body: str
    issue: str | None = None
    number: int | None = None
    sticky: bool = False
    create: bool = True

    def describe(self) -> str:
        where = self.issue if self.issue is not None else f"#{self.number}"
        return f"comment {self.ident} on {where}"


Action = EnsureLabel | EnsureIssue | EnsureComment


@dataclass(frozen=True)
class IssueState:
    """One bot-owned issue as found on GitHub."""

    number: int
    ident: str
    fields: Mapping[str, str]
    title: str
    body: str
    state: State
    state_reason: str | None
    labels: tuple[str, ...]
    assignees: tuple[str, ...]
    comments: int
    created_at: str
    url: str = ""
    updated_at: str = ""


@dataclass(frozen=True)
class CommentState:
    """One bot-owned comment as found on GitHub."""

    id: int
    issue_number: int
    ident: str
    body: str
    created_at: str


@dataclass
class Snapshot:
    """What the bot owns on GitHub: its issues by marker id (oldest wins), and the extra copies."""

    issues: dict[str, IssueState] = field(default_factory=dict)
    duplicates: list[IssueState] = field(default_factory=list)
    labels: set[str] = field(default_factory=set)

    @classmethod
    def from_issues(cls, issues: Sequence[IssueState], labels: set[str] | None = None) -> Snapshot:
        snap = cls(labels=set(labels or ()))
        for issue in sorted(issues, key=lambda i: (i.created_at, i.number)):
            if issue.ident in snap.issues:
                snap.duplicates.append(issue)
            else:
                snap.issues[issue.ident] = issue
        return snap

    def add(self, issue: IssueState) -> None:
        self.issues[issue.ident] = issue


DUPLICATE_NOTE = (
    "{marker}\nClosing as a duplicate of #{number}: two runs of riskbot created the same issue. "
    "#{number} is kept; nothing else changes."
)


def issue_changes(action: EnsureIssue, found: IssueState) -> dict[str, object]:
    """The fields an edit must send so the issue becomes what the action wants."""
    changes: dict[str, object] = {}
    if found.title != action.title:
        changes["title"] = action.title
    if found.body.strip() != fit_body(action.body).strip():
        changes["body"] = fit_body(action.body)
    current = set(found.labels)
    wanted = (current | set(action.labels)) - set(action.remove_labels)
    if wanted != current:
        changes["labels"] = sorted(wanted)
    if not set(action.assignees) <= set(found.assignees):
        changes["assignees"] = sorted(set(found.assignees) | set(action.assignees))[:10]
    if found.state != action.state:
        changes["state"] = action.state
        if action.state == "closed" and action.state_reason:
            changes["state_reason"] = action.state_reason
        if action.state == "open":
            changes["state_reason"] = "reopened"
    return changes
