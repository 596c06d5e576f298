"""The one place that calls PyGithub: counted reads and writes, pacing, rate limits, retries.

PyGithub's own retry is off: a POST it retried after a lost response would create a duplicate.
Reads are retried here after a 5xx; writes are never blindly repeated (the executor looks for
the marker first). Rate limits are waited out only up to a bound, never for an hour, and a run
has one budget of retries and of waiting in all: a limit that never clears stops the run.

The bot is the login that wrote with this token (``github-actions[bot]`` for the Actions token,
``RISKBOT_BOT_LOGIN`` for another): only its own issues and comments count as riskbot's, however
convincing a marker a person pastes.
"""

from __future__ import annotations

import base64
import datetime as dt
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from github import Auth, Github, GithubException, InputGitTreeElement
from github.ContentFile import ContentFile
from github.GithubObject import GithubObject
from github.GitTree import GitTree
from github.Issue import Issue
from github.IssueComment import IssueComment
from github.PaginatedList import PaginatedList
from github.PullRequest import PullRequest
from github.Repository import Repository
from requests.exceptions import RequestException

from bot.github.settings import TOKEN_FIX, Settings
from bot.reconcile import markers
from bot.reconcile.commands import PREFIX, PersonComment
from bot.reconcile.plan import CommentState, IssueState
from bot.register import clock, defaults
from bot.register.approvals import Review
from bot.render.summary import Stats

T = TypeVar("T")
G = TypeVar("G", bound=GithubObject)
PER_PAGE = 100
Needs = tuple[str, ...]
"""The permissions of which one lets a call through (``("issues: write",)``)."""
ISSUES_READ: Needs = ("issues: read",)
ISSUES_WRITE: Needs = ("issues: write",)
COMMENT: Needs = ("issues: write", "pull-requests: write")
PULLS_READ: Needs = ("pull-requests: read",)
PULLS_WRITE: Needs = ("pull-requests: write",)
CONTENTS_READ: Needs = ("contents: read",)
CONTENTS_WRITE: Needs = ("contents: write",)


def _permission(needs: Needs) -> str:
    return " or ".join(f"`{n}`" for n in needs)


class StopRun(Exception):
    """The run cannot go on (budget spent, rate limit too long, API failing): stop cleanly."""


class BudgetExhausted(StopRun):
    pass


class RateLimited(StopRun):
    pass


class SetupFailed(StopRun):
    """GitHub refused the token, the repository or the permission: a setup error (exit 2)."""


class WriteFailed(Exception):
    """A write failed or its answer was lost: it may or may not have happened."""

    def __init__(self, what: str, status: int | None, message: str) -> None:
        super().__init__(f"{what}: {message}")
        self.status = status


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    """A time GitHub stamped, in UTC (PyGithub's are aware; a naive one is UTC too)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


@dataclass(frozen=True)
class PullState:
    """A pull request the bot opened, as found: its number, marker and body."""

    number: int
    ident: str
    fields: Mapping[str, str]
    body: str
    url: str = ""


@dataclass(frozen=True)
class Limits:
    """How long and how often a run may wait and retry, in all."""

    write_interval: float = defaults.WRITE_INTERVAL
    max_wait: float = defaults.MAX_RATE_LIMIT_WAIT
    """The longest single wait for a rate limit; a longer reset stops the run at once."""
    read_retries: int = 2
    """Retries of one read after a 5xx or a lost connection."""
    timeout: float = 15.0
    max_total_wait: float | None = None
    """All the waiting for rate limits one run may do (None: twice ``max_wait``)."""
    max_retries: int = 10
    """All the retries one run may make (rate limits and failed reads together)."""
    settle: float = 10.0
    """After a write that failed or timed out, how long to wait for it to land before looking
    for its marker again (GitHub may still carry out a write whose answer was lost)."""

    @property
    def total_wait(self) -> float:
        return self.max_total_wait if self.max_total_wait is not None else 2 * self.max_wait


def client(settings: Settings, limits: Limits, *, lazy: bool = False) -> Github:
    """PyGithub's client as riskbot uses it: riskbot retries and paces itself (PyGithub's own
    retries and pacing off), a page of :data:`PER_PAGE`, the run's timeout."""
    assert settings.token is not None
    return Github(
        auth=Auth.Token(settings.token.reveal()),
        base_url=settings.api_url,
        per_page=PER_PAGE,
        retry=None,
        timeout=int(limits.timeout),
        seconds_between_requests=None,
        seconds_between_writes=None,
        lazy=lazy,
    )


def _status(exc: Exception) -> int | None:
    return exc.status if isinstance(exc, GithubException) else None


def _header(exc: GithubException, name: str) -> str | None:
    for key, value in (exc.headers or {}).items():
        if key.lower() == name:
            return str(value)
    return None


def _issue_number(issue_url: str | None) -> int | None:
    """The number at the end of a comment's ``issue_url`` (``…/issues/12``)."""
    tail = (issue_url or "").rstrip("/").rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else None


def person_comment(comment: IssueComment, number: int) -> PersonComment:
    """A comment's facts as GitHub stamped them."""
    user = comment.user
    return PersonComment(
        id=comment.id,
        issue_number=number,
        login=getattr(user, "login", "") or "",
        body=comment.body or "",
        created_at=_utc(comment.created_at) or clock.now(),
        updated_at=_utc(comment.updated_at),
        is_bot=getattr(user, "type", "") == "Bot",
        url=comment.html_url or "",
    )


def rate_limit_wait(exc: Exception, now: float) -> float | None:
    """Seconds to wait for a rate-limit answer (403/429), or None when it is not one."""
    if not isinstance(exc, GithubException) or exc.status not in (403, 429):
        return None
    retry_after = _header(exc, "retry-after")
    if retry_after is not None:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            return 60.0
    if _header(exc, "x-ratelimit-remaining") == "0":
        reset = _header(exc, "x-ratelimit-reset")
        if reset is not None and reset.isdigit():
            return max(0.0, int(reset) - now) + 1
    message = str(getattr(exc, "data", "") or "").lower()
    if "rate limit" in message or exc.status == 429:
        return 60.0  # GitHub's advice for a secondary limit without Retry-After
    return None


class GitHubApi:
    """A repository on GitHub, seen through counted, paced and bounded calls."""

    def __init__(
        self,
        settings: Settings,
        limits: Limits,
        stats: Stats,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if settings.token is None or settings.repository is None:
            raise ValueError("a token and a repository are needed to talk to GitHub")
        self.settings = settings
        self.limits = limits
        self.stats = stats
        self._sleep = sleep
        self._clock = clock
        self._last_write = 0.0
        # lazy: objects by number cost no request; listings still read
        self._gh = client(settings, limits, lazy=True)
        self._repo: Repository = self._gh.get_repo(settings.repository)
        self._issues: dict[int, Issue] = {}
        self._comments: dict[int, IssueComment] = {}
        self._retries = 0
        self._reported: set[int] = set()
        self._trees: dict[str, GitTree] = {}
        self._pulls: dict[int, PullRequest] = {}
        self.pages_read = 0
        """Pages of listings read so far (a listing of one page cannot shift between pages)."""
        self._identity_checked = False

    def close(self) -> None:
        self._gh.close()

    # -- plumbing ---------------------------------------------------------------------------
    def _spend_retry(self, why: str) -> None:
        """Count one retry against the run's budget; stop the run once it is spent."""
        self._retries += 1
        if self._retries > self.limits.max_retries:
            raise RateLimited(
                f"{why}: gave up after {self.limits.max_retries} retries, all this run may make"
            )

    def _wait_for_limit(self, exc: Exception) -> bool:
        wait = rate_limit_wait(exc, self._clock())
        if wait is None:
            return False
        if wait > self.limits.max_wait:
            raise RateLimited(
                f"GitHub rate limit: the reset is {wait:.0f}s away, over the "
                f"{self.limits.max_wait:.0f}s this run may wait"
            )
        if self.stats.waited + wait > self.limits.total_wait:
            raise RateLimited(
                f"GitHub rate limit: waited {self.stats.waited:.0f}s already; another "
                f"{wait:.0f}s would pass the {self.limits.total_wait:.0f}s this run may wait"
            )
        self._spend_retry(f"GitHub rate limit ({_status(exc)})")
        self.stats.waited += wait
        self._sleep(wait)
        return True

    def settle(self) -> None:
        """Give a write whose answer was lost the time to land before looking for it."""
        if self.limits.settle > 0:
            self._sleep(self.limits.settle)

    def refusal(
        self, exc: Exception, needs: Needs, *, repository_level: bool = False
    ) -> SetupFailed | None:
        """A 401, a 403 for a missing permission, or a 404 of the repository itself, as the
        setup error it is: naming the repository and the permission the job lacks."""
        status = _status(exc)
        repo = self.settings.repository
        message = ""
        if isinstance(exc, GithubException) and isinstance(exc.data, dict):
            message = str(exc.data.get("message", ""))
        if status == 401:
            return SetupFailed(
                f"GitHub refused the token for {repo} (401 {message or 'Bad credentials'}): "
                f"give the step the job's token (`{TOKEN_FIX}`)"
            )
        if status == 403 and message.lower().startswith("resource not accessible"):
            return SetupFailed(
                f"GitHub refused access to {repo} (403 {message}): the job lacks "
                f"{_permission(needs)}; add it to the job's `permissions:`"
            )
        if status == 404 and repository_level:
            return SetupFailed(
                f"repository {repo} not found (404) with this token: check GITHUB_REPOSITORY, "
                f"and that the job's `permissions:` give {_permission(needs)}"
            )
        return None

    def read(
        self,
        call: Callable[[], T],
        *,
        needs: Needs = ISSUES_READ,
        repository_level: bool = False,
    ) -> T:
        """One counted GET, retried after a 5xx, a lost connection or a short rate limit."""
        attempt = 0
        while True:
            self.stats.reads += 1
            try:
                return call()
            except (GithubException, RequestException) as exc:
                if self._wait_for_limit(exc):
                    continue
                refused = self.refusal(exc, needs, repository_level=repository_level)
                if refused is not None:
                    raise refused from None
                status = _status(exc)
                retryable = status is None or status >= 500
                if retryable and attempt < self.limits.read_retries:
                    attempt += 1
                    self._spend_retry(f"GitHub read failed ({status or type(exc).__name__})")
                    self._sleep(min(2.0**attempt, 10.0))
                    continue
                raise

    def write(
        self,
        what: str,
        call: Callable[[], T],
        *,
        needs: Needs = ISSUES_WRITE,
        repository_level: bool = False,
    ) -> T:
        """One counted, paced write; a failure raises WriteFailed (it may have happened), a
        refusal of the token or permission SetupFailed."""
        if not self._identity_checked:
            self._check_identity()
        while True:
            gap = self._clock() - self._last_write
            if self._last_write and gap < self.limits.write_interval:
                self._sleep(self.limits.write_interval - gap)
            self.stats.writes += 1
            self._last_write = self._clock()
            try:
                return call()
            except (GithubException, RequestException) as exc:
                if self._wait_for_limit(exc):
                    self.stats.writes -= 1  # refused before it happened: not a write
                    continue
                refused = self.refusal(exc, needs, repository_level=repository_level)
                if refused is not None:
                    self.stats.writes -= 1
                    raise refused from None
                detail = (
                    exc.data.get("message", "")
                    if isinstance(exc, GithubException) and isinstance(exc.data, dict)
                    else type(exc).__name__
                )
                raise WriteFailed(what, _status(exc), str(detail) or str(_status(exc))) from None

    def _check_identity(self) -> None:
        """Before the first write: a token that may say whose it is (a person's) must be the
        bot's login, or riskbot would not know its own issues again and open one a run."""
        self._identity_checked = True
        try:
            login = self.read(lambda: self._gh.get_user().login)
        except (GithubException, RequestException, StopRun):
            return  # an integration's token (Actions', an App's) may not ask: see create_issue
        if login.lower() != self.settings.bot_login.lower():
            raise SetupFailed(
                f"GITHUB_TOKEN is {login}'s, but riskbot knows its own issues and comments by "
                f"the login {self.settings.bot_login}: set RISKBOT_BOT_LOGIN={login} for this "
                "token; nothing was written"
            )

    def pages(
        self, plist: PaginatedList[G], *, needs: Needs = ISSUES_READ, repository_level: bool = True
    ) -> Iterator[G]:
        """Iterate a paginated list page by page, each page one counted read."""
        page = 0
        while True:
            items = self.read(
                lambda p=page: plist.get_page(p),  # type: ignore[misc]
                needs=needs,
                repository_level=repository_level,
            )
            self.pages_read += 1
            yield from items
            if len(items) < PER_PAGE:
                return
            page += 1

    # -- reads ------------------------------------------------------------------------------
    def bot_issues(self, label: str) -> list[IssueState]:
        """Every issue with the bot's label and marker, open or closed (never via search)."""
        plist = self._repo.get_issues(state="all", labels=[label], sort="created", direction="asc")
        return self._bot_issues_in(plist)

    def bot_issues_again(self, label: str) -> list[IssueState]:
        """A second, narrower read of the bot's issues (its label and its login, newest first).

        An issue that lost or gained the label while the first read turned pages shifted every
        later issue by one, so one could fall between two pages; before creating anything, the
        executor reads again in the other order so that such an issue is found, not duplicated.
        """
        plist = self._repo.get_issues(
            state="all",
            labels=[label],
            creator=self.settings.bot_login,  # type: ignore[arg-type]  # it takes a login too
            sort="created",
            direction="desc",
        )
        return self._bot_issues_in(plist)

    def find_issue(self, label: str, ident: str) -> IssueState | None:
        """Look for one marker again (after a failed write), newest first."""
        for state in self.bot_issues_again(label):
            if state.ident == ident:
                return state
        return None

    def _bot_issues_in(self, plist: PaginatedList[Issue]) -> list[IssueState]:
        found: list[IssueState] = []
        for issue in self.pages(plist):
            if "/pull/" in (issue.html_url or ""):  # the issues list includes pull requests
                continue
            state = self._issue_state(issue)
            if state is not None:
                found.append(state)
        return found

    def _issue_state(self, issue: Issue) -> IssueState | None:
        fields = markers.read(issue.body)
        if fields is None:
            return None
        if not self.is_bot(issue.user):
            # A marker in a person's issue is a forgery or a copy: never adopted, but said, so
            # that whoever reads the run summary knows why that issue was left alone.
            if issue.number not in self._reported:
                self._reported.add(issue.number)
                login = getattr(issue.user, "login", None) or "an unknown account"
                self.stats.ignored.append(
                    f"issue #{issue.number} carries a riskbot marker ({fields['id']}) but was "
                    f"opened by {login}, not {self.settings.bot_login}: left alone"
                )
            return None
        self._issues[issue.number] = issue
        return IssueState(
            number=issue.number,
            ident=fields["id"],
            fields=fields,
            title=issue.title,
            body=issue.body or "",
            state="closed" if issue.state == "closed" else "open",
            state_reason=issue.state_reason,
            labels=tuple(label.name for label in issue.labels),
            assignees=tuple(a.login for a in issue.assignees),
            comments=issue.comments,
            created_at=_utc(issue.created_at),
            updated_at=_utc(issue.updated_at),
            url=issue.html_url or "",
        )

    def _issue(self, number: int) -> Issue:
        if number not in self._issues:
            self._issues[number] = self._repo.get_issue(number)  # lazy: no request
        return self._issues[number]

    def bot_comments(self, number: int, since: dt.datetime | None = None) -> list[CommentState]:
        """The bot's own comments on one issue or PR (only those updated since, if given)."""
        issue = self._issue(number)
        found: list[CommentState] = []
        listing = issue.get_comments(since=since) if since is not None else issue.get_comments()
        for comment in self.pages(listing, repository_level=False):
            fields = markers.read(comment.body)
            # Anyone can paste a marker into a comment: only the bot's own comments count.
            if fields is None or not self.is_bot(comment.user):
                continue
            self._comments[comment.id] = comment
            found.append(
                CommentState(
                    comment.id,
                    number,
                    fields["id"],
                    comment.body,
                    _utc(comment.created_at),
                )
            )
        return found

    def bot_comments_since(
        self,
        since: dt.datetime,
        numbers: Collection[int],
        commands: list[PersonComment] | None = None,
        *,
        newest_first: bool = False,
    ) -> dict[int, list[CommentState]]:
        """The bot's own comments on some issues, found in ONE listing of the repository's
        comments updated since a time (100 a page): reads grow with recent comments, not issues.

        Listed by creation, not by update: an edit between two pages would move its comment to
        the end of an update-ordered list and shift the next page's first comment onto the page
        already read. (A deletion still shifts it: see :meth:`Executor.comments_since`.)
        ``commands`` collects, from the same listing, the other comments on those issues that
        hold a ``/riskbot`` line (a review by comment counts at once).
        """
        wanted = set(numbers)
        found: dict[int, list[CommentState]] = {n: [] for n in wanted}
        listing = self._repo.get_issues_comments(
            sort="created", direction="desc" if newest_first else "asc", since=since
        )
        for comment in self.pages(listing):
            number = _issue_number(comment.issue_url)
            if number not in wanted:
                continue
            if commands is not None and not self.is_bot(comment.user):
                if PREFIX in (comment.body or ""):
                    commands.append(person_comment(comment, number))
                continue
            state = self._comment_state(comment, number)
            if state is not None:
                found[number].append(state)
        for comments in found.values():
            comments.sort(key=lambda c: c.id or 0)  # as an issue lists them: oldest first
        return found

    def _comment_state(self, comment: IssueComment, number: int) -> CommentState | None:
        fields = markers.read(comment.body)
        # Anyone can paste a marker into a comment: only a bot's own comments count.
        if fields is None or not self.is_bot(comment.user):
            return None
        self._comments[comment.id] = comment
        return CommentState(
            comment.id,
            number,
            fields["id"],
            comment.body,
            _utc(comment.created_at),
        )

    def is_bot(self, user: Any) -> bool:
        """Whether an author is this bot: its login, never merely an account of type Bot."""
        login = getattr(user, "login", "") or ""
        return bool(login.lower() == self.settings.bot_login.lower())

    def labels(self) -> set[str]:
        return {label.name for label in self.pages(self._repo.get_labels())}

    def assignable(self, login: str) -> bool:
        return bool(self.read(lambda: self._repo.has_in_assignees(login)))

    def pull_head_sha(self, number: int) -> str:
        """A pull request's head commit (one read)."""
        return str(self.read(lambda: self._repo.get_pull(number).head.sha, needs=PULLS_READ))

    def pull_reviews(self, number: int) -> list[Review]:
        """Every review of a pull request, oldest first (``pull-requests: read`` is enough)."""
        pull = self._repo.get_pull(number)  # lazy: no request
        return [
            Review(
                login=(r.user.login if r.user is not None else ""),
                state=r.state or "",
                commit_id=r.commit_id or "",
                submitted_at=_utc(r.submitted_at),
            )
            for r in self.pages(pull.get_reviews(), needs=PULLS_READ)
        ]

    def commit_of(self, ref: str) -> str:
        """The commit a branch, tag or commit of the repository names (one read)."""
        # complete(): the lazy commit would answer its sha from the ref in its URL, unasked.
        commit = self.read(lambda: self._repo.get_commit(ref).complete(), needs=CONTENTS_READ)
        return str(commit.sha)

    def contents(self, path: str, commit: str) -> ContentFile | list[ContentFile]:
        """A file of the repository at a commit (a list for a folder), as the contents API
        answers (one read)."""
        return self.read(lambda: self._repo.get_contents(path, ref=commit), needs=CONTENTS_READ)

    # -- writes -----------------------------------------------------------------------------
    def create_label(self, name: str, color: str, description: str) -> None:
        self.write(
            f"create label {name}",
            lambda: self._repo.create_label(name, color, description),
            repository_level=True,
        )

    def create_issue(
        self, title: str, body: str, labels: list[str], assignees: list[str]
    ) -> IssueState | None:
        issue = self.write(
            f"create issue {title!r}",
            lambda: self._repo.create_issue(
                title=title, body=body, labels=labels, assignees=assignees
            ),
            repository_level=True,
        )
        state = self._issue_state(issue)
        if state is None:  # written by this token, yet not the bot's: the login is not its own
            author = getattr(issue.user, "login", None) or "another account"
            raise SetupFailed(
                f"riskbot's issue #{issue.number} was opened by {author}, not "
                f"{self.settings.bot_login}: set RISKBOT_BOT_LOGIN={author} for this token "
                "(the run stopped after this write)"
            )
        return state

    def edit_issue(self, number: int, changes: dict[str, Any]) -> None:
        issue = self._issue(number)
        self.write(f"edit issue #{number}", lambda: issue.edit(**changes))

    def create_comment(self, number: int, body: str) -> None:
        issue = self._issue(number)
        self.write(f"comment on #{number}", lambda: issue.create_comment(body), needs=COMMENT)

    def edit_comment(self, comment_id: int, body: str) -> None:
        comment = self._comments[comment_id]
        self.write(f"edit comment {comment_id}", lambda: comment.edit(body), needs=COMMENT)

    def delete_comment(self, comment_id: int) -> None:
        comment = self._comments[comment_id]
        self.write(f"delete comment {comment_id}", comment.delete, needs=COMMENT)

    # -- commands in comments, and the pull requests they open -------------------------------
    def bot_reactions(self, comment_id: int) -> set[str]:
        """The reactions this bot already gave a comment (``eyes``, ``+1``, ``confused`` …)."""
        comment = self._repo.get_issue(1).get_comment(comment_id)  # lazy: its URL, no request
        return {
            r.content
            for r in self.pages(comment.get_reactions(), repository_level=False)
            if self.is_bot(r.user)
        }

    def react(self, comment_id: int, content: str) -> None:
        comment = self._repo.get_issue(1).get_comment(comment_id)
        self.write(
            f"react {content} to comment {comment_id}",
            lambda: comment.create_reaction(content),
            needs=ISSUES_WRITE,
        )

    def branch_head(self, branch: str) -> str | None:
        """The commit a branch points to, or None when there is no such branch."""
        ref = self._repo.get_git_ref(f"heads/{branch}")  # lazy
        try:
            return str(self.read(lambda: ref.object.sha, needs=CONTENTS_READ))
        except GithubException as exc:
            if exc.status == 404:
                return None
            raise

    def branches_starting(self, prefix: str) -> dict[str, str]:
        """Branches whose name starts with ``prefix``, with their commits (one listing)."""
        listing = self._repo.get_git_matching_refs(f"heads/{prefix}")
        return {
            ref.ref.removeprefix("refs/heads/"): ref.object.sha
            for ref in self.pages(listing, needs=CONTENTS_READ)
        }

    def tree_blobs(self, commit: str) -> dict[str, str]:
        """Every file of a commit, path -> blob sha (one read of the recursive tree)."""
        tree = self.read(
            lambda: self._repo.get_git_tree(commit, recursive=True), needs=CONTENTS_READ
        )
        self._trees[commit] = tree
        return {e.path: e.sha for e in tree.tree if e.type == "blob"}

    def blob(self, sha: str) -> bytes:
        """A file's bytes by its blob sha."""
        found = self.read(lambda: self._repo.get_git_blob(sha), needs=CONTENTS_READ)
        return (
            base64.b64decode(found.content)
            if found.encoding == "base64"
            else found.content.encode()
        )

    def commit_files(self, parent: str, files: Mapping[str, str], message: str) -> str:
        """One commit on top of ``parent`` that changes ``files`` (path -> text); its sha.

        The files travel inside the one tree request; the branch is moved separately.
        """
        base = self._trees.get(parent) or self.read(
            lambda: self._repo.get_git_tree(parent), needs=CONTENTS_READ
        )
        elements = [
            InputGitTreeElement(path, "100644", "blob", content=text)
            for path, text in sorted(files.items())
        ]
        tree = self.write(
            f"write the tree of {len(files)} files",
            lambda: self._repo.create_git_tree(elements, base_tree=base),
            needs=CONTENTS_WRITE,
        )
        parent_commit = self.read(lambda: self._repo.get_git_commit(parent), needs=CONTENTS_READ)
        commit = self.write(
            "write a commit",
            lambda: self._repo.create_git_commit(message, tree, [parent_commit]),
            needs=CONTENTS_WRITE,
        )
        return str(commit.sha)

    def set_branch(self, branch: str, sha: str, *, exists: bool) -> None:
        """Point the bot's own branch at a commit (created, or moved: it is the bot's alone)."""
        if exists:
            ref = self._repo.get_git_ref(f"heads/{branch}")
            # Read first: the lazy object's URL is the read endpoint (git/ref/…); the answer
            # carries the one that takes the update (git/refs/…).
            self.read(lambda: ref.object.sha, needs=CONTENTS_READ)
            self.write(
                f"move branch {branch}", lambda: ref.edit(sha, force=True), needs=CONTENTS_WRITE
            )
        else:
            self.write(
                f"create branch {branch}",
                lambda: self._repo.create_git_ref(f"refs/heads/{branch}", sha),
                needs=CONTENTS_WRITE,
            )

    def open_pull(self, branch: str, state: str = "open") -> PullState | None:
        """The pull request (open, or any with ``state="all"``) from the bot's branch, if the
        bot opened one (its marker says)."""
        owner = (self.settings.repository or "").split("/")[0]
        listing = self._repo.get_pulls(state=state, head=f"{owner}:{branch}")
        found = self._bot_pulls(listing)
        return found[0] if found else None

    def bot_pulls(self, kind: str) -> list[PullState]:
        """The open pull requests the bot opened whose marker is of a kind (``propose``)."""
        listing = self._repo.get_pulls(state="open")
        return [p for p in self._bot_pulls(listing) if p.ident.startswith(f"{kind}/")]

    def _bot_pulls(self, listing: PaginatedList[PullRequest]) -> list[PullState]:
        found: list[PullState] = []
        for pull in self.pages(listing, needs=PULLS_READ):
            fields = markers.read(pull.body)
            if fields is not None and self.is_bot(pull.user):
                self._pulls[pull.number] = pull
                found.append(
                    PullState(pull.number, fields["id"], fields, pull.body or "", pull.html_url)
                )
        return found

    def create_pull(self, branch: str, base: str, title: str, body: str) -> PullState:
        pull = self.write(
            f"open a pull request from {branch}",
            lambda: self._repo.create_pull(base=base, head=branch, title=title, body=body),
            needs=PULLS_WRITE,
        )
        self._pulls[pull.number] = pull
        fields = markers.read(body) or {"id": ""}
        return PullState(pull.number, fields["id"], fields, body, pull.html_url)

    def edit_pull(self, number: int, title: str, body: str) -> None:
        pull = self._pulls.get(number) or self._repo.get_pull(number)
        self.write(
            f"edit pull request #{number}",
            lambda: pull.edit(title=title, body=body),
            needs=PULLS_WRITE,
        )
