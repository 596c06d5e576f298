"""The tests' one runner of the command line gives each run a process of its own, in effect.

``run_riskbot`` runs riskbot inside the test's process; a run must neither see what the host or
an earlier run left behind nor leave anything behind itself. (That it prints what the installed
command prints is tests/acceptance/test_installed.py.)
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

import bot.repo.worktree
from tests.cli import run_riskbot
from tests.factories import REGISTER, copy_register


def test_the_hosts_actions_variables_never_reach_a_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    host_summary, given_summary = tmp_path / "host.md", tmp_path / "given.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")  # in Actions, sync without a token exits 2
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(host_summary))
    done = run_riskbot("sync", "--root", str(REGISTER))
    assert done.returncode == 0, done.stderr
    assert "dry run" in done.stderr
    assert not host_summary.exists()
    given = run_riskbot(
        "sync", "--root", str(REGISTER), env={"GITHUB_STEP_SUMMARY": str(given_summary)}
    )
    assert given.returncode == 0, given.stderr
    assert "### riskbot sync (dry run)" in given_summary.read_text(encoding="utf-8")
    assert not host_summary.exists()
    in_actions = run_riskbot("sync", "--root", str(REGISTER), env={"GITHUB_ACTIONS": "true"})
    assert in_actions.returncode == 2


def test_a_run_has_its_own_directory_arguments_and_empty_stdin(tmp_path: Path) -> None:
    root = copy_register(tmp_path / "register")
    done = run_riskbot("new", "--title", "T", cwd=root / "risks")  # found upward from risks/
    assert done.returncode == 2
    assert "--category is required when stdin is not a terminal" in done.stderr
    assert done.args == ["riskbot", "new", "--title", "T"]


def process_state() -> dict[str, Any]:
    return {
        "environ": dict(os.environ),
        "cwd": os.getcwd(),
        "argv": list(sys.argv),
        "streams": (sys.stdin, sys.stdout, sys.stderr, sys.__stdin__, sys.__stdout__),
        "sigusr1": signal.getsignal(signal.SIGUSR1),
        "root handlers": list(logging.getLogger().handlers),
        "root level": logging.getLogger().level,
        "umask": os.umask(0o022),
    }


def riskbot_caches() -> dict[str, int]:
    """The memo caches of the loaded riskbot modules and how many entries each holds."""
    found = {}
    for name, module in list(sys.modules.items()):
        if name.startswith("bot.") and module is not None:
            for attr, value in vars(module).items():
                info = getattr(value, "cache_info", None)
                if callable(info) and getattr(value, "__module__", None) == name:
                    found[f"{name}.{attr}"] = info().currsize
    return found


@pytest.mark.parametrize("ending", ["exit", "exception"])
def test_what_a_run_changes_in_the_process_is_put_back(
    ending: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    real_read = bot.repo.worktree.read_register

    def leaky_read(*args: Any, **kwargs: Any) -> Any:
        os.environ["LEAKED"] = "1"
        os.chdir(tmp_path)
        signal.signal(signal.SIGUSR1, lambda *_: None)
        logging.getLogger().addHandler(logging.NullHandler())
        logging.getLogger().setLevel(logging.DEBUG)
        os.umask(0o077)
        loaded = real_read(*args, **kwargs)
        assert any(riskbot_caches().values())  # the run filled some
        if ending == "exception":
            raise RuntimeError("bug")
        return loaded

    monkeypatch.setattr(bot.repo.worktree, "read_register", leaky_read)
    before = process_state()
    os.umask(before["umask"])
    done = run_riskbot("check", "--root", str(REGISTER), env={"GIVEN": "1"})
    assert done.returncode == (0 if ending == "exit" else 3), done.stderr
    after = process_state()
    os.umask(before["umask"])
    assert after == before
    assert "LEAKED" not in os.environ
    assert "GIVEN" not in os.environ
    assert set(riskbot_caches().values()) <= {0}
