"""Where ``riskbot pr`` takes its two revisions from: a library decision, not the command line's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.errors import UsageError
from bot.github.pull_request import pr_revisions

WEBHOOKS = Path(__file__).resolve().parents[1] / "data" / "webhooks"
BASE, HEAD = "a" * 40, "b" * 40


def event(tmp_path: Path, name: str = "pull_request.synchronize.json") -> dict[str, str]:
    data = json.loads((WEBHOOKS / name).read_text(encoding="utf-8"))
    data["pull_request"]["base"]["sha"] = BASE
    data["pull_request"]["head"]["sha"] = HEAD
    path = tmp_path / "event.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return {"GITHUB_EVENT_NAME": name.split(".")[0], "GITHUB_EVENT_PATH": str(path)}


@pytest.mark.parametrize(
    "name", ["pull_request.synchronize.json", "pull_request_review.submitted.json"]
)
def test_a_pull_request_event_names_base_and_head(tmp_path: Path, name: str) -> None:
    found = pr_revisions(None, None, event(tmp_path, name))
    assert (found.base, found.head) == (BASE, HEAD)
    assert found.event is not None
    assert found.event.number >= 1


def test_options_win_over_the_event(tmp_path: Path) -> None:
    found = pr_revisions("origin/main", "HEAD", event(tmp_path))
    assert (found.base, found.head) == ("origin/main", "HEAD")
    assert found.event is not None  # still a pull request's run: approvals and payload


def test_outside_an_event_the_options_alone_count(tmp_path: Path) -> None:
    found = pr_revisions("origin/main", None, {"GITHUB_EVENT_NAME": "push"})
    assert (found.base, found.head, found.event) == ("origin/main", None, None)
    with pytest.raises(UsageError, match="--base is required"):
        pr_revisions(None, "HEAD", {})


def test_a_broken_event_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text("{}", encoding="utf-8")
    env = {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(path)}
    with pytest.raises(UsageError, match="GITHUB_EVENT_PATH: the event has no pull_request"):
        pr_revisions(None, None, env)
