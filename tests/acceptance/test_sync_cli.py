"""`riskbot sync` with Actions variables, on the local server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli import Result, run_riskbot
from tests.factories import REGISTER, copy_register
from tests.fakegithub.server import FakeGitHub

SECRET = "ghs_SuperSecretToken1234567890abcdef"


def run_sync(
    server: FakeGitHub,
    root: Path,
    *args: str,
    token: str | None = SECRET,
    extra: dict[str, str] | None = None,
) -> Result:
    env = {
        "GITHUB_REPOSITORY": server.repo,
        "GITHUB_API_URL": server.url,
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(root / "summary.md"),
        "GITHUB_OUTPUT": str(root / "outputs"),
    }
    if token is not None:
        env["GITHUB_TOKEN"] = token
    env.update(extra or {})
    return run_riskbot(
        "sync",
        "--root",
        str(root),
        "--write-interval",
        "0",
        "--today",
        "2026-11-27",
        *args,
        env=env,
    )


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_register(tmp_path)


def test_sync_creates_then_rerun_is_quiet(github_server: FakeGitHub, root: Path) -> None:
    github_server.token = SECRET
    first = run_sync(github_server, root)
    assert first.returncode == 0, first.stderr
    assert "riskbot sync: complete:" in first.stderr
    assert len(github_server.state.issues) == 3
    summary = (root / "summary.md").read_text(encoding="utf-8")
    assert "### riskbot sync" in summary
    assert "complete<<ghadelimiter_" in (root / "outputs").read_text(encoding="utf-8")
    second = run_sync(github_server, root)
    assert second.returncode == 0
    assert " 0 writes" in second.stderr


def test_token_is_never_printed(github_server: FakeGitHub, root: Path) -> None:
    github_server.token = "another-token"
    result = run_sync(github_server, root, extra={"RISKBOT_DEBUG": "1"})
    assert result.returncode == 2  # a token GitHub refuses is a setup error
    assert "401" in result.stderr
    everything = result.stdout + result.stderr + (root / "summary.md").read_text()
    assert SECRET not in everything
    assert "Traceback" not in everything


def test_budget_exhaustion_exits_1_and_says_what_is_left(
    github_server: FakeGitHub, root: Path
) -> None:
    github_server.token = SECRET
    result = run_sync(github_server, root, "--budget", "3")
    assert result.returncode == 1
    assert "INCOMPLETE" in result.stderr
    assert "write budget of 3 spent" in result.stderr
    assert "left undone:" in result.stderr
    assert "::error::riskbot sync stopped" in result.stdout


def test_without_token_it_is_a_dry_run(github_server: FakeGitHub, root: Path) -> None:
    result = run_sync(github_server, root, token=None, extra={"GITHUB_ACTIONS": "false"})
    assert result.returncode == 0
    assert "dry run" in result.stderr
    assert "would create issue red-issue/R-001" in result.stderr
    assert github_server.requests == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"GITHUB_TOKEN": "two words"}, "GITHUB_TOKEN is malformed"),
        ({"GITHUB_REPOSITORY": "not-a-repo"}, "GITHUB_REPOSITORY is malformed"),
        ({"GITHUB_API_URL": "ftp://x"}, "GITHUB_API_URL is malformed"),
        ({"GITHUB_SHA": "xyz"}, "GITHUB_SHA is malformed"),
    ],
)
def test_bad_settings_are_one_clear_line(
    github_server: FakeGitHub, root: Path, extra: dict[str, str], message: str
) -> None:
    result = run_sync(github_server, root, extra=extra)
    assert result.returncode == 2
    assert message in result.stderr
    assert "two words" not in result.stderr
    assert "Traceback" not in result.stderr


def test_json_contract_unchanged_by_sync_import() -> None:
    # `check` stays offline and PyGithub-free even with the GitHub layer installed.
    result = run_riskbot("check", "--root", str(REGISTER), "--format", "json")
    assert json.loads(result.stdout)["ok"] is True
