"""`riskbot respond` and `riskbot propose`: commands in comments and the risk proposal form.

Two jobs of one workflow, each with only the permissions it uses. ``respond`` (``issues:
write``) answers the comment or the proposal issue: reactions (👀 on receipt, 👍 done,
😕 refused, with a one-line reason), help, what to fix in a form; it says whether a pull
request is due. ``propose`` (``contents: write``, ``pull-requests: write``) opens or updates that
pull request through the git data API: one commit per run on a branch of the bot's own, never on
the default branch. Both read the event the same way and decide with the same pure functions
(:mod:`bot.reconcile.commands`), from the register on the default branch as the API serves it
(never a checkout of anything a pull request controls). Every write goes through the executor's
budget, and each is found again by its marker, its branch or its reaction, so a rerun on the
same event writes nothing.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TextIO

from github import GithubException
from requests.exceptions import RequestException

from bot.errors import RiskbotError, UsageError
from bot.github.api import GitHubApi, Limits, PullState, SetupFailed, StopRun, WriteFailed
from bot.github.events import CommandEvent, command_event
from bot.github.executor import Executor
from bot.github.run import describe_error, scrub, summarise
from bot.github.settings import Settings, no_token_in_actions
from bot.github.step import set_output
from bot.reconcile import markers
from bot.reconcile.commands import (
    FORM_LABEL,
    Decision,
    ProposedRisk,
    answers_on,
    decide,
    parse_command,
)
from bot.reconcile.plan import Answer, EnsureComment, EnsureReaction, Snapshot
from bot.register.defaults import BASE_POLICY_PATH
from bot.register.ids import id_of_name, next_id
from bot.register.load import (
    POLICY_PATH,
    RISK_SUFFIXES,
    RISKS_DIR,
    Register,
    SourceFile,
    build_register,
)
from bot.register.rules import pingable_logins
from bot.register.yamlfile import load_yaml
from bot.render import commands as texts
from bot.render.markdown import defuse_mentions
from bot.render.summary import Stats

EYES, DONE, REFUSED = "eyes", "+1", "confused"
FOLD_BRANCH = texts.FOLD_BRANCH
ACCEPT_BRANCH = "riskbot/accept-{comment}"
PROPOSE_BRANCH = "riskbot/propose-{issue}"
PROPOSE_OUTPUT = "propose"
"""The step output that tells the workflow a pull request is due (``true``/``false``)."""
BUDGET = 10
"""Writes one event may need at most (reactions, a reply, tree, commit, branch, pull)."""


@dataclass(frozen=True)
class FileEdits:
    """The edits the pull requests make, from the documents stage (beside this one: the
    command line hands them in): ``review(text, date)``, ``accept(text, by, rationale,
    until)``, ``propose(form body, policy source, register, risk id, today)``."""

    review: Callable[[str, str], str]
    accept: Callable[[str, str, str, str], str]
    propose: Callable[[str, SourceFile, Register, str, dt.date], ProposedRisk]


def why_ignored(event: CommandEvent, bot_login: str) -> str | None:
    """Why an event is none of the bot's business (None: it is), before any API call."""
    issue = event.issue
    if event.name == "issues":
        if event.action != "opened":
            return f"issue #{issue.number} {event.action}: only new proposals are read"
        if FORM_LABEL not in issue.labels or issue.is_pull:
            return f"issue #{issue.number} is not a risk proposal (no {FORM_LABEL} label)"
        if issue.author.lower() == bot_login.lower() or issue.author.endswith("[bot]"):
            return f"issue #{issue.number} was opened by a bot"
        return None
    comment = event.comment
    if comment is None:
        return "the event has no comment"
    if event.action != "created":
        return f"comment {comment.id} {event.action}: only new comments are read"
    if comment.is_bot or comment.login.lower() == bot_login.lower():
        return f"comment {comment.id} is a bot's ({comment.login})"
    if parse_command(comment.body) is None:
        return f"comment {comment.id} holds no command"
    if issue.is_pull:
        return f"#{issue.number} is a pull request: commands are read on riskbot's issues"
    fields = markers.read(issue.body)
    if issue.author.lower() != bot_login.lower() or fields is None:
        return f"issue #{issue.number} is not riskbot's: commands are read on its own issues"
    if not answers_on(fields["id"]):
        return f"issue #{issue.number} ({fields['id']}) takes no commands"
    return None


@dataclass
class Remote:
    """The register on the default branch, as the API serves it."""

    register: Register
    policy_source: SourceFile
    head: str
    blobs: dict[str, str] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    """The risk files read, path -> text."""

    def file_of(self, risk_id: str) -> str | None:
        return next((p for p in self.blobs if _risk_path(p) and id_of_name(p) == risk_id), None)


def _risk_path(path: str) -> bool:
    return path.startswith(f"{RISKS_DIR}/") and path.endswith(RISK_SUFFIXES)


def read_remote(
    api: GitHubApi, branch: str, today: dt.date, risk_ids: Collection[str] | None
) -> Remote:
    """The policy and the named risks' files (``None``: every risk file) at the branch's head."""
    head = api.branch_head(branch)
    if head is None:
        raise UsageError(f"the default branch {branch} is not there")
    blobs = api.tree_blobs(head)
    if POLICY_PATH not in blobs:
        raise UsageError(f"{branch} has no {POLICY_PATH}: no register to answer for")
    policy = SourceFile(POLICY_PATH, api.blob(blobs[POLICY_PATH]))
    if BASE_POLICY_PATH in blobs:  # an inherited policy: resolved with the base vendored beside it
        policy = policy._replace(
            base=SourceFile(BASE_POLICY_PATH, api.blob(blobs[BASE_POLICY_PATH]))
        )
    names = [
        p
        for p in sorted(blobs)
        if _risk_path(p) and (risk_ids is None or id_of_name(p) in risk_ids)
    ]
    sources = [SourceFile(p, api.blob(blobs[p])) for p in names]
    loaded = build_register(policy, sources, today=today)
    if not isinstance(loaded, Register):
        raise UsageError(f"the policy on {branch} has errors: run riskbot check there")
    texts_by_path = {s.name: s.raw.decode("utf-8", "replace") for s in sources}
    return Remote(loaded, policy, head, blobs, texts_by_path)


@dataclass
class Context:
    """What one run works with: settings, the API (None without a token), executor, stats."""

    settings: Settings
    api: GitHubApi | None
    executor: Executor
    stats: Stats
    dry_run: bool
    edits: FileEdits


@contextmanager
def _session(
    command: str,
    settings: Settings,
    edits: FileEdits,
    *,
    dry_run: bool,
    limits: Limits | None,
    stderr: TextIO,
) -> Iterator[Context]:
    stats = Stats()
    dry = dry_run or not settings.has_token
    if not settings.has_token and not dry_run and settings.in_actions:
        refused = no_token_in_actions(command)
        stats.stopped = str(refused)
        summarise(command, stats, settings, dry_run=dry, stderr=stderr)
        raise refused
    api = GitHubApi(settings, limits or Limits(), stats) if settings.has_token else None
    executor = Executor(api, label="", budget=BUDGET, dry_run=dry, stats=stats)
    setup: SetupFailed | None = None
    try:
        yield Context(settings, api, executor, stats, dry, edits)
    except SetupFailed as exc:
        stats.stopped = str(exc)
        setup = exc
    except StopRun as exc:
        stats.stopped = str(exc)
    except WriteFailed as exc:
        stats.failed += 1
        stats.failures.append(str(exc))
    except (GithubException, RequestException) as exc:
        stats.stopped = f"GitHub API failed: {describe_error(exc)}"
    finally:
        if api is not None:
            api.close()
    if not settings.has_token:
        stderr.write("riskbot: no GITHUB_TOKEN: dry run, nothing read from or written to GitHub\n")
    summarise(command, stats, settings, dry_run=dry, stderr=stderr)
    if setup is not None:
        raise UsageError(scrub(str(setup), settings)) from None


def _event(settings: Settings) -> CommandEvent:
    if not settings.event_path:
        raise UsageError("GITHUB_EVENT_PATH is not set: respond answers an Actions event")
    return command_event(settings.event_path, settings.event_name)


def _branch(event: CommandEvent) -> str:
    return event.default_branch or "main"


def _decision(event: CommandEvent, remote: Remote, today: dt.date) -> Decision:
    comment = event.comment
    assert comment is not None  # only issue_comment events get here
    command = parse_command(comment.body)
    assert command is not None  # why_ignored said it holds one
    ident = (markers.read(event.issue.body) or {}).get("id", "")
    return decide(comment, command, ident, remote.register, today)


def _risks_named(event: CommandEvent) -> set[str] | None:
    """The risk files a comment needs read (its issue's risk, or the one it names)."""
    if event.comment is None:
        return None
    command = parse_command(event.comment.body)
    ident = (markers.read(event.issue.body) or {}).get("id", "")
    own = markers.red_issue_risk(ident)
    named = {r for r in (own, command.risk if command else None) if r is not None}
    return named


# -- respond ------------------------------------------------------------------------------------


def respond_actions(
    edits: FileEdits, event: CommandEvent, remote: Remote, today: dt.date
) -> tuple[list[Answer], bool]:
    """The reactions and replies an event calls for, and whether a pull request is due."""
    issue = event.issue
    if event.name == "issues":
        proposal = _proposal(edits, event, remote, today, "R-000")
        if proposal.ok:
            return [], True
        body = texts.form_problems(proposal.problems)
        return [EnsureComment(markers.form_answer(issue.number), body, number=issue.number)], False
    comment = event.comment
    assert comment is not None
    decision = _decision(event, remote, today)
    actions: list[Answer] = [EnsureReaction(comment.id, EYES)]
    reply = markers.reply(comment.id)
    if decision.refused is not None:
        actions.append(EnsureComment(reply, texts.refusal(decision.refused), number=issue.number))
        actions.append(EnsureReaction(comment.id, REFUSED))
        return actions, False
    if decision.command.verb == "help":
        actions.append(EnsureComment(reply, texts.HELP, number=issue.number))
    actions.append(EnsureReaction(comment.id, DONE))
    return actions, decision.command.verb in ("review", "accept")


def run_respond(
    settings: Settings,
    edits: FileEdits,
    today: dt.date,
    *,
    dry_run: bool = False,
    limits: Limits | None = None,
    stderr: TextIO | None = None,
) -> Stats:
    """Answer the event's comment (or proposal issue); set the ``propose`` output."""
    stderr = stderr or sys.stderr
    event = _event(settings)
    ignored = why_ignored(event, settings.bot_login)
    due = False
    with _session("respond", settings, edits, dry_run=dry_run, limits=limits, stderr=stderr) as run:
        if ignored is not None:
            run.stats.done.append(f"ignored: {ignored}")
        elif run.api is None:
            run.stats.done.append("would read the register on the default branch and answer")
        else:
            wanted = set() if event.name == "issues" else _risks_named(event)
            remote = read_remote(run.api, _branch(event), today, wanted)
            actions, due = respond_actions(edits, event, remote, today)
            allowed = pingable_logins(remote.register.policy, remote.register.risks)
            run.executor.execute([_defused(a, allowed) for a in actions], Snapshot())
    set_output(PROPOSE_OUTPUT, "true" if due else "false", settings.output)
    return run.stats


def _defused(action: Answer, allowed: Collection[str]) -> Answer:
    if isinstance(action, EnsureComment):
        return EnsureComment(
            action.ident,
            defuse_mentions(action.body, allowed),
            action.fields,
            action.issue,
            action.number,
        )
    return action


# -- propose ------------------------------------------------------------------------------------


def _proposal(
    edits: FileEdits, event: CommandEvent, remote: Remote, today: dt.date, risk_id: str
) -> ProposedRisk:
    return edits.propose(event.issue.body, remote.policy_source, remote.register, risk_id, today)


@dataclass(frozen=True, order=True)
class FoldItem:
    """A review the reviews pull request carries: risk, day, issue, comment, login."""

    risk: str
    day: dt.date
    issue: int
    comment: int
    login: str

    def __str__(self) -> str:
        return f"{self.risk}:{self.day.isoformat()}:{self.issue}:{self.comment}:{self.login}"

    @classmethod
    def parse(cls, text: str) -> FoldItem | None:
        parts = text.split(":")
        if len(parts) != 5 or not all(p.isdigit() for p in parts[2:4]):
            return None
        try:
            day = dt.date.fromisoformat(parts[1])
        except ValueError:
            return None
        return cls(parts[0], day, int(parts[2]), int(parts[3]), parts[4])


def _last_reviewed(text: str) -> dt.date | None:
    loaded = load_yaml("risk", text.encode("utf-8"))
    review = loaded.data.get("review") if loaded.ok else None
    value = review.get("last_reviewed") if isinstance(review, dict) else None
    try:
        return dt.date.fromisoformat(str(value)) if value is not None else None
    except ValueError:
        return None


def _comment_url(settings: Settings, item: FoldItem) -> str:
    return (
        f"{settings.server_url.rstrip('/')}/{settings.repository}/issues/{item.issue}"
        f"#issuecomment-{item.comment}"
    )


def _write(run: Context, what: str, call: Callable[[GitHubApi], object]) -> None:
    run.executor.write(what, call)


def fold_review(run: Context, event: CommandEvent, remote: Remote, today: dt.date) -> None:
    """Fold the event's review, with those the open reviews pull request carries, into one
    commit on the bot's branch on top of the default branch; open or update the pull request."""
    api = run.api
    assert api is not None
    assert event.comment is not None
    decision = _decision(event, remote, today)
    if not decision.carried_out or decision.risk is None or decision.command.verb != "review":
        run.stats.done.append("nothing to fold: the comment records no review")
        return
    comment = event.comment
    new = FoldItem(
        decision.risk.id, comment.created_at.date(), event.issue.number, comment.id, comment.login
    )
    pull = api.open_pull(FOLD_BRANCH)
    carried = [FoldItem.parse(t) for t in (pull.fields.get("items", "") if pull else "").split("+")]
    latest: dict[str, FoldItem] = {}
    for item in sorted([*(i for i in carried if i is not None), new]):
        latest[item.risk] = item  # the latest review of each risk (then its comment)
    for risk_id in sorted(latest):
        path = remote.file_of(risk_id)
        if path is not None and path not in remote.texts:
            remote.texts[path] = api.blob(remote.blobs[path]).decode("utf-8", "replace")
    files: dict[str, str] = {}
    rows: list[tuple[str, str, dt.date, str, str]] = []
    kept: list[FoldItem] = []
    for risk_id, item in sorted(latest.items()):
        path = remote.file_of(risk_id)
        if path is None or path not in remote.texts:
            continue
        try:
            text = run.edits.review(remote.texts[path], item.day.isoformat())
        except RiskbotError as exc:
            run.stats.failures.append(f"{path}: {exc}")
            run.stats.failed += 1
            continue
        recorded = _last_reviewed(remote.texts[path])
        if text == remote.texts[path] or (recorded is not None and recorded >= item.day):
            continue  # the file holds this review or a later one (the pull request was merged)
        files[path] = text
        kept.append(item)
        rows.append((risk_id, path, item.day, item.login, _comment_url(run.settings, item)))
    items = "+".join(str(i) for i in kept)
    if (
        pull is not None
        and pull.fields.get("base") == remote.head
        and pull.fields.get("items") == items
    ):
        run.stats.skipped += 1
        run.stats.done.append(f"reviews pull request #{pull.number} is up to date")
        return
    if not files:
        run.stats.done.append("no review to fold: every file holds its review already")
        return
    message = (
        texts.FOLD_TITLE
        + "\n\n"
        + "\n".join(
            f"{risk} reviewed {day.isoformat()} by {login}: {url}"
            for risk, _, day, login, url in rows
        )
    )
    body = markers.render(markers.FOLD_REVIEWS, {"base": remote.head, "items": items})
    body += "\n" + texts.fold_body(rows)
    _commit_and_pull(
        run, FOLD_BRANCH, _branch(event), remote.head, files, message, texts.FOLD_TITLE, body, pull
    )


def _commit_and_pull(
    run: Context,
    branch: str,
    base_branch: str,
    head: str,
    files: dict[str, str],
    message: str,
    title: str,
    body: str,
    pull: PullState | None,
) -> None:
    api = run.api
    assert api is not None
    exists = api.branch_head(branch) is not None
    commits: list[str] = []

    def commit(api: GitHubApi) -> None:
        commits.append(api.commit_files(head, files, message))

    # One commit: its tree (the files inside it) and the commit itself are two writes.
    _write(run, f"commit {len(files)} files for {branch}", commit)
    if run.dry_run:
        run.stats.writes += 1
        run.stats.done.append(f"would point {branch} at it and open or update its pull request")
        return
    sha = commits[0]
    _write(
        run, f"point {branch} at {sha[:12]}", lambda api: api.set_branch(branch, sha, exists=exists)
    )
    if pull is None:
        _write(
            run,
            f"open a pull request from {branch}",
            lambda api: api.create_pull(branch, base_branch, title, body),
        )
    else:
        number = pull.number
        _write(
            run, f"update pull request #{number}", lambda api: api.edit_pull(number, title, body)
        )


def open_acceptance(run: Context, event: CommandEvent, remote: Remote, today: dt.date) -> None:
    """One pull request per acceptance request, adding ``acceptance:`` to the risk file."""
    api = run.api
    assert api is not None
    assert event.comment is not None
    decision = _decision(event, remote, today)
    command, risk = decision.command, decision.risk
    if not decision.carried_out or risk is None or command.until is None:
        run.stats.done.append("nothing to propose: the comment asks for no acceptance")
        return
    comment = event.comment
    branch = ACCEPT_BRANCH.format(comment=comment.id)
    if api.open_pull(branch, state="all") is not None:
        run.stats.skipped += 1
        run.stats.done.append(f"the acceptance pull request of comment {comment.id} exists")
        return
    path = remote.file_of(risk.id)
    if path is None or path not in remote.texts:
        run.stats.failures.append(f"{risk.id}: its file is not on {_branch(event)}")
        run.stats.failed += 1
        return
    try:
        text = run.edits.accept(
            remote.texts[path],
            f"@{comment.login}",
            command.because or "",
            command.until.isoformat(),
        )
    except RiskbotError as exc:
        run.stats.failures.append(f"{path}: {exc}")
        run.stats.failed += 1
        return
    title = f"Accept {risk.id} until {command.until.isoformat()}"
    body = markers.render(markers.accept_pr(comment.id), {"risk": risk.id})
    body += "\n" + texts.accept_body(
        risk.id,
        path,
        comment.login,
        command.because or "",
        command.until,
        comment.url,
        event.issue.number,
    )
    message = f"{title}\n\nRequested by {comment.login}: {comment.url}"
    _commit_and_pull(
        run, branch, _branch(event), remote.head, {path: text}, message, title, body, None
    )


def open_proposal(run: Context, event: CommandEvent, remote: Remote, today: dt.date) -> None:
    """The pull request adding a proposed risk, with the next free id."""
    api = run.api
    assert api is not None
    issue = event.issue
    branch = PROPOSE_BRANCH.format(issue=issue.number)
    if api.open_pull(branch, state="all") is not None:
        run.stats.skipped += 1
        run.stats.done.append(f"the pull request proposing issue #{issue.number}'s risk exists")
        return
    used = {i for p in remote.blobs if _risk_path(p) and (i := id_of_name(p)) is not None}
    used |= {p.fields.get("risk", "") for p in api.bot_pulls(markers.PROPOSE)}
    risk_id = next_id(used)
    proposal = _proposal(run.edits, event, remote, today, risk_id)
    if not proposal.ok:
        run.stats.done.append(f"nothing to propose: issue #{issue.number}'s answers have problems")
        return
    title = f"Add {risk_id}: {proposal.title}"[:200]
    body = markers.render(markers.propose_pr(issue.number), {"risk": risk_id})
    body += "\n" + texts.propose_body(
        risk_id, proposal.path, issue.author, issue.number, proposal.title
    )
    message = f"Add {risk_id}, proposed in #{issue.number}"
    _commit_and_pull(
        run,
        branch,
        _branch(event),
        remote.head,
        {proposal.path: proposal.text},
        message,
        title,
        body,
        None,
    )


def run_propose(
    settings: Settings,
    edits: FileEdits,
    today: dt.date,
    *,
    dry_run: bool = False,
    limits: Limits | None = None,
    stderr: TextIO | None = None,
) -> Stats:
    """Open or update the pull request the event calls for (decided again, as respond did)."""
    stderr = stderr or sys.stderr
    event = _event(settings)
    ignored = why_ignored(event, settings.bot_login)
    with _session("propose", settings, edits, dry_run=dry_run, limits=limits, stderr=stderr) as run:
        if ignored is not None:
            run.stats.done.append(f"ignored: {ignored}")
        elif run.api is None:
            run.stats.done.append("would read the register on the default branch and propose")
        elif event.name == "issues":
            open_proposal(run, event, read_remote(run.api, _branch(event), today, set()), today)
        else:
            remote = read_remote(run.api, _branch(event), today, _risks_named(event))
            command = parse_command(event.comment.body if event.comment else "")
            if command is not None and command.verb == "accept":
                open_acceptance(run, event, remote, today)
            else:
                fold_review(run, event, remote, today)
    return run.stats
