"""GitHub Actions event payloads, read defensively: size-capped, shape-checked, plain values."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import RiskbotError

MAX_EVENT_BYTES = 25 * 1024 * 1024
PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target", "pull_request_review")
"""Events whose payload names a pull request's base and head (``riskbot pr`` reads them)."""
SHA = re.compile(r"^[0-9a-f]{40}\Z")


class EventError(RiskbotError):
    """The event payload is missing, too large, or not the shape expected."""


def read_json(path: str | Path, limit: int) -> Any:
    """Read a JSON file no larger than ``limit`` bytes."""
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > limit:
            raise EventError(f"{file.name} is {size:,} bytes, over the {limit:,}-byte limit")
        return json.loads(file.read_bytes())
    except OSError as exc:
        raise EventError(f"cannot read {file.name}: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EventError(f"{file.name} is not valid JSON: {exc}") from None


@dataclass(frozen=True)
class PullRequestEvent:
    number: int
    base_sha: str
    head_sha: str


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
    return PullRequestEvent(
        number,
        _sha(base.get("sha"), "pull_request.base.sha"),
        _sha(head.get("sha"), "pull_request.head.sha"),
    )


def workflow_run_head_sha(path: str | Path) -> str:
    """The head commit of the run that triggered a ``workflow_run`` event."""
    data = read_json(path, MAX_EVENT_BYTES)
    run = data.get("workflow_run") if isinstance(data, dict) else None
    if not isinstance(run, dict):
        raise EventError("the event has no workflow_run")
    return _sha(run.get("head_sha"), "workflow_run.head_sha")
