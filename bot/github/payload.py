"""The comment payload: the contract between the pull request's job, which writes it, and the
trusted workflow_run job, which reads it (as untrusted data) and posts the sticky comment.

Both sides are here, so the shape written is the shape read: one JSON object, its version, the
pull request and its head, whether the change touches the register, and the comment's body.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.github.events import EventError, read_json
from bot.reconcile.comment import Payload
from bot.render.pr import COMMENT_LIMIT

PAYLOAD_NAME = "comment.json"
"""The file's name inside the artifact."""
PAYLOAD_VERSION = 1
MAX_PAYLOAD_BYTES = 256 * 1024
MAX_BODY_CHARS = COMMENT_LIMIT
PAYLOAD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["version", "pr", "head_sha", "touches_risks", "body"],
    "properties": {
        "version": {"const": PAYLOAD_VERSION},
        "pr": {"type": "integer", "minimum": 1, "maximum": 10**9},
        "head_sha": {"type": "string", "pattern": "^[0-9a-f]{40}(?!\\n)$"},
        "touches_risks": {"type": "boolean"},
        "body": {"type": "string", "maxLength": MAX_BODY_CHARS},
    },
}


def write_payload(directory: Path, payload: Payload) -> Path:
    """The artifact the workflow_run job reads (as untrusted data)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / PAYLOAD_NAME
    data = {
        "version": PAYLOAD_VERSION,
        "pr": payload.pr,
        "head_sha": payload.head_sha,
        "touches_risks": payload.touches_risks,
        "body": payload.body,
    }
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def read_payload(path: str | Path) -> Payload:
    """Read and check the artifact; anything off raises EventError."""
    from jsonschema import Draft202012Validator  # the comment job only: pr does not pay for it

    name = Path(path).name
    data = read_json(path, MAX_PAYLOAD_BYTES)
    errors = sorted(Draft202012Validator(PAYLOAD_SCHEMA).iter_errors(data), key=str)
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "(root)"
        raise EventError(f"{name}: comment payload rejected at {where}: {errors[0].message[:200]}")
    # JSON Schema counts 1.0 as an integer; a pull request's number is written without a point.
    if not isinstance(data["pr"], int):
        raise EventError(
            f"{name}: comment payload rejected at pr: {data['pr']!r} is not a whole number as "
            "JSON writes one (1, not 1.0)"
        )
    return Payload(data["pr"], data["head_sha"], data["touches_risks"], data["body"])
