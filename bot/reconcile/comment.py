"""The sticky PR comment: the artifact from the PR job, read as untrusted data, made safe, planned.

The PR job runs the pull request's own code, so everything in its payload may be hostile: it is
size-capped, shape-checked, stripped of HTML and markers, and may only mention logins that the
default branch's policy names. The PR number is trusted only once its head matches the run's.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from bot.github.events import EventError, read_json
from bot.reconcile.plan import EnsureComment, marker
from bot.render.pr import NO_LONGER, PAYLOAD_VERSION

MAX_PAYLOAD_BYTES = 256 * 1024
MAX_BODY_CHARS = 60_000
PAYLOAD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["version", "pr", "head_sha", "touches_risks", "body"],
    "properties": {
        "version": {"const": PAYLOAD_VERSION},
        "pr": {"type": "integer", "minimum": 1, "maximum": 10**9},
        "head_sha": {"type": "string", "pattern": "^[0-9a-f]{40}$"},
        "touches_risks": {"type": "boolean"},
        "body": {"type": "string", "maxLength": MAX_BODY_CHARS},
    },
}
_MENTION = re.compile(r"(?<![A-Za-z0-9_&#;])@([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))(?![A-Za-z0-9-])")


@dataclass(frozen=True)
class Payload:
    pr: int
    head_sha: str
    touches_risks: bool
    body: str


def read_payload(path: str | Path) -> Payload:
    """Read and check the artifact; anything off raises EventError."""
    data = read_json(path, MAX_PAYLOAD_BYTES)
    errors = sorted(Draft202012Validator(PAYLOAD_SCHEMA).iter_errors(data), key=str)
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "(root)"
        raise EventError(f"comment payload rejected at {where}: {errors[0].message[:200]}")
    return Payload(data["pr"], data["head_sha"], data["touches_risks"], data["body"])


def sanitize(body: str, allowed_logins: Collection[str]) -> str:
    """No HTML, no markers, and mentions only of logins the policy names."""
    allowed = {x.lower() for x in allowed_logins}
    text = body.replace("<", "&lt;").replace(">", "&gt;")

    def keep_or_defuse(match: re.Match[str]) -> str:
        login = match.group(1)
        return match.group(0) if login.lower() in allowed else f"@&#8203;{login}"

    return _MENTION.sub(keep_or_defuse, text)


def comment_ident(pr: int) -> str:
    return f"pr-report/{pr}"


def plan_comment(payload: Payload, allowed_logins: Collection[str]) -> EnsureComment:
    """The one sticky comment: created when the PR touches risks, otherwise only updated."""
    ident = comment_ident(payload.pr)
    text = sanitize(payload.body, allowed_logins) if payload.touches_risks else NO_LONGER
    return EnsureComment(
        ident,
        f"{marker(ident)}\n{text}",
        number=payload.pr,
        sticky=True,
        create=payload.touches_risks,
    )


__all__ = ["EventError", "Payload", "plan_comment", "read_payload", "sanitize"]
