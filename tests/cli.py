"""The installed ``riskbot``, run as a user runs it: a subprocess with a clean environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

RISKBOT = shutil.which("riskbot", path=str(Path(sys.executable).parent)) or "riskbot"
"""The console script installed beside the interpreter running the tests."""


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without Actions or riskbot variables, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RISKBOT_"))}
    env.update(extra or {})
    return env


def run_riskbot(
    *args: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run ``riskbot ARGS``; ``env`` adds to a clean environment; no terminal on stdin."""
    return subprocess.run(
        [RISKBOT, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=clean_env(env),
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        timeout=timeout,
        check=False,
    )
