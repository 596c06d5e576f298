"""GitHub Actions event payloads, read defensively: size-capped, shape-checked, plain values."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import RiskbotError
from bot.reconcile.commands import PersonComment

MAX_EVENT_BYTES = 25 * 1024 * 1024
PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target", "pull_request_review")
"""Events whose payload names a pull request's base and head (``riskbot pr`` reads them)."""
SHA = re.compile(r"^[0-9a-f]{40}\Z")
COMMAND_EVENTS = ("issue_comment", "issues")
"""Events whose payload carries a comment or a new issue (``riskbot respond`` reads them)."""


class EventError(RiskbotError):
    """The event payload is missing, too large, or not the shape expected."""


MAX_DEPTH = 64
"""Objects and arrays inside one another that an event or a payload may have (GitHub's go about
ten deep); deeper is refused before anything walks it."""


def read_json(path: str | Path, limit: int) -> Any:
    """Read a JSON file no larger than ``limit`` bytes and no deeper than :data:`MAX_DEPTH`."""
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > limit:
            raise EventError(f"{file.name} is {size:,} bytes, over the {limit:,}-byte limit")
        data = json.loads(file.read_bytes())
    except OSError as exc:
        raise EventError(f"cannot read {file.name}: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EventError(f"{file.name} is not valid JSON: {exc}") from None
    except RecursionError:  # the decoder's own limit, about a thousand levels
        data = None
        too_deep = True
    else:
        too_deep = depth(data) > MAX_DEPTH
    if too_deep:
        raise EventError(
            f"{file.name} is nested too deeply (more than {MAX_DEPTH} levels): not an event "
            "or a payload riskbot reads"
        )
    return data


def depth(data: Any) -> int:
    """How many objects and arrays deep a JSON value goes, found without recursion."""
    deepest = 0
    stack = [(data, 1)]
    while stack:
        value, level = stack.pop()
        children = value.values() if isinstance(value, dict) else value
        if isinstance(value, dict | list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in children)
    return deepest


@dataclass(frozen=True)
class PullRequestEvent:
    number: int
    base_sha: str
    head_sha: str
    author: str | None = None
    """The pull request's author (``pull_request.user.login``), who cannot approve an
    acceptance it adds."""


def _sha(value: Any, what: str) -> str:
    if not isinstance(value, str) or not SHA.match(value):
        raise EventError(f"{what} is not a commit id")
    return value


def pull_request_event(path: str | Path) -> PullRequestEvent:
    """Base, head and number of a ``pull_request`` event."""
    data = read_json(path, MAX_EVENT_BYTES)
    pr = data.get("pull_request") if isinstance(data, dict) else None
    if not isinstance(pr, dict):
        raise EventError("the event has no pull_request")
    number = pr.get("number", data.get("number"))
    if not isinstance(number, int) or number < 1:
        raise EventError("pull_request.number is missing")
    base, head = pr.get("base") or {}, pr.get("head") or {}
    user = pr.get("user")
    login = user.get("login") if isinstance(user, dict) else None
    return PullRequestEvent(
        number,
        _sha(base.get("sha"), "pull_request.base.sha"),
        _sha(head.get("sha"), "pull_request.head.sha"),
        login if isinstance(login, str) and login else None,
    )


def workflow_run_head_sha(path: str | Path) -> str:
    """The head commit of the run that triggered a ``workflow_run`` event."""
    data = read_json(path, MAX_EVENT_BYTES)
    run = data.get("workflow_run") if isinstance(data, dict) else None
    if not isinstance(run, dict):
        raise EventError("the event has no workflow_run")
    return _sha(run.get("head_sha"), "workflow_run.head_sha")


@dataclass(frozen=True)
class IssueFacts:
    """The issue an ``issue_comment`` or ``issues`` event is about, as the payload has it."""

    number: int
    title: str
    body: str
    author: str
    labels: tuple[str, ...]
    is_pull: bool


@dataclass(frozen=True)
class CommandEvent:
    """An ``issue_comment`` or ``issues`` event: what ``riskbot respond`` reads."""

    name: str
    action: str
    issue: IssueFacts
    comment: PersonComment | None
    default_branch: str | None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _stamp(value: Any) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(_text(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def command_event(path: str | Path, name: str | None) -> CommandEvent:
    """The comment (``issue_comment``) or the new issue (``issues``) an event carries."""
    if name not in COMMAND_EVENTS:
        raise EventError(
            f"riskbot respond runs on {' and '.join(COMMAND_EVENTS)} events, not {name}"
        )
    data = read_json(path, MAX_EVENT_BYTES)
    issue = data.get("issue") if isinstance(data, dict) else None
    if not isinstance(issue, dict) or not isinstance(issue.get("number"), int):
        raise EventError("the event has no issue")
    user = issue.get("user") or {}
    facts = IssueFacts(
        number=issue["number"],
        title=_text(issue.get("title")),
        body=_text(issue.get("body")),
        author=_text(user.get("login")),
        labels=tuple(
            _text(x.get("name")) for x in issue.get("labels") or [] if isinstance(x, dict)
        ),
        is_pull=isinstance(issue.get("pull_request"), dict),
    )
    comment = None
    raw = data.get("comment")
    if name == "issue_comment":
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), int):
            raise EventError("the issue_comment event has no comment")
        author = raw.get("user") or {}
        created = _stamp(raw.get("created_at"))
        if created is None:
            raise EventError("comment.created_at is not a time")
        comment = PersonComment(
            id=raw["id"],
            issue_number=facts.number,
            login=_text(author.get("login")),
            body=_text(raw.get("body")),
            created_at=created,
            updated_at=_stamp(raw.get("updated_at")),
            is_bot=author.get("type") == "Bot",
            url=_text(raw.get("html_url")),
        )
    repository = data.get("repository") or {}
    branch = repository.get("default_branch") if isinstance(repository, dict) else None
    return CommandEvent(
        name, _text(data.get("action")), facts, comment, branch if isinstance(branch, str) else None
    )
