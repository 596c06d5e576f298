"""`riskbot pr` and `riskbot comment`: temporary git repos, real event payloads, local server."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from bot.render.markdown import parse_marker
from tests.cli import Result, run_riskbot
from tests.factories import REPO, commit, git, risk_yaml, set_levels, write_risk
from tests.fakegithub.server import FakeGitHub

WEBHOOKS = REPO / "tests" / "data" / "webhooks"


@pytest.fixture
def repo(committed_register: tuple[Path, str]) -> tuple[Path, str]:
    return committed_register


def pr(root: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return run_riskbot("pr", "--root", str(root), "--today", "2026-11-27", *args, env=env)


def pr_json(root: Path, base: str, head: str) -> dict[str, Any]:
    result = pr(root, "--base", base, "--head", head, "--format", "json")
    return {"exit": result.returncode, **json.loads(result.stdout)}


def test_r004_raised_to_red(repo: tuple[Path, str]) -> None:
    root, base = repo
    set_levels(root, "R-004", 4, 4)
    head = commit(root, "raise R-004")
    doc = pr_json(root, base, head)
    assert doc["exit"] == 0
    change = next(c for c in doc["changed"] if c["id"] == "R-004")
    assert change["score"] == {"old": 9, "new": 16, "delta": 7}
    assert change["band"] == {"old": "yellow", "new": "red"}
    assert {f["field"] for f in change["fields"]} == {"impact", "probability"}
    rules = {(e["rule"], tuple(e["risks"])) for e in doc["escalations"]}
    assert ("new_red", ("R-004",)) in rules
    assert ("score_increase", ("R-004",)) in rules
    assert ("same_level", ("R-002", "R-001", "R-004", "R-003")) in rules
    new_red = next(e for e in doc["escalations"] if e["rule"] == "new_red")
    assert [n["role"] for n in new_red["notify"]] == [
        "ml-search-lead",
        "team-lead",
        "program-sponsor",
    ]
    text = pr(root, "--base", base, "--head", head).stdout
    assert "R-004 is a new Red risk, score 16 (was 9, Yellow)" in text
    assert "R-004 score up by 7 (9 → 16)" in text
    assert "4 Red risks at once" in text
    assert (
        "| **R-004** ML Model Recommendation Bias | impact: 3 → 4, probability: 3 → 4 | "
        "9 → **16** (+7) | Yellow → **Red** |" in text
    )
    assert "**R-004**" in text.split("### Impact × probability (head)")[1]


def test_score_up_by_five_only(repo: tuple[Path, str]) -> None:
    root, base = repo
    set_levels(root, "R-003", 5, 4)  # 15 -> 20
    doc = pr_json(root, base, commit(root, "raise R-003"))
    assert [e["rule"] for e in doc["escalations"]] == ["score_increase"]
    assert doc["approvals"] == []


def test_owner_lowering_a_red_risk_needs_approval(repo: tuple[Path, str]) -> None:
    root, base = repo
    set_levels(root, "R-002", 3, 4)
    head = commit(root, "lower R-002")
    doc = pr_json(root, base, head)
    assert doc["exit"] == 1  # nobody can approve: neither the owner nor the sponsor has logins
    assert doc["approvals"] == [
        {
            "risk": "R-002",
            "reason": "score lowered 20 → 12 (Yellow)",
            "owners": ["AI/ML & Safety Lead", "Program Sponsor"],
            "logins": [],
            "role": "owner",
            "state": "nobody",
            "approved_by": [],
            "unfilled": [
                {"role": "AI/ML & Safety Lead", "line": 162},
                {"role": "Program Sponsor", "line": 181},
            ],
            "fallback": None,
        }
    ]
    assert doc["approval"]["blocking"] is True
    text = pr(root, "--base", base, "--head", head).stdout
    assert "Owner approval needed" in text
    assert "must approve this pull request" in text
    assert "❌ **1 approval nobody can give**" in text


def test_schema_error_on_head_fails(repo: tuple[Path, str]) -> None:
    root, base = repo
    path = next((root / "risks").glob("R-005-*.yaml"))
    path.write_text(path.read_text(encoding="utf-8").replace("owner:", "ownr:"), encoding="utf-8")
    head = commit(root, "typo")
    doc = pr_json(root, base, head)
    assert doc["exit"] == 1
    assert doc["ok"] is False
    errors = [f for f in doc["findings"] if f["severity"] == "error"]
    assert any("unknown key 'ownr' (did you mean 'owner'?)" in f["message"] for f in errors)
    assert all(f["line"] >= 1 for f in errors)


def test_renamed_file_is_a_rename_not_add_and_remove(repo: tuple[Path, str]) -> None:
    root, base = repo
    old = next((root / "risks").glob("R-005-*.yaml"))
    git(root, "mv", str(old), str(root / "risks" / "R-005-load-regressions.yaml"))
    doc = pr_json(root, base, commit(root, "rename"))
    assert doc["added"] == []
    assert doc["removed"] == []
    change = doc["changed"][0]
    assert (change["old_file"], change["file"]) == (
        "risks/R-005-performance-regression.yaml",
        "risks/R-005-load-regressions.yaml",
    )
    assert change["fields"] == []


def test_removed_red_risk(repo: tuple[Path, str]) -> None:
    root, base = repo
    next((root / "risks").glob("R-001-*.yaml")).unlink()
    doc = pr_json(root, base, commit(root, "remove"))
    assert [r["id"] for r in doc["removed"]] == ["R-001"]
    assert doc["approvals"][0]["risk"] == "R-001"
    assert doc["approvals"][0]["reason"] == "removed"


def test_base_is_required_outside_actions(repo: tuple[Path, str]) -> None:
    root, _ = repo
    result = pr(root)
    assert result.returncode == 2
    assert "--base is required" in result.stderr
    assert pr(root, "--base", "no-such-rev").returncode == 2


def pr_event(tmp: Path, base: str, head: str, number: int = 7, fork: bool = False) -> Path:
    event = json.loads((WEBHOOKS / "pull_request.synchronize.json").read_text())
    event["number"] = number
    event["pull_request"]["number"] = number
    event["pull_request"]["base"]["sha"] = base
    event["pull_request"]["head"]["sha"] = head
    if fork:
        event["pull_request"]["head"]["repo"]["full_name"] = "someone/fork"
        event["pull_request"]["head"]["repo"]["fork"] = True
    path = tmp / "event.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    return path


def run_event(
    tmp: Path, base: str, head: str, root: Path, *, extra: dict[str, str] | None = None, **kw: Any
) -> tuple[Result, Path]:
    summary = tmp / "summary.md"
    result = pr(
        root,
        "--payload-dir",
        str(tmp / "artifact"),
        env={
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_PATH": str(pr_event(tmp, base, head, **kw)),
            "GITHUB_STEP_SUMMARY": str(summary),
            **(extra or {}),
        },
    )
    return result, summary


def comment(
    server: FakeGitHub,
    root: Path,
    payload: Path,
    head_sha: str,
    tmp: Path,
    token: str | None = None,
) -> Result:
    event = json.loads((WEBHOOKS / "workflow_run.completed.json").read_text())
    event["workflow_run"]["head_sha"] = head_sha
    event_path = tmp / "run-event.json"
    event_path.write_text(json.dumps(event), encoding="utf-8")
    env = {
        "GITHUB_TOKEN": token or server.token or "",
        "GITHUB_REPOSITORY": server.repo,
        "GITHUB_API_URL": server.url,
        "GITHUB_EVENT_NAME": "workflow_run",
        "GITHUB_EVENT_PATH": str(event_path),
    }
    return run_riskbot("comment", "--root", str(root), "--payload", str(payload), env=env)


def sticky(server: FakeGitHub, number: int) -> list[str]:
    return [
        c.body
        for c in server.state.comments_on(number)
        if (parse_marker(c.body) or {}).get("id") == f"pr-report/{number}"
    ]


def test_actions_path_then_sticky_comment_three_runs(
    github_server: FakeGitHub, repo: tuple[Path, str], tmp_path: Path
) -> None:
    root, base = repo
    set_levels(root, "R-004", 4, 4)
    head = commit(root, "raise R-004")
    pull = github_server.add_pull("Raise R-004", head_sha=head, base_sha=base)
    result, summary = run_event(tmp_path, base, head, root, number=pull.number)
    assert result.returncode == 0, result.stderr
    assert "::notice file=risks/R-004-ml-recommendation-bias.yaml,line=" in result.stdout
    assert "R-004 is a new Red risk" in summary.read_text(encoding="utf-8")
    payload = tmp_path / "artifact" / "comment.json"
    data = json.loads(payload.read_text())
    assert (data["pr"], data["head_sha"], data["touches_risks"]) == (pull.number, head, True)
    for _ in range(3):
        done = comment(github_server, root, payload, head, tmp_path)
        assert done.returncode == 0, done.stderr
    bodies = sticky(github_server, pull.number)
    assert len(bodies) == 1
    assert "R-004 is a new Red risk" in bodies[0]
    # A new push: the same comment is edited in place.
    set_levels(root, "R-004", 5, 4)
    head2 = commit(root, "raise R-004 more")
    github_server.state.issues[pull.number].pull.head_sha = head2  # type: ignore[union-attr]
    run_event(tmp_path, base, head2, root, number=pull.number)
    github_server.reset_log()
    assert comment(github_server, root, payload, head2, tmp_path).returncode == 0
    bodies = sticky(github_server, pull.number)
    assert len(bodies) == 1
    assert "score 20" in bodies[0]
    assert [w.method for w in github_server.writes()] == ["PATCH"]


def test_fork_pr_gets_annotations_and_the_comment(
    github_server: FakeGitHub, repo: tuple[Path, str], tmp_path: Path
) -> None:
    root, base = repo
    set_levels(root, "R-004", 4, 4)
    head = commit(root, "raise R-004")
    pull = github_server.add_pull("From a fork", head_sha=head, base_sha=base)
    result, summary = run_event(tmp_path, base, head, root, number=pull.number, fork=True)
    assert result.returncode == 0
    assert "::notice file=" in result.stdout
    assert summary.exists()
    done = comment(github_server, root, tmp_path / "artifact" / "comment.json", head, tmp_path)
    assert done.returncode == 0
    assert len(sticky(github_server, pull.number)) == 1


def test_payload_for_another_head_posts_nothing(
    github_server: FakeGitHub, repo: tuple[Path, str], tmp_path: Path
) -> None:
    root, base = repo
    set_levels(root, "R-004", 4, 4)
    head = commit(root, "raise")
    pull = github_server.add_pull("PR", head_sha=base, base_sha=base)
    run_event(tmp_path, base, head, root, number=pull.number)
    done = comment(github_server, root, tmp_path / "artifact" / "comment.json", head, tmp_path)
    assert done.returncode == 0
    assert "nothing posted" in done.stderr
    assert github_server.writes() == []


@pytest.mark.parametrize(
    "raw",
    [
        b"{" * 10,
        b"x" * (300 * 1024),
        json.dumps(
            {"version": 1, "pr": "7", "head_sha": "a" * 40, "touches_risks": True, "body": "x"}
        ).encode(),
    ],
)
def test_bad_payload_is_refused(
    github_server: FakeGitHub, repo: tuple[Path, str], tmp_path: Path, raw: bytes
) -> None:
    root, _ = repo
    payload = tmp_path / "comment.json"
    payload.write_bytes(raw)
    done = comment(github_server, root, payload, "a" * 40, tmp_path)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert github_server.requests == []


def test_hostile_text_pings_nobody(
    github_server: FakeGitHub, repo: tuple[Path, str], tmp_path: Path
) -> None:
    root, base = repo
    policy = root / ".github" / "riskbot.yml"
    policy.write_text(
        re.sub(
            r"(id: team-lead\n(?:.*\n)*?\s+logins: )\[\]",
            r"\1[lead-person]",
            policy.read_text(encoding="utf-8"),
            count=1,
        ),
        encoding="utf-8",
    )
    base = commit(root, "logins")
    write_risk(
        root,
        "R-011-evil.yaml",
        risk_yaml(
            "R-011", title="@everyone | <img src=x>", impact={"level": 5}, probability={"level": 4}
        ),
    )
    head = commit(root, "evil")
    pull = github_server.add_pull("Evil", head_sha=head, base_sha=base)
    run_event(tmp_path, base, head, root, number=pull.number)
    payload = tmp_path / "artifact" / "comment.json"
    data = json.loads(payload.read_text())
    data["body"] += "\n@attacker <script>alert(1)</script> <!-- riskbot:id=red-issue/R-001 -->"
    payload.write_text(json.dumps(data))
    assert comment(github_server, root, payload, head, tmp_path).returncode == 0
    body = sticky(github_server, pull.number)[0]
    assert "@everyone" not in body
    assert "@attacker" not in body
    assert "<img" not in body
    assert "<script" not in body
    assert body.count("<!-- riskbot:") == 1
    outside_code = re.sub(r"`[^`]*`", "", body)
    assert outside_code.count("@lead-person") == 1  # mentioned once; elsewhere only as code


def test_pr_that_no_longer_touches_risks(
    github_server: FakeGitHub, repo: tuple[Path, str], tmp_path: Path
) -> None:
    root, base = repo
    set_levels(root, "R-004", 4, 4)
    head = commit(root, "raise")
    pull = github_server.add_pull("PR", head_sha=head, base_sha=base)
    run_event(tmp_path, base, head, root, number=pull.number)
    payload = tmp_path / "artifact" / "comment.json"
    comment(github_server, root, payload, head, tmp_path)
    git(root, "revert", "--no-edit", "HEAD")
    head2 = git(root, "rev-parse", "HEAD")
    github_server.state.issues[pull.number].pull.head_sha = head2  # type: ignore[union-attr]
    run_event(tmp_path, base, head2, root, number=pull.number)
    assert json.loads(payload.read_text())["touches_risks"] is False
    comment(github_server, root, payload, head2, tmp_path)
    bodies = sticky(github_server, pull.number)
    assert len(bodies) == 1
    assert "no longer changes the risk register" in bodies[0]
    # A PR that never touched risks gets no comment at all.
    other = github_server.add_pull("Docs only", head_sha=head2, base_sha=head2)
    run_event(tmp_path, head2, head2, root, number=other.number)
    comment(github_server, root, payload, head2, tmp_path)
    assert sticky(github_server, other.number) == []
