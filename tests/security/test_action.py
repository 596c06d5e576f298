"""Case 9: the composite action runs the riskbot it pins, never the caller's code.

The old run step was ``python - <<EOF ... from bot.cli import main``: ``python -`` puts the working
directory first on ``sys.path``, so a repository (or a pull request) with its own ``bot/cli.py``
ran that instead, with the token in its environment. The steps here are action.yml's own
scripts, run with bash in a workspace that holds such a ``bot/`` package (and ``venv/`` and
``pip/`` look-alikes, which ``python -m`` would pick up from the working directory too).
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.factories import REPO, copy_register

ACTION = REPO / "action.yml"
PWNED = "pwned.txt"


def steps() -> dict[str, dict[str, Any]]:
    doc = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return {step["name"]: step for step in doc["runs"]["steps"]}


def hostile_workspace(root: Path) -> Path:
    """A checked-out register whose repository also ships look-alikes of riskbot, venv, pip."""
    copy_register(root)
    for package in ("bot", "venv", "pip"):
        (root / package).mkdir()
        payload = (
            "import os, pathlib\n"
            f"pathlib.Path({PWNED!r}).write_text(os.environ.get('GITHUB_TOKEN', ''))\n"
            "raise SystemExit(0)\n"
        )
        (root / package / "__init__.py").write_text(payload, encoding="utf-8")
        (root / package / "__main__.py").write_text(payload, encoding="utf-8")
    (root / "bot" / "cli.py").write_text(
        f"import pathlib\npathlib.Path({PWNED!r}).write_text('x')\ndef main(): pass\n",
        encoding="utf-8",
    )
    return root


def installed_venv(runner_temp: Path) -> Path:
    """``$RUNNER_TEMP/riskbot-venv`` as the install step leaves it, made without the network:
    a fresh venv that sees this checkout's riskbot and its dependencies (as installed here)."""
    venv = runner_temp / "riskbot-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    target = next((venv / "lib").glob("python3*/site-packages"))
    here = [p for p in site.getsitepackages() if Path(p).is_dir()]
    lines = "".join(f"import site; site.addsitedir({p!r})\n" for p in here)
    (target / "riskbot_test_deps.pth").write_text(lines, encoding="utf-8")
    return venv


def run_step(name: str, workspace: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    script = steps()[name]["run"]
    full = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(workspace)),
        **env,
    }
    return subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=workspace,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return hostile_workspace(tmp_path / "workspace")


def test_the_run_step_runs_the_installed_riskbot_not_the_workspace_one(
    workspace: Path, tmp_path: Path
) -> None:
    runner_temp = tmp_path / "runner-temp"
    venv = installed_venv(runner_temp)
    env = {
        # The python first on PATH is the venv's, as if setup-python had put it there: the
        # old `python -` step would run the workspace's bot/cli.py with it.
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "RUNNER_TEMP": str(runner_temp),
        "RISKBOT_COMMAND": "check",
        "RISKBOT_ARGS": "--format 'json' --root .",
        "GITHUB_TOKEN": "ghs_secret",
    }
    done = run_step("Run riskbot", workspace, env)
    assert not (workspace / PWNED).exists(), "the workspace's bot/cli.py ran"
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)  # riskbot's own check, with the args split like words
    assert report["ok"] is True
    assert len(report["risks"]) == 10


def test_the_run_step_refuses_an_unknown_command(workspace: Path, tmp_path: Path) -> None:
    env = {"RUNNER_TEMP": str(tmp_path), "RISKBOT_COMMAND": "init; id", "RISKBOT_ARGS": ""}
    done = run_step("Run riskbot", workspace, env)
    assert done.returncode == 2
    assert done.stdout.startswith("::error title=riskbot::")
    assert not (workspace / PWNED).exists()


def test_the_install_step_builds_an_isolated_venv_from_the_action_checkout() -> None:
    script = steps()["Install riskbot from the action's checkout"]["run"]
    lines = [line.strip() for line in script.strip().splitlines()]
    # `python -I -m ...`: isolated mode, so a venv/ or pip/ in the workspace is never imported.
    assert lines == [
        'python -I -m venv "$RUNNER_TEMP/riskbot-venv"',
        '"$RUNNER_TEMP/riskbot-venv/bin/python" -I -m pip install --quiet '
        '--disable-pip-version-check "$ACTION_PATH"',
    ]


def test_every_python_the_action_starts_is_isolated() -> None:
    for step in steps().values():
        script = step.get("run", "")
        for line in script.splitlines():
            if "python" in line and not line.lstrip().startswith(("#", "import", "from")):
                assert " -I " in f"{line} ", f"{step['name']}: {line.strip()} is not isolated"
