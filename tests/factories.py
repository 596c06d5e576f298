"""Small factories for test data: registers, risk files, and the frozen copy of the register."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import yaml

from bot.register.load import Register
from bot.repo.worktree import read_register

REPO = Path(__file__).resolve().parent.parent
REGISTER = REPO / "tests" / "data" / "register"
"""The frozen register the tests read: the plan's policy and ten risks (see its README)."""
POLICY = REGISTER / ".github" / "riskbot.yml"
RISKS = REGISTER / "risks"
SCHEMA_LINE = "# yaml-language-server: $schema=../schema/risk.schema.json\n"


def copy_register(dest: Path) -> Path:
    """Copy the frozen register's policy and risks into ``dest`` and return it."""
    (dest / ".github").mkdir(parents=True, exist_ok=True)
    shutil.copy(POLICY, dest / ".github" / "riskbot.yml")
    shutil.copytree(RISKS, dest / "risks", dirs_exist_ok=True)
    return dest


def risk_data(risk_id: str = "R-100", **overrides: Any) -> dict[str, Any]:
    """A valid risk as a mapping; keyword arguments replace top-level keys."""
    data: dict[str, Any] = {
        "id": risk_id,
        "title": f"Example risk {risk_id}",
        "category": "Technical",
        "phase": "v3",
        "identified": "2024-11-17",
        "description": "Something could go wrong.",
        "impact": {"level": 3, "narrative": "Moderate"},
        "probability": {"level": 2, "narrative": "Unlikely (5-20%)"},
        "mitigation": {"prevention": ["Plan"], "detection": ["Watch"], "response": ["Act"]},
        "owner": "Technical Lead",
        "status": {"state": "active", "note": "In progress"},
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def risk_yaml(risk_id: str = "R-100", **overrides: Any) -> str:
    """A valid risk file's text, with the editor schema line first."""
    return SCHEMA_LINE + yaml.safe_dump(
        risk_data(risk_id, **overrides), sort_keys=False, allow_unicode=True
    )


def numbered_risk_yaml(count: int, **overrides: Any) -> list[tuple[str, str]]:
    """``(R-0001, its text)`` … ``(R-{count:04d}, …)``, each text ``risk_yaml(id, **overrides)``,
    dumped once and numbered (dumping is most of the time a big register takes to make)."""
    placeholder = "R-9999"
    template = risk_yaml(placeholder, **overrides)
    numbered = [
        (f"R-{n:04d}", template.replace(placeholder, f"R-{n:04d}")) for n in range(1, count + 1)
    ]
    assert not numbered or numbered[0][1] == risk_yaml(numbered[0][0], **overrides)
    return numbered


def write_risk(root: Path, name: str, text: str | bytes) -> Path:
    """Write a risk file under ``root/risks``."""
    path = root / "risks" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(textwrap.dedent(text) if text.startswith("\n") else text, encoding="utf-8")
    return path


def write_many_risks(root: Path, size: int, stem: str = "risk") -> None:
    """``size`` risks in place of the register's own, every tenth Red (5 × 4, the rest 2 × 2),
    none ever reviewed: every review is due."""
    for path in (root / "risks").glob("*.yaml"):
        path.unlink()
    red = numbered_risk_yaml(size, impact={"level": 5}, probability={"level": 4})
    other = numbered_risk_yaml(size, impact={"level": 2}, probability={"level": 2})
    for n in range(size):
        risk_id, text = red[n] if n % 10 == 0 else other[n]
        write_risk(root, f"{risk_id}-{stem}.yaml", text)


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")


PLAN = REPO / "plan" / "000_8f0a6c37f85701eb.txt"
"""The program's risk management plan, byte for byte as its authors wrote it (mis-encoded)."""


def plan_text() -> str:
    """The plan's text, still mis-encoded (``Ã—`` for ``×``) as the importer must read it."""
    return PLAN.read_text(encoding="utf-8")


def copy_policy(dest: Path) -> Path:
    """Copy only the frozen register's policy into ``dest`` (an empty register) and return it."""
    (dest / ".github").mkdir(parents=True, exist_ok=True)
    shutil.copy(POLICY, dest / ".github" / "riskbot.yml")
    return dest


def outcome(release: str = "v3", occurred: bool = True, **extra: Any) -> dict[str, Any]:
    """An ``outcome`` entry of a risk file."""
    return {"release": release, "occurred": occurred, **extra}


def set_levels(root: Path, risk_id: str, impact: int, probability: int, **extra: Any) -> None:
    """Change a risk's levels (dropping its declared score and band); ``extra`` sets keys."""
    path = next((root / "risks").glob(f"{risk_id}-*.yaml"))
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["impact"]["level"] = impact
    data["probability"]["level"] = probability
    data.pop("score", None)
    data.pop("band", None)
    data.update(extra)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}


def git(root: Path, *args: str) -> str:
    """Run git in ``root`` with a fixed identity; its output, stripped."""
    done = subprocess.run(
        ["git", "-C", str(root), *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={**os.environ, **GIT_IDENTITY},
    )
    return done.stdout.strip()


def commit(root: Path, message: str) -> str:
    """Commit everything in ``root``; the new commit's id."""
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD")


def register_of(root: Path, today: dt.date | None = None) -> Register:
    """The register under ``root``, which the test expects to load (its policy is valid)."""
    loaded = read_register(root, today)
    assert isinstance(loaded, Register), [f.as_text() for f in loaded.findings]
    return loaded


def commit_at(root: Path, message: str, when: str, author: str = "t") -> str:
    """Commit everything in ``root`` as ``author`` at ``when`` (ISO 8601, author and committer
    date both); the new commit's id."""
    env = {
        **os.environ,
        **GIT_IDENTITY,
        "GIT_AUTHOR_NAME": author,
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_DATE": when,
    }
    for args in (("add", "-A"), ("commit", "-q", "--allow-empty", "-m", message)):
        subprocess.run(
            ["git", "-C", str(root), *args], check=True, timeout=60, env=env, capture_output=True
        )
    return git(root, "rev-parse", "HEAD")


def init_repo(root: Path) -> Path:
    """``git init`` in ``root`` (branch main) and return it."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    return root
