"""The register in a working tree: the policy file and the risk files, as (name, bytes)."""

from __future__ import annotations

import datetime as dt
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
    """Read the policy and the risk files of a working tree."""
    policy_path = root / POLICY_PATH
    policy = SourceFile(POLICY_PATH, policy_path.read_bytes()) if policy_path.is_file() else None
    risks_dir = root / RISKS_DIR
    sources: list[SourceFile] = []
    if risks_dir.is_dir():
        for path in sorted(risks_dir.rglob("*")):
            if path.suffix in RISK_SUFFIXES and path.is_file():
                sources.append(SourceFile(path.relative_to(root).as_posix(), path.read_bytes()))
    return policy, sources


def read_register(root: Path, today: dt.date | None = None) -> Loaded:
    """Check the register of a working tree."""
    policy, sources = discover(root)
    return build_register(policy, sources, today, check_in_parallel)
