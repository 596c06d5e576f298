"""The register in a working tree: the policy file and the risk files, as (name, bytes).

Nothing is read through a symbolic link: a link under ``risks/`` (to a file or a folder, inside
the repository or out of it), a linked ``risks/`` or a linked policy is refused with an error on
its own path, so a pull request cannot make riskbot read, echo or rewrite files elsewhere. A
folder deeper than riskbot reads and a risk file's name on a pipe or a device are refused the
same way. This is the one walk of ``risks/``: every command that looks for risk files uses it.
"""

from __future__ import annotations

import datetime as dt
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
from bot.repo.files import linked_part, read_regular, read_risk, walk_risks
from bot.repo.git import LINK_REFUSED, linked
from bot.repo.ids import start_id_history
from bot.repo.parallel import check_in_parallel
from bot.repo.unread import with_unread_files


@dataclass
class Scan:
    """What a working tree's register folder holds: the policy, the risk files, and the names of
    the other files under ``risks/`` (which riskbot does not read)."""

    policy: SourceFile | None
    risks: list[SourceFile] = field(default_factory=list)
    others: list[str] = field(default_factory=list)


def _read(root: Path, name: str) -> SourceFile | None:
    """A file of the register by its path, refused when it or a folder on its way is a link;
    None when it is missing or no regular file."""
    path = root / name
    link = linked_part(root, path)
    if link is not None:
        return SourceFile(name, b"", refused=f"{link.relative_to(root)} {LINK_REFUSED}")
    if path.is_file() and (raw := read_regular(path)) is not None:
        return SourceFile(name, raw)
    return None


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
        for name, entry in walk_risks(root):
            if isinstance(entry, SourceFile):
                found.risks.append(entry)
            elif entry.name.endswith(RISK_SUFFIXES):
                found.risks.append(read_risk(name, entry))
            elif entry.is_file():
                found.others.append(name)
    found.risks.sort(key=lambda s: s.name)
    found.others.sort()
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
