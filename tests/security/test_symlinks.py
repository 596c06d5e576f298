"""Case 10: nothing is read, echoed or rewritten through a symbolic link.

A pull request can commit a link; the working tree the PR job checks out then holds it. riskbot
refuses every link under ``risks/`` — to a file or a folder, leading outside the repository or
inside it (the simplest rule that is safe: a link inside today can be retargeted tomorrow) — and
a linked ``risks/`` or policy. Each refusal is an error on the link's own path, line 1.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.register.load import Register, SourceFile
from bot.repo.git import blob_ids, register_tree, resolve, sources_of, start_reading_blobs
from bot.repo.worktree import read_register
from tests.cli import run_riskbot
from tests.factories import commit, copy_register, git, risk_yaml

SECRET = "TOP-SECRET-OUTSIDE-VALUE"


def register_at(root: Path, rev: str) -> tuple[SourceFile | None, list[SourceFile]]:
    """The policy and risk files of a revision, as riskbot pr reads them."""
    tree = register_tree(root, resolve(root, rev))
    return sources_of(tree, start_reading_blobs(root, blob_ids(tree))())


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside the repository, holding a valid risk file with a secret in it."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "R-900-outside.yaml").write_text(
        risk_yaml("R-900", title=SECRET, category=f"Nope {SECRET}"), encoding="utf-8"
    )
    (folder / "passwd").write_text(f"root:x:0:0:{SECRET}:/root:/bin/bash\n", encoding="utf-8")
    return folder


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return copy_register(tmp_path / "repo")


def check(root: Path) -> tuple[int, dict[str, object], str]:
    done = run_riskbot("check", "--root", str(root), "--format", "json")
    assert SECRET not in done.stdout + done.stderr, "a value from outside the repository leaked"
    return done.returncode, json.loads(done.stdout), done.stderr


def link_findings(report: dict[str, object]) -> list[tuple[str, int, str]]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return [
        (f["file"], f["line"], f["severity"]) for f in findings if "symbolic link" in f["message"]
    ]


@pytest.mark.parametrize("target", ["R-900-outside.yaml", "passwd"])
def test_a_linked_risk_file_leading_outside_is_an_error_and_not_read(
    repo: Path, outside: Path, target: str
) -> None:
    os.symlink(outside / target, repo / "risks" / "R-900-outside.yaml")
    code, report, _ = check(repo)
    assert code == 1
    assert link_findings(report) == [("risks/R-900-outside.yaml", 1, "error")]
    assert "R-900" not in [r["id"] for r in report["risks"]]  # type: ignore[attr-defined]


def test_a_linked_folder_under_risks_is_an_error_and_not_read(repo: Path, outside: Path) -> None:
    os.symlink(outside, repo / "risks" / "more", target_is_directory=True)
    code, report, _ = check(repo)
    assert code == 1
    assert link_findings(report) == [("risks/more", 1, "error")]


def test_a_linked_risks_folder_is_an_error_and_not_read(tmp_path: Path, outside: Path) -> None:
    repo = tmp_path / "repo"
    copy_register(repo)
    (repo / "risks").rename(tmp_path / "elsewhere")
    os.symlink(outside, repo / "risks", target_is_directory=True)
    code, report, _ = check(repo)
    assert code == 1
    assert link_findings(report) == [("risks", 1, "error")]
    assert report["risks"] == []


def test_a_link_inside_the_repository_is_refused_too(repo: Path) -> None:
    (repo / "docs").mkdir()
    (repo / "docs" / "R-901-inside.yaml").write_text(risk_yaml("R-901"), encoding="utf-8")
    os.symlink(Path("..") / "docs" / "R-901-inside.yaml", repo / "risks" / "R-901-inside.yaml")
    loaded = read_register(repo)
    assert [(f.file, f.line) for f in loaded.errors] == [("risks/R-901-inside.yaml", 1)]
    assert "R-901" not in [a.risk.id for a in loaded.assessments]


def test_a_linked_policy_is_refused(repo: Path, outside: Path) -> None:
    policy = repo / ".github" / "riskbot.yml"
    policy.rename(outside / "riskbot.yml")
    os.symlink(outside / "riskbot.yml", policy)
    loaded = read_register(repo)
    assert not isinstance(loaded, Register)
    assert [(f.file, f.line, f.code) for f in loaded.errors] == [
        (".github/riskbot.yml", 1, "symlink")
    ]


def test_links_committed_to_git_are_refused_at_a_revision(repo: Path, outside: Path) -> None:
    git(repo, "init", "-q", "-b", "main")
    os.symlink(outside / "R-900-outside.yaml", repo / "risks" / "R-900-outside.yaml")
    commit(repo, "links")
    _, risks = register_at(repo, "HEAD")
    refused = [s for s in risks if s.refused]
    assert [(s.name, s.raw) for s in refused] == [("risks/R-900-outside.yaml", b"")]


def test_review_never_writes_through_a_link(repo: Path, outside: Path) -> None:
    target = outside / "R-900-outside.yaml"
    before = target.read_bytes()
    os.symlink(target, repo / "risks" / "R-900-outside.yaml")
    done = run_riskbot("review", "R-900", "--root", str(repo), "--date", "2026-11-27")
    assert done.returncode == 1
    assert "symbolic link" in done.stderr
    assert target.read_bytes() == before


def test_review_never_writes_through_a_linked_risks_folder(tmp_path: Path, outside: Path) -> None:
    repo = tmp_path / "repo"
    copy_register(repo)
    (repo / "risks").rename(tmp_path / "elsewhere")
    os.symlink(outside, repo / "risks", target_is_directory=True)
    target = outside / "R-900-outside.yaml"
    before = target.read_bytes()
    done = run_riskbot("review", "R-900", "--root", str(repo), "--date", "2026-11-27")
    assert done.returncode == 1
    assert target.read_bytes() == before


# -- nothing is written through a link either: one writer for every command that writes --------


def test_init_never_writes_through_a_linked_folder(tmp_path: Path, outside: Path) -> None:
    """``init`` writes through the same writer as ``import``: a linked ``.github`` is refused."""
    from bot import __version__

    target = tmp_path / "new-repo"
    target.mkdir()
    os.symlink(outside, target / ".github", target_is_directory=True)
    done = run_riskbot("init", str(target), "--source", f"riskbot=={__version__}", "--force")
    assert done.returncode == 1, done.stderr
    assert "will not write through the symbolic link" in done.stderr
    assert sorted(p.name for p in outside.iterdir()) == ["R-900-outside.yaml", "passwd"]
    assert not (target / "risks").exists()  # nothing at all was written


@pytest.mark.parametrize("command", ["report", "retro"])
def test_a_document_is_never_written_through_a_link(
    repo: Path, outside: Path, command: str
) -> None:
    link = repo / "out.md"
    os.symlink(outside / "passwd", link)
    before = (outside / "passwd").read_bytes()
    args = ["report"] if command == "report" else ["retro", "v2"]
    done = run_riskbot(*args, "--root", str(repo), "--output", str(link))
    assert "will not write through the symbolic link" in done.stderr
    assert done.returncode == 1
    assert (outside / "passwd").read_bytes() == before


def test_new_never_writes_through_a_linked_risks_folder(tmp_path: Path, outside: Path) -> None:
    repo = copy_register(tmp_path / "repo")
    (repo / "risks").rename(tmp_path / "elsewhere")
    os.symlink(outside, repo / "risks", target_is_directory=True)
    done = run_riskbot(
        "new",
        "--root",
        str(repo),
        *("--title", "Key person leaves", "--category", "Organizational", "--phase", "All"),
        *("--impact", "2", "--probability", "2", "--owner", "@alice", "--description", "x"),
    )
    assert done.returncode == 1
    assert sorted(p.name for p in outside.iterdir()) == ["R-900-outside.yaml", "passwd"]


def test_report_never_overwrites_a_committed_risks_md_that_links_outside(
    repo: Path, outside: Path
) -> None:
    os.symlink(outside / "passwd", repo / "RISKS.md")
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "RISKS.md is a link")
    before = (outside / "passwd").read_bytes()
    done = run_riskbot("report", "--root", str(repo))
    assert done.returncode == 1
    assert "will not write through the symbolic link" in done.stderr
    assert (outside / "passwd").read_bytes() == before


@pytest.mark.parametrize("command", ["report", "retro"])
def test_a_document_is_never_written_into_a_linked_folder(
    repo: Path, outside: Path, command: str
) -> None:
    """``--output docs/out.md`` where ``docs`` is a committed link: the folder on the way is a
    link, whichever folder the command runs from."""
    os.symlink(outside, repo / "docs", target_is_directory=True)
    args = ["report"] if command == "report" else ["retro", "v2"]
    done = run_riskbot(*args, "--root", ".", "--output", "docs/out.md", cwd=repo)
    assert done.returncode == 1, done.stderr
    assert "will not write through the symbolic link" in done.stderr
    assert sorted(p.name for p in outside.iterdir()) == ["R-900-outside.yaml", "passwd"]
