"""Every input ends in a finding or a clear message: never an internal error (exit 3), a write
outside the repository, or a workflow command. Each case here was found by trying such inputs."""

from __future__ import annotations

from pathlib import Path

from tests.cli import run_riskbot
from tests.factories import commit, copy_register, git, line_of, risk_yaml, write_risk

INTERNAL = "internal error"


def repo(tmp_path: Path) -> Path:
    """The frozen register in a git repository, one commit."""
    root = copy_register(tmp_path / "repo")
    git(root, "init", "-q", "-b", "main")
    commit(root, "register")
    return root


def test_an_id_with_a_final_newline_is_an_error_everywhere(tmp_path: Path) -> None:
    """``^R-[0-9]{3,}$`` matched ``"R-100\\n"``: check and pr passed, sync opened issues and then
    failed on the marker (exit 3)."""
    root = repo(tmp_path)
    path = write_risk(
        root,
        "R-100\n-x.yaml",
        risk_yaml("R-100\n", impact={"level": 5}, probability={"level": 5}),
    )
    commit(root, "a Red risk whose id ends in a newline")
    line = line_of(path.read_text(encoding="utf-8"), "id:")
    check = run_riskbot("check", "--root", str(root))
    assert check.returncode == 1, check.stdout
    assert f"-x.yaml:{line}:" in check.stdout
    assert "$.id: 'R-100\\n' is not a risk id" in check.stdout
    pr = run_riskbot("pr", "--base", "HEAD~1", "--head", "HEAD", "--root", str(root))
    assert pr.returncode == 1, pr.stdout
    sync = run_riskbot("sync", "--dry-run", "--root", str(root))
    assert sync.returncode == 1, sync.stderr
    assert INTERNAL not in sync.stderr
    assert "would create issue red-issue/R-100" not in sync.stderr


def test_a_policy_login_with_a_final_newline_is_an_error(tmp_path: Path) -> None:
    root = repo(tmp_path)
    policy = root / ".github" / "riskbot.yml"
    text = policy.read_text(encoding="utf-8").replace(
        "name: Team Lead\n    logins: []", 'name: Team Lead\n    logins: ["lead\\n"]'
    )
    policy.write_text(text, encoding="utf-8")
    check = run_riskbot("check", "--root", str(root))
    assert check.returncode == 1, check.stdout
    login_line = line_of(text, 'logins: ["lead')
    assert f"riskbot.yml:{login_line}:" in check.stdout
    assert "'lead\\n' is not a GitHub login" in check.stdout
    for args in (["sync", "--dry-run"], ["remind", "--dry-run", "--today", "2026-11-27"]):
        done = run_riskbot(*args, "--root", str(root))
        assert done.returncode == 2, done.stderr
        assert INTERNAL not in done.stderr
        assert "the policy has errors" in done.stderr
