"""The plan executor: makes GitHub match a list of intended actions, writing only differences.

It finds the bot's own issues and comments by their hidden marker, edits only what differs,
reads the bot's issues a second time (narrower, in the other order) before its first create,
waits for a failed create to land and looks for its marker again, never creates it a second
time in the same run (a write can land after any wait: the next run reads first), closes
duplicate issues and deletes duplicate comments (oldest wins), keeps to the write budget, and in
a dry run does all the counting and none of the writing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from typing import TypeVar

from bot.github.api import BudgetExhausted, GitHubApi, SetupFailed, StopRun, WriteFailed
from bot.reconcile import markers
from bot.reconcile.commands import PersonComment
from bot.reconcile.plan import (
    EARLIEST,
    Answer,
    CommentState,
    EnsureComment,
    EnsureIssue,
    EnsureLabel,
    EnsureReaction,
    IssueState,
    Snapshot,
    issue_changes,
)
from bot.render.issues import duplicate_note
from bot.render.summary import Stats, gist

T = TypeVar("T")


class Executor:
    """Performs plans against one repository (or, without ``api``, only pretends to)."""

    def __init__(
        self, api: GitHubApi | None, *, label: str, budget: int, dry_run: bool, stats: Stats
    ) -> None:
        self.api = api
        self.label = label
        self.budget = budget
        self.dry_run = dry_run or api is None
        self.stats = stats
        self._comments: dict[int, list[CommentState]] = {}
        self._rechecked = False
        self.commands: list[PersonComment] = []
        """Command comments by people, found by :meth:`comments_since` on the way."""
        self._reactions: dict[int, set[str]] = {}
        self._listed: tuple[dt.datetime, frozenset[int]] | None = None
        """The listing of recent comments to read again before the first comment is posted:
        set when it had more than one page, so that something could have shifted between them."""

    # -- reading -----------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """The bot's issues on GitHub; without a token, nothing is assumed to exist yet."""
        if self.api is None:
            return Snapshot()
        issues = self.api.bot_issues(self.label)
        return Snapshot.from_issues(issues, self.api.labels())

    def comments(self, number: int, since: dt.datetime | None = None) -> list[CommentState]:
        """The bot's comments on an issue, read once per run (since a time, when given)."""
        if number not in self._comments:
            self._comments[number] = (
                self.api.bot_comments(number, since) if self.api is not None else []
            )
        return self._comments[number]

    def remember(self, number: int, comments: list[CommentState]) -> list[CommentState]:
        """What is known of an issue's bot comments without reading them."""
        self._comments[number] = comments
        return comments

    def comments_since(
        self, since: dt.datetime, numbers: Collection[int]
    ) -> dict[int, list[CommentState]]:
        """The bot's comments on several issues from one listing of the repository's comments
        since a time; remembered, so that the check before posting reads nothing again."""
        if self.api is None:
            found: dict[int, list[CommentState]] = {n: [] for n in numbers}
        else:
            pages = self.api.pages_read
            found = self.api.bot_comments_since(since, numbers, self.commands)
            if self.api.pages_read - pages > 1:
                self._listed = (since, frozenset(numbers))
        self._comments.update(found)
        return found

    def _recheck_comments(self, number: int) -> None:
        """Before the run's first comment on an issue of a listing of several pages: read the
        listing again, newest first, so a comment a deletion shifted between two pages of the
        first read (onto the page already read) is found, not posted again."""
        if self._listed is None or number not in self._listed[1] or self.api is None:
            return
        since, numbers = self._listed
        self._listed = None
        for issue, fresh in self.api.bot_comments_since(since, numbers, newest_first=True).items():
            known = {c.id for c in self.comments(issue)}
            for comment in fresh:
                if comment.id not in known:
                    self.comments(issue).append(comment)
                    self.stats.done.append(f"found {comment.ident} on #{issue} on a second read")

    # -- writing -----------------------------------------------------------------------------
    def write(self, what: str, call: Callable[[GitHubApi], T]) -> T | None:
        """One write through the run's gate: counted against the budget, skipped in a dry run
        (None then), recorded in the summary."""
        return self._write(what, call)

    def _write(
        self,
        what: str,
        call: Callable[[GitHubApi], T],
        *,
        text: tuple[str, str] | None = None,
    ) -> T | None:
        """One write, counted against the budget; ``text`` (a title and the Markdown body) is
        what a person would see: its title or first line is said, and a dry run keeps it."""
        if self.stats.writes >= self.budget:
            raise BudgetExhausted(f"write budget of {self.budget} spent")
        said = f"{what}: {text[0]}" if text is not None else what
        if self.dry_run or self.api is None:
            self.stats.writes += 1
            self.stats.done.append(f"would {said}")
            if text is not None:
                self.stats.drafts.append(text)
            return None
        result = call(self.api)
        self.stats.done.append(said)
        return result

    def execute(self, actions: Sequence[Answer], snapshot: Snapshot) -> Stats:
        """Perform the actions in order, after collapsing duplicates; stop cleanly when told to."""
        todo: list[Callable[[], None]] = []
        names: list[str] = []
        self._comments.update({n: list(c) for n, c in snapshot.comments.items()})
        for dup in snapshot.duplicates:
            if dup.state == "open" and dup.number is not None:
                todo.append(lambda d=dup: self._close_duplicate(d, snapshot))  # type: ignore[misc]
                names.append(f"close duplicate issue #{dup.number}")
        for action in actions:
            todo.append(lambda a=action: self._perform(a, snapshot))  # type: ignore[misc]
            names.append(action.describe())
        for index, step in enumerate(todo):
            try:
                step()
            except StopRun as exc:
                self.stats.stopped = str(exc)
                self.stats.undone.extend(names[index:])
                if isinstance(exc, SetupFailed):
                    raise  # not a partial run: the command cannot work as set up (exit 2)
                break
            except WriteFailed as exc:
                self.stats.failed += 1
                self.stats.failures.append(str(exc))
        return self.stats

    def _perform(self, action: Answer, snapshot: Snapshot) -> None:
        if isinstance(action, EnsureReaction):
            self._ensure_reaction(action)
        elif isinstance(action, EnsureLabel):
            self._ensure_label(action, snapshot)
        elif isinstance(action, EnsureIssue):
            self._ensure_issue(action, snapshot)
        else:
            self._ensure_comment(action, snapshot)

    def _ensure_reaction(self, action: EnsureReaction) -> None:
        given = self._reactions.get(action.comment_id)
        if given is None:
            api = self.api
            given = api.bot_reactions(action.comment_id) if api is not None else set()
            self._reactions[action.comment_id] = given
        if action.content in given:
            self.stats.skipped += 1
            return
        self._write(
            f"react {action.content} to comment {action.comment_id}",
            lambda api: api.react(action.comment_id, action.content),
        )
        given.add(action.content)

    def _ensure_label(self, action: EnsureLabel, snapshot: Snapshot) -> None:
        if action.name in snapshot.labels:
            self.stats.skipped += 1
            return
        try:
            self._write(
                f"create label {action.name}",
                lambda api: api.create_label(action.name, action.color, action.description),
            )
        except WriteFailed as exc:
            if exc.status != 422:  # 422: it exists already (created by a concurrent run)
                raise
        snapshot.labels.add(action.name)

    def _ensure_issue(self, action: EnsureIssue, snapshot: Snapshot) -> None:
        found = snapshot.issues.get(action.ident)
        labels = tuple(dict.fromkeys((self.label, *action.labels)))
        if found is not None and not action.edit:
            self.stats.skipped += 1
            return
        if found is None and action.create and action.state != "closed":
            found = self._recheck(action.ident, snapshot)
            if found is not None and not action.edit:
                self.stats.skipped += 1
                return
        if found is None:
            if not action.create or action.state == "closed":
                self.stats.skipped += 1
                return
            created = self._create_issue(action, labels)
            snapshot.add(created)
            if created.number is not None:
                self._comments[created.number] = []
            return
        wanted = replace(action, labels=labels)
        changes = issue_changes(wanted, found)
        if not changes:
            self.stats.skipped += 1
            return
        number = found.number
        where = f"#{number}" if number is not None else f"new issue {found.ident}"
        self._write(
            f"edit issue {where} ({', '.join(sorted(changes))})",
            lambda api: api.edit_issue(_known(number), changes),
        )
        snapshot.add(
            replace(
                found,
                title=str(changes.get("title", found.title)),
                body=str(changes.get("body", found.body)),
                state=action.state,
                labels=tuple(changes.get("labels", found.labels)),  # type: ignore[arg-type]
                assignees=tuple(changes.get("assignees", found.assignees)),  # type: ignore[arg-type]
            )
        )

    def _recheck(self, ident: str, snapshot: Snapshot) -> IssueState | None:
        """Before the run's first create: read the bot's issues again, narrower and the other way
        round, so an issue the first read missed (the list changed between its pages) is found."""
        if not self._rechecked and self.api is not None:
            self._rechecked = True
            for state in self.api.bot_issues_again(self.label):
                if state.ident not in snapshot.issues:
                    snapshot.add(state)
                    self.stats.done.append(
                        f"found {state.ident} as #{state.number} on a second read"
                    )
        return snapshot.issues.get(ident)

    def _create_issue(self, action: EnsureIssue, labels: tuple[str, ...]) -> IssueState:
        body = action.text
        what = f"create issue {action.ident}"

        def create(api: GitHubApi) -> IssueState | None:
            return api.create_issue(action.title, body, list(labels), list(action.assignees))

        try:
            made = self._write(what, create, text=(action.title, body))
        except WriteFailed as failed:
            # The answer may be lost while the issue exists, or the write may still land: wait
            # for it, then look. Not found is no proof (a write can land after any wait), so it
            # is never created again in this run: the next run looks before it creates.
            if self.api is not None:
                self.api.settle()
            again = self.api.find_issue(self.label, action.ident) if self.api else None
            if again is not None:
                self.stats.done.append(
                    f"found {action.ident} as #{again.number} after a failed create"
                )
                return again
            raise _unsettled(failed, "not created again") from None
        if made is not None:
            return made
        # Dry run: stand in for the issue a real run would have created (it has no number).
        return IssueState(
            None,
            action.ident,
            {"id": action.ident},
            action.title,
            body,
            "open",
            None,
            labels,
            action.assignees,
            0,
            None,
        )

    def _ensure_comment(self, action: EnsureComment, snapshot: Snapshot) -> None:
        number = action.number
        if number is None and action.issue is not None:
            target = snapshot.issues.get(action.issue)
            if target is None:
                self.stats.skipped += 1
                return
            if target.number is None:  # a dry run's stand-in: a real run comments on it
                self._write(
                    f"comment {action.ident} on new issue {action.issue}",
                    _never,
                    text=(gist(action.text), action.text),
                )
                return
            number = target.number
        if number is None:
            raise ValueError(f"{action.describe()}: no issue to comment on")
        body = action.text
        existing = [c for c in self.comments(number) if c.ident == action.ident]
        if len(existing) > 1:
            self._delete_duplicates(number, existing)
        if existing:
            first = existing[0]
            if action.sticky and first.body.strip() != body.strip():
                comment_id = first.id
                self._write(
                    f"edit comment {action.ident} on #{number}",
                    lambda api: api.edit_comment(_known(comment_id), body),
                )
                self._comments[number] = [
                    replace(c, body=body) if c.id == first.id else c for c in self.comments(number)
                ]
            else:
                self.stats.skipped += 1
            return
        if not action.create:
            self.stats.skipped += 1
            return
        self._recheck_comments(number)
        if any(c.ident == action.ident for c in self.comments(number)):
            self.stats.skipped += 1
            return
        try:
            self._write(
                f"comment {action.ident} on #{number}",
                lambda api: api.create_comment(number, body),
                text=(gist(body), body),
            )
        except WriteFailed as failed:
            if self.api is None:
                raise
            self.api.settle()  # a write whose answer was lost may still land
            fresh = self.api.bot_comments(number)
            self._comments[number] = fresh
            if any(c.ident == action.ident for c in fresh):
                return
            raise _unsettled(failed, "not posted again") from None
        self.comments(number).append(CommentState(None, number, action.ident, body, None))

    def _delete_duplicates(self, number: int, same: list[CommentState]) -> None:
        """Comments with one marker (a write that landed after its retry): the oldest stays."""
        ordered = sorted(same, key=lambda c: (c.id is None, c.created_at or EARLIEST, c.id or 0))
        keep = ordered[0]
        for dup in ordered[1:]:
            if dup.id is None:
                continue
            comment_id = dup.id
            self._write(
                f"delete duplicate comment {dup.ident} on #{number} (kept {keep.id})",
                lambda api, gone=comment_id: api.delete_comment(gone),  # type: ignore[misc]
            )
            self._comments[number] = [c for c in self.comments(number) if c.id != comment_id]
        same[:] = [keep]

    def _close_duplicate(self, dup: IssueState, snapshot: Snapshot) -> None:
        keep = snapshot.issues[dup.ident]
        number = _known(dup.number)
        note = duplicate_note(_known(keep.number))
        self._ensure_comment(
            EnsureComment(markers.duplicate(number), note, number=number), snapshot
        )
        self._write(
            f"close duplicate issue #{number} (kept #{keep.number})",
            lambda api: api.edit_issue(number, {"state": "closed", "state_reason": "duplicate"}),
        )


def _unsettled(failed: WriteFailed, what: str) -> WriteFailed:
    """A create that failed and was not found after it: it may still land, whatever the wait,
    so it is left to the next run, which reads before it creates."""
    return WriteFailed(
        str(failed),
        failed.status,
        f"not found after it; it may still appear, so it was {what} in this run (the next run "
        "looks for it first)",
    )


def _known(value: int | None) -> int:
    """A number or id that exists on GitHub (only a dry run has items without one)."""
    if value is None:
        raise ValueError("only a dry run has items without a number, and it writes nothing")
    return value


def _never(api: GitHubApi) -> None:
    raise AssertionError("a dry run performs no write")
