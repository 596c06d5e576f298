"""One error type, one table of exit codes: 0 ok, 1 findings or partial, 2 usage, 3 internal,
130 interrupted."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import bot.repo.worktree
from bot.errors import (
    EXIT_CODES,
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
)
from tests.cli import RISKBOT, Result, clean_env, run_riskbot
from tests.factories import REGISTER, REPO, copy_register


def broken(*args: object, **kwargs: object) -> None:
    raise RuntimeError("simulated bug")


@pytest.fixture
def run_bug(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """A bug, simulated: ``riskbot check`` with the library function it calls failing."""
    monkeypatch.setattr(bot.repo.worktree, "read_register", broken)

    def run(env: dict[str, str] | None = None) -> Result:
        return run_riskbot("check", "--root", str(REGISTER), env=env)

    return run


def test_an_internal_error_exits_3_with_the_debug_hint_and_no_traceback(
    run_bug: Callable[..., Result],
) -> None:
    result = run_bug()
    assert result.returncode == EXIT_INTERNAL == 3
    assert "riskbot: internal error: RuntimeError: simulated bug" in result.stderr
    assert "RISKBOT_DEBUG=1" in result.stderr
    assert "Traceback" not in result.stderr


def test_riskbot_debug_shows_the_traceback(run_bug: Callable[..., Result]) -> None:
    result = run_bug({"RISKBOT_DEBUG": "1"})
    assert result.returncode != 0
    assert "Traceback" in result.stderr


def test_each_exit_code_of_the_command_line(tmp_path: Path) -> None:
    assert run_riskbot("check", "--root", str(REGISTER)).returncode == EXIT_OK
    root = copy_register(tmp_path / "r")
    (root / "risks" / "R-001-postgresql-migration.yaml").write_text("id: [\n", encoding="utf-8")
    assert run_riskbot("check", "--root", str(root)).returncode == EXIT_FINDINGS
    missing = run_riskbot("review", "R-099", "--root", str(REGISTER))
    assert missing.returncode == EXIT_FINDINGS
    assert missing.stderr.startswith("riskbot: ")
    usage = run_riskbot("check", "--today", "someday", "--root", str(REGISTER))
    assert usage.returncode == EXIT_USAGE
    assert run_riskbot("no-such-command").returncode == EXIT_USAGE
    (root / ".github" / "riskbot.yml").write_text("program: [\n", encoding="utf-8")
    broken_policy = run_riskbot("sync", "--dry-run", "--root", str(root))
    assert broken_policy.returncode == EXIT_USAGE
    assert "the policy has errors" in broken_policy.stderr


def test_the_readme_table_lists_every_exit_code() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for code in EXIT_CODES:
        assert f"| {code} |" in readme


def holds(pid: int, path: Path) -> bool:
    """Whether process ``pid`` has ``path`` open (Linux's /proc)."""
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                if os.readlink(fd) == str(path):
                    return True
    return False


def test_ctrl_c_exits_130_without_a_traceback(tmp_path: Path) -> None:
    """A real process, stopped by SIGINT while it waits to read: 130, as a shell reports it."""
    fifo = tmp_path / "plan.md"
    os.mkfifo(fifo)
    proc = subprocess.Popen(
        [RISKBOT, "import", str(fifo), "--out", str(tmp_path / "out")],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(),
    )
    writer = -1
    try:
        deadline = time.monotonic() + 30
        while writer < 0:  # opens once riskbot has opened the plan to read it
            try:
                writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, "riskbot never opened the plan"
                time.sleep(0.05)
        # The writer's open can return while riskbot's open of the plan is still returning: a
        # signal then may not reach the read. Where /proc tells, wait until riskbot holds the plan.
        while Path(f"/proc/{proc.pid}/fd").is_dir() and not holds(proc.pid, fifo):
            assert time.monotonic() < deadline, "riskbot never held the plan open"
            time.sleep(0.01)
        proc.send_signal(signal.SIGINT)  # riskbot now waits for the plan's bytes
        _, err = proc.communicate(timeout=30)
    finally:
        if writer >= 0:
            os.close(writer)
        proc.kill()
    assert proc.returncode == EXIT_INTERRUPTED, err
    assert err.strip() == "Aborted!"
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()
