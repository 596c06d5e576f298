"""Two revisions of the register, read from git (the head may be the working tree), compared.

Each revision's blobs come from one ``git cat-file --batch`` (the head's read while the base is
checked), and a file both revisions hold unchanged is read and checked once: its result depends
only on its name and bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from bot.register.compare import PrReport, compare
from bot.register.ids import id_of_name
from bot.register.load import CheckedFile, SourceFile, build_register
from bot.repo.git import (
    blob_ids,
    changed_gate_files,
    register_tree,
    resolve,
    sources_of,
    start_reading_blobs,
)
from bot.repo.ids import id_history
from bot.repo.parallel import check_in_parallel
from bot.repo.worktree import discover


class CheckOnce:
    """Checks files (in parallel where it pays), remembering each (name, bytes) it has checked."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers
        self.done: dict[SourceFile, CheckedFile] = {}

    def __call__(self, sources: Sequence[SourceFile]) -> list[CheckedFile]:
        todo = list(dict.fromkeys(s for s in sources if s not in self.done))
        self.done.update(zip(todo, check_in_parallel(todo, self.workers), strict=True))
        return [self.done[s] for s in sources]


def _files(policy: SourceFile | None, risks: Sequence[SourceFile]) -> dict[str, bytes]:
    out = {s.name: s.raw for s in risks}
    if policy is not None:
        out[policy.name] = policy.raw
        if policy.base is not None:
            out[policy.base.name] = policy.base.raw
    return out


def build_report(
    root: Path,
    base: str,
    head: str | None,
    today: dt.date | None = None,
    workers: int | None = None,
) -> PrReport:
    """Compare the register at ``base`` with ``head`` (a revision, or the working tree)."""
    base_commit = resolve(root, base)
    base_tree = register_tree(root, base_commit)
    head_commit = resolve(root, head) if head is not None else None
    head_tree = register_tree(root, head_commit) if head_commit is not None else {}
    read_base = start_reading_blobs(root, blob_ids(base_tree))
    # The head's own blobs are read while the base is checked.
    read_head = start_reading_blobs(root, blob_ids(head_tree) - blob_ids(base_tree))
    blobs = read_base()
    base_policy, base_risks = sources_of(base_tree, blobs)
    check = CheckOnce(workers)
    base_reg = build_register(base_policy, base_risks, today, check)
    blobs.update(read_head())
    if head_commit is None:
        head_policy, head_risks = discover(root)
        head_ref = "working tree"
    else:
        head_policy, head_risks = sources_of(head_tree, blobs)
        head_ref = head_commit[:12]
    # A risk the change adds may not take the id of one removed before (ids are never reused).
    base_ids = {i for s in base_risks if (i := id_of_name(s.name)) is not None}
    head_ids = {i for s in head_risks if (i := id_of_name(s.name)) is not None}
    new_ids = head_ids - base_ids
    history = id_history(root, new_ids) if new_ids else None
    head_reg = build_register(
        head_policy, head_risks, today, check, history=history, new_ids=new_ids
    )
    before, after = _files(base_policy, base_risks), _files(head_policy, head_risks)
    changed = frozenset(n for n in before.keys() | after.keys() if before.get(n) != after.get(n))
    gate = changed_gate_files(root, base_commit, head_commit)
    return PrReport(compare(base_reg, head_reg), base_commit[:12], head_ref, changed, gate)
