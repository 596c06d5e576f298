"""Plans are values: what the bot intends to have on GitHub, and what it found there.

A planner is a pure function of (register, snapshot) → :class:`Plan`. Actions state a desired end
state ("this issue exists with this body"), so performing a plan twice changes nothing the second
time. Each desired-state type renders its own marker from its ident, so a body cannot lack it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from bot.reconcile import markers
from bot.reconcile.commands import PersonComment
from bot.render.markdown import BODY_LIMIT

State = Literal["open", "closed"]
MAX_BODY = BODY_LIMIT
TRUNCATION_NOTE = (
    "\n\n---\n> **Note:** this text was truncated to fit GitHub's limit of 65,536 characters. "
    "The full content is in the repository."
)


def with_marker(marker: str, body: str, limit: int = MAX_BODY) -> str:
    """The marker line, then the body, truncated with a visible note to fit GitHub's limit."""
    text = f"{marker}\n{body}"
    if len(text) <= limit:
        return text
    head = body[: limit - len(marker) - 1 - len(TRUNCATION_NOTE)]
    cut = head.rfind("\n")
    if cut > len(head) // 2:
        head = head[:cut]
    return f"{marker}\n{head}{TRUNCATION_NOTE}"


EARLIEST = dt.datetime.min.replace(tzinfo=dt.UTC)
"""Before any time GitHub stamps: where a value without one sorts."""


@dataclass(frozen=True)
class EnsureLabel:
    """A label the bot needs: created once, with its colour and description."""

    name: str
    color: str
    description: str

    def describe(self) -> str:
        return f"label '{self.name}'"


class _Marked:
    """A bot-owned item: its text is its marker (from ident and fields), then its body."""

    ident: str
    body: str
    fields: Mapping[str, str]

    @property
    def marker(self) -> str:
        return markers.render(self.ident, self.fields)

    @property
    def text(self) -> str:
        """The body as posted: marker first, within GitHub's size limit."""
        return with_marker(self.marker, self.body)


@dataclass(frozen=True)
class EnsureIssue(_Marked):
    """An issue the bot owns, identified by its ident, in the given state with the given content.

    ``body`` is the text without the marker; ``fields`` is the state the marker records.
    """

    ident: str
    title: str
    body: str
    fields: Mapping[str, str] = field(default_factory=dict)
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
class EnsureComment(_Marked):
    """A comment the bot owns on an issue (by the issue's ident) or a PR (by number).

    ``sticky`` comments are edited to match; other comments are posted once and never edited.
    """

    ident: str
    body: str
    fields: Mapping[str, str] = field(default_factory=dict)
    issue: str | None = None
    number: int | None = None
    sticky: bool = False
    create: bool = True

    def describe(self) -> str:
        where = self.issue if self.issue is not None else f"#{self.number}"
        return f"comment {self.ident} on {where}"


@dataclass(frozen=True)
class EnsureReaction:
    """A reaction of the bot's on a comment (``eyes``, ``+1``, ``confused``): given once."""

    comment_id: int
    content: str

    def describe(self) -> str:
        return f"reaction {self.content} on comment {self.comment_id}"


Action = EnsureLabel | EnsureIssue | EnsureComment
Answer = Action | EnsureReaction
"""What the executor performs: a planner's actions, and the reactions of commands in comments."""


@dataclass(frozen=True)
class Plan:
    """What a command wants done, in order; or nothing, and why (``skipped``).

    ``held_back`` names what the plan leaves alone on purpose because the register cannot say
    (a risk file with errors): the run reports it as left undone and exits 1.
    """

    actions: Sequence[Action] = ()
    skipped: str | None = None
    held_back: tuple[str, ...] = ()


def held_back(failed_files: Mapping[str, str | None], what: str) -> tuple[str, ...]:
    """One line per risk file with errors: what the run leaves alone for it, and why."""
    return tuple(
        f"{rid or name}: {what} while {name} has errors (see riskbot check)"
        for name, rid in sorted(failed_files.items())
    )


@dataclass(frozen=True)
class IssueState:
    """One bot-owned issue as found on GitHub (``number`` None: a dry run's stand-in for an issue
    a real run would have created)."""

    number: int | None
    ident: str
    fields: Mapping[str, str]
    title: str
    body: str
    state: State
    state_reason: str | None
    labels: tuple[str, ...]
    assignees: tuple[str, ...]
    comments: int
    created_at: dt.datetime | None
    """When GitHub created it (None: a dry run's stand-in for one it would create)."""
    url: str = ""
    updated_at: dt.datetime | None = None


@dataclass(frozen=True)
class CommentState:
    """One bot-owned comment as found on GitHub (``id`` None: posted by this run)."""

    id: int | None
    issue_number: int
    ident: str
    body: str
    created_at: dt.datetime | None
    """When GitHub created it (None: posted by this run)."""


@dataclass(frozen=True)
class Needs:
    """What a planner needs to know besides the bot's issues; the GitHub shell gathers it."""

    logins: frozenset[str] = frozenset()
    """Logins whose assignability matters."""
    files: frozenset[str] = frozenset()
    """Risk files to link (at the last commit that changed each)."""
    comments: Mapping[int, dt.datetime | None] = field(default_factory=dict)
    """Issue numbers whose bot comments matter, each since a time (None: all)."""
    pulls: frozenset[int] = frozenset()
    """Pull requests whose head commit matters."""


@dataclass
class Snapshot:
    """What the planners see: the bot's issues by ident (oldest wins) and the gathered facts."""

    issues: dict[str, IssueState] = field(default_factory=dict)
    duplicates: list[IssueState] = field(default_factory=list)
    labels: set[str] = field(default_factory=set)
    comments: dict[int, list[CommentState]] = field(default_factory=dict)
    assignable: dict[str, bool] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    pull_heads: dict[int, str] = field(default_factory=dict)
    commit: str = "HEAD"
    commands: list[PersonComment] = field(default_factory=list)
    """People's comments holding a ``/riskbot`` line on the issues whose comments were read."""

    @classmethod
    def from_issues(cls, issues: Sequence[IssueState], labels: set[str] | None = None) -> Snapshot:
        snap = cls(labels=set(labels or ()))
        for issue in sorted(issues, key=lambda i: (i.created_at or EARLIEST, i.number or 0)):
            if issue.ident in snap.issues:
                snap.duplicates.append(issue)
            else:
                snap.issues[issue.ident] = issue
        return snap

    def add(self, issue: IssueState) -> None:
        self.issues[issue.ident] = issue

    def can_assign(self, login: str) -> bool:
        """Whether a login can be assigned; assumed yes where nobody could ask GitHub."""
        return self.assignable.get(login.lower(), True)


def issue_changes(action: EnsureIssue, found: IssueState) -> dict[str, object]:
    """The fields an edit must send so the issue becomes what the action wants."""
    changes: dict[str, object] = {}
    if found.title != action.title:
        changes["title"] = action.title
    if found.body.strip() != action.text.strip():
        changes["body"] = action.text
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
