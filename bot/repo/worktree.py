"""The register in a working tree: the policy file and the risk files, as (name, bytes)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from bot.register.load import (
    POLICY_PATH,
    RISK_SUFFIXES,
    RISKS_DIR,
    Loaded,
    SourceFile,
    build_register,
)
from bot.repo.parallel import check_in_parallel


def discover(root: Path) -> tuple[SourceFile | None, list[SourceFile]]:
    """Read the policy and the risk files of a working tree (not following linked folders)."""
    policy_path = root / POLICY_PATH
    policy = SourceFile(POLICY_PATH, policy_path.read_bytes()) if policy_path.is_file() else None
    sources: list[SourceFile] = []
    # os.walk rather than Path.rglob: the same files, a fraction of the cost per file.
    for folder, _, names in os.walk(root / RISKS_DIR):
        relative = os.path.relpath(folder, root).replace(os.sep, "/")
        for name in names:
            path = os.path.join(folder, name)
            if os.path.splitext(name)[1] in RISK_SUFFIXES and os.path.isfile(path):
                with open(path, "rb") as fh:
                    sources.append(SourceFile(f"{relative}/{name}", fh.read()))
    return policy, sorted(sources, key=lambda s: s.name)


def read_register(root: Path, today: dt.date | None = None) -> Loaded:
    """Check the register of a working tree."""
    policy, sources = discover(root)
    return build_register(policy, sources, today, check_in_parallel)
