"""`riskbot policy pull` against the local GitHub server (the real PyGithub client over HTTP),
and what the register does with the copy it vendors: `check` offline, `pr` on a pin bump."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.register.defaults import BASE_POLICY_PATH
from bot.register.inherit import sha256_of
from bot.register.load import POLICY_PATH
from bot.repo.revisions import build_report
from tests.cli import run_riskbot
from tests.factories import REPO, commit_at, init_repo, risk_yaml, write_risk
from tests.fakegithub.server import FakeGitHub, Fault

DATA = REPO / "tests" / "data" / "inherit"
BASE = (DATA / "base.yml").read_bytes()
"""The organisation's base policy, as acme/.github holds it at riskbot/base.yml."""
POLICY = (DATA / "riskbot.yml").read_text(encoding="utf-8")
ORG = "acme/.github"
BASE_FILE = "riskbot/base.yml"
TODAY = "2026-03-02"


def register(root: Path, policy: str = POLICY) -> Path:
    """The payments program's register: its policy (extending the base, not yet pulled) and
    three risks, two of them Yellow by a hair (scores 9 and 8)."""
    (root / ".github").mkdir(parents=True)
    (root / POLICY_PATH).write_text(policy, encoding="utf-8")
    risks = {
        "R-001-settlement-batch.yaml": dict(impact=3, probability=3, phase="All"),
        "R-002-card-network-change.yaml": dict(impact=4, probability=4, phase="v2"),
        "R-003-refund-fraud.yaml": dict(impact=2, probability=4, phase="All"),
    }
    for name, levels in risks.items():
        data = dict(
            owner="Technical Lead",
            category="Payments",
            phase=levels["phase"],
            impact={"level": levels["impact"], "narrative": "n"},
            probability={"level": levels["probability"], "narrative": "n"},
            review={"last_reviewed": "2026-02-27"},
        )
        write_risk(root, name, risk_yaml(name[:5], **data))
    return root


def env_of(server: FakeGitHub) -> dict[str, str]:
    return {"GITHUB_TOKEN": server.token or "", "GITHUB_API_URL": server.url}


def pull(root: Path, server: FakeGitHub, *args: str, env: dict[str, str] | None = None):
    return run_riskbot("policy", "pull", "--root", str(root), *args, env=env or env_of(server))


def without_pin(text: str) -> str:
    return "".join(
        line for line in text.splitlines(True) if "ref:" not in line and "sha256:" not in line
    )


def test_pull_vendors_the_base_at_its_newest_commit_and_pins_it(
    github_server: FakeGitHub, tmp_path: Path
) -> None:
    github_server.add_repo(ORG)
    head = github_server.set_files(ORG, {BASE_FILE: BASE, "README.md": "Our policies\n"})
    root = register(tmp_path)
    github_server.reset_log()
    done = pull(root, github_server)
    assert done.returncode == 0, done.stderr
    assert f"vendored {ORG} {BASE_FILE} at {head[:12]} as {BASE_POLICY_PATH}" in done.stdout
    assert f"ref no pin → {head[:12]}" in done.stdout
    assert (root / BASE_POLICY_PATH).read_bytes() == BASE  # byte for byte
    text = (root / POLICY_PATH).read_text(encoding="utf-8")
    assert f'  ref: "{head}"\n  sha256: "{sha256_of(BASE)}"\n' in text
    assert without_pin(text) == POLICY  # nothing else of the file changed
    assert [r.path for r in github_server.requests] == [
        f"/repos/{ORG}/commits/HEAD",
        f"/repos/{ORG}/contents/{BASE_FILE}",
    ]
    assert github_server.requests[1].query == {"ref": [head]}
    # check reads the copy: no GitHub settings at all.
    checked = run_riskbot("check", "--root", str(root), "--today", TODAY)
    assert checked.returncode == 0, checked.stdout
    assert f"Policy: extends {ORG} {BASE_FILE} at {head[:12]}" in checked.stdout
    assert f"{POLICY_PATH} sets program, planning_date, phases.All.counts_toward" in checked.stdout
    data = json.loads(run_riskbot("check", "--root", str(root), "--format", "json").stdout)
    assert data["policy_sources"]["base"]["ref"] == head
    assert data["policy_sources"]["keys"]["bands"] == "base"


def test_pull_without_ref_restores_the_pinned_copy_however_far_the_base_moved(
    github_server: FakeGitHub, tmp_path: Path
) -> None:
    github_server.add_repo(ORG)
    pinned = github_server.set_files(ORG, {BASE_FILE: BASE})
    root = register(tmp_path)
    assert pull(root, github_server).returncode == 0
    policy = (root / POLICY_PATH).read_bytes()
    github_server.set_files(ORG, {BASE_FILE: BASE.replace(b"min_score: 8", b"min_score: 10")})
    (root / BASE_POLICY_PATH).write_bytes(BASE.replace(b"daily", b"weekly"))  # edited by hand
    assert run_riskbot("check", "--root", str(root)).returncode == 1
    again = pull(root, github_server)
    assert again.returncode == 0, again.stderr
    assert f"at {pinned[:12]} as {BASE_POLICY_PATH}" in again.stdout
    assert (root / BASE_POLICY_PATH).read_bytes() == BASE
    assert (root / POLICY_PATH).read_bytes() == policy  # the pin stays
    assert run_riskbot("check", "--root", str(root)).returncode == 0
    same = pull(root, github_server)
    assert "nothing changed" in same.stdout


def test_a_pin_bump_lists_every_risk_whose_band_or_cadence_moves(
    github_server: FakeGitHub, tmp_path: Path
) -> None:
    github_server.add_repo(ORG)
    first = github_server.set_files(ORG, {BASE_FILE: BASE})
    root = init_repo(register(tmp_path))
    assert pull(root, github_server).returncode == 0
    commit_at(root, "Extend the organisation's policy", "2026-03-02T09:00:00+00:00")
    # The organisation raises Yellow's threshold and reviews Green risks every two weeks.
    raised = BASE.replace(b"min_score: 8, meaning", b"min_score: 10, meaning").replace(
        b"accept or watch, monitoring: monthly", b"accept or watch, monitoring: bi-weekly"
    )
    assert raised.count(b"min_score: 10") == 1
    second = github_server.set_files(ORG, {BASE_FILE: raised})
    bumped = pull(root, github_server, "--ref", "main")
    assert bumped.returncode == 0, bumped.stderr
    assert f"ref {first[:12]} → {second[:12]}" in bumped.stdout
    commit_at(root, "Bump the base policy", "2026-03-03T09:00:00+00:00")

    report = run_riskbot("pr", "--root", str(root), "--base", "HEAD~1", "--head", "HEAD",
                         "--format", "json", "--today", TODAY)  # fmt: skip
    # The program names no sponsor logins yet, so nobody can give the approval a threshold
    # change needs: the check fails until the policy names them (and says where).
    assert report.returncode == 1, report.stdout
    data = json.loads(report.stdout)
    moved = {
        c["id"]: (c["policy"]["band"]["old"], c["policy"]["band"]["new"],
                  c["policy"]["cadence"]["old"], c["policy"]["cadence"]["new"])
        for c in data["changed"] if c["cause"] == "policy"
    }  # fmt: skip
    assert moved == {
        "R-001": ("yellow", "green", "weekly", "bi-weekly"),  # score 9
        "R-003": ("yellow", "green", "weekly", "bi-weekly"),  # score 8
    }
    changes = {c["key"]: c for c in data["policy_changes"]}
    assert changes["bands.yellow.min_score"]["new"] == 10  # a number, as the file has it
    assert changes["bands.yellow.min_score"]["file"] == BASE_POLICY_PATH
    line = next(i for i, x in enumerate(raised.decode().splitlines(), 1) if "min_score: 10" in x)
    assert changes["bands.yellow.min_score"]["line"] == line
    assert (changes["extends.ref"]["old"], changes["extends.ref"]["new"]) == (first, second)
    assert "file" not in changes["extends.ref"]  # in the repository's own policy
    (asked,) = [a for a in data["approvals"] if a["risk"] is None]
    assert (asked["role"], asked["state"]) == ("program sponsor", "nobody")
    # The sponsor's approval is asked where the threshold changed: in the vendored base.
    approvals = build_report(root, "HEAD~1", "HEAD").comparison.approvals
    sponsor = next(a for a in approvals if a.risk is None)
    assert (sponsor.file, sponsor.line) == (BASE_POLICY_PATH, line)

    markdown = run_riskbot("pr", "--root", str(root), "--base", "HEAD~1", "--head", "HEAD",
                           "--today", TODAY).stdout  # fmt: skip
    assert f"### Policy changes (`{POLICY_PATH}`, `{BASE_POLICY_PATH}`)" in markdown
    assert f"(`{BASE_POLICY_PATH}:{line}`) — needs the program sponsor" in markdown
    for risk in ("R-001", "R-003"):
        row = next(x for x in markdown.splitlines() if x.startswith(f"| **{risk}**"))
        assert "Yellow → Green" in row, row
        assert "by the policy" in row, row


def test_a_base_that_fixes_what_the_repository_sets_fails_on_the_repository_line(
    github_server: FakeGitHub, tmp_path: Path
) -> None:
    strict = BASE.replace(b"  - roles\n", b"")  # roles are the organisation's alone now
    github_server.add_repo(ORG, {BASE_FILE: strict})
    root = register(tmp_path)
    done = pull(root, github_server)
    assert done.returncode == 1
    pinned = (root / POLICY_PATH).read_text(encoding="utf-8").splitlines()
    line = next(i for i, x in enumerate(pinned, 1) if x.startswith("roles:"))
    expected = f"{POLICY_PATH}:{line}:1: error[base-override] `roles` is fixed by the base policy"
    assert expected in done.stderr
    assert "the policy resolved with this base has errors" in done.stdout
    assert (root / BASE_POLICY_PATH).read_bytes() == strict  # written: fixed in the same change


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("no token", "GITHUB_TOKEN is not set: the base policy is read from acme/.github"),
        ("refused token", "GitHub refused the token for acme/.github (401"),
        ("no repository", "acme/.github: no such repository, or this token cannot read it (404)"),
        ("no ref", "acme/.github has no branch, tag or commit 'v9'"),
        ("no file", "acme/.github has no file riskbot/base.yml at "),
        ("a folder", "acme/.github:riskbot/base.yml is a folder at "),
        ("no extends", "the policy extends no base: add `extends: {repo: OWNER/NAME, path: FILE}`"),
    ],
)
def test_what_cannot_be_pulled_is_named_and_nothing_is_written(
    github_server: FakeGitHub, tmp_path: Path, case: str, message: str
) -> None:
    files = {"riskbot/base.yml/inside.yml": BASE} if case == "a folder" else {BASE_FILE: BASE}
    if case == "no file":
        files = {"riskbot/other.yml": BASE}
    if case != "no repository":
        github_server.add_repo(ORG, files)
    policy = "version: 1\nprogram: Alone\n" if case == "no extends" else POLICY
    root = register(tmp_path, policy)
    env = env_of(github_server)
    if case == "no token":
        del env["GITHUB_TOKEN"]
    if case == "refused token":
        env["GITHUB_TOKEN"] = "not-the-token"
    args = ("--ref", "v9") if case == "no ref" else ()
    done = pull(root, github_server, *args, env=env)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert "not-the-token" not in done.stderr + done.stdout
    assert not (root / BASE_POLICY_PATH).exists()
    assert (root / POLICY_PATH).read_text(encoding="utf-8") == policy


def test_a_failing_read_is_retried(github_server: FakeGitHub, tmp_path: Path) -> None:
    github_server.add_repo(ORG, {BASE_FILE: BASE})
    github_server.inject(Fault.server_error(502, path=f"/repos/{ORG}/contents/.*"))
    root = register(tmp_path)
    done = pull(root, github_server)
    assert done.returncode == 0, done.stderr
    assert (root / BASE_POLICY_PATH).read_bytes() == BASE
    statuses = [r.status for r in github_server.requests if "/contents/" in r.path]
    assert statuses == [502, 200]


def test_pull_writes_through_no_symbolic_link(github_server: FakeGitHub, tmp_path: Path) -> None:
    github_server.add_repo(ORG, {BASE_FILE: BASE})
    root = register(tmp_path / "repo")
    elsewhere = tmp_path / "outside.yml"
    elsewhere.write_text("keep me\n", encoding="utf-8")
    os.symlink(elsewhere, root / BASE_POLICY_PATH)
    done = pull(root, github_server)
    assert done.returncode == 1
    assert "will not write through the symbolic link" in done.stderr
    assert elsewhere.read_text(encoding="utf-8") == "keep me\n"
    assert (root / POLICY_PATH).read_text(encoding="utf-8") == POLICY  # nothing written


def test_an_empty_base_repository_is_a_read_that_failed(
    github_server: FakeGitHub, tmp_path: Path
) -> None:
    github_server.add_repo(ORG)
    empty = {"message": "Git Repository is empty.", "status": "409"}
    github_server.inject(Fault(status=409, path=f"/repos/{ORG}/commits/.*", body=empty))
    root = register(tmp_path)
    done = pull(root, github_server)
    assert done.returncode == 1
    assert "acme/.github could not be read: 409 Git Repository is empty." in done.stderr
    assert not (root / BASE_POLICY_PATH).exists()


def test_a_file_too_large_for_a_policy_is_refused(
    github_server: FakeGitHub, tmp_path: Path
) -> None:
    github_server.add_repo(ORG, {BASE_FILE: BASE + b"#" * (1024 * 1024)})
    root = register(tmp_path)
    done = pull(root, github_server)
    assert done.returncode == 2
    assert f"{ORG}:{BASE_FILE} is {len(BASE) + 1024 * 1024} bytes" in done.stderr
    assert not (root / BASE_POLICY_PATH).exists()
