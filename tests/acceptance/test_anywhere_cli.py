"""Commands find the register from any folder inside it; outputs and skipped files are said."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot import __version__
from tests.cli import run_riskbot as run
from tests.factories import copy_policy, copy_register, git, outcome, risk_yaml, write_risk


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The frozen register in a git repository of its own, with a folder below the risks."""
    root = copy_register(tmp_path / "repo")
    git(root, "init", "-q", "-b", "main")
    (root / "docs" / "deep").mkdir(parents=True)
    return root


# --- 3. the register root, found upward -----------------------------------------------------


@pytest.mark.parametrize("below", ["risks", "docs/deep", ".github"])
def test_check_from_a_subfolder_checks_the_register_above(repo: Path, below: str) -> None:
    at_root = run("check", "--format", "json", "--today", "2026-11-27", cwd=repo)
    inside = run("check", "--format", "json", "--today", "2026-11-27", cwd=repo / below)
    assert inside.returncode == at_root.returncode == 0, inside.stdout + inside.stderr
    assert json.loads(inside.stdout) == json.loads(at_root.stdout)
    assert len(json.loads(inside.stdout)["risks"]) == 10


# riskbot runs from an editable install here: init needs a pinned source to write.
SOURCE = f"riskbot=={__version__}"


def test_root_option_still_wins(repo: Path, tmp_path: Path) -> None:
    other = copy_policy(tmp_path / "other")
    write_risk(other, "R-100-x.yaml", risk_yaml("R-100"))
    result = run("check", "--root", str(other), "--format", "json", cwd=repo / "risks")
    assert [r["id"] for r in json.loads(result.stdout)["risks"]] == ["R-100"]


def test_the_search_stops_at_the_repository_root(repo: Path) -> None:
    inner = repo / "docs" / "deep" / "vendored"
    inner.mkdir()
    git(inner, "init", "-q", "-b", "main")
    result = run("check", cwd=inner)
    assert result.returncode == 1
    assert "10 risks" not in result.stdout
    message = result.stdout.splitlines()[0]
    missing = ".github/riskbot.yml:1: error[policy-missing] policy file not found: "
    assert message.startswith(missing)
    assert f"looked for .github/riskbot.yml in {inner.resolve()}" in message
    assert f"up to the repository root {inner.resolve()}" in message


def test_without_a_repository_the_search_names_where_it_looked(tmp_path: Path) -> None:
    place = tmp_path / "a" / "b"
    place.mkdir(parents=True)
    result = run("check", cwd=place)
    assert result.returncode == 1
    assert f"looked for .github/riskbot.yml in {place.resolve()}" in result.stdout
    assert "up to the filesystem root" in result.stdout
    named = run("check", "--root", str(place))
    assert f"{place / '.github' / 'riskbot.yml'} does not exist" in named.stdout


def test_the_other_commands_find_the_root_too(repo: Path) -> None:
    below = repo / "docs" / "deep"
    assert run("report", cwd=below).returncode == 0
    assert (repo / "RISKS.md").is_file()
    assert not (below / "RISKS.md").exists()
    assert run("report", "--check", cwd=repo / "risks").returncode == 0
    reviewed = run("review", "R-001", "--date", "2026-11-20", cwd=below)
    assert reviewed.returncode == 0, reviewed.stderr
    assert "2026-11-20" in (repo / "risks" / "R-001-postgresql-migration.yaml").read_text()
    new = run(
        "new", "--title", "Key Person Leaves", "--category", "Organizational", "--phase", "All",
        "--impact", "2", "--probability", "2", "--owner", "Team Lead", "--description", "d",
        cwd=below,
    )  # fmt: skip
    assert new.returncode == 0, new.stderr
    assert (repo / "risks" / "R-011-key-person-leaves.yaml").is_file()
    assert run("retro", "v3", cwd=below).returncode == 0


def test_init_refuses_a_register_inside_a_register(repo: Path) -> None:
    below = repo / "docs" / "deep"
    refused = run("init", cwd=below)
    assert refused.returncode == 1
    assert f"is inside the register at {repo.resolve()}" in refused.stderr
    assert "--force" in refused.stderr
    assert list(below.iterdir()) == []
    also = run("init", str(below), cwd=repo)
    assert also.returncode == 1
    forced = run("init", "--force", "--source", SOURCE, cwd=below)
    assert forced.returncode == 0, forced.stderr
    assert (below / ".github" / "riskbot.yml").is_file()


def test_init_in_a_repository_of_its_own_below_a_register_is_fine(repo: Path) -> None:
    inner = repo / "docs" / "deep"
    git(inner, "init", "-q", "-b", "main")
    assert run("init", "--source", SOURCE, cwd=inner).returncode == 0


# --- 6. output paths ------------------------------------------------------------------------


def test_outputs_create_their_folders(repo: Path) -> None:
    report = run("report", "--output", "out/docs/RISKS.md", cwd=repo)
    assert report.returncode == 0, report.stderr
    assert (repo / "out" / "docs" / "RISKS.md").is_file()
    write_risk(repo, "R-001-postgresql-migration.yaml", risk_yaml("R-001", outcome=outcome()))
    retro = run("retro", "v3", "--output", "retro/v3.md", cwd=repo)
    assert retro.returncode == 0, retro.stderr
    assert "wrote retro/v3.md" in retro.stdout
    assert (repo / "retro" / "v3.md").read_text(encoding="utf-8").startswith("#")


@pytest.mark.parametrize("command", [["report"], ["retro", "v3"]])
def test_an_output_that_cannot_be_written_is_a_plain_error(repo: Path, command: list[str]) -> None:
    (repo / "notes").write_text("a file, not a folder\n", encoding="utf-8")
    result = run(*command, "--output", "notes/out.md", cwd=repo)
    assert result.returncode == 1
    assert result.stderr == "riskbot: cannot write notes/out.md: notes is a file, not a folder\n"


# --- 7. skipped files and empty registers ---------------------------------------------------


def test_files_riskbot_does_not_read_are_warned_about(repo: Path) -> None:
    risks = repo / "risks"
    (risks / "R-023.YAML").write_text(risk_yaml("R-023"), encoding="utf-8")
    (risks / "notes.txt").write_text("to do\n", encoding="utf-8")
    (risks / "README.md").write_text("# Risks\n", encoding="utf-8")
    (risks / ".gitkeep").write_text("", encoding="utf-8")
    result = run("check", "--format", "json", cwd=repo)
    assert result.returncode == 0  # warnings only
    warned = {f["file"]: f["message"] for f in json.loads(result.stdout)["findings"]}
    assert "rename it to R-023.yaml" in warned["risks/R-023.YAML"]
    assert "not read" in warned["risks/notes.txt"]
    assert "risks/README.md" not in warned
    assert "risks/.gitkeep" not in warned


@pytest.mark.parametrize("risks", ["empty", "missing"])
def test_an_empty_register_gets_a_hint(tmp_path: Path, risks: str) -> None:
    root = copy_policy(tmp_path)
    if risks == "empty":
        (root / "risks").mkdir()
    result = run("check", cwd=root)
    assert result.returncode == 0
    assert "riskbot new" in result.stdout
    assert "riskbot import" in result.stdout
    full = run("check", cwd=copy_register(tmp_path / "full"))
    assert "riskbot new" not in full.stdout
