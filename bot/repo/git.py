"""Reading the register straight from git: files at a revision, and a file's last commit."""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path

from bot.errors import UsageError
from bot.register.load import POLICY_PATH, RISK_SUFFIXES, RISKS_DIR, SourceFile

SYMLINK_MODE = b"120000 "
LINK_REFUSED = (
    "is a symbolic link; riskbot reads no links (a link could lead outside the repository): "
    "commit the file itself"
)


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
    """The policy and risk files of a revision, without checking it out (links refused)."""
    commit = resolve(root, rev)
    entries = _git(root, "ls-tree", "-r", "-z", commit, "--", POLICY_PATH, RISKS_DIR).split(b"\0")
    policy: SourceFile | None = None
    risks: list[SourceFile] = []
    for entry in entries:
        if not entry:
            continue
        meta, _, raw_name = entry.partition(b"\t")
        name = raw_name.decode("utf-8", "surrogateescape")
        # A link's blob is the path it points to: refused as in a working tree, never read.
        refused = LINK_REFUSED if meta.startswith(SYMLINK_MODE) else None
        if name == POLICY_PATH or (name == RISKS_DIR and refused):
            read = b"" if refused else _git(root, "show", f"{commit}:{name}")
            source = SourceFile(name, read, refused=refused)
            if name == POLICY_PATH:
                policy = source
            else:
                risks.append(source)
        elif name.startswith(f"{RISKS_DIR}/") and name.endswith(RISK_SUFFIXES):
            read = b"" if refused else _git(root, "show", f"{commit}:{name}")
            risks.append(SourceFile(name, read, refused=refused))
    return policy, risks


@cache
def last_commit(root: Path, path: str) -> str | None:
    """The last commit that changed a file (None outside git or in a shallow clone's gaps)."""
    try:
        out = _git(root, "log", "-1", "--format=%H", "--", path).decode().strip()
    except GitError:
        return None
    return out or None
