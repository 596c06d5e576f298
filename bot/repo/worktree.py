"""The register in a working tree: the policy file and the risk files, as (name, bytes).

Nothing is read through a symbolic link: a link under ``risks/`` (to a file or a folder, inside
the repository or out of it), a linked ``risks/`` or a linked policy is refused with an error on
its own path, so a pull request cannot make riskbot read, echo or rewrite files elsewhere.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from bot.register.defaults import BASE_POLICY_PATH
from bot.register.ids import id_of_name
from bot.register.load import (
    POLICY_PATH,
    RISK_SUFFIXES,
    RISKS_DIR,
    Loaded,
    SourceFile,
    build_register,
)
from bot.repo.git import LINK_REFUSED, linked
from bot.repo.ids import start_id_history
from bot.repo.parallel import check_in_parallel
from bot.repo.unread import with_unread_files


def linked_part(root: Path, path: Path) -> Path | None:
    """The first part of ``path`` below ``root`` that is a symbolic link, or None."""
    current = root
    for part in path.relative_to(root).parts:
        current = current / part
        if current.is_symlink():
            return current
    return None


@dataclass
class Scan:
    """What a working tree's register folder holds: the policy, the risk files, and the names of
    the other files under ``risks/`` (which riskbot does not read)."""

    policy: SourceFile | None
    risks: list[SourceFile] = field(default_factory=list)
    others: list[str] = field(default_factory=list)


def _scan(top: str, relative: str, scan: Scan) -> None:
    """The files under a folder; links are refused, never followed. A directory entry knows
    whether it is a link, a folder or a file without asking the file system again."""
    with os.scandir(os.path.join(top, relative)) as listing:
        entries = sorted(listing, key=lambda e: e.name)
    for entry in entries:
        name = f"{relative}/{entry.name}"
        if entry.is_symlink():
            if entry.name.endswith(RISK_SUFFIXES) or entry.is_dir():
                scan.risks.append(linked(name))
            elif entry.is_file():
                scan.others.append(name)
        elif entry.is_dir():
            _scan(top, name, scan)
        elif entry.is_file():
            if entry.name.endswith(RISK_SUFFIXES):
                with open(entry.path, "rb") as fh:
                    scan.risks.append(SourceFile(name, fh.read()))
            else:
                scan.others.append(name)


def _read(root: Path, name: str) -> SourceFile | None:
    """A file of the register by its path, refused when it or a folder on its way is a link."""
    path = root / name
    link = linked_part(root, path)
    if link is not None:
        return SourceFile(name, b"", refused=f"{link.relative_to(root)} {LINK_REFUSED}")
    return SourceFile(name, path.read_bytes()) if path.is_file() else None


def scan(root: Path) -> Scan:
    """Read the policy (with its vendored base) and the risk files of a working tree (links
    refused, never followed)."""
    policy = _read(root, POLICY_PATH)
    if policy is not None and policy.refused is None:
        policy = policy._replace(base=_read(root, BASE_POLICY_PATH))
    found = Scan(policy)
    risks_dir = root / RISKS_DIR
    link = linked_part(root, risks_dir)
    if link is not None:
        found.risks.append(linked(link.relative_to(root).as_posix()))
    elif risks_dir.is_dir():
        _scan(str(root), RISKS_DIR, found)
    found.risks.sort(key=lambda s: s.name)
    return found


def discover(root: Path) -> tuple[SourceFile | None, list[SourceFile]]:
    """The policy and the risk files of a working tree (links refused, never followed)."""
    found = scan(root)
    return found.policy, found.risks


def read_register(root: Path, today: dt.date | None = None) -> Loaded:
    """Check the register of a working tree: which files under risks/ it skipped, and (in git)
    that no risk reuses a removed id."""
    history = start_id_history(root)  # git answers while the files are read and checked
    found = scan(root)
    policy, sources = found.policy, found.risks
    present = {i for s in sources if (i := id_of_name(s.name)) is not None}
    loaded = build_register(
        policy, sources, today, check_in_parallel, history=lambda: history(present)
    )
    return with_unread_files(loaded, found.others)
