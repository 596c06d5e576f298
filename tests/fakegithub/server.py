"""A stateful, in-memory imitation of the GitHub REST API, for tests.

The server speaks plain HTTP/1.1 on 127.0.0.1 and serves the handful of REST operations the bot
uses (issues, comments, labels, assignees, pull requests, reactions, git data, rate limit; for a
portfolio: an organisation's repositories and custom properties, a ref's commit, a repository's
archive; to vendor a base policy: a ref's commit and a file's contents at a commit), with
GitHub's paths, status codes, headers, pagination (``Link``), conditional requests (``ETag`` /
``If-None-Match`` → 304, which costs no rate limit) and object shapes (see
``openapi_subset.json``). Real clients such as PyGithub are pointed at it with
``base_url=server.url``. It hosts one repository (``server.state``) and as many more as a test
adds (``add_repo``), each with its files on its default branch, commit by commit (``set_files``,
``commit_files``) in one object store of blobs, trees, commits and refs.

Tests read and seed the state directly (``server.state``, ``add_issue`` ...), read the request
log (``server.requests``, ``reads()``, ``writes()``) and inject faults (``server.inject``):

    with FakeGitHub(repo="octo/reg") as server:
        server.inject(Fault.server_error(502, method="POST", path=r".*/issues", after_write=True))
        ...
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import io
import json
import math
import re
import socket
import sys
import tarfile
import threading
import time
import traceback
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar

JSON = Any
Headers = dict[str, str]

DOCS = "https://docs.github.com/rest"
SECONDARY_RATE_LIMIT_DOCS = (
    "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api"
    "#about-secondary-rate-limits"
)
PRIMARY_RATE_LIMIT_DOCS = (
    "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits"
)
ACTOR_HEADER = "X-FakeGitHub-Actor"
STATE_REASONS = ("completed", "not_planned", "reopened", "duplicate")
CLOSE_REASONS = ("completed", "not_planned", "duplicate")
DEFAULT_LABELS: tuple[tuple[str, str, str], ...] = (
    ("bug", "d73a4a", "Something isn't working"),
    ("documentation", "0075ca", "Improvements or additions to documentation"),
    ("duplicate", "cfd3d7", "This issue or pull request already exists"),
    ("enhancement", "a2eeef", "New feature or request"),
    ("good first issue", "7057ff", "Good for newcomers"),
    ("help wanted", "008672", "Extra attention is needed"),
    ("invalid", "e4e669", "This doesn't seem right"),
    ("question", "d876e3", "Further information is requested"),
    ("wontfix", "ffffff", "This will not be worked on"),
)
_HEX_COLOR = re.compile(r"[0-9a-fA-F]{6}")


# --------------------------------------------------------------------------------------------
# Time
# --------------------------------------------------------------------------------------------


def iso(when: datetime | None) -> str | None:
    """GitHub's timestamp format: UTC, whole seconds, ``Z`` suffix."""
    if when is None:
        return None
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    """Parse an ISO 8601 timestamp (``Z`` or offset; a bare date means midnight UTC)."""
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _utc(when: datetime) -> datetime:
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


class Clock:
    """Whole-second UTC clock, real time by default; tests may freeze it or move it.

    GitHub timestamps have one-second resolution, so two edits of one object within a second
    would carry the same ``updated_at``.  Edits use ``after(previous)``, which is at least one
    second past the object's previous timestamp, so ``updated_at`` changes on every edit while
    the clock itself stays on real time.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._frozen: datetime | None = None if start is None else _utc(start)
        self._offset = timedelta()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The current time, truncated to whole seconds."""
        with self._lock:
            base = self._frozen if self._frozen is not None else datetime.now(UTC) + self._offset
        return base.replace(microsecond=0)

    def after(self, previous: datetime) -> datetime:
        """``now()``, or one second past ``previous`` if that is not earlier."""
        current = self.now()
        return current if current > previous else previous + timedelta(seconds=1)

    def set(self, when: datetime) -> None:
        """Freeze the clock at ``when``."""
        with self._lock:
            self._frozen = _utc(when).replace(microsecond=0)

    def unfreeze(self) -> None:
        """Back to real time (keeping any ``advance`` offset)."""
        with self._lock:
            self._frozen = None

    def advance(self, seconds: float) -> None:
        """Move the clock forward (or back, with a negative number)."""
        with self._lock:
            if self._frozen is not None:
                self._frozen += timedelta(seconds=seconds)
            else:
                self._offset += timedelta(seconds=seconds)


# --------------------------------------------------------------------------------------------
# State
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class User:
    """A GitHub account as the API shows it."""

    login: str
    id: int
    type: str = "User"  # "User", "Bot" or "Organization"
    site_admin: bool = False

    @property
    def node_id(self) -> str:
        prefix = {"Bot": "BOT", "Organization": "O"}.get(self.type, "U")
        return f"{prefix}_kgDO{self.id:08d}"


GITHUB_ACTIONS = User("github-actions[bot]", 41898282, "Bot")


@dataclass
class Label:
    id: int
    name: str
    color: str = "ededed"
    description: str | None = None
    default: bool = False


@dataclass
class PullInfo:
    """The pull-request part of an issue that is a pull request."""

    id: int
    head_ref: str
    head_sha: str
    base_ref: str
    base_sha: str
    draft: bool = False
    merged: bool = False
    merged_at: datetime | None = None
    merge_commit_sha: str | None = None
    merged_by: User | None = None


@dataclass
class Issue:
    number: int
    id: int
    title: str
    body: str | None
    user: User
    created_at: datetime
    updated_at: datetime
    labels: list[Label] = field(default_factory=list)
    assignees: list[User] = field(default_factory=list)
    state: str = "open"
    state_reason: str | None = None
    locked: bool = False
    comments: int = 0
    closed_at: datetime | None = None
    closed_by: User | None = None
    author_association: str = "NONE"
    pull: PullInfo | None = None

    @property
    def is_pull(self) -> bool:
        return self.pull is not None

    @property
    def label_names(self) -> list[str]:
        return [label.name for label in self.labels]

    @property
    def assignee_logins(self) -> list[str]:
        return [user.login for user in self.assignees]


@dataclass
class Comment:
    id: int
    issue_number: int
    body: str
    user: User
    created_at: datetime
    updated_at: datetime
    author_association: str = "NONE"


@dataclass
class Review:
    """A pull request review: its verdict and the commit it was given on."""

    id: int
    pull_number: int
    user: User
    state: str  # APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING
    commit_id: str
    submitted_at: datetime
    body: str = ""
    author_association: str = "NONE"


REVIEW_STATES = ("APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING")
REACTIONS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")


@dataclass
class Reaction:
    id: int
    comment_id: int
    user: User
    content: str
    created_at: datetime


@dataclass(frozen=True)
class GitCommit:
    """A commit of the repository's object store: its tree (path -> blob sha) and parents."""

    sha: str
    tree: str
    parents: tuple[str, ...]
    message: str
    date: datetime


def git_blob_sha(data: bytes) -> str:
    """The sha git gives a blob."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()  # not for security


class RepoState:
    """Everything stored for one repository the server hosts."""

    def __init__(
        self,
        full_name: str,
        clock: Clock,
        *,
        owner_type: str = "User",
        default_labels: bool = True,
        default_branch: str = "main",
        private: bool = False,
        id: int = 700_000_001,
    ) -> None:
        owner, _, name = full_name.partition("/")
        if not owner or not name or "/" in name:
            raise ValueError(f"repository must be 'owner/name', not {full_name!r}")
        self.clock = clock
        self.name = name
        self.id = id
        self.default_branch = default_branch
        self.private = private
        self.visible = True
        """False: a repository the token cannot see (private to others): GitHub answers 404."""
        self.topics: list[str] = []
        self.properties: dict[str, str | list[str] | None] = {}
        self._archives: dict[str, bytes] = {}
        self.description: str | None = "A risk register kept as code"
        self.created_at = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
        self.users: dict[str, User] = {}
        self._next_user_id = 1_000_001
        self.owner = self.add_user(owner, type=owner_type)
        self.add_user(GITHUB_ACTIONS)
        self.issues: dict[int, Issue] = {}
        self.comments: dict[int, Comment] = {}
        self.reviews: dict[int, Review] = {}
        self._next_review_id = 5_000_000_001
        self.labels: dict[int, Label] = {}
        self.assignable: set[str] = {self.owner.login.lower()}
        self.reactions: dict[int, Reaction] = {}
        self._next_reaction_id = 6_000_000_001
        self.blobs: dict[str, bytes] = {}
        self.trees: dict[str, dict[str, str]] = {}
        """tree sha -> every file below it, path -> blob sha (directories are implied)."""
        self.git_commits: dict[str, GitCommit] = {}
        self.refs: dict[str, str] = {}
        """``refs/heads/main`` -> commit sha."""
        self._next_number = 1
        self._next_issue_id = 2_000_000_001
        self._next_pull_id = 1_500_000_001
        self._next_comment_id = 3_000_000_001
        self._next_label_id = 4_000_000_001
        if default_labels:
            for label_name, color, description in DEFAULT_LABELS:
                self.add_label(label_name, color, description, default=True)

    # -- users -------------------------------------------------------------------------------

    @property
    def full_name(self) -> str:
        return f"{self.owner.login}/{self.name}"

    # -- files of the default branch ---------------------------------------------------------

    @property
    def head_sha(self) -> str | None:
        """The default branch's commit (None in an empty repository)."""
        return self.refs.get(f"refs/heads/{self.default_branch}")

    @property
    def head_time(self) -> datetime:
        """When the default branch's commit was made (the repository's creation if none)."""
        head = self.head_sha
        return self.git_commits[head].date if head is not None else self.created_at

    @property
    def files(self) -> dict[str, bytes]:
        """Every file of the default branch, path -> bytes."""
        return self.files_at(self.head_sha) if self.head_sha is not None else {}

    def set_files(self, files: Mapping[str, bytes | str], *, when: datetime | None = None) -> str:
        """Replace the default branch's files: a new head commit (returned) unless they are
        the same files. Earlier commits keep their files."""
        stored = {
            path: (data.encode("utf-8") if isinstance(data, str) else bytes(data))
            for path, data in files.items()
        }
        head = self.head_sha
        if head is not None and stored == self.files:
            return head
        tree = self.add_tree({path: self.add_blob(data) for path, data in stored.items()})
        date = self.clock.after(self.head_time) if when is None else _utc(when)
        sha = self.add_git_commit(tree, [head] if head else [], "Update the files", when=date)
        self.refs[f"refs/heads/{self.default_branch}"] = sha
        return sha

    def resolve_ref(self, ref: str) -> str | None:
        """The commit a ref names: HEAD, a branch (``main``, ``heads/main``, ``refs/heads/main``)
        or a commit (or a prefix of at least 7 hex digits of one); None for anything else."""
        name = self.default_branch if ref == "HEAD" else ref
        for candidate in (name, f"refs/{name}", f"refs/heads/{name}"):
            if candidate in self.refs:
                return self.refs[candidate]
        if ref in self.git_commits:
            return ref
        if len(ref) >= 7 and re.fullmatch(r"[0-9a-fA-F]+", ref):
            found = [sha for sha in self.git_commits if sha.startswith(ref.lower())]
            if len(found) == 1:
                return found[0]
        return None

    def archive(self, sha: str) -> bytes:
        """The gzipped tarball of a commit as ``git archive`` makes it: a pax global header
        naming the commit, one folder ``owner-name-<short sha>/``, the commit's time."""
        if sha not in self._archives:
            self._archives.clear()  # one at a time: only a head's is ever asked for
            files = self.files_at(sha)
            top = f"{self.owner.login}-{self.name}-{sha[:7]}"
            stamp = int(self.git_commits[sha].date.timestamp())
            raw = io.BytesIO()
            with tarfile.open(
                fileobj=raw, mode="w", format=tarfile.PAX_FORMAT, pax_headers={"comment": sha}
            ) as tar:
                folders = sorted({p.rsplit("/", 1)[0] for p in files if "/" in p})
                seen: set[str] = set()
                for folder in ["", *folders]:
                    parts = folder.split("/") if folder else []
                    for depth in range(len(parts) + 1):
                        name = "/".join([top, *parts[:depth]])
                        if name in seen:
                            continue
                        seen.add(name)
                        entry = tarfile.TarInfo(name + "/")
                        entry.type, entry.mode, entry.mtime = tarfile.DIRTYPE, 0o775, stamp
                        tar.addfile(entry)
                for path in sorted(files):
                    data = files[path]
                    entry = tarfile.TarInfo(f"{top}/{path}")
                    entry.size, entry.mode, entry.mtime = len(data), 0o664, stamp
                    tar.addfile(entry, io.BytesIO(data))
            self._archives[sha] = gzip.compress(raw.getvalue(), mtime=0)
        return self._archives[sha]

    def add_user(self, user: User | str, *, id: int | None = None, type: str = "User") -> User:
        """Register (or return the already registered) user."""
        if isinstance(user, User):
            self.users[user.login.lower()] = user
            return user
        known = self.users.get(user.lower())
        if known is not None:
            return known
        if id is None:
            id = self._next_user_id
            self._next_user_id += 1
        created = User(user, id, type)
        self.users[user.lower()] = created
        return created

    def user(self, user: User | str | None, default: User) -> User:
        if user is None:
            return default
        return self.add_user(user)

    def association(self, user: User) -> str:
        if user.login.lower() == self.owner.login.lower():
            return "OWNER"
        if user.login.lower() in self.assignable:
            return "COLLABORATOR"
        return "NONE"

    def set_assignable(self, logins: Iterable[str]) -> None:
        """Replace the set of users that issues can be assigned to."""
        self.assignable = set()
        for login in logins:
            self.add_user(login)
            self.assignable.add(login.lower())

    def is_assignable(self, login: str) -> bool:
        return login.lower() in self.assignable

    # -- labels ------------------------------------------------------------------------------

    def label_by_name(self, name: str) -> Label | None:
        wanted = name.lower()
        for label in self.labels.values():
            if label.name.lower() == wanted:
                return label
        return None

    def add_label(
        self,
        name: str,
        color: str = "ededed",
        description: str | None = None,
        *,
        default: bool = False,
    ) -> Label:
        existing = self.label_by_name(name)
        if existing is not None:
            raise ValueError(f"label {name!r} already exists")
        label = Label(self._next_label_id, name, color.lstrip("#").lower(), description, default)
        self._next_label_id += 1
        self.labels[label.id] = label
        return label

    def ensure_label(self, name: str) -> Label:
        """The label of that name, created with GitHub's default color when missing."""
        return self.label_by_name(name) or self.add_label(name)

    def delete_label(self, label: Label) -> None:
        del self.labels[label.id]
        for issue in self.issues.values():
            issue.labels = [kept for kept in issue.labels if kept.id != label.id]

    # -- issues and comments -----------------------------------------------------------------

    def add_issue(
        self,
        title: str,
        body: str | None = None,
        *,
        user: User | str | None = None,
        labels: Sequence[str] = (),
        assignees: Sequence[str] = (),
        state: str = "open",
        state_reason: str | None = None,
        created_at: datetime | None = None,
        updated_at: datetime | None = None,
        closed_at: datetime | None = None,
        closed_by: User | str | None = None,
        author_association: str | None = None,
        locked: bool = False,
        pull: PullInfo | None = None,
    ) -> Issue:
        """Store an issue as if it existed already; nothing is checked or filtered."""
        if state not in ("open", "closed"):
            raise ValueError(f"state must be open or closed, not {state!r}")
        author = self.user(user, self.owner)
        created = self._seed_time(created_at)
        updated = self._seed_time(updated_at) if updated_at is not None else created
        if state == "closed":
            closed = _utc(closed_at) if closed_at is not None else updated
            closer = self.user(closed_by, author)
            reason = state_reason or ("completed" if pull is None else None)
        else:
            closed, closer, reason = None, None, state_reason
        issue = Issue(
            number=self._next_number,
            id=self._next_issue_id,
            title=title,
            body=body,
            user=author,
            created_at=created,
            updated_at=updated,
            labels=[self.ensure_label(name) for name in labels],
            assignees=[self.add_user(login) for login in assignees],
            state=state,
            state_reason=reason,
            locked=locked,
            closed_at=closed,
            closed_by=closer,
            author_association=author_association or self.association(author),
            pull=pull,
        )
        self._next_number += 1
        self._next_issue_id += 1
        self.issues[issue.number] = issue
        return issue

    def add_pull(
        self,
        title: str = "A pull request",
        body: str | None = None,
        *,
        user: User | str | None = None,
        head_ref: str = "feature",
        head_sha: str | None = None,
        base_ref: str | None = None,
        base_sha: str | None = None,
        state: str = "open",
        draft: bool = False,
        merged: bool = False,
        labels: Sequence[str] = (),
        created_at: datetime | None = None,
    ) -> Issue:
        """Store a pull request; it takes the next issue number, like on GitHub."""
        number = self._next_number
        pull = PullInfo(
            id=self._next_pull_id,
            head_ref=head_ref,
            head_sha=head_sha or _fake_sha(f"{self.full_name}#{number}:head"),
            base_ref=base_ref or self.default_branch,
            base_sha=base_sha or _fake_sha(f"{self.full_name}#{number}:base"),
            draft=draft,
        )
        self._next_pull_id += 1
        issue = self.add_issue(
            title,
            body,
            user=user,
            labels=labels,
            state="closed" if merged else state,
            created_at=created_at,
            pull=pull,
        )
        if merged:
            pull.merged = True
            pull.merged_at = issue.closed_at
            pull.merge_commit_sha = _fake_sha(f"{self.full_name}#{number}:merge")
            pull.merged_by = self.owner
        return issue

    def add_comment(
        self,
        issue_number: int,
        body: str,
        *,
        user: User | str | None = None,
        created_at: datetime | None = None,
        updated_at: datetime | None = None,
        author_association: str | None = None,
        touch_issue: bool = True,
    ) -> Comment:
        """Store a comment on an issue or pull request.

        The issue's ``comments`` count goes up and (with ``touch_issue``) its ``updated_at``
        moves to the comment's time (without an explicit ``created_at``: to a later second).
        """
        issue = self.issues[issue_number]
        author = self.user(user, self.owner)
        created = self._seed_time(created_at)
        updated = self._seed_time(updated_at) if updated_at is not None else created
        comment = Comment(
            id=self._next_comment_id,
            issue_number=issue_number,
            body=body,
            user=author,
            created_at=created,
            updated_at=updated,
            author_association=author_association or self.association(author),
        )
        self._next_comment_id += 1
        self.comments[comment.id] = comment
        issue.comments += 1
        if touch_issue:
            if created_at is None:
                issue.updated_at = self.clock.after(issue.updated_at)
            elif created > issue.updated_at:
                issue.updated_at = created
        return comment

    def add_review(
        self,
        pull_number: int,
        user: User | str,
        state: str = "APPROVED",
        *,
        commit_id: str | None = None,
        submitted_at: datetime | None = None,
        body: str = "",
    ) -> Review:
        """Store a review of a pull request (on its current head unless ``commit_id``)."""
        issue = self.issues[pull_number]
        if issue.pull is None:
            raise ValueError(f"#{pull_number} is not a pull request")
        if state not in REVIEW_STATES:
            raise ValueError(f"unknown review state {state!r}")
        author = self.add_user(user)
        review = Review(
            id=self._next_review_id,
            pull_number=pull_number,
            user=author,
            state=state,
            commit_id=commit_id or issue.pull.head_sha,
            submitted_at=self._seed_time(submitted_at),
            body=body,
            author_association=self.association(author),
        )
        self._next_review_id += 1
        self.reviews[review.id] = review
        return review

    def reviews_of(self, pull_number: int) -> list[Review]:
        return sorted(
            (r for r in self.reviews.values() if r.pull_number == pull_number),
            key=lambda r: (r.submitted_at, r.id),
        )

    def comments_on(self, issue_number: int) -> list[Comment]:
        return [c for c in self.comments.values() if c.issue_number == issue_number]

    def delete_comment(self, comment: Comment) -> None:
        del self.comments[comment.id]
        issue = self.issues.get(comment.issue_number)
        if issue is not None:
            issue.comments = max(0, issue.comments - 1)

    # -- git objects -------------------------------------------------------------------------

    def add_blob(self, data: bytes) -> str:
        sha = git_blob_sha(data)
        self.blobs[sha] = data
        return sha

    def add_tree(self, files: dict[str, str]) -> str:
        """Store a tree (path -> blob sha); its sha depends only on what it holds."""
        sha = _fake_sha("tree:" + json.dumps(sorted(files.items())))
        self.trees[sha] = dict(files)
        return sha

    def add_git_commit(
        self, tree: str, parents: Sequence[str], message: str, *, when: datetime | None = None
    ) -> str:
        """Store a commit (made now unless ``when``); its sha is this repository's own."""
        when = self.clock.now() if when is None else when
        sha = _fake_sha(
            f"commit:{self.full_name}:{tree}:{','.join(parents)}:{message}:{iso(when)}:"
            f"{len(self.git_commits)}"
        )
        self.git_commits[sha] = GitCommit(sha, tree, tuple(parents), message, when)
        return sha

    def commit_files(
        self,
        files: dict[str, bytes | str | None],
        branch: str | None = None,
        message: str = "Change",
    ) -> str:
        """Seed a commit on ``branch`` (the default one) changing ``files`` (None deletes)."""
        branch = branch or self.default_branch
        head = self.refs.get(f"refs/heads/{branch}")
        tree = dict(self.trees[self.git_commits[head].tree]) if head else {}
        for path, data in files.items():
            if data is None:
                tree.pop(path, None)
            else:
                tree[path] = self.add_blob(data.encode() if isinstance(data, str) else data)
        sha = self.add_git_commit(self.add_tree(tree), [head] if head else [], message)
        self.refs[f"refs/heads/{branch}"] = sha
        return sha

    def files_at(self, ref: str) -> dict[str, bytes]:
        """Every file of a branch (or commit), path -> bytes."""
        commit = self.resolve_commit(ref)
        if commit is None:
            raise KeyError(ref)
        return {p: self.blobs[b] for p, b in self.trees[commit.tree].items()}

    def resolve_commit(self, ref: str) -> GitCommit | None:
        """The commit a ref names (see ``resolve_ref``), or None."""
        sha = self.resolve_ref(ref)
        return None if sha is None else self.git_commits.get(sha)

    def add_reaction(self, comment_id: int, user: User, content: str) -> tuple[Reaction, bool]:
        """A user's reaction on a comment: the one they gave already, or a new one."""
        for reaction in self.reactions.values():
            if (reaction.comment_id, reaction.user, reaction.content) == (
                comment_id,
                user,
                content,
            ):
                return reaction, False
        reaction = Reaction(self._next_reaction_id, comment_id, user, content, self.clock.now())
        self._next_reaction_id += 1
        self.reactions[reaction.id] = reaction
        return reaction, True

    def reactions_on(self, comment_id: int) -> list[Reaction]:
        return sorted(
            (r for r in self.reactions.values() if r.comment_id == comment_id), key=lambda r: r.id
        )

    def _seed_time(self, when: datetime | None) -> datetime:
        if when is None:
            return self.clock.now()
        return _utc(when).replace(microsecond=0)


def _fake_sha(seed: str) -> str:
    return hashlib.sha1(seed.encode()).hexdigest()  # not for security


# --------------------------------------------------------------------------------------------
# Faults and the request log
# --------------------------------------------------------------------------------------------


@dataclass
class Fault:
    """A misbehaviour injected into the server for matching requests.

    ``method`` (e.g. ``"POST"``) and ``path`` (a regular expression that must match the whole
    request path, without the query) select requests; ``None`` matches anything.  Counting the
    matching requests from the moment the fault is injected, it fires from the ``nth`` one on,
    ``times`` times, and is then removed.

    When it fires: wait ``delay`` seconds; then, if ``status`` is set, answer with that status,
    ``body`` and ``headers`` instead of the real answer.  With ``after_write`` the request is
    first carried out (the state changes) and only its answer is replaced: the write happened,
    but the client saw an error.  ``drop_connection`` closes the connection without an answer.
    A fault with only a ``delay`` is a slow but otherwise normal answer; on a write, one the
    client may have given up on when it lands (``late_write``).  ``query`` (name -> value) must
    also match the request's query string; ``before(state)`` runs, with the lock held, just
    before the request is served: the repository changing under a client (``mid_listing``).
    """

    status: int | None = None
    method: str | None = None
    path: str | None = None
    nth: int = 1
    times: int = 1
    after_write: bool = False
    delay: float = 0.0
    drop_connection: bool = False
    body: JSON = None
    headers: Headers = field(default_factory=dict)
    kind: str = "custom"
    query: dict[str, str] | None = None
    before: Callable[[RepoState], None] | None = None
    seen: int = 0
    fired: int = 0

    def __post_init__(self) -> None:
        if self.nth < 1 or self.times < 1:
            raise ValueError("nth and times must be >= 1")
        if self.method is not None:
            self.method = self.method.upper()
        if self.path is not None:
            re.compile(self.path)  # fail at injection, not at the first request

    def matches(self, method: str, path: str, query: dict[str, list[str]] | None = None) -> bool:
        if self.method is not None and self.method != method:
            return False
        if self.query is not None:
            given = query or {}
            if any(given.get(name, [None])[-1] != value for name, value in self.query.items()):
                return False
        return self.path is None or re.fullmatch(self.path, path) is not None

    @property
    def exhausted(self) -> bool:
        return self.fired >= self.times

    # -- the usual kinds ---------------------------------------------------------------------

    @classmethod
    def server_error(
        cls,
        status: int = 502,
        *,
        method: str | None = None,
        path: str | None = None,
        nth: int = 1,
        times: int = 1,
        after_write: bool = False,
    ) -> Fault:
        """A 5xx answer; with ``after_write`` the write is done first, then the answer lost."""
        message = "Server Error" if status == 500 else HTTPStatus(status).phrase
        return cls(
            status=status,
            method=method,
            path=path,
            nth=nth,
            times=times,
            after_write=after_write,
            body={"message": message},
            kind=f"server_error_{status}",
        )

    @classmethod
    def secondary_rate_limit(
        cls,
        retry_after: int = 60,
        *,
        method: str | None = None,
        path: str | None = None,
        nth: int = 1,
        times: int = 1,
    ) -> Fault:
        """403 with ``Retry-After``: GitHub's secondary (abuse) rate limit."""
        return cls(
            status=403,
            method=method,
            path=path,
            nth=nth,
            times=times,
            body={
                "message": "You have exceeded a secondary rate limit. Please wait a few minutes "
                "before you try again. If you reach out to GitHub Support for help, please "
                "include the request ID 0000:0000:000000:000000:00000000.",
                "documentation_url": SECONDARY_RATE_LIMIT_DOCS,
            },
            headers={"Retry-After": str(retry_after)},
            kind="secondary_rate_limit",
        )

    @classmethod
    def too_many_requests(
        cls,
        retry_after: int = 60,
        *,
        method: str | None = None,
        path: str | None = None,
        nth: int = 1,
        times: int = 1,
    ) -> Fault:
        """429 with ``Retry-After``."""
        return cls(
            status=429,
            method=method,
            path=path,
            nth=nth,
            times=times,
            body={
                "message": "You have exceeded a secondary rate limit. Please wait a few minutes "
                "before you try again.",
                "documentation_url": SECONDARY_RATE_LIMIT_DOCS,
            },
            headers={"Retry-After": str(retry_after)},
            kind="too_many_requests",
        )

    @classmethod
    def primary_rate_limit(
        cls,
        reset: int | None = None,
        *,
        method: str | None = None,
        path: str | None = None,
        nth: int = 1,
        times: int = 1,
    ) -> Fault:
        """403 with ``x-ratelimit-remaining: 0`` and ``x-ratelimit-reset: reset`` (epoch s).

        ``reset`` defaults to one minute after the fault fires.  For a limit that stays
        exhausted for every request until a time, see ``FakeGitHub.exhaust_rate_limit``.
        """
        headers = {"x-ratelimit-remaining": "0"}
        if reset is not None:
            headers["x-ratelimit-reset"] = str(reset)
        return cls(
            status=403,
            method=method,
            path=path,
            nth=nth,
            times=times,
            body=None,  # filled in when it fires (the message names the installation)
            headers=headers,
            kind="primary_rate_limit",
        )

    @classmethod
    def slow(
        cls,
        seconds: float,
        *,
        method: str | None = None,
        path: str | None = None,
        nth: int = 1,
        times: int = 1,
    ) -> Fault:
        """Answer normally, but only after ``seconds``."""
        return cls(method=method, path=path, nth=nth, times=times, delay=seconds, kind="slow")

    @classmethod
    def late_write(
        cls,
        seconds: float,
        *,
        method: str = "POST",
        path: str | None = None,
        nth: int = 1,
        times: int = 1,
    ) -> Fault:
        """A write carried out only after ``seconds``: a client with a shorter timeout has
        given up on it (and may retry) by the time it lands."""
        return cls(method=method, path=path, nth=nth, times=times, delay=seconds, kind="late_write")

    @classmethod
    def mid_listing(
        cls,
        change: Callable[[RepoState], None],
        *,
        path: str = r"/repos/[^/]+/[^/]+/issues",
        page: int = 2,
    ) -> Fault:
        """Change the repository just before page ``page`` of a listing is served: a list that
        shrinks (or grows) between two pages, as when someone edits labels during a run."""
        return cls(
            method="GET", path=path, query={"page": str(page)}, before=change, kind="mid_listing"
        )

    @classmethod
    def disconnect(
        cls,
        *,
        method: str | None = None,
        path: str | None = None,
        nth: int = 1,
        times: int = 1,
        after_write: bool = False,
    ) -> Fault:
        """Close the connection without answering (optionally after doing the write)."""
        return cls(
            method=method,
            path=path,
            nth=nth,
            times=times,
            after_write=after_write,
            drop_connection=True,
            kind="disconnect",
        )


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw and answered it."""

    method: str
    path: str
    query: dict[str, list[str]]
    status: int
    timestamp: float
    operation: str | None
    actor: str | None
    request_body: JSON
    response_body: JSON
    response_headers: Headers
    fault: str | None = None
    json: bool = True
    """False for an answer that is not JSON (a commit id as text, an archive)."""

    @property
    def is_write(self) -> bool:
        return self.method not in ("GET", "HEAD")


# --------------------------------------------------------------------------------------------
# Routing
# --------------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    body: JSON = None
    headers: Headers = field(default_factory=dict)
    raw: bytes | None = None
    """A body that is not JSON, sent as it is (with its ``Content-Type`` in ``headers``)."""


class ApiError(Exception):
    """Raised by a handler to answer with an error status and GitHub-style body."""

    def __init__(self, status: int, body: JSON, headers: Headers | None = None) -> None:
        super().__init__(status)
        self.response = Response(status, body, headers or {})


def _error_body(message: str, status: int, docs: str = DOCS) -> JSON:
    return {"message": message, "documentation_url": docs, "status": str(status)}


def not_found() -> ApiError:
    return ApiError(404, _error_body("Not Found", 404))


def validation_failed(
    resource: str, field_name: str, code: str = "invalid", message: str | None = None
) -> ApiError:
    error: dict[str, Any] = {"resource": resource, "code": code, "field": field_name}
    if message is not None:
        error["message"] = message
    return ApiError(
        422,
        {
            "message": "Validation Failed",
            "errors": [error],
            "documentation_url": DOCS,
            "status": "422",
        },
    )


@dataclass
class Request:
    """What a handler gets."""

    method: str
    path: str
    params: dict[str, str]
    query: dict[str, list[str]]
    body: JSON
    actor: User
    headers: Headers = field(default_factory=dict)

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default


Handler = Callable[["Api", Request], Response]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    pattern: re.Pattern[str]

    @property
    def operation(self) -> str:
        return f"{self.method} {self.template}"


_NUMERIC_PARAMS = frozenset({"issue_number", "comment_id", "pull_number"})
_PATH_PARAMS = frozenset({"ref", "path"})
"""Parameters that hold slashes (a ref, ``heads/riskbot/reviews``; a file's path in a
repository)."""


def _compile(template: str) -> re.Pattern[str]:
    parts = []
    for piece in re.split(r"(\{[a-z_]+\})", template):
        if piece.startswith("{"):
            name = piece[1:-1]
            sub = r"\d+" if name in _NUMERIC_PARAMS else ".+" if name in _PATH_PARAMS else r"[^/]+"
            parts.append(f"(?P<{name}>{sub})")
        else:
            parts.append(re.escape(piece))
    return re.compile("".join(parts))


class Api:
    """The REST operations; every method runs with the server lock held."""

    ROUTES: ClassVar[list[Route]] = []

    def __init__(self, server: FakeGitHub, state: RepoState | None = None) -> None:
        self.server = server
        self.state = state or server.state

    @classmethod
    def route(cls, method: str, template: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            cls.ROUTES.append(Route(method, template, handler, _compile(template)))
            return handler

        return register

    @classmethod
    def resolve(cls, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in cls.ROUTES:
            if route.method != method:
                continue
            match = route.pattern.fullmatch(path)
            if match is not None:
                params = {k: urllib.parse.unquote(v) for k, v in match.groupdict().items()}
                return route, params
        return None

    # -- rendering ---------------------------------------------------------------------------

    @property
    def api(self) -> str:
        return self.server.url

    @property
    def repo_api(self) -> str:
        return f"{self.api}/repos/{self.state.full_name}"

    @property
    def repo_html(self) -> str:
        return f"{self.server.html_url}/{self.state.full_name}"

    def user_json(self, user: User) -> JSON:
        base = f"{self.api}/users/{urllib.parse.quote(user.login, safe='')}"
        if user.type == "Bot":
            avatar = f"https://avatars.githubusercontent.com/in/{user.id % 100000}?v=4"
            html = f"{self.server.html_url}/apps/{user.login.removesuffix('[bot]')}"
        else:
            avatar = f"https://avatars.githubusercontent.com/u/{user.id}?v=4"
            html = f"{self.server.html_url}/{user.login}"
        return {
            "login": user.login,
            "id": user.id,
            "node_id": user.node_id,
            "avatar_url": avatar,
            "gravatar_id": "",
            "url": base,
            "html_url": html,
            "followers_url": f"{base}/followers",
            "following_url": f"{base}/following{{/other_user}}",
            "gists_url": f"{base}/gists{{/gist_id}}",
            "starred_url": f"{base}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{base}/subscriptions",
            "organizations_url": f"{base}/orgs",
            "repos_url": f"{base}/repos",
            "events_url": f"{base}/events{{/privacy}}",
            "received_events_url": f"{base}/received_events",
            "type": user.type,
            "user_view_type": "public",
            "site_admin": user.site_admin,
        }

    def label_json(self, label: Label) -> JSON:
        return {
            "id": label.id,
            "node_id": f"LA_kwDO{label.id:010d}",
            "url": f"{self.repo_api}/labels/{urllib.parse.quote(label.name, safe='')}",
            "name": label.name,
            "color": label.color,
            "default": label.default,
            "description": label.description,
        }

    def _reactions(self, url: str, given: Sequence[Reaction] = ()) -> JSON:
        counts = dict.fromkeys(REACTIONS, 0)
        for reaction in given:
            counts[reaction.content] += 1
        return {"url": url, "total_count": len(given), **counts}

    def reaction_json(self, reaction: Reaction) -> JSON:
        return {
            "id": reaction.id,
            "node_id": f"REA_lADO{reaction.id:010d}",
            "user": self.user_json(reaction.user),
            "content": reaction.content,
            "created_at": iso(reaction.created_at),
        }

    def ref_json(self, ref: str) -> JSON:
        sha = self.state.refs[ref]
        return {
            "ref": ref,
            "node_id": f"REF_kwDO{abs(hash(ref)) % 10**10:010d}",
            "url": f"{self.repo_api}/git/{ref}",
            "object": {"type": "commit", "sha": sha, "url": f"{self.repo_api}/git/commits/{sha}"},
        }

    def tree_json(self, sha: str, *, recursive: bool) -> JSON:
        files = self.state.trees[sha]
        entries: dict[str, JSON] = {}
        for path, blob in sorted(files.items()):
            parts = path.split("/")
            for depth in range(1, len(parts)):
                folder = "/".join(parts[:depth])
                if folder not in entries and (recursive or depth == 1):
                    sub = _fake_sha(f"subtree:{sha}:{folder}")
                    entries[folder] = {
                        "path": folder,
                        "mode": "040000",
                        "type": "tree",
                        "sha": sub,
                        "url": f"{self.repo_api}/git/trees/{sub}",
                    }
            if recursive or len(parts) == 1:
                entries[path] = {
                    "path": path,
                    "mode": "100644",
                    "type": "blob",
                    "sha": blob,
                    "size": len(self.state.blobs[blob]),
                    "url": f"{self.repo_api}/git/blobs/{blob}",
                }
        return {
            "sha": sha,
            "url": f"{self.repo_api}/git/trees/{sha}",
            "tree": [entries[k] for k in sorted(entries)],
            "truncated": False,
        }

    def git_commit_json(self, commit: GitCommit) -> JSON:
        person = {
            "name": "github-actions[bot]",
            "email": "41898282+github-actions[bot]@users.noreply.github.com",
            "date": iso(commit.date),
        }
        return {
            "sha": commit.sha,
            "node_id": f"C_kwDO{int(commit.sha[:8], 16):010d}",
            "url": f"{self.repo_api}/git/commits/{commit.sha}",
            "html_url": f"{self.repo_html}/commit/{commit.sha}",
            "author": person,
            "committer": person,
            "message": commit.message,
            "tree": {"sha": commit.tree, "url": f"{self.repo_api}/git/trees/{commit.tree}"},
            "parents": [
                {
                    "sha": p,
                    "url": f"{self.repo_api}/git/commits/{p}",
                    "html_url": f"{self.repo_html}/commit/{p}",
                }
                for p in commit.parents
            ],
            "verification": {
                "verified": False,
                "reason": "unsigned",
                "signature": None,
                "payload": None,
                "verified_at": None,
            },
        }

    def issue_json(self, issue: Issue) -> JSON:
        url = f"{self.repo_api}/issues/{issue.number}"
        kind = "pull" if issue.pull is not None else "issues"
        data: dict[str, Any] = {
            "url": url,
            "repository_url": self.repo_api,
            "labels_url": f"{url}/labels{{/name}}",
            "comments_url": f"{url}/comments",
            "events_url": f"{url}/events",
            "html_url": f"{self.repo_html}/{kind}/{issue.number}",
            "id": issue.id,
            "node_id": f"{'PR' if issue.pull else 'I'}_kwDO{issue.id:010d}",
            "number": issue.number,
            "title": issue.title,
            "user": self.user_json(issue.user),
            "labels": [self.label_json(label) for label in issue.labels],
            "state": issue.state,
            "locked": issue.locked,
            "assignee": self.user_json(issue.assignees[0]) if issue.assignees else None,
            "assignees": [self.user_json(user) for user in issue.assignees],
            "milestone": None,
            "comments": issue.comments,
            "created_at": iso(issue.created_at),
            "updated_at": iso(issue.updated_at),
            "closed_at": iso(issue.closed_at),
            "author_association": issue.author_association,
            "type": None,
            "active_lock_reason": None,
            "sub_issues_summary": {"total": 0, "completed": 0, "percent_completed": 0},
            "issue_dependencies_summary": {
                "blocked_by": 0,
                "total_blocked_by": 0,
                "blocking": 0,
                "total_blocking": 0,
            },
        }
        if issue.pull is not None:
            pull_url = f"{self.repo_api}/pulls/{issue.number}"
            html = f"{self.repo_html}/pull/{issue.number}"
            data["draft"] = issue.pull.draft
            data["pull_request"] = {
                "url": pull_url,
                "html_url": html,
                "diff_url": f"{html}.diff",
                "patch_url": f"{html}.patch",
                "merged_at": iso(issue.pull.merged_at),
            }
        data.update(
            {
                "body": issue.body,
                "closed_by": self.user_json(issue.closed_by) if issue.closed_by else None,
                "reactions": self._reactions(f"{url}/reactions"),
                "timeline_url": f"{url}/timeline",
                "performed_via_github_app": None,
                "state_reason": issue.state_reason,
            }
        )
        return data

    def comment_json(self, comment: Comment) -> JSON:
        issue = self.state.issues.get(comment.issue_number)
        kind = "pull" if issue is not None and issue.pull is not None else "issues"
        url = f"{self.repo_api}/issues/comments/{comment.id}"
        return {
            "url": url,
            "html_url": (
                f"{self.repo_html}/{kind}/{comment.issue_number}#issuecomment-{comment.id}"
            ),
            "issue_url": f"{self.repo_api}/issues/{comment.issue_number}",
            "id": comment.id,
            "node_id": f"IC_kwDO{comment.id:010d}",
            "user": self.user_json(comment.user),
            "created_at": iso(comment.created_at),
            "updated_at": iso(comment.updated_at),
            "body": comment.body,
            "author_association": comment.author_association,
            "reactions": self._reactions(f"{url}/reactions", self.state.reactions_on(comment.id)),
            "performed_via_github_app": None,
        }

    def repo_json(self, *, full: bool = True) -> JSON:
        state = self.state
        api = self.repo_api
        html = self.repo_html
        host = urllib.parse.urlsplit(self.server.html_url).netloc or "github.com"
        open_issues = sum(1 for issue in state.issues.values() if issue.state == "open")
        data: dict[str, Any] = {
            "id": state.id,
            "node_id": f"R_kgDO{state.id:010d}",
            "name": state.name,
            "full_name": state.full_name,
            "private": state.private,
            "owner": self.user_json(state.owner),
            "html_url": html,
            "description": state.description,
            "fork": False,
            "url": api,
            "forks_url": f"{api}/forks",
            "keys_url": f"{api}/keys{{/key_id}}",
            "collaborators_url": f"{api}/collaborators{{/collaborator}}",
            "teams_url": f"{api}/teams",
            "hooks_url": f"{api}/hooks",
            "issue_events_url": f"{api}/issues/events{{/number}}",
            "events_url": f"{api}/events",
            "assignees_url": f"{api}/assignees{{/user}}",
            "branches_url": f"{api}/branches{{/branch}}",
            "tags_url": f"{api}/tags",
            "blobs_url": f"{api}/git/blobs{{/sha}}",
            "git_tags_url": f"{api}/git/tags{{/sha}}",
            "git_refs_url": f"{api}/git/refs{{/sha}}",
            "trees_url": f"{api}/git/trees{{/sha}}",
            "statuses_url": f"{api}/statuses/{{sha}}",
            "languages_url": f"{api}/languages",
            "stargazers_url": f"{api}/stargazers",
            "contributors_url": f"{api}/contributors",
            "subscribers_url": f"{api}/subscribers",
            "subscription_url": f"{api}/subscription",
            "commits_url": f"{api}/commits{{/sha}}",
            "git_commits_url": f"{api}/git/commits{{/sha}}",
            "comments_url": f"{api}/comments{{/number}}",
            "issue_comment_url": f"{api}/issues/comments{{/number}}",
            "contents_url": f"{api}/contents/{{+path}}",
            "compare_url": f"{api}/compare/{{base}}...{{head}}",
            "merges_url": f"{api}/merges",
            "archive_url": f"{api}/{{archive_format}}{{/ref}}",
            "downloads_url": f"{api}/downloads",
            "issues_url": f"{api}/issues{{/number}}",
            "pulls_url": f"{api}/pulls{{/number}}",
            "milestones_url": f"{api}/milestones{{/number}}",
            "notifications_url": f"{api}/notifications{{?since,all,participating}}",
            "labels_url": f"{api}/labels{{/name}}",
            "releases_url": f"{api}/releases{{/id}}",
            "deployments_url": f"{api}/deployments",
            "created_at": iso(state.created_at),
            "updated_at": iso(state.created_at),
            "pushed_at": iso(max(state.created_at, state.head_time)),
            "git_url": f"git://{host}/{state.full_name}.git",
            "ssh_url": f"git@{host}:{state.full_name}.git",
            "clone_url": f"{html}.git",
            "svn_url": html,
            "homepage": None,
            "size": 100,
            "stargazers_count": 0,
            "watchers_count": 0,
            "language": "Python",
            "has_issues": True,
            "has_projects": True,
            "has_downloads": True,
            "has_wiki": False,
            "has_pages": False,
            "has_discussions": False,
            "forks_count": 0,
            "mirror_url": None,
            "archived": False,
            "disabled": False,
            "open_issues_count": open_issues,
            "license": None,
            "allow_forking": True,
            "is_template": False,
            "web_commit_signoff_required": False,
            "topics": list(state.topics),
            "visibility": "private" if state.private else "public",
            "forks": 0,
            "open_issues": open_issues,
            "watchers": 0,
            "default_branch": state.default_branch,
        }
        if full:
            data.update(
                {
                    "permissions": {
                        "admin": False,
                        "maintain": False,
                        "push": True,
                        "triage": True,
                        "pull": True,
                    },
                    "temp_clone_token": "",
                    "allow_squash_merge": True,
                    "allow_merge_commit": True,
                    "allow_rebase_merge": True,
                    "allow_auto_merge": False,
                    "delete_branch_on_merge": False,
                    "allow_update_branch": False,
                    "use_squash_pr_title_as_default": False,
                    "squash_merge_commit_message": "COMMIT_MESSAGES",
                    "squash_merge_commit_title": "COMMIT_OR_PR_TITLE",
                    "merge_commit_message": "PR_TITLE",
                    "merge_commit_title": "MERGE_MESSAGE",
                    "network_count": 0,
                    "subscribers_count": 1,
                }
            )
        if state.owner.type == "Organization":
            data["organization"] = self.user_json(state.owner)
        return data

    def pull_json(self, issue: Issue) -> JSON:
        pull = issue.pull
        assert pull is not None
        api = self.repo_api
        url = f"{api}/pulls/{issue.number}"
        html = f"{self.repo_html}/pull/{issue.number}"
        issue_url = f"{api}/issues/{issue.number}"
        owner = self.state.owner
        repo = self.repo_json(full=False)

        def side(ref: str, sha: str) -> JSON:
            return {
                "label": f"{owner.login}:{ref}",
                "ref": ref,
                "sha": sha,
                "user": self.user_json(owner),
                "repo": repo,
            }

        def link(href: str) -> JSON:
            return {"href": href}

        return {
            "url": url,
            "id": pull.id,
            "node_id": f"PR_kwDO{pull.id:010d}",
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "issue_url": issue_url,
            "number": issue.number,
            "state": issue.state,
            "locked": issue.locked,
            "title": issue.title,
            "user": self.user_json(issue.user),
            "body": issue.body,
            "created_at": iso(issue.created_at),
            "updated_at": iso(issue.updated_at),
            "closed_at": iso(issue.closed_at),
            "merged_at": iso(pull.merged_at),
            "merge_commit_sha": pull.merge_commit_sha,
            "assignee": self.user_json(issue.assignees[0]) if issue.assignees else None,
            "assignees": [self.user_json(user) for user in issue.assignees],
            "requested_reviewers": [],
            "requested_teams": [],
            "labels": [self.label_json(label) for label in issue.labels],
            "milestone": None,
            "draft": pull.draft,
            "commits_url": f"{url}/commits",
            "review_comments_url": f"{url}/comments",
            "review_comment_url": f"{api}/pulls/comments{{/number}}",
            "comments_url": f"{issue_url}/comments",
            "statuses_url": f"{api}/statuses/{pull.head_sha}",
            "head": side(pull.head_ref, pull.head_sha),
            "base": side(pull.base_ref, pull.base_sha),
            "_links": {
                "self": link(url),
                "html": link(html),
                "issue": link(issue_url),
                "comments": link(f"{issue_url}/comments"),
                "review_comments": link(f"{url}/comments"),
                "review_comment": link(f"{api}/pulls/comments{{/number}}"),
                "commits": link(f"{url}/commits"),
                "statuses": link(f"{api}/statuses/{pull.head_sha}"),
            },
            "author_association": issue.author_association,
            "auto_merge": None,
            "active_lock_reason": None,
            "merged": pull.merged,
            "mergeable": None if issue.state == "closed" else True,
            "rebaseable": None if issue.state == "closed" else True,
            "mergeable_state": "unknown" if issue.state == "closed" else "clean",
            "merged_by": self.user_json(pull.merged_by) if pull.merged_by else None,
            "comments": issue.comments,
            "review_comments": 0,
            "maintainer_can_modify": False,
            "commits": 1,
            "additions": 1,
            "deletions": 0,
            "changed_files": 1,
        }

    def review_json(self, review: Review) -> JSON:
        pull_url = f"{self.repo_api}/pulls/{review.pull_number}"
        html = f"{self.repo_html}/pull/{review.pull_number}#pullrequestreview-{review.id}"
        return {
            "id": review.id,
            "node_id": f"PRR_kwDO{review.id:010d}",
            "user": self.user_json(review.user),
            "body": review.body,
            "state": review.state,
            "html_url": html,
            "pull_request_url": pull_url,
            "_links": {"html": {"href": html}, "pull_request": {"href": pull_url}},
            "submitted_at": iso(review.submitted_at),
            "commit_id": review.commit_id,
            "author_association": review.author_association,
        }

    # -- helpers -----------------------------------------------------------------------------

    def check_repo(self, request: Request) -> None:
        owner, repo = request.params.get("owner"), request.params.get("repo")
        if owner is None or repo is None:
            return
        if f"{owner}/{repo}".lower() != self.state.full_name.lower():
            raise not_found()

    def get_issue(self, request: Request) -> Issue:
        issue = self.state.issues.get(int(request.params["issue_number"]))
        if issue is None:
            raise not_found()
        return issue

    def get_comment(self, request: Request) -> Comment:
        comment = self.state.comments.get(int(request.params["comment_id"]))
        if comment is None:
            raise not_found()
        return comment

    def get_label(self, request: Request) -> Label:
        label = self.state.label_by_name(request.params["name"])
        if label is None:
            raise not_found()
        return label

    @staticmethod
    def body_object(request: Request) -> dict[str, Any]:
        """The JSON object sent as the request body (422 if something else was sent)."""
        if request.body is None:
            return {}
        if not isinstance(request.body, dict):
            raise ApiError(
                422,
                {
                    "message": "Invalid request.\n\nThe request body is not a JSON object.",
                    "documentation_url": DOCS,
                    "status": "422",
                },
            )
        return request.body

    @staticmethod
    def since_filter(request: Request) -> datetime | None:
        raw = request.arg("since")
        if raw is None or raw == "":
            return None
        try:
            return parse_iso(raw)
        except ValueError:
            raise validation_failed("Search", "since") from None

    def paginate(self, request: Request, items: Sequence[JSON]) -> Response:
        try:
            per_page = int(request.arg("per_page") or 30)
        except ValueError:
            per_page = 30
        per_page = 30 if per_page < 1 else min(per_page, 100)
        try:
            page = max(1, int(request.arg("page") or 1))
        except ValueError:
            page = 1
        last = max(1, math.ceil(len(items) / per_page))
        chunk = list(items[(page - 1) * per_page : page * per_page])

        def page_url(number: int) -> str:
            pairs = [(k, v) for k, vs in request.query.items() if k != "page" for v in vs]
            pairs.append(("page", str(number)))
            return f"{self.api}{request.path}?{urllib.parse.urlencode(pairs)}"

        links: list[str] = []
        if page > 1:
            links.append(f'<{page_url(min(page - 1, last))}>; rel="prev"')
        if page < last:
            links.append(f'<{page_url(page + 1)}>; rel="next"')
            links.append(f'<{page_url(last)}>; rel="last"')
        if page > 1:
            links.append(f'<{page_url(1)}>; rel="first"')
        headers = {"Link": ", ".join(links)} if links else {}
        return Response(200, chunk, headers)

    def resolve_assignees(self, logins: Iterable[Any]) -> list[User]:
        chosen: list[User] = []
        for login in logins:
            if not isinstance(login, str) or not self.state.is_assignable(login):
                continue  # silently dropped, like GitHub without push access
            user = self.state.add_user(login)
            if user not in chosen:
                chosen.append(user)
        return chosen

    def resolve_labels(self, raw: Any, resource: str = "Label") -> list[Label]:
        if not isinstance(raw, list):
            raise validation_failed(resource, "labels")
        labels: list[Label] = []
        for item in raw:
            if isinstance(item, dict):
                item = item.get("name")
            if not isinstance(item, str) or not item.strip():
                raise validation_failed("Label", "name", "missing_field")
            label = self.state.ensure_label(item.strip())
            if label not in labels:
                labels.append(label)
        return labels

    @staticmethod
    def labels_payload(body: JSON) -> Any:
        """Label endpoints take a bare list or ``{"labels": [...]}``."""
        if isinstance(body, dict):
            return body.get("labels", [])
        return body if body is not None else []

    def created(self, body: JSON, location: str) -> Response:
        return Response(201, body, {"Location": location})


def _sorted(items: Iterable[Any], key: Callable[[Any], Any], descending: bool) -> list[Any]:
    return sorted(items, key=key, reverse=descending)


# -- repository, user, rate limit --------------------------------------------------------------


@Api.route("GET", "/repos/{owner}/{repo}")
def _get_repo(api: Api, request: Request) -> Response:
    api.check_repo(request)
    return Response(200, api.repo_json())


@Api.route("GET", "/user")
def _get_user(api: Api, request: Request) -> Response:
    # A person's token (a PAT) may ask who it is; an integration's (the Actions token, an App's
    # installation token) may not.
    if request.actor.type == "User":
        profile = {
            **dict.fromkeys(("bio", "blog", "company", "email", "hireable", "location", "name")),
            **dict.fromkeys(("followers", "following", "public_gists", "public_repos"), 0),
            "created_at": "2020-01-01T00:00:00Z",
            "updated_at": "2020-01-01T00:00:00Z",
        }
        return Response(200, {**api.user_json(request.actor), **profile})
    raise ApiError(
        403,
        _error_body(
            "Resource not accessible by integration",
            403,
            "https://docs.github.com/rest/users/users#get-the-authenticated-user",
        ),
    )


@Api.route("GET", "/rate_limit")
def _get_rate_limit(api: Api, request: Request) -> Response:
    core = api.server.rate_limit_status()

    def bucket(limit: int) -> JSON:
        return {"limit": limit, "used": 0, "remaining": limit, "reset": core["reset"]}

    return Response(
        200,
        {
            "resources": {
                "core": core,
                "search": bucket(30),
                "graphql": bucket(5000),
                "integration_manifest": bucket(5000),
                "code_search": bucket(10),
            },
            "rate": core,
        },
    )


# -- issues --------------------------------------------------------------------------------------


@Api.route("GET", "/repos/{owner}/{repo}/issues")
def _list_issues(api: Api, request: Request) -> Response:
    api.check_repo(request)
    state = request.arg("state", "open")
    if state not in ("open", "closed", "all"):
        raise validation_failed("Issue", "state")
    sort = request.arg("sort", "created")
    if sort not in ("created", "updated", "comments"):
        raise validation_failed("Issue", "sort")
    direction = request.arg("direction", "desc")
    if direction not in ("asc", "desc"):
        raise validation_failed("Issue", "direction")
    wanted = [name.strip().lower() for name in (request.arg("labels") or "").split(",")]
    wanted = [name for name in wanted if name]
    since = api.since_filter(request)
    creator = request.arg("creator")
    assignee = request.arg("assignee")

    def keep(issue: Issue) -> bool:
        if state != "all" and issue.state != state:
            return False
        names = {label.name.lower() for label in issue.labels}
        if any(name not in names for name in wanted):
            return False
        if since is not None and issue.updated_at < since:
            return False
        if creator is not None and issue.user.login.lower() != creator.lower():
            return False
        if assignee == "none":
            return not issue.assignees
        if assignee == "*":
            return bool(issue.assignees)
        if assignee is not None:
            return assignee.lower() in {user.login.lower() for user in issue.assignees}
        return True

    def key(issue: Issue) -> tuple[Any, int]:
        if sort == "updated":
            return issue.updated_at, issue.number
        if sort == "comments":
            return issue.comments, issue.number
        return issue.created_at, issue.number

    chosen = _sorted(filter(keep, api.state.issues.values()), key, direction == "desc")
    return api.paginate(request, [api.issue_json(issue) for issue in chosen])


@Api.route("POST", "/repos/{owner}/{repo}/issues")
def _create_issue(api: Api, request: Request) -> Response:
    api.check_repo(request)
    body = api.body_object(request)
    title = body.get("title")
    if isinstance(title, int) and not isinstance(title, bool):
        title = str(title)
    if not isinstance(title, str) or not title:
        raise validation_failed("Issue", "title", "missing_field")
    text = body.get("body")
    if text is not None and not isinstance(text, str):
        raise validation_failed("Issue", "body")
    labels = api.resolve_labels(body.get("labels") or [])
    logins = list(body.get("assignees") or [])
    if isinstance(body.get("assignee"), str):
        logins.insert(0, body["assignee"])
    assignees = api.resolve_assignees(logins)
    issue = api.state.add_issue(title, text, user=request.actor)
    issue.labels = labels
    issue.assignees = assignees
    return api.created(api.issue_json(issue), f"{api.repo_api}/issues/{issue.number}")


@Api.route("GET", "/repos/{owner}/{repo}/issues/{issue_number}")
def _get_issue(api: Api, request: Request) -> Response:
    api.check_repo(request)
    return Response(200, api.issue_json(api.get_issue(request)))


@Api.route("PATCH", "/repos/{owner}/{repo}/issues/{issue_number}")
def _update_issue(api: Api, request: Request) -> Response:
    api.check_repo(request)
    issue = api.get_issue(request)
    body = api.body_object(request)

    # Validate everything before changing anything.
    title = body.get("title", issue.title)
    if isinstance(title, int) and not isinstance(title, bool):
        title = str(title)
    if title is None:
        title = issue.title
    if not isinstance(title, str) or not title:
        raise validation_failed("Issue", "title", "missing_field")
    if "body" in body and body["body"] is not None and not isinstance(body["body"], str):
        raise validation_failed("Issue", "body")
    new_state = body.get("state", issue.state)
    if new_state not in ("open", "closed"):
        raise validation_failed("Issue", "state")
    reason = body.get("state_reason")
    if reason is not None and reason not in STATE_REASONS:
        raise validation_failed("Issue", "state_reason")
    if new_state == "closed" and reason == "reopened" and issue.state == "open":
        raise validation_failed("Issue", "state_reason")
    labels = api.resolve_labels(body["labels"]) if "labels" in body else None
    assignees: list[User] | None = None
    if "assignees" in body:
        assignees = api.resolve_assignees(body["assignees"] or [])
    elif "assignee" in body:
        single = body["assignee"]
        assignees = api.resolve_assignees([single]) if single else []

    now = api.state.clock.after(issue.updated_at)
    issue.title = title
    if "body" in body:
        issue.body = body["body"]
    if labels is not None:
        issue.labels = labels
    if assignees is not None:
        issue.assignees = assignees
    if new_state != issue.state:
        # state_reason is "ignored unless state is changed" (GitHub's docs).
        if new_state == "closed":
            issue.state = "closed"
            issue.closed_at = now
            issue.closed_by = request.actor
            if issue.pull is None:
                issue.state_reason = reason if reason in CLOSE_REASONS else "completed"
        else:
            issue.state = "open"
            issue.closed_at = None
            issue.closed_by = None
            if issue.pull is None:
                issue.state_reason = "reopened"
    issue.updated_at = now
    return Response(200, api.issue_json(issue))


# -- comments ------------------------------------------------------------------------------------


@Api.route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments")
def _list_issue_comments(api: Api, request: Request) -> Response:
    api.check_repo(request)
    issue = api.get_issue(request)
    since = api.since_filter(request)
    chosen = [
        comment
        for comment in sorted(api.state.comments_on(issue.number), key=lambda c: c.id)
        if since is None or comment.updated_at >= since
    ]
    return api.paginate(request, [api.comment_json(comment) for comment in chosen])


@Api.route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments")
def _create_comment(api: Api, request: Request) -> Response:
    api.check_repo(request)
    issue = api.get_issue(request)
    body = api.body_object(request)
    text = body.get("body")
    if not isinstance(text, str) or not text:
        raise validation_failed("IssueComment", "body", "missing_field")
    comment = api.state.add_comment(issue.number, text, user=request.actor)
    return api.created(api.comment_json(comment), f"{api.repo_api}/issues/comments/{comment.id}")


@Api.route("GET", "/repos/{owner}/{repo}/issues/comments")
def _list_repo_comments(api: Api, request: Request) -> Response:
    api.check_repo(request)
    sort = request.arg("sort", "created")
    if sort not in ("created", "updated"):
        raise validation_failed("IssueComment", "sort")
    direction = request.arg("direction", "asc")
    if direction not in ("asc", "desc"):
        raise validation_failed("IssueComment", "direction")
    since = api.since_filter(request)

    def key(comment: Comment) -> tuple[datetime, int]:
        when = comment.updated_at if sort == "updated" else comment.created_at
        return when, comment.id

    chosen = _sorted(
        (c for c in api.state.comments.values() if since is None or c.updated_at >= since),
        key,
        direction == "desc",
    )
    return api.paginate(request, [api.comment_json(comment) for comment in chosen])


@Api.route("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}")
def _get_comment(api: Api, request: Request) -> Response:
    api.check_repo(request)
    return Response(200, api.comment_json(api.get_comment(request)))


@Api.route("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}")
def _update_comment(api: Api, request: Request) -> Response:
    api.check_repo(request)
    comment = api.get_comment(request)
    body = api.body_object(request)
    text = body.get("body")
    if not isinstance(text, str) or not text:
        raise validation_failed("IssueComment", "body", "missing_field")
    comment.body = text
    comment.updated_at = api.state.clock.after(comment.updated_at)
    return Response(200, api.comment_json(comment))


@Api.route("DELETE", "/repos/{owner}/{repo}/issues/comments/{comment_id}")
def _delete_comment(api: Api, request: Request) -> Response:
    api.check_repo(request)
    api.state.delete_comment(api.get_comment(request))
    return Response(204)


# -- labels --------------------------------------------------------------------------------------


def _check_label_fields(body: dict[str, Any], name_key: str) -> tuple[str | None, str | None]:
    name = body.get(name_key)
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise validation_failed("Label", "name", "missing_field")
    color = body.get("color")
    if color is not None:
        if not isinstance(color, str) or not _HEX_COLOR.fullmatch(color.lstrip("#")):
            raise validation_failed("Label", "color")
        color = color.lstrip("#").lower()
    description = body.get("description")
    if description is not None and (not isinstance(description, str) or len(description) > 100):
        raise validation_failed("Label", "description")
    return (None if name is None else name.strip()), color


@Api.route("GET", "/repos/{owner}/{repo}/labels")
def _list_labels(api: Api, request: Request) -> Response:
    api.check_repo(request)
    labels = sorted(api.state.labels.values(), key=lambda label: (label.name.lower(), label.id))
    return api.paginate(request, [api.label_json(label) for label in labels])


@Api.route("POST", "/repos/{owner}/{repo}/labels")
def _create_label(api: Api, request: Request) -> Response:
    api.check_repo(request)
    body = api.body_object(request)
    name, color = _check_label_fields(body, "name")
    if name is None:
        raise validation_failed("Label", "name", "missing_field")
    if api.state.label_by_name(name) is not None:
        raise validation_failed("Label", "name", "already_exists")
    label = api.state.add_label(name, color or "ededed", body.get("description"))
    return api.created(api.label_json(label), api.label_json(label)["url"])


@Api.route("GET", "/repos/{owner}/{repo}/labels/{name}")
def _get_label(api: Api, request: Request) -> Response:
    api.check_repo(request)
    return Response(200, api.label_json(api.get_label(request)))


@Api.route("PATCH", "/repos/{owner}/{repo}/labels/{name}")
def _update_label(api: Api, request: Request) -> Response:
    api.check_repo(request)
    label = api.get_label(request)
    body = api.body_object(request)
    new_name, color = _check_label_fields(body, "new_name" if "new_name" in body else "name")
    renamed = new_name is not None and new_name.lower() != label.name.lower()
    if renamed and new_name is not None and api.state.label_by_name(new_name) is not None:
        raise validation_failed("Label", "name", "already_exists")
    if new_name is not None:
        label.name = new_name
    if color is not None:
        label.color = color
    if "description" in body:
        label.description = body["description"]
    return Response(200, api.label_json(label))


@Api.route("DELETE", "/repos/{owner}/{repo}/labels/{name}")
def _delete_label(api: Api, request: Request) -> Response:
    api.check_repo(request)
    api.state.delete_label(api.get_label(request))
    return Response(204)


@Api.route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/labels")
def _list_issue_labels(api: Api, request: Request) -> Response:
    api.check_repo(request)
    issue = api.get_issue(request)
    return api.paginate(request, [api.label_json(label) for label in issue.labels])


@Api.route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels")
def _add_issue_labels(api: Api, request: Request) -> Response:
    api.check_repo(request)
    issue = api.get_issue(request)
    added = api.resolve_labels(api.labels_payload(request.body))
    issue.labels = issue.labels + [label for label in added if label not in issue.labels]
    issue.updated_at = api.state.clock.after(issue.updated_at)
    return Response(200, [api.label_json(label) for label in issue.labels])


@Api.route("PUT", "/repos/{owner}/{repo}/issues/{issue_number}/labels")
def _set_issue_labels(api: Api, request: Request) -> Response:
    api.check_repo(request)
    issue = api.get_issue(request)
    issue.labels = api.resolve_labels(api.labels_payload(request.body))
    issue.updated_at = api.state.clock.after(issue.updated_at)
    return Response(200, [api.label_json(label) for label in issue.labels])


@Api.route("DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/labels")
def _clear_issue_labels(api: Api, request: Request) -> Response:
    api.check_repo(request)
    issue = api.get_issue(request)
    issue.labels = []
    issue.updated_at = api.state.clock.after(issue.updated_at)
    return Response(204)


@Api.route("DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}")
def _remove_issue_label(api: Api, request: Request) -> Response:
    api.check_repo(request)
    issue = api.get_issue(request)
    wanted = request.params["name"].lower()
    kept = [label for label in issue.labels if label.name.lower() != wanted]
    if len(kept) == len(issue.labels):
        raise ApiError(404, _error_body("Label does not exist", 404))
    issue.labels = kept
    issue.updated_at = api.state.clock.after(issue.updated_at)
    return Response(200, [api.label_json(label) for label in issue.labels])


# -- assignees -----------------------------------------------------------------------------------


@Api.route("GET", "/repos/{owner}/{repo}/assignees")
def _list_assignees(api: Api, request: Request) -> Response:
    api.check_repo(request)
    users = sorted(
        (api.state.add_user(login) for login in api.state.assignable),
        key=lambda user: user.login.lower(),
    )
    return api.paginate(request, [api.user_json(user) for user in users])


@Api.route("GET", "/repos/{owner}/{repo}/assignees/{assignee}")
def _check_assignee(api: Api, request: Request) -> Response:
    api.check_repo(request)
    if api.state.is_assignable(request.params["assignee"]):
        return Response(204)
    raise not_found()


@Api.route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/assignees")
def _add_assignees(api: Api, request: Request) -> Response:
    api.check_repo(request)
    issue = api.get_issue(request)
    body = api.body_object(request)
    added = api.resolve_assignees(body.get("assignees") or [])
    issue.assignees = issue.assignees + [user for user in added if user not in issue.assignees]
    issue.updated_at = api.state.clock.after(issue.updated_at)
    return api.created(api.issue_json(issue), f"{api.repo_api}/issues/{issue.number}")


@Api.route("DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/assignees")
def _remove_assignees(api: Api, request: Request) -> Response:
    api.check_repo(request)
    issue = api.get_issue(request)
    body = api.body_object(request)
    gone = {login.lower() for login in body.get("assignees") or [] if isinstance(login, str)}
    issue.assignees = [user for user in issue.assignees if user.login.lower() not in gone]
    issue.updated_at = api.state.clock.after(issue.updated_at)
    return Response(200, api.issue_json(issue))


# -- pull requests -------------------------------------------------------------------------------


@Api.route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}")
def _get_pull(api: Api, request: Request) -> Response:
    api.check_repo(request)
    issue = api.state.issues.get(int(request.params["pull_number"]))
    if issue is None or issue.pull is None:
        raise not_found()
    return Response(200, api.pull_json(issue))


@Api.route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews")
def _list_reviews(api: Api, request: Request) -> Response:
    api.check_repo(request)
    issue = api.state.issues.get(int(request.params["pull_number"]))
    if issue is None or issue.pull is None:
        raise not_found()
    reviews = api.state.reviews_of(issue.number)
    return api.paginate(request, [api.review_json(r) for r in reviews])


@Api.route("GET", "/repos/{owner}/{repo}/pulls")
def _list_pulls(api: Api, request: Request) -> Response:
    api.check_repo(request)
    state = request.arg("state", "open")
    if state not in ("open", "closed", "all"):
        raise validation_failed("PullRequest", "state")
    head = request.arg("head")
    base = request.arg("base")

    def keep(issue: Issue) -> bool:
        pull = issue.pull
        if pull is None or (state != "all" and issue.state != state):
            return False
        if head is not None and head != f"{api.state.owner.login}:{pull.head_ref}":
            return False
        return base is None or base == pull.base_ref

    chosen = sorted(filter(keep, api.state.issues.values()), key=lambda i: i.number, reverse=True)
    return api.paginate(request, [api.pull_json(issue) for issue in chosen])


@Api.route("POST", "/repos/{owner}/{repo}/pulls")
def _create_pull(api: Api, request: Request) -> Response:
    api.check_repo(request)
    body = api.body_object(request)
    title, head, base = body.get("title"), body.get("head"), body.get("base")
    if not isinstance(title, str) or not title:
        raise validation_failed("PullRequest", "title", "missing_field")
    if not isinstance(head, str) or not isinstance(base, str):
        raise validation_failed("PullRequest", "head", "missing_field")
    branch = head.split(":", 1)[-1]
    head_sha = api.state.refs.get(f"refs/heads/{branch}")
    base_sha = api.state.refs.get(f"refs/heads/{base}")
    if head_sha is None:
        raise validation_failed("PullRequest", "head", "invalid")
    if base_sha is None:
        raise validation_failed("PullRequest", "base", "invalid")
    for issue in api.state.issues.values():
        if issue.pull is not None and issue.state == "open" and issue.pull.head_ref == branch:
            raise validation_failed(
                "PullRequest",
                "head",
                "custom",
                f"A pull request already exists for {api.state.owner.login}:{branch}.",
            )
    text = body.get("body")
    issue = api.state.add_pull(
        title,
        text if isinstance(text, str) else None,
        user=request.actor,
        head_ref=branch,
        head_sha=head_sha,
        base_ref=base,
        base_sha=base_sha,
    )
    return api.created(api.pull_json(issue), f"{api.repo_api}/pulls/{issue.number}")


@Api.route("PATCH", "/repos/{owner}/{repo}/pulls/{pull_number}")
def _update_pull(api: Api, request: Request) -> Response:
    api.check_repo(request)
    issue = api.state.issues.get(int(request.params["pull_number"]))
    if issue is None or issue.pull is None:
        raise not_found()
    body = api.body_object(request)
    if "title" in body:
        if not isinstance(body["title"], str) or not body["title"]:
            raise validation_failed("PullRequest", "title")
        issue.title = body["title"]
    if "body" in body:
        issue.body = body["body"] if isinstance(body["body"], str) else None
    if "state" in body:
        if body["state"] not in ("open", "closed"):
            raise validation_failed("PullRequest", "state")
        issue.state = body["state"]
        issue.closed_at = api.state.clock.now() if issue.state == "closed" else None
    issue.updated_at = api.state.clock.after(issue.updated_at)
    return Response(200, api.pull_json(issue))


# -- reactions -----------------------------------------------------------------------------------


@Api.route("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions")
def _list_reactions(api: Api, request: Request) -> Response:
    api.check_repo(request)
    comment = api.get_comment(request)
    content = request.arg("content")
    given = [
        r for r in api.state.reactions_on(comment.id) if content is None or r.content == content
    ]
    return api.paginate(request, [api.reaction_json(r) for r in given])


@Api.route("POST", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions")
def _create_reaction(api: Api, request: Request) -> Response:
    api.check_repo(request)
    comment = api.get_comment(request)
    content = api.body_object(request).get("content")
    if content not in REACTIONS:
        raise validation_failed("Reaction", "content")
    reaction, new = api.state.add_reaction(comment.id, request.actor, content)
    return Response(201 if new else 200, api.reaction_json(reaction))


# -- git data ------------------------------------------------------------------------------------


def _ref_name(request: Request) -> str:
    return "refs/" + request.params["ref"].removeprefix("refs/")


@Api.route("GET", "/repos/{owner}/{repo}/git/ref/{ref}")
def _get_ref(api: Api, request: Request) -> Response:
    api.check_repo(request)
    ref = _ref_name(request)
    if ref not in api.state.refs:
        raise not_found()
    return Response(200, api.ref_json(ref))


@Api.route("GET", "/repos/{owner}/{repo}/git/matching-refs/{ref}")
def _matching_refs(api: Api, request: Request) -> Response:
    api.check_repo(request)
    prefix = _ref_name(request)
    found = sorted(r for r in api.state.refs if r.startswith(prefix))
    return api.paginate(request, [api.ref_json(r) for r in found])


@Api.route("POST", "/repos/{owner}/{repo}/git/refs")
def _create_ref(api: Api, request: Request) -> Response:
    api.check_repo(request)
    body = api.body_object(request)
    ref, sha = body.get("ref"), body.get("sha")
    if not isinstance(ref, str) or not ref.startswith("refs/") or ref.count("/") < 2:
        raise validation_failed("Reference", "ref")
    if sha not in api.state.git_commits:
        raise validation_failed("Reference", "sha")
    if ref in api.state.refs:
        raise validation_failed("Reference", "ref", "already_exists", "Reference already exists")
    api.state.refs[ref] = sha
    return api.created(api.ref_json(ref), f"{api.repo_api}/git/{ref}")


@Api.route("PATCH", "/repos/{owner}/{repo}/git/refs/{ref}")
def _update_ref(api: Api, request: Request) -> Response:
    api.check_repo(request)
    ref = _ref_name(request)
    if ref not in api.state.refs:
        raise validation_failed("Reference", "ref", "custom", "Reference does not exist")
    body = api.body_object(request)
    sha = body.get("sha")
    if sha not in api.state.git_commits:
        raise validation_failed("Reference", "sha")
    if not body.get("force") and api.state.refs[ref] not in api.state.git_commits[sha].parents:
        raise validation_failed("Reference", "sha", "custom", "Update is not a fast forward")
    api.state.refs[ref] = sha
    for issue in api.state.issues.values():  # an open pull request follows its branch
        if (
            issue.pull is not None
            and issue.state == "open"
            and f"refs/heads/{issue.pull.head_ref}" == ref
        ):
            issue.pull.head_sha = sha
    return Response(200, api.ref_json(ref))


@Api.route("GET", "/repos/{owner}/{repo}/git/trees/{tree_sha}")
def _get_tree(api: Api, request: Request) -> Response:
    api.check_repo(request)
    wanted = request.params["tree_sha"]
    commit = api.state.resolve_commit(wanted)
    sha = commit.tree if commit is not None else wanted
    if sha not in api.state.trees:
        raise not_found()
    recursive = request.arg("recursive") not in (None, "", "0", "false")
    return Response(200, api.tree_json(sha, recursive=recursive))


@Api.route("POST", "/repos/{owner}/{repo}/git/trees")
def _create_tree(api: Api, request: Request) -> Response:
    api.check_repo(request)
    body = api.body_object(request)
    base = body.get("base_tree")
    files: dict[str, str] = {}
    if base is not None:
        if base not in api.state.trees:
            raise validation_failed("Tree", "base_tree")
        files = dict(api.state.trees[base])
    entries = body.get("tree")
    if not isinstance(entries, list):
        raise validation_failed("Tree", "tree", "missing_field")
    for entry in entries:
        path = entry.get("path") if isinstance(entry, dict) else None
        if not isinstance(path, str) or not path or entry.get("type") != "blob":
            raise validation_failed("Tree", "tree")
        if "content" in entry:
            files[path] = api.state.add_blob(str(entry["content"]).encode("utf-8"))
        elif entry.get("sha") is None:
            files.pop(path, None)
        elif entry["sha"] in api.state.blobs:
            files[path] = entry["sha"]
        else:
            raise validation_failed("Tree", "sha")
    sha = api.state.add_tree(files)
    return api.created(api.tree_json(sha, recursive=False), f"{api.repo_api}/git/trees/{sha}")


@Api.route("GET", "/repos/{owner}/{repo}/git/commits/{commit_sha}")
def _get_git_commit(api: Api, request: Request) -> Response:
    api.check_repo(request)
    commit = api.state.git_commits.get(request.params["commit_sha"])
    if commit is None:
        raise not_found()
    return Response(200, api.git_commit_json(commit))


@Api.route("POST", "/repos/{owner}/{repo}/git/commits")
def _create_git_commit(api: Api, request: Request) -> Response:
    api.check_repo(request)
    body = api.body_object(request)
    tree, parents, message = body.get("tree"), body.get("parents") or [], body.get("message")
    if tree not in api.state.trees:
        raise validation_failed("Commit", "tree")
    if not isinstance(message, str) or not isinstance(parents, list):
        raise validation_failed("Commit", "message", "missing_field")
    if any(p not in api.state.git_commits for p in parents):
        raise validation_failed("Commit", "parents")
    sha = api.state.add_git_commit(tree, parents, message)
    commit = api.state.git_commits[sha]
    return api.created(api.git_commit_json(commit), f"{api.repo_api}/git/commits/{sha}")


@Api.route("GET", "/repos/{owner}/{repo}/git/blobs/{file_sha}")
def _get_blob(api: Api, request: Request) -> Response:
    api.check_repo(request)
    sha = request.params["file_sha"]
    data = api.state.blobs.get(sha)
    if data is None:
        raise not_found()
    return Response(
        200,
        {
            "sha": sha,
            "node_id": f"B_kwDO{int(sha[:8], 16):010d}",
            "size": len(data),
            "url": f"{api.repo_api}/git/blobs/{sha}",
            "content": base64.b64encode(data).decode("ascii"),
            "encoding": "base64",
        },
    )


# -- git: a ref's commit, a file's contents at a commit, a repository's archive ------------------

SHA_MEDIA_TYPE = "application/vnd.github.sha"
CODELOAD = "/_codeload/"
"""Where archives are downloaded from (codeload.github.com on GitHub): not the API."""


def _ref_commit(api: Api, request: Request) -> GitCommit:
    if not api.state.git_commits:
        raise ApiError(409, _error_body("Git Repository is empty.", 409))
    commit = api.state.resolve_commit(request.params["ref"])
    if commit is None:
        raise ApiError(422, _error_body(f"No commit found for SHA: {request.params['ref']}", 422))
    return commit


@Api.route("GET", "/repos/{owner}/{repo}/commits/{ref}")
def _get_commit(api: Api, request: Request) -> Response:
    api.check_repo(request)
    commit = _ref_commit(api, request)
    sha = commit.sha
    if SHA_MEDIA_TYPE in request.headers.get("accept", ""):
        # Only the commit id, as text: the cheap way to ask whether a branch moved.
        return Response(
            200, headers={"Content-Type": f"{SHA_MEDIA_TYPE}; charset=utf-8"}, raw=sha.encode()
        )
    state = api.state
    url = f"{api.repo_api}/commits/{sha}"
    person = {"name": state.owner.login, "email": "owner@example.com", "date": iso(commit.date)}
    return Response(
        200,
        {
            "url": url,
            "sha": sha,
            "node_id": f"C_kwDO{int(sha[:8], 16):010d}",
            "html_url": f"{api.repo_html}/commit/{sha}",
            "comments_url": f"{url}/comments",
            "commit": {
                "url": f"{api.repo_api}/git/commits/{sha}",
                "author": person,
                "committer": person,
                "message": commit.message,
                "comment_count": 0,
                "tree": {"sha": commit.tree, "url": f"{api.repo_api}/git/trees/{commit.tree}"},
            },
            "author": api.user_json(state.owner),
            "committer": api.user_json(state.owner),
            "parents": [
                {
                    "sha": p,
                    "url": f"{api.repo_api}/commits/{p}",
                    "html_url": f"{api.repo_html}/commit/{p}",
                }
                for p in commit.parents
            ],
        },
    )


CONTENTS_MAX_BYTES = 1024 * 1024
"""Above this size the contents API gives no content (``encoding: none``), as GitHub's does."""


def _content_json(api: Api, path: str, ref: str, data: bytes | None) -> JSON:
    """One entry of the contents API: a file (``data``, its bytes) or a folder (None)."""
    quoted = urllib.parse.quote(path)
    kind = "dir" if data is None else "file"
    sha = git_blob_sha(data) if data is not None else _fake_sha(f"subtree:{ref}:{path}")
    git_url = f"{api.repo_api}/git/{'trees' if data is None else 'blobs'}/{sha}"
    html_url = f"{api.repo_html}/{'tree' if data is None else 'blob'}/{ref}/{quoted}"
    url = f"{api.repo_api}/contents/{quoted}?ref={urllib.parse.quote(ref, safe='')}"
    return {
        "type": kind,
        "size": 0 if data is None else len(data),
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "sha": sha,
        "url": url,
        "git_url": git_url,
        "html_url": html_url,
        "download_url": (
            None
            if data is None
            else f"https://raw.githubusercontent.com/{api.state.full_name}/{ref}/{quoted}"
        ),
        "_links": {"self": url, "git": git_url, "html": html_url},
    }


@Api.route("GET", "/repos/{owner}/{repo}/contents/{path}")
def _get_contents(api: Api, request: Request) -> Response:
    api.check_repo(request)
    ref = request.arg("ref") or api.state.default_branch
    commit = api.state.resolve_commit(ref)
    if commit is None:
        raise ApiError(404, _error_body(f"No commit found for the ref {ref}", 404))
    files = api.state.files_at(commit.sha)
    path = request.params["path"].strip("/")
    data = files.get(path)
    if data is not None:
        entry = _content_json(api, path, ref, data)
        # Like GitHub: the content in base64, in lines of 60; none for a file above 1 MB.
        large = len(data) > CONTENTS_MAX_BYTES
        encoded = "" if large else base64.b64encode(data).decode("ascii")
        lines = [encoded[i : i + 60] for i in range(0, len(encoded), 60)]
        entry["content"] = "" if large else "\n".join(lines) + "\n"
        entry["encoding"] = "none" if large else "base64"
        return Response(200, entry)
    below = sorted(p for p in files if p.startswith(f"{path}/"))
    if not below:
        raise not_found()
    names = sorted({p[len(path) + 1 :].split("/", 1)[0] for p in below})
    entries = [
        _content_json(api, f"{path}/{name}", ref, files.get(f"{path}/{name}")) for name in names
    ]
    return Response(200, entries)


@Api.route("GET", "/repos/{owner}/{repo}/tarball/{ref}")
def _get_tarball(api: Api, request: Request) -> Response:
    api.check_repo(request)
    sha = api.state.resolve_ref(request.params["ref"])
    if sha is None or sha not in api.state.git_commits:
        raise not_found()
    # Like GitHub: a redirect to the download, with a short-lived token of its own in the URL.
    ticket = _fake_sha(f"{api.state.full_name}:{sha}:ticket")
    location = f"{api.server.url}{CODELOAD}{api.state.full_name}/legacy.tar.gz/{sha}?token={ticket}"
    return Response(
        302, headers={"Location": location, "Content-Type": "text/html;charset=utf-8"}, raw=b""
    )


# -- organisations -------------------------------------------------------------------------------


def _org_repos(api: Api, request: Request) -> list[RepoState]:
    found = api.server.org_repos(request.params["org"])
    if found is None:
        raise not_found()
    return found


@Api.route("GET", "/orgs/{org}/repos")
def _list_org_repos(api: Api, request: Request) -> Response:
    repos = _org_repos(api, request)
    return api.paginate(request, [Api(api.server, s).repo_json(full=False) for s in repos])


def _query_terms(query: str) -> list[tuple[str, str]]:
    """``props.risk-register:true topic:risk`` as [(qualifier, value)]: the two kinds of
    repository search qualifier the fake knows (anything else is a 422, never ignored)."""
    terms = []
    for word in query.split():
        qualifier, _, value = word.partition(":")
        if not value or not (qualifier.startswith("props.") or qualifier == "topic"):
            raise validation_failed("Repository", "repository_query")
        terms.append((qualifier, value))
    return terms


def _matches(state: RepoState, terms: list[tuple[str, str]]) -> bool:
    for qualifier, value in terms:
        if qualifier == "topic":
            if value.lower() not in (t.lower() for t in state.topics):
                return False
            continue
        have = state.properties.get(qualifier.removeprefix("props."))
        values = have if isinstance(have, list) else [have]
        if value.lower() not in (str(v).lower() for v in values if v is not None):
            return False
    return True


@Api.route("GET", "/orgs/{org}/properties/values")
def _list_property_values(api: Api, request: Request) -> Response:
    repos = _org_repos(api, request)
    terms = _query_terms(request.arg("repository_query") or "")
    return api.paginate(
        request,
        [
            {
                "repository_id": s.id,
                "repository_name": s.name,
                "repository_full_name": s.full_name,
                "properties": [
                    {"property_name": name, "value": value}
                    for name, value in sorted(s.properties.items())
                ],
            }
            for s in repos
            if _matches(s, terms)
        ],
    )


# --------------------------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: FakeGitHub) -> None:
        self.app = app
        self.open_connections: set[socket.socket] = set()
        self.handler_threads: set[threading.Thread] = set()
        self.tracking_lock = threading.Lock()
        super().__init__(address, _RequestHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._run_request,
            args=(request, client_address),
            name="fakegithub-connection",
            daemon=True,
        )
        with self.tracking_lock:
            self.open_connections.add(request)
            self.handler_threads.add(thread)
        thread.start()

    def _run_request(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self.tracking_lock:
                self.open_connections.discard(request)
                self.handler_threads.discard(threading.current_thread())

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Connection resets and timeouts are the client's business; anything else is a bug.
        if isinstance(_current_exception(), OSError):
            return
        self.app.errors.append(traceback.format_exc())

    def close_connections(self, timeout: float) -> None:
        with self.tracking_lock:
            sockets = list(self.open_connections)
            threads = list(self.handler_threads)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))


def _current_exception() -> BaseException | None:
    return sys.exc_info()[1]


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "github.com"
    sys_version = ""
    timeout = 120
    server: _HTTPServer

    def version_string(self) -> str:
        return "github.com"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the server keeps its own log

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        headers = {key.lower(): value for key, value in self.headers.items()}
        outcome = self.server.app.handle(self.command, self.path, headers, raw)
        if outcome is None:
            self.close_connection = True
            return
        status, out_headers, payload = outcome
        try:
            self.send_response(status)
            for key, value in out_headers.items():
                self.send_header(key, value)
            if status not in (204, 304):
                self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if payload and status not in (204, 304):
                self.wfile.write(payload)
            self.wfile.flush()
        except OSError:
            self.close_connection = True


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


class FakeGitHub:
    """A GitHub REST API imitation for one repository, served on 127.0.0.1.

    Usage::

        with FakeGitHub("octo/reg") as server:
            gh = Github(auth=Auth.Token(server.token), base_url=server.url, retry=None)
            issue = gh.get_repo("octo/reg").create_issue("hello")
            assert server.state.issues[issue.number].title == "hello"

    Settings that tests may change (``reset()`` restores them): ``token`` (the accepted token;
    ``None`` accepts any), ``actor`` (who writes; GitHub Actions' bot by default), ``tokens``
    (token -> user, see ``add_token``), ``rate_limit``.  A request may also name its actor in
    the ``X-FakeGitHub-Actor`` header.  Time comes from ``clock`` (``clock.set``/``advance``).

    More repositories: ``add_repo("org/name", files={...}, private=..., visible=False, topics=...,
    properties=...)``; ``visible=False`` is one the token cannot see (404, as GitHub answers);
    ``set_files`` for a new commit of a default branch (its earlier commits keep their files).

    Differences from GitHub worth knowing: one token sees every visible repository; reopening
    clears ``closed_by``;
    ``state_reason`` is ignored unless ``state`` changes (as GitHub documents); no milestones,
    events or search; git data (blobs, trees, commits, refs) only as far as the bot writes it;
    rate-limit accounting is per server, not per token.
    """

    def __init__(
        self,
        repo: str = "octo-org/risk-register",
        *,
        token: str | None = "fake-token",
        port: int = 0,
        host: str = "127.0.0.1",
        actor: User = GITHUB_ACTIONS,
        html_url: str = "https://github.com",
        rate_limit: int = 5000,
        installation_id: int = 1,
        default_labels: bool = True,
        owner_type: str = "User",
        clock: Clock | None = None,
    ) -> None:
        self.repo = repo
        self._default_repo = repo
        self.token = token
        self.host = host
        self.port = port
        self.html_url = html_url.rstrip("/")
        self.installation_id = installation_id
        self._given_clock = clock
        self._generation = 0
        self._defaults: dict[str, Any] = {
            "token": token,
            "actor": actor,
            "rate_limit": rate_limit,
        }
        self._state_options: dict[str, Any] = {
            "default_labels": default_labels,
            "owner_type": owner_type,
        }
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._request_counter = 0
        self._init_state()

    def _init_state(self) -> None:
        self._generation += 1
        self.clock: Clock = self._given_clock or Clock()
        self.token = self._defaults["token"]
        self.actor: User = self._defaults["actor"]
        self.rate_limit: int = self._defaults["rate_limit"]
        self.tokens: dict[str, User] = {}
        self.state = RepoState(self.repo, self.clock, **self._state_options)
        self.state.add_user(self.actor)
        self.repos: dict[str, RepoState] = {self.state.full_name.lower(): self.state}
        self._next_repo_id = self.state.id + 1
        self.faults: list[Fault] = []
        self._log: list[RequestRecord] = []
        self.errors: list[str] = []
        self.rate_used = 0
        self.rate_reset = int(time.time()) + 3600

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeGitHub:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        self._httpd = _HTTPServer((self.host, self.port), self)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fakegithub",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        httpd.close_connections(timeout=5.0)
        if thread is not None:
            thread.join(5.0)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321`` (give it to PyGithub as ``base_url``)."""
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._httpd is not None

    def reset(self, repo: str | None = None) -> None:
        """Back to a fresh repository: state, faults, log, errors, token, actor, rate limit.

        ``repo`` ("owner/name") hosts another repository until the next reset.
        """
        with self._lock:
            self.repo = repo or self._default_repo
            self._init_state()

    # -- seeding and assertions --------------------------------------------------------------

    def add_user(self, login: str, *, id: int | None = None, type: str = "User") -> User:
        with self._lock:
            return self.state.add_user(login, id=id, type=type)

    def add_repo(
        self,
        full_name: str,
        files: Mapping[str, bytes | str] | None = None,
        *,
        private: bool = False,
        visible: bool = True,
        topics: Sequence[str] = (),
        properties: Mapping[str, str | list[str] | None] | None = None,
        default_branch: str = "main",
        owner_type: str = "Organization",
    ) -> RepoState:
        """Host another repository, with ``files`` on its default branch (see ``RepoState``)."""
        with self._lock:
            if full_name.lower() in self.repos:
                raise ValueError(f"{full_name} exists already")
            state = RepoState(
                full_name,
                self.clock,
                owner_type=owner_type,
                default_labels=False,
                default_branch=default_branch,
                private=private,
                id=self._next_repo_id,
            )
            self._next_repo_id += 1
            state.visible = visible
            state.topics = list(topics)
            state.properties = dict(properties or {})
            if files:
                state.set_files(files)
            self.repos[full_name.lower()] = state
            return state

    def repo_state(self, full_name: str) -> RepoState:
        """A hosted repository by ``owner/name`` (KeyError if there is none)."""
        with self._lock:
            return self.repos[full_name.lower()]

    def set_files(self, full_name: str, files: Mapping[str, bytes | str]) -> str:
        """Push ``files`` as the default branch's new content; the head commit."""
        with self._lock:
            return self.repos[full_name.lower()].set_files(files)

    def org_repos(self, org: str) -> list[RepoState] | None:
        """The repositories of an owner the token sees, by name; None when it has none."""
        with self._lock:
            mine = [s for s in self.repos.values() if s.owner.login.lower() == org.lower()]
            if not mine:
                return None
            return sorted((s for s in mine if s.visible), key=lambda s: s.name.lower())

    def add_issue(self, title: str, body: str | None = None, **options: Any) -> Issue:
        """Seed an issue; see ``RepoState.add_issue`` (``user=`` for another author)."""
        with self._lock:
            return self.state.add_issue(title, body, **options)

    def add_comment(self, issue_number: int, body: str, **options: Any) -> Comment:
        """Seed a comment; see ``RepoState.add_comment``."""
        with self._lock:
            return self.state.add_comment(issue_number, body, **options)

    def add_pull(
        self, title: str = "A pull request", body: str | None = None, **options: Any
    ) -> Issue:
        """Seed a pull request (it also gets an issue number); see ``RepoState.add_pull``."""
        with self._lock:
            return self.state.add_pull(title, body, **options)

    def add_review(
        self, pull_number: int, user: User | str, state: str = "APPROVED", **options: Any
    ) -> Review:
        """Seed a review of a pull request; see ``RepoState.add_review``."""
        with self._lock:
            return self.state.add_review(pull_number, user, state, **options)

    def add_label(self, name: str, color: str = "ededed", description: str | None = None) -> Label:
        with self._lock:
            return self.state.add_label(name, color, description)

    def set_assignable(self, logins: Iterable[str]) -> None:
        with self._lock:
            self.state.set_assignable(logins)

    def add_token(self, token: str, user: User | str) -> User:
        """Accept ``token`` too, acting as ``user`` for requests that carry it."""
        with self._lock:
            who = self.state.add_user(user)
            self.tokens[token] = who
            return who

    # -- request log -------------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._log)

    def reads(self, path: str | None = None) -> list[RequestRecord]:
        """GET requests, optionally only those whose path fully matches the regex ``path``."""
        return [r for r in self.requests if not r.is_write and _path_ok(r, path)]

    def writes(self, path: str | None = None) -> list[RequestRecord]:
        """Non-GET requests, optionally only those whose path fully matches ``path``."""
        return [r for r in self.requests if r.is_write and _path_ok(r, path)]

    def reset_log(self) -> None:
        with self._lock:
            self._log.clear()

    # -- faults and limits -------------------------------------------------------------------

    def inject(self, fault: Fault) -> Fault:
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def exhaust_rate_limit(self, reset: int | None = None) -> None:
        """Use up the primary rate limit until epoch ``reset`` (default: in an hour)."""
        with self._lock:
            self.rate_used = self.rate_limit
            self.rate_reset = reset if reset is not None else int(time.time()) + 3600

    def rate_limit_status(self) -> dict[str, Any]:
        with self._lock:
            self._roll_rate_window()
            return {
                "limit": self.rate_limit,
                "used": self.rate_used,
                "remaining": max(0, self.rate_limit - self.rate_used),
                "reset": self.rate_reset,
                "resource": "core",
            }

    def _roll_rate_window(self) -> None:
        if time.time() >= self.rate_reset:
            self.rate_used = 0
            self.rate_reset = int(time.time()) + 3600

    def _rate_headers(self) -> Headers:
        status = self.rate_limit_status()
        return {
            "x-ratelimit-limit": str(status["limit"]),
            "x-ratelimit-remaining": str(status["remaining"]),
            "x-ratelimit-reset": str(status["reset"]),
            "x-ratelimit-used": str(status["used"]),
            "x-ratelimit-resource": "core",
        }

    def _primary_limit_body(self) -> JSON:
        return {
            "message": f"API rate limit exceeded for installation ID {self.installation_id}.",
            "documentation_url": PRIMARY_RATE_LIMIT_DOCS,
        }

    def _take_fault(
        self, method: str, path: str, query: dict[str, list[str]] | None = None
    ) -> Fault | None:
        chosen: Fault | None = None
        for fault in self.faults:
            if not fault.matches(method, path, query):
                continue
            fault.seen += 1
            if chosen is None and fault.seen >= fault.nth and not fault.exhausted:
                chosen = fault
                fault.fired += 1
        self.faults = [fault for fault in self.faults if not fault.exhausted]
        return chosen

    # -- request handling --------------------------------------------------------------------

    def handle(
        self, method: str, target: str, headers: Headers, raw: bytes
    ) -> tuple[int, Headers, bytes] | None:
        """Answer one request: (status, headers, body bytes), or None to drop the connection."""
        split = urllib.parse.urlsplit(target)
        path = split.path
        query = urllib.parse.parse_qs(split.query, keep_blank_values=True)
        with self._lock:
            generation = self._generation
            # GitHub also answers under /repositories/{id} (and uses it in some Link headers).
            for hosted in self.repos.values():
                by_id = f"/repositories/{hosted.id}"
                if path == by_id or path.startswith(by_id + "/"):
                    path = f"/repos/{hosted.full_name}{path[len(by_id) :]}"
            fault = self._take_fault(method, path, query)
            if fault is not None and fault.before is not None:
                fault.before(self.state)
        if fault is not None and fault.delay > 0:
            self._stopping.wait(fault.delay)
            with self._lock:
                if generation != self._generation:
                    return None  # the server was reset while this request waited

        request_body: JSON = None
        actor_login: str | None = None
        operation: str | None = None
        response: Response
        drop = False
        with self._lock:
            try:
                bad_json = False
                if raw:
                    try:
                        request_body = json.loads(raw)
                    except ValueError:
                        request_body = raw.decode("utf-8", "replace")
                        bad_json = True
                if fault is not None and not fault.after_write and fault.status is not None:
                    response = self._fault_response(fault)
                elif fault is not None and not fault.after_write and fault.drop_connection:
                    response, drop = Response(0), True
                else:
                    actor = self._authenticate(headers)
                    actor_login = None if actor is None else actor.login
                    if bad_json and actor is not None:
                        response = Response(400, _error_body("Problems parsing JSON", 400))
                    elif path.startswith(CODELOAD) and method == "GET":
                        response = self._download(path)  # the URL's ticket is its credential
                    else:
                        response, operation = self._serve(
                            method, path, query, request_body, actor, headers
                        )
                        response = self._conditional(method, path, headers, response)
                    if fault is not None and fault.after_write:
                        if fault.drop_connection:
                            drop = True
                        elif fault.status is not None:
                            response = self._fault_response(fault)
            except Exception:
                self.errors.append(traceback.format_exc())
                response = Response(500, {"message": "Server Error (fakegithub bug)"})

            self._request_counter += 1
            out_headers = {
                "Content-Type": "application/json; charset=utf-8",
                "x-github-api-version-selected": "2022-11-28",
                "x-github-media-type": "github.v3; format=json",
                "x-github-request-id": self._request_id(),
                **self._rate_headers(),
            }
            for key, value in response.headers.items():
                for existing in [k for k in out_headers if k.lower() == key.lower()]:
                    del out_headers[existing]
                out_headers[key] = value
            payload = b""
            if response.raw is not None and response.status not in (204, 304):
                payload = response.raw
            elif response.body is not None and response.status not in (204, 304):
                payload = json.dumps(response.body, separators=(",", ":")).encode()
            if response.status in (204, 304) or drop:
                out_headers.pop("Content-Type", None)
            self._log.append(
                RequestRecord(
                    method=method,
                    path=path,
                    query=query,
                    status=0 if drop else response.status,
                    timestamp=time.time(),
                    operation=operation,
                    actor=actor_login,
                    request_body=request_body,
                    response_body=None if drop else response.body,
                    response_headers={} if drop else dict(out_headers),
                    fault=None if fault is None else fault.kind,
                    json=response.raw is None,
                )
            )
        if drop:
            return None
        return response.status, out_headers, payload

    def _download(self, path: str) -> Response:
        """An archive of a repository's commit, as codeload serves it (not an API request)."""
        parts = path[len(CODELOAD) :].split("/")
        if len(parts) != 4 or parts[2] != "legacy.tar.gz":
            return Response(404, _error_body("Not Found", 404))
        state = self.repos.get(f"{parts[0]}/{parts[1]}".lower())
        if state is None or parts[3] not in state.git_commits:
            return Response(404, _error_body("Not Found", 404))
        return Response(
            200,
            headers={
                "Content-Type": "application/x-gzip",
                "Content-Disposition": (
                    f"attachment; filename={parts[0]}-{parts[1]}-{parts[3][:7]}.tar.gz"
                ),
            },
            raw=state.archive(parts[3]),
        )

    def _conditional(
        self, method: str, path: str, headers: Headers, response: Response
    ) -> Response:
        """Every GET answer carries an ETag; asked again with it (If-None-Match), an unchanged
        answer is a 304 without a body, which GitHub does not count against the rate limit."""
        if method != "GET" or response.status != 200:
            return response
        body = response.raw if response.raw is not None else json.dumps(response.body).encode()
        vary = headers.get("accept", "").encode()
        digest = hashlib.sha256(vary + b"\0" + body).hexdigest()[:40]
        etag = f'W/"{digest}"'
        response.headers.setdefault("ETag", etag)
        asked = [tag.strip() for tag in headers.get("if-none-match", "").split(",")]
        if etag not in asked and "*" not in asked:
            return response
        if path != "/rate_limit":
            self.rate_used = max(0, self.rate_used - 1)
        return Response(304, headers={"ETag": etag})

    def _request_id(self) -> str:
        n = self._request_counter
        stamp = int(time.time())
        return f"FA4E:{self.port & 0xFFFF:04X}:{n:06X}:{n * 7 & 0xFFFFFF:06X}:{stamp:08X}"

    def _fault_response(self, fault: Fault) -> Response:
        body = fault.body
        headers = dict(fault.headers)
        if fault.kind == "primary_rate_limit":
            body = self._primary_limit_body()
            headers.setdefault("x-ratelimit-reset", str(int(time.time()) + 60))
            headers["x-ratelimit-used"] = str(self.rate_limit)
            headers["x-ratelimit-limit"] = str(self.rate_limit)
        return Response(fault.status or 500, body, headers)

    def _authenticate(self, headers: Headers) -> User | None:
        scheme, _, credential = headers.get("authorization", "").strip().partition(" ")
        credential = credential.strip()
        if scheme.lower() not in ("token", "bearer") or not credential:
            return None
        if credential in self.tokens:
            user = self.tokens[credential]
        elif self.token is None or credential == self.token:
            user = self.actor
        else:
            return None
        override = headers.get(ACTOR_HEADER.lower())
        if override:
            user = self.state.add_user(override)
        return user

    def _serve(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        body: JSON,
        actor: User | None,
        headers: Headers | None = None,
    ) -> tuple[Response, str | None]:
        if actor is None:
            return Response(401, _error_body("Bad credentials", 401)), None
        found = Api.resolve(method, path)
        operation = None if found is None else found[0].operation
        if path != "/rate_limit":
            self._roll_rate_window()
            if self.rate_used >= self.rate_limit:
                return Response(403, self._primary_limit_body()), operation
            self.rate_used += 1
        if found is None:
            return Response(404, _error_body("Not Found", 404)), None
        route, params = found
        state = self.state
        if "owner" in params and "repo" in params:
            hosted = self.repos.get(f"{params['owner']}/{params['repo']}".lower())
            if hosted is None or not hosted.visible:
                return Response(404, _error_body("Not Found", 404)), operation
            state = hosted
        request = Request(method, path, params, query, body, actor, dict(headers or {}))
        try:
            return route.handler(Api(self, state), request), operation
        except ApiError as error:
            return error.response, operation


def _path_ok(record: RequestRecord, pattern: str | None) -> bool:
    return pattern is None or re.fullmatch(pattern, record.path) is not None


def served_operations() -> list[str]:
    """``"METHOD /template"`` for every route the server implements."""
    return [route.operation for route in Api.ROUTES]
