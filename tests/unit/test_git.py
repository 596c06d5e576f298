"""The one git runner and the one reader of ``git cat-file --batch``: what they answer, and
how they fail (always a GitError naming git's own words)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bot.repo.git import GitError, git, start_git, start_reading_objects


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, str]:
    run = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*run, "init", "-q"], check=True)
    (tmp_path / "a.txt").write_text("one\n", encoding="utf-8")
    subprocess.run([*run, "add", "-A"], check=True)
    subprocess.run([*run, "commit", "-q", "-m", "first"], check=True)
    return tmp_path, git(tmp_path, "rev-parse", "HEAD").decode().strip()


@pytest.mark.parametrize("spool", [False, True])
def test_git_answers_in_the_background_and_fails_with_its_last_word(
    repo: tuple[Path, str], spool: bool
) -> None:
    root, head = repo
    assert start_git(root, "rev-parse", "HEAD", spool=spool)().decode().strip() == head
    with pytest.raises(GitError, match=r"^git rev-parse --verify: fatal: Needed a single"):
        start_git(root, "rev-parse", "--verify", "no-such-rev", spool=spool)()


def test_outside_a_repository_and_without_git_it_is_a_git_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(GitError, match="not a git repository"):
        git(tmp_path, "rev-parse", "HEAD")
    monkeypatch.setenv("PATH", str(tmp_path))  # no git here
    with pytest.raises(GitError, match="git rev-parse failed"):
        git(tmp_path, "rev-parse", "HEAD")


def test_one_reader_for_many_objects(repo: tuple[Path, str]) -> None:
    root, head = repo
    found = start_reading_objects(root, [f"{head}:a.txt", f"{head}:missing.txt", "HEAD"])()
    assert found[f"{head}:missing.txt"] is None
    blob = found[f"{head}:a.txt"]
    assert blob is not None
    assert blob[1:] == ("blob", b"one\n")
    commit = found["HEAD"]
    assert commit is not None
    assert (commit[0], commit[1]) == (head, "commit")
    assert start_reading_objects(root, [])() == {}
