"""Two revisions of the register, read from git (the head may be the working tree), compared."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from bot.register.compare import PrReport, compare
from bot.register.ids import id_of_name
from bot.register.load import SourceFile, build_register
from bot.repo.git import register_at, resolve
from bot.repo.ids import id_history
from bot.repo.worktree import discover


def _files(policy: SourceFile | None, risks: Sequence[SourceFile]) -> dict[str, bytes]:
    out = {s.name: s.raw for s in risks}
    if policy is not None:
        out[policy.name] = policy.raw
    return out


def build_report(root: Path, base: str, head: str | None, today: dt.date | None = None) -> PrReport:
    """Compare the register at ``base`` with ``head`` (a revision, or the working tree)."""
    base_policy, base_risks = register_at(root, base)
    if head is None:
        head_policy, head_risks = discover(root)
        head_ref = "working tree"
    else:
        head_policy, head_risks = register_at(root, head)
        head_ref = resolve(root, head)[:12]
    before, after = _files(base_policy, base_risks), _files(head_policy, head_risks)
    changed = frozenset(n for n in before.keys() | after.keys() if before.get(n) != after.get(n))
    base_reg = build_register(base_policy, base_risks, today)
    # A risk the change adds may not take the id of one removed before (ids are never reused).
    base_ids = {i for s in base_risks if (i := id_of_name(s.name)) is not None}
    head_ids = {i for s in head_risks if (i := id_of_name(s.name)) is not None}
    new_ids = head_ids - base_ids
    history = id_history(root, new_ids) if new_ids else None
    head_reg = build_register(head_policy, head_risks, today, history=history, new_ids=new_ids)
    return PrReport(compare(base_reg, head_reg), resolve(root, base)[:12], head_ref, changed)
