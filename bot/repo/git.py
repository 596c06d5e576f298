"""Reading the register straight from git: files at a revision, and a file's last commit."""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path

from bot.errors import UsageError
from bot.register.load import POLICY_PATH, RISK_SUFFIXES, RISKS_DIR, SourceFile


class GitError(UsageError):
    """git could not answer (not a repository, unknown revision)."""


def _git(root: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, check=False, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(f"git {args[0]} failed: {exc}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {' '.join(args[:2])}: {message[-1] if message else 'failed'}")
    return done.stdout


def resolve(root: Path, rev: str) -> str:
    """The full commit id of a revision."""
    if rev.startswith("-"):
        raise GitError(f"not a revision: {rev!r}")
    return _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").decode().strip()


def register_at(root: Path, rev: str) -> tuple[SourceFile | None, list[SourceFile]]:
    """The policy and risk files of a revision, without checking it out."""
    commit = resolve(root, rev)
    names = _git(
        root, "ls-tree", "-r", "-z", "--name-only", commit, "--", POLICY_PATH, RISKS_DIR
    ).split(b"\0")
    policy: SourceFile | None = None
    risks: list[SourceFile] = []
    for raw_name in names:
        if not raw_name:
            continue
        name = raw_name.decode("utf-8", "surrogateescape")
        if name == POLICY_PATH:
            policy = SourceFile(name, _git(root, "show", f"{commit}:{name}"))
        elif name.startswith(f"{RISKS_DIR}/") and name.endswith(RISK_SUFFIXES):
            risks.append(SourceFile(name, _git(root, "show", f"{commit}:{name}")))
    return policy, risks


@cache
def last_commit(root: Path, path: str) -> str | None:
    """The last commit that changed a file (None outside git or in a shallow clone's gaps)."""
    try:
        out = _git(root, "log", "-1", "--format=%H", "--", path).decode().strip()
    except GitError:
        return None
    return out or None
