"""Nothing Red slips out of sight, through the command line: policy edits are reviewed,
typos are not deletions, ids are never reused, setup errors exit 2, closed risks do not count,
approvals gate the merge, and the PR comment always fits."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from bot.github.payload import write_payload
from bot.github.step import emit
from bot.reconcile.comment import Payload
from bot.register.compare import PrReport, compare
from bot.register.load import POLICY_PATH, SourceFile, build_register
from bot.render.pr import COMMENT_LIMIT, actions_output, comment_body
from tests.acceptance.test_pr import comment, pr, pr_json, repo, run_event, sticky
from tests.cli import run_riskbot
from tests.factories import (
    PLAN,
    POLICY,
    commit,
    copy_register,
    git,
    numbered_risk_yaml,
    risk_yaml,
    set_levels,
    write_risk,
)
from tests.fakegithub.server import FakeGitHub, Fault

__all__ = ["repo"]  # the fixture, shared with test_pr

TODAY = "2026-11-27"


def give_logins(root: Path, **logins: str) -> None:
    """Set roles' logins in the policy: ``give_logins(root, team_lead="lead")``."""
    policy = root / POLICY_PATH
    text = policy.read_text(encoding="utf-8")
    for role, login in logins.items():
        rid = role.replace("_", "-")
        text, n = re.subn(
            rf"(id: {rid}\n(?:.*\n)*?\s+logins: )\[\]", rf"\1[{login}]", text, count=1
        )
        assert n == 1, rid
    policy.write_text(text, encoding="utf-8")


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def risk_file(root: Path, risk_id: str) -> Path:
    return next((root / "risks").glob(f"{risk_id}-*.yaml"))


# -- case 1: a policy edit that demotes Red risks is reviewed like a score change -------------


def test_a_policy_edit_that_demotes_red_risks_is_listed_and_needs_approvals(
    repo: tuple[Path, str],
) -> None:
    root, _ = repo
    give_logins(root, db_lead="db-owner", program_sponsor="sponsor")
    base = commit(root, "logins")
    edit(root / POLICY_PATH, "min_score: 15", "min_score: 21")
    for rid in ("R-001", "R-002", "R-003"):
        edit(risk_file(root, rid), "band: red\n", "")
    head = commit(root, "Red starts at 21")
    doc = pr_json(root, base, head)
    assert doc["ok"] is True
    assert [c["text"] for c in doc["policy_changes"]] == ["bands.red.min_score: 15 → 21"]
    assert doc["policy_changes"][0]["needs_sponsor"] is True
    moved = {c["id"]: c for c in doc["changed"]}
    assert sorted(moved) == ["R-001", "R-002", "R-003"]
    for change in moved.values():
        assert change["band"] == {"old": "red", "new": "yellow"}
        assert change["band_cause"] == "policy"
        assert change["cause"] == "policy"  # the file changed nothing the report lists
        assert change["policy"]["escalations"]["old"] != change["policy"]["escalations"]["new"]
    approvals = {(a["risk"], a["role"]): a for a in doc["approvals"]}
    assert set(approvals) == {
        ("R-001", "owner"),
        ("R-002", "owner"),
        ("R-003", "owner"),
        (None, "program sponsor"),
    }
    assert approvals[("R-001", "owner")]["reason"] == (
        "left Red by the policy change: score 16 is now Yellow"
    )
    assert approvals[("R-001", "owner")]["logins"] == ["db-owner"]
    assert approvals[(None, "program sponsor")]["logins"] == ["sponsor"]
    # R-002's and R-003's owners have no logins: the sponsor approves in their place.
    assert approvals[("R-002", "owner")]["logins"] == ["sponsor"]
    assert approvals[("R-002", "owner")]["fallback"] == "program sponsor"
    assert approvals[("R-001", "owner")]["fallback"] is None
    assert {a["state"] for a in doc["approvals"]} == {"not checked"}
    text = pr(root, "--base", base, "--head", head).stdout
    assert "### Policy changes" in text
    assert "bands.red.min\\_score: 15 → 21 (`.github/riskbot.yml:61`)" in text
    assert "Red → **Yellow** (policy)" in text
    assert (
        "**by the policy**: band Red → Yellow, reviews daily → weekly, "
        "escalations −Immediate escalation" in text
    )
    assert "**Program sponsor approval needed**" in text


def test_a_login_change_is_listed_and_needs_no_sponsor(repo: tuple[Path, str]) -> None:
    root, base = repo
    give_logins(root, team_lead="new-lead")
    doc = pr_json(root, base, commit(root, "a team lead"))
    assert [(c["key"], c["needs_sponsor"]) for c in doc["policy_changes"]] == [
        ("roles.team-lead.logins", False)
    ]
    assert doc["approvals"] == []


def test_a_lower_red_threshold_makes_a_new_red_risk_by_policy(repo: tuple[Path, str]) -> None:
    root, base = repo
    edit(root / POLICY_PATH, "min_score: 15", "min_score: 9")
    edit(risk_file(root, "R-004"), "band: yellow\n", "")
    doc = pr_json(root, base, commit(root, "Red from 9"))
    change = next(c for c in doc["changed"] if c["id"] == "R-004")
    assert (change["band_cause"], change["band"]["new"]) == ("policy", "red")
    assert ("new_red", ["R-004"]) in [(e["rule"], e["risks"]) for e in doc["escalations"]]


# -- case 2: a typo is not a deletion; a new broken file is listed -----------------------------


def test_a_typo_is_invalid_on_head_not_a_removal(repo: tuple[Path, str]) -> None:
    root, base = repo
    edit(risk_file(root, "R-002"), "owner:", "ownr:")
    write_risk(root, "R-011-new-thing.yaml", risk_yaml("R-011").replace("title:", "titel:"))
    head = commit(root, "typos")
    doc = pr_json(root, base, head)
    assert doc["exit"] == 1
    assert doc["removed"] == []
    assert doc["added"] == []
    assert doc["approvals"] == []
    invalid = {n["id"]: n for n in doc["invalid"]}
    assert invalid["R-002"]["added"] is False
    assert invalid["R-002"]["base"]["score"] == 20
    assert any("unknown key 'ownr'" in f["message"] for f in invalid["R-002"]["findings"])
    assert invalid["R-011"]["added"] is True
    text = pr(root, "--base", base, "--head", head).stdout
    assert "**invalid on head (not compared)**" in text
    assert "**added (invalid)**" in text
    assert "Owner approval" not in text


# -- case 3: ids are never reused ---------------------------------------------------------------


def test_new_skips_a_removed_id_and_check_and_pr_refuse_a_reused_one(
    repo: tuple[Path, str],
) -> None:
    root, _ = repo
    git(root, "rm", "-q", str(risk_file(root, "R-010")))
    removed = commit(root, "remove R-010")
    short = git(root, "rev-parse", "--short", removed)
    made = run_riskbot(
        "new", "--root", str(root), "--title", "Key Person Leaves", "--category",
        "Organizational", "--phase", "All", "--impact", "2", "--probability", "2", "--owner",
        "Team Lead", "--description", "Bus factor of one.",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "wrote risks/R-011-key-person-leaves.yaml" in made.stdout
    write_risk(root, "R-010-vendor-lock-in.yaml", risk_yaml("R-010", title="Vendor Lock-in"))
    head = commit(root, "reuse R-010")
    message = (
        f"R-010 was 'Documentation Gaps', removed in {short}; ids are never reused: give this "
        "risk the next free id, R-012"
    )
    checked = run_riskbot("check", "--root", str(root), "--format", "json")
    assert checked.returncode == 1
    assert message in [f["message"] for f in json.loads(checked.stdout)["findings"]]
    doc = pr_json(root, removed, head)
    assert doc["exit"] == 1
    assert any(
        f["message"] == message and f["severity"] == "error" and f["line"] >= 1
        for f in doc["findings"]
    )
    assert "R-010" in {n["id"] for n in doc["invalid"]}  # not compared: its id is in doubt


def test_import_does_not_give_a_plan_risk_a_removed_id(repo: tuple[Path, str]) -> None:
    root, _ = repo
    git(root, "rm", "-q", str(risk_file(root, "R-010")))
    commit(root, "remove R-010")
    imported = run_riskbot("import", str(PLAN), "--out", str(root), "--force")
    assert imported.returncode == 0, imported.stderr
    assert "Risk #10 becomes R-011: R-010 was used before and removed" in imported.stderr
    assert (root / "risks" / "R-011-documentation-gaps.yaml").is_file()
    assert not list((root / "risks").glob("R-010-*"))


def test_a_restored_risk_keeps_its_id(repo: tuple[Path, str]) -> None:
    root, _ = repo
    git(root, "rm", "-q", str(risk_file(root, "R-010")))
    removed = commit(root, "remove R-010")
    git(root, "revert", "--no-edit", "HEAD")
    assert run_riskbot("check", "--root", str(root)).returncode == 0
    assert pr_json(root, removed, "HEAD")["exit"] == 0


def test_outside_git_the_working_tree_alone_counts(tmp_path: Path) -> None:
    root = copy_register(tmp_path)
    assert run_riskbot("check", "--root", str(root)).returncode == 0
    made = run_riskbot(
        "new", "--root", str(root), "--title", "X", "--category", "Technical", "--phase", "All",
        "--impact", "1", "--probability", "1", "--owner", "Team Lead", "--description", "Y.",
    )  # fmt: skip
    assert "wrote risks/R-011-x.yaml" in made.stdout


# -- case 5: a misconfigured workflow is not green ---------------------------------------------


def actions_env(server: FakeGitHub, root: Path, **extra: str) -> dict[str, str]:
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": server.repo,
        "GITHUB_API_URL": server.url,
        "GITHUB_STEP_SUMMARY": str(root / "summary.md"),
        "GITHUB_TOKEN": server.token or "",
    }
    env.update(extra)
    return {k: v for k, v in env.items() if v != ""}


@pytest.mark.parametrize("command", ["sync", "remind"])
def test_no_token_in_actions_is_a_setup_error(
    github_server: FakeGitHub, tmp_path: Path, command: str
) -> None:
    root = copy_register(tmp_path)
    result = run_riskbot(
        command, "--root", str(root), "--today", TODAY,
        env=actions_env(github_server, root, GITHUB_TOKEN=""),
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "env: GITHUB_TOKEN: ${{ github.token }}" in result.stderr
    assert f"riskbot {command}: INCOMPLETE" in result.stderr  # the summary still prints
    assert "### riskbot" in (root / "summary.md").read_text(encoding="utf-8")
    assert github_server.requests == []
    dry = run_riskbot(
        command, "--root", str(root), "--today", TODAY, "--dry-run",
        env=actions_env(github_server, root, GITHUB_TOKEN=""),
    )  # fmt: skip
    assert dry.returncode == 0, dry.stderr


def test_a_refused_token_or_permission_or_repository_is_a_setup_error(
    github_server: FakeGitHub, tmp_path: Path
) -> None:
    root = copy_register(tmp_path)
    args = ("sync", "--root", str(root), "--today", TODAY, "--write-interval", "0")
    bad = run_riskbot(*args, env=actions_env(github_server, root, GITHUB_TOKEN="wrong"))
    assert bad.returncode == 2
    assert f"GitHub refused the token for {github_server.repo} (401" in bad.stderr
    github_server.inject(
        Fault(
            status=403,
            method="POST",
            path=r"/repos/[^/]+/[^/]+/issues",
            body={
                "message": "Resource not accessible by integration",
                "documentation_url": "https://docs.github.com/rest",
            },
        )
    )
    refused = run_riskbot(*args, env=actions_env(github_server, root))
    assert refused.returncode == 2, refused.stderr
    assert "the job lacks `issues: write`" in refused.stderr
    assert github_server.repo in refused.stderr
    elsewhere = run_riskbot(*args, env=actions_env(github_server, root, GITHUB_REPOSITORY="o/x"))
    assert elsewhere.returncode == 2
    assert "repository o/x not found (404)" in elsewhere.stderr
    assert "Traceback" not in bad.stderr + refused.stderr + elsewhere.stderr


# -- case 6: one meaning of "open" --------------------------------------------------------------


def test_a_closed_red_risk_is_not_counted_reminded_or_warned(
    github_server: FakeGitHub, tmp_path: Path
) -> None:
    root = copy_register(tmp_path)
    closed = risk_yaml(
        "R-011",
        title="Old outage",
        impact={"level": 5},
        probability={"level": 4},
        status={"state": "closed", "note": "Done"},
        review={"cadence": "monthly", "last_reviewed": "2020-01-01"},
    )
    write_risk(root, "R-011-old-outage.yaml", closed)
    checked = run_riskbot("check", "--root", str(root), "--format", "json", "--today", TODAY)
    doc = json.loads(checked.stdout)
    assert (doc["summary"]["red"], doc["summary"]["risks"], doc["summary"]["closed"]) == (3, 10, 1)
    assert not [f for f in doc["findings"] if f["file"] == "risks/R-011-old-outage.yaml"]
    text = run_riskbot("check", "--root", str(root), "--today", TODAY).stdout
    assert "OK: 12 files, 10 risks (3 red, 4 yellow, 3 green), 1 closed;" in text
    assert "Closed risks (not counted, reviewed or escalated):" in text
    assert "R-011  5×4=20  Old outage" in text
    report = run_riskbot("report", "--root", str(root), "--output", "-").stdout
    assert "R-011" in report
    remind = run_riskbot(
        "remind", "--root", str(root), "--today", TODAY, "--dry-run",
        env={"GITHUB_REPOSITORY": github_server.repo},
    )  # fmt: skip
    assert remind.returncode == 0, remind.stderr
    assert "R-011" not in remind.stderr


# -- case 8: a Red risk with no mitigation ------------------------------------------------------


def test_red_without_mitigation_is_a_warning_in_check_and_pr(repo: tuple[Path, str]) -> None:
    root, base = repo
    bare = risk_yaml(
        "R-011",
        impact={"level": 5},
        probability={"level": 4},
        mitigation={"prevention": [], "detection": ["Dashboards"], "response": []},
    )
    write_risk(root, "R-011-bare.yaml", bare)
    head = commit(root, "a Red risk with no plan")
    checked = run_riskbot("check", "--root", str(root))
    assert checked.returncode == 0  # a warning
    unmitigated = "R-011 is Red (score 20) but has no mitigation"
    assert f"warning[red-unmitigated] {unmitigated}" in checked.stdout
    text = pr(root, "--base", base, "--head", head).stdout
    assert "R-011 is Red (score 20) but has no mitigation" in text


# -- case 10: every changed field, lists quoted ------------------------------------------------


def test_pr_lists_every_changed_field_and_quotes_list_items(repo: tuple[Path, str]) -> None:
    root, base = repo
    path = risk_file(root, "R-001")
    edit(path, "percent: 60", "percent: 90")
    edit(path, "summary: 60% complete", "summary: 90% complete")
    edit(path, "  design, migration tooling", "  design, migration scripts")
    edit(path, "    - Rollback plan prepared and tested\n", "")
    edit(
        path,
        "    - Keep v2 system operational during transition\n",
        "    - Keep v2 system operational during transition\n"
        + "".join(f"    - 'Step {n} | @everyone'\n" for n in range(1, 6)),
    )
    head = commit(root, "progress")
    doc = pr_json(root, base, head)
    fields = {
        f["field"]: f for f in next(c for c in doc["changed"] if c["id"] == "R-001")["fields"]
    }
    assert set(fields) == {
        "description",
        "mitigation.response",
        "mitigation_status.summary",
        "mitigation_status.percent",
    }
    assert (
        fields["mitigation_status.percent"]["old"],
        fields["mitigation_status.percent"]["new"],
    ) == (60, 90)  # numbers, as the file has them
    assert fields["mitigation.response"]["removed"] == ["Rollback plan prepared and tested"]
    assert len(fields["mitigation.response"]["added"]) == 5
    text = pr(root, "--base", base, "--head", head).stdout
    row = next(line for line in text.splitlines() if line.startswith("| **R-001**"))
    assert "mitigation\\_status.percent: 60 → 90" in row
    assert "description: Migration from TOML-based registry" in row
    assert "added “Step 1 \\| @&#8203;everyone”, “Step 2" in row
    assert "(+2 more); removed “Rollback plan prepared and tested”" in row
    assert "@everyone" not in text


# -- case 11: the owner's approval gates the merge --------------------------------------------


def approval_env(server: FakeGitHub) -> dict[str, str]:
    return {
        "GITHUB_TOKEN": server.token or "",
        "GITHUB_REPOSITORY": server.repo,
        "GITHUB_API_URL": server.url,
        "GITHUB_RUN_ID": "4242",
    }


def lowered_r002(root: Path) -> tuple[str, str]:
    give_logins(root, ai_ml_lead="ai-owner")
    base = commit(root, "logins")
    set_levels(root, "R-002", 3, 4)  # 20 -> 12: leaves Red
    return base, commit(root, "lower R-002")


def test_a_lowered_red_risk_waits_for_its_owners_approval_on_the_head_commit(
    github_server: FakeGitHub, repo: tuple[Path, str], tmp_path: Path
) -> None:
    root, _ = repo
    base, head = lowered_r002(root)
    pull = github_server.add_pull("Lower R-002", head_sha=head, base_sha=base)
    env = approval_env(github_server)

    def check() -> tuple[int, str, str]:
        result, _ = run_event(tmp_path, base, head, root, number=pull.number, extra=env)
        body = json.loads((tmp_path / "artifact" / "comment.json").read_text())["body"]
        return result.returncode, result.stdout, body

    code, out, body = check()
    assert code == 1
    assert "waiting for approval by AI/ML &amp; Safety Lead (@ai-owner)" in body  # Markdown
    assert "::error file=risks/R-002-agent-unpredictability.yaml" in out
    assert "waiting for approval by AI/ML & Safety Lead (@ai-owner)" in out
    github_server.add_review(pull.number, "someone-else", "APPROVED")
    github_server.add_review(pull.number, "ai-owner", "APPROVED", commit_id="0" * 40)
    assert check()[0] == 1  # another login, or an approval of an older commit: still waiting
    github_server.add_review(pull.number, "ai-owner", "APPROVED")
    code, out, body = check()
    assert code == 0, out
    assert "approved by `@ai-owner` on the head commit" in body
    github_server.add_review(pull.number, "ai-owner", "CHANGES_REQUESTED")
    assert check()[0] == 1  # the latest verdict wins
    # The comment job still accepts the payload and posts it.
    posted = comment(github_server, root, tmp_path / "artifact" / "comment.json", head, tmp_path)
    assert posted.returncode == 0, posted.stderr
    assert (
        "waiting for approval by AI/ML &amp; Safety Lead (@ai-owner)"
        in sticky(github_server, pull.number)[0]
    )


def test_a_pull_request_review_event_reruns_the_gate(
    github_server: FakeGitHub, repo: tuple[Path, str], tmp_path: Path
) -> None:
    root, _ = repo
    base, head = lowered_r002(root)
    pull = github_server.add_pull("Lower R-002", head_sha=head, base_sha=base)
    github_server.add_review(pull.number, "ai-owner", "APPROVED")
    event = json.loads(
        (
            Path(__file__).parents[1] / "data" / "webhooks" / "pull_request_review.submitted.json"
        ).read_text(encoding="utf-8")
    )
    event["pull_request"].update(number=pull.number)
    event["pull_request"]["base"]["sha"] = base
    event["pull_request"]["head"]["sha"] = head
    path = tmp_path / "review.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    result = pr(
        root,
        "--payload-dir",
        str(tmp_path / "artifact"),
        env={
            "GITHUB_EVENT_NAME": "pull_request_review",
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_PATH": str(path),
            **approval_env(github_server),
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "approved by `@ai-owner`" in result.stdout


def policy_line(text: str) -> int:
    """The line of the logins of the role named ``text`` in the frozen policy."""
    lines = POLICY.read_text(encoding="utf-8").splitlines()
    start = lines.index(f"    name: {text}")
    return next(n for n in range(start, len(lines)) if "logins:" in lines[n]) + 1


def test_an_owner_without_logins_falls_back_to_the_sponsor_and_with_none_the_check_fails(
    github_server: FakeGitHub, repo: tuple[Path, str], tmp_path: Path
) -> None:
    root, base = repo
    set_levels(root, "R-002", 3, 4)
    head = commit(root, "lower R-002")
    env = approval_env(github_server)

    def check(base: str, head: str) -> tuple[int, str, str]:
        pull = github_server.add_pull("Lower R-002", head_sha=head, base_sha=base)
        result, _ = run_event(tmp_path, base, head, root, number=pull.number, extra=env)
        body = json.loads((tmp_path / "artifact" / "comment.json").read_text())["body"]
        return result.returncode, result.stdout, body

    code, out, body = check(base, head)
    assert code == 1  # neither the owner nor the sponsor has logins: nobody can approve
    owner, sponsor = policy_line("AI/ML & Safety Lead"), policy_line("Program Sponsor")
    for line in (owner, sponsor):
        assert (
            f"::error file=.github/riskbot.yml,line={line},title=riskbot%3A no one can approve::"
            in out
        )
    assert "❌ **1 approval nobody can give**" in body
    assert f"AI/ML &amp; Safety Lead has no logins (fill `.github/riskbot.yml:{owner}`)" in body
    assert f"Program Sponsor has no logins (fill `.github/riskbot.yml:{sponsor}`)" in body
    # The sponsor named on base: the approval falls back to the sponsor, and the comment says so.
    git(root, "checkout", "-q", base)
    give_logins(root, program_sponsor="sponsor")
    base = commit(root, "a sponsor")
    set_levels(root, "R-002", 3, 4)
    head = commit(root, "lower R-002")
    code, out, body = check(base, head)
    assert code == 1
    assert "waiting for approval by Program Sponsor (@sponsor)" in body
    assert (
        f"AI/ML &amp; Safety Lead has no logins (fill `.github/riskbot.yml:{owner}`): "
        "the program sponsor approves instead." in body
    )
    assert (
        f"::warning file=.github/riskbot.yml,line={owner},"
        "title=riskbot%3A approval falls back to the sponsor::" in out
    )
    number = max(github_server.state.issues)
    github_server.add_review(number, "sponsor", "APPROVED", commit_id=head)
    result, _ = run_event(tmp_path, base, head, root, number=number, extra=env)
    code, body = (
        result.returncode,
        json.loads((tmp_path / "artifact" / "comment.json").read_text())["body"],
    )
    assert code == 0, body
    assert "approved by `@sponsor` on the head commit." in body


def test_the_two_pull_request_attack_needs_the_base_owner_at_each_step(
    github_server: FakeGitHub, repo: tuple[Path, str], tmp_path: Path
) -> None:
    """PR A moves a Red risk to another owner (or empties its owner's logins), PR B lowers it:
    each step asks the base owner (or the sponsor); a login the PR adds approves nothing."""
    root, _ = repo
    give_logins(root, ai_ml_lead="ai-owner", program_sponsor="sponsor")
    main = commit(root, "logins")
    env = approval_env(github_server)

    def pull_request(title: str, change: Any) -> tuple[str, str, int]:
        git(root, "checkout", "-q", main)
        change()
        head = commit(root, title)
        pull = github_server.add_pull(title, head_sha=head, base_sha=main)
        github_server.add_review(pull.number, "mallory", "APPROVED", commit_id=head)
        return main, head, pull.number

    def check(base: str, head: str, number: int) -> tuple[int, dict[str, Any]]:
        result, _ = run_event(tmp_path, base, head, root, number=number, extra=env)
        return result.returncode, json.loads((tmp_path / "artifact" / "comment.json").read_text())

    def r002() -> Path:
        return risk_file(root, "R-002")

    owner_line = policy_line("AI/ML & Safety Lead")
    steps = {
        "R-002 to mallory": (
            lambda: edit(r002(), "owner: AI/ML & Safety Lead", "owner: '@mallory'"),
            "R-002 (Red) changes its owner: AI/ML &amp; Safety Lead → @&#8203;mallory",
            "AI/ML &amp; Safety Lead (@ai-owner) or Program Sponsor (@sponsor)",
        ),
        "R-002 to the team lead": (
            lambda: edit(r002(), "owner: AI/ML & Safety Lead", "owner: Team Lead"),
            "R-002 (Red) changes its owner: AI/ML &amp; Safety Lead → Team Lead",
            "AI/ML &amp; Safety Lead (@ai-owner) or Program Sponsor (@sponsor)",
        ),
        "no AI/ML logins": (
            lambda: edit(root / POLICY_PATH, "logins: [ai-owner]", "logins: []"),
            "the policy changes the logins of AI/ML &amp; Safety Lead, owner of R-002: "
            "−@&#8203;ai-owner",
            "AI/ML &amp; Safety Lead (@ai-owner) or Program Sponsor (@sponsor)",
        ),
        "mallory leads AI/ML": (
            lambda: edit(root / POLICY_PATH, "logins: [ai-owner]", "logins: [mallory]"),
            "changes the logins of AI/ML &amp; Safety Lead, owner of R-002: +@&#8203;mallory "
            "−@&#8203;ai-owner",
            "AI/ML &amp; Safety Lead (@ai-owner) or Program Sponsor (@sponsor)",
        ),
        "mallory sponsors": (
            lambda: edit(root / POLICY_PATH, "logins: [sponsor]", "logins: [mallory]"),
            "the policy changes the program sponsor: Program Sponsor (@&#8203;sponsor) → "
            "Program Sponsor (@&#8203;mallory)",
            "Program Sponsor (@sponsor)",
        ),
    }
    for title, (change, reason, who) in steps.items():
        base, head, number = pull_request(title, change)
        code, payload = check(base, head, number)
        body = payload["body"]
        assert code == 1, (title, body)
        assert reason in body, (title, body)
        assert f"waiting for approval by {who}" in body, (title, body)
    # PR A merged anyway (by an admin, say): the owner has no logins on the new base, so PR B's
    # lowering falls back to the sponsor; mallory's approval still counts for nothing.
    git(root, "checkout", "-q", main)
    edit(root / POLICY_PATH, "logins: [ai-owner]", "logins: []")
    main = commit(root, "PR A: no AI/ML logins")
    base, head, number = pull_request("PR B: lower R-002", lambda: set_levels(root, "R-002", 1, 4))
    code, payload = check(base, head, number)
    assert code == 1
    assert "R-002 (Red) score lowered 20 → 4 (Green)" in payload["body"]
    assert "waiting for approval by Program Sponsor (@sponsor)" in payload["body"]
    assert (
        f"fill `.github/riskbot.yml:{owner_line}`): the program sponsor approves instead"
        in (payload["body"])
    )
    # And with the sponsor's logins gone too, nobody can approve: the check fails.
    git(root, "checkout", "-q", main)
    edit(root / POLICY_PATH, "logins: [sponsor]", "logins: []")
    main = commit(root, "no sponsor logins either")
    base, head, number = pull_request("PR B again", lambda: set_levels(root, "R-002", 1, 4))
    code, payload = check(base, head, number)
    assert code == 1
    assert "❌ **1 approval nobody can give**" in payload["body"]


def test_reviews_unreadable_is_a_setup_error_naming_the_permission(
    github_server: FakeGitHub, repo: tuple[Path, str], tmp_path: Path
) -> None:
    root, _ = repo
    base, head = lowered_r002(root)
    pull = github_server.add_pull("Lower R-002", head_sha=head, base_sha=base)
    github_server.inject(
        Fault(
            status=403,
            path=r".*/reviews",
            body={"message": "Resource not accessible by integration"},
        )
    )
    result, _ = run_event(
        tmp_path, base, head, root, number=pull.number, extra=approval_env(github_server)
    )
    assert result.returncode == 2
    assert "the job lacks `pull-requests: read`" in result.stderr
    assert (tmp_path / "artifact" / "comment.json").is_file()  # the author still gets the comment
    github_server.inject(Fault(status=422, path=r".*/reviews", body={"message": "Odd"}))
    result, _ = run_event(
        tmp_path, base, head, root, number=pull.number, extra=approval_env(github_server)
    )
    assert result.returncode == 1  # could not finish: the gate is not passed unread
    assert "pr: the reviews could not be read: 422 Odd" in result.stderr
    no_token = {**approval_env(github_server), "GITHUB_TOKEN": ""}
    result, _ = run_event(tmp_path, base, head, root, number=pull.number, extra=no_token)
    assert result.returncode == 2
    assert "env: GITHUB_TOKEN: ${{ github.token }}" in result.stderr


def test_outside_actions_approvals_are_not_checked(repo: tuple[Path, str]) -> None:
    root, _ = repo
    base, head = lowered_r002(root)
    doc = pr_json(root, base, head)
    assert doc["exit"] == 0
    assert doc["approval"] == {
        "checked": False,
        "why_not": "no pull request run in GitHub Actions with a token to read its reviews",
        "blocking": False,
    }
    text = pr(root, "--base", base, "--head", head).stdout
    assert "**Approvals needed** (not checked: no pull request run in GitHub Actions" in text
    assert "Its owner must approve this pull request: AI/ML &amp; Safety Lead (@ai-owner)" in text


# -- case 12: the comment always fits ------------------------------------------------------------


def _register(n: int, level: int) -> Any:
    risks = [
        SourceFile(f"risks/{risk_id}-r.yaml", text.encode())
        for risk_id, text in numbered_risk_yaml(
            n, impact={"level": level}, probability={"level": level}
        )
    ]
    return build_register(SourceFile(POLICY_PATH, POLICY.read_bytes()), risks)


def test_a_thousand_changed_risks_still_get_a_comment(
    github_server: FakeGitHub, tmp_path: Path
) -> None:
    report = PrReport(
        compare(_register(1000, 2), _register(1000, 4)),
        "a" * 12,
        "b" * 12,
        frozenset(f"risks/R-{i:04d}-r.yaml" for i in range(1, 1001)),
        links={"summary": "https://github.com/o/r/actions/runs/1"},
    )
    summary = tmp_path / "summary.md"
    head = "c" * 40
    pull = github_server.add_pull("Everything", head_sha=head)
    emit(actions_output(report), {"GITHUB_STEP_SUMMARY": str(summary)})
    written = Payload(pull.number, head, report.touches_risks, comment_body(report))
    write_payload(tmp_path / "artifact", written)
    payload = tmp_path / "artifact" / "comment.json"
    body = json.loads(payload.read_text(encoding="utf-8"))["body"]
    assert len(body) <= COMMENT_LIMIT < 65_536
    assert "**This comment is shortened** to fit GitHub's limit" in body
    assert "(<https://github.com/o/r/actions/runs/1>)" in body
    assert "more changes (see the step summary)" in body
    whole = summary.read_text(encoding="utf-8")
    changes = whole[whole.index("### Changes") :].split("\n### ", 1)[0]
    assert changes.count("| **R-") == 1000  # the whole report: every change listed
    root = copy_register(tmp_path / "root")
    posted = comment(github_server, root, payload, head, tmp_path)
    assert posted.returncode == 0, posted.stderr
    (text,) = sticky(github_server, pull.number)
    assert len(text) <= 65_536
