"""Extract the real event payloads the tests use (npm package @octokit/webhooks-examples).

Usage:
    npm install @octokit/webhooks-examples
    python tests/data/extract_webhooks.py \
        node_modules/@octokit/webhooks-examples/api.github.com/index.json

Writes tests/data/webhooks/<event>.<action>.json, one file per example kept (the first of each
event/action pair, plus a pull request whose head comes from a fork when one exists).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

WANTED = {
    ("pull_request", "opened"),
    ("pull_request", "synchronize"),
    ("pull_request_review", "submitted"),
    ("workflow_run", "completed"),
    ("push", None),
    ("workflow_dispatch", None),
    ("issue_comment", "created"),
    ("issue_comment", "edited"),
    ("issues", "opened"),
}
OUT = Path(__file__).with_name("webhooks")


def main(source: str) -> None:
    events = json.loads(Path(source).read_text(encoding="utf-8"))
    OUT.mkdir(exist_ok=True)
    written: set[str] = set()
    for event in events:
        for example in event["examples"]:
            action = example.get("action")
            name = f"{event['name']}.{action or 'event'}"
            pr = example.get("pull_request") or {}
            head_repo = (pr.get("head") or {}).get("repo") or {}
            base_repo = (pr.get("base") or {}).get("repo") or {}
            if (
                event["name"] == "pull_request"
                and head_repo
                and base_repo
                and head_repo.get("full_name") != base_repo.get("full_name")
            ):
                name = "pull_request.fork"
            if name in written or (
                (event["name"], action) not in WANTED and name != "pull_request.fork"
            ):
                continue
            (OUT / f"{name}.json").write_text(
                json.dumps(example, indent=1, sort_keys=True) + "\n", encoding="utf-8"
            )
            written.add(name)
    print("\n".join(sorted(written)))


if __name__ == "__main__":
    main(sys.argv[1])
