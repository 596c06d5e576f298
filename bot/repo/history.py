"""The register's history read from git with few processes: one ``git log`` for the commits that
touched the register, then ``git cat-file --batch`` for their folders, the folders below (one
a level), and every blob they need.

Only a register at the top of its repository has a history (its policy is ``.github/`` of that
repository); a shallow clone's history is incomplete, which :class:`ShallowClone` reports.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from bot.register import clock
from bot.register.defaults import BASE_POLICY_PATH
from bot.register.history import History, Revision, build_history, no_history
from bot.register.load import MAX_FOLDER_DEPTH, POLICY_PATH, RISK_SUFFIXES, RISKS_DIR
from bot.repo.git import SHALLOW, GitError, ShallowClone, git, start_reading_objects, toplevel
from bot.repo.worktree import discover

POLICY_DIR, POLICY_NAME = POLICY_PATH.rsplit("/", 1)
BASE_NAME = BASE_POLICY_PATH.rsplit("/", 1)[1]
"""The vendored base policy, beside the policy in the same folder."""
# Seconds since the epoch, not ISO dates: git writes any number it was given (year 8 million, an
# offset of 99 hours), and the offset does not change the moment.
LOG_FORMAT = "%H%x00%at%x00%ct%x00%an"
FUTURE_SLACK = dt.timedelta(days=1)
"""How far past "now" a commit's date may be (a runner's clock a little ahead) before it counts
as a date in the future."""


class Logged(NamedTuple):
    """A commit that touched the register: its date (see :func:`place_dates`) and author."""

    commit: str
    date: dt.datetime
    author: str
    note: str | None = None
    """Why the date is not the commit's author date, when it is not."""


def log(root: Path, now: dt.datetime | None = None) -> list[Logged]:
    """Every commit that touched the register, oldest first, each at a usable date
    (:func:`place_dates`)."""
    try:
        out = git(
            root,
            "log",
            "--author-date-order",
            "--reverse",
            "-z",
            f"--format={LOG_FORMAT}",
            "--",
            RISKS_DIR,
            POLICY_PATH,
            BASE_POLICY_PATH,
        )
    except GitError as exc:
        if "does not have any commits" in str(exc) or "bad default revision" in str(exc):
            return []
        raise
    fields = out.decode("utf-8", "replace").split("\0")
    if fields and fields[-1] in ("", "\n"):
        fields.pop()
    raw = [
        (fields[i].strip(), fields[i + 1], fields[i + 2], fields[i + 3])
        for i in range(0, len(fields) - 3, 4)
    ]
    return place_dates(raw, now or clock.now())


def _moment(seconds: str) -> dt.datetime | None:
    """A git timestamp as a UTC moment; None when it is no number or beyond the year 9999."""
    try:
        return dt.datetime.fromtimestamp(int(seconds), dt.UTC)
    except (ValueError, OverflowError, OSError):
        return None


def place_dates(raw: Sequence[tuple[str, str, str, str]], now: dt.datetime) -> list[Logged]:
    """(commit, author seconds, committer seconds, author) as :class:`Logged` commits, in order.

    A commit is dated by its author date. One that git holds but no calendar can (past the year
    9999, not a number) or that lies in the future is placed at its committer date, else at the
    date of the commit before it (of the one after it, for the first), and noted: one such
    commit must neither stop the history nor carry every later commit into its future.
    """
    latest = now + FUTURE_SLACK
    dated: list[tuple[str, dt.datetime | None, str, str | None]] = []
    for commit, authored, committed, author in raw:
        moment = _moment(authored)
        if moment is not None and moment <= latest:
            dated.append((commit, moment, author, None))
            continue
        why = (
            f"its author date ({authored.strip()} seconds) is no calendar date"
            if moment is None
            else f"its author date, {moment.date().isoformat()}, is in the future"
        )
        fallback = _moment(committed)
        if fallback is not None and fallback <= latest:
            dated.append((commit, fallback, author, f"{why}: placed at its committer date"))
        else:
            note = (
                f"{why}, and so is its committer date: placed at the date of the commit before it"
            )
            dated.append((commit, None, author, note))
    known = [moment for _, moment, _, _ in dated if moment is not None]
    previous = known[0] if known else now
    placed: list[Logged] = []
    for commit, moment, author, why_moved in dated:
        previous = moment or previous
        placed.append(Logged(commit, previous, author, why_moved))
    return placed


def tree_entries(content: bytes, oid_size: int) -> list[tuple[str, str, str]]:
    """(mode, name, object id) of each entry of a raw tree object."""
    out = []
    at = 0
    while at < len(content):
        space = content.index(b" ", at)
        nul = content.index(b"\0", space)
        mode = content[at:space].decode()
        name = content[space + 1 : nul].decode("utf-8", "surrogateescape")
        oid = content[nul + 1 : nul + 1 + oid_size].hex()
        out.append((mode, name, oid))
        at = nul + 1 + oid_size
    return out


class _Trees:
    """Trees by id, read from git a level at a time and flattened to (path, blob id) once each,
    no deeper than a working tree is read (:data:`MAX_FOLDER_DEPTH` folders below ``risks/``)."""

    def __init__(self, root: Path, known: dict[str, bytes]) -> None:
        self.root = root
        self.content = known
        self.flat: dict[str, tuple[tuple[str, str], ...]] = {}

    def read_below(self, oids: Iterable[str]) -> None:
        """Every folder below these trees, one ``cat-file --batch`` per level of depth."""
        level = set(oids)
        for _ in range(MAX_FOLDER_DEPTH):
            below = {
                child
                for oid in level
                for mode, _, child in tree_entries(self.content.get(oid, b""), len(oid) // 2)
                if mode == "40000" and child not in self.content
            }
            found = start_reading_objects(self.root, sorted(below))() if below else {}
            for oid, got in found.items():
                self.content[oid] = got[2] if got is not None else b""
            level = below

    def files(self, oid: str, prefix: str) -> tuple[tuple[str, str], ...]:
        """(path, blob id) of the files below a tree, walked without recursion."""
        key = f"{oid}:{prefix}"
        if key in self.flat:
            return self.flat[key]
        out: list[tuple[str, str]] = []
        folders = [(oid, prefix, 0)]
        while folders:
            tree, path, depth = folders.pop()
            for mode, name, child in tree_entries(self.content.get(tree, b""), len(tree) // 2):
                if mode == "40000":
                    if depth < MAX_FOLDER_DEPTH:
                        folders.append((child, f"{path}/{name}", depth + 1))
                elif mode.startswith("100"):
                    out.append((f"{path}/{name}", child))
        self.flat[key] = tuple(sorted(out))
        return self.flat[key]


def read_revisions(
    root: Path, commits: Iterable[Logged]
) -> tuple[list[Revision], dict[str, bytes]]:
    """Each commit's policy and risk files as blob ids, and every blob's bytes: read with a few
    ``git cat-file --batch`` (the commits' folders, the folders below them, the blobs)."""
    listed = list(commits)
    names = [f"{c.commit}:{folder}" for c in listed for folder in (RISKS_DIR, POLICY_DIR)]
    folders = start_reading_objects(root, names)()
    trees = _Trees(root, {got[0]: got[2] for got in folders.values() if got and got[1] == "tree"})
    risk_trees = {
        got[0]
        for n, got in folders.items()
        if got and got[1] == "tree" and not n.endswith(f":{POLICY_DIR}")
    }
    trees.read_below(risk_trees)
    # A policy folder's tree -> the blobs of the policy and of the vendored base beside it.
    policy_files: dict[str, tuple[str | None, str | None]] = {}
    revisions: list[Revision] = []
    for commit, date, author, note in listed:
        risks: tuple[tuple[str, str], ...] = ()
        got = folders.get(f"{commit}:{RISKS_DIR}")
        if got is not None and got[1] == "tree":
            risks = tuple(
                (p, b) for p, b in trees.files(got[0], RISKS_DIR) if p.endswith(RISK_SUFFIXES)
            )
        policy: str | None = None
        base: str | None = None
        got = folders.get(f"{commit}:{POLICY_DIR}")
        if got is not None and got[1] == "tree":
            if got[0] not in policy_files:
                files = {
                    name: oid
                    for mode, name, oid in tree_entries(got[2], len(got[0]) // 2)
                    if mode.startswith("100")
                }
                policy_files[got[0]] = files.get(POLICY_NAME), files.get(BASE_NAME)
            policy, base = policy_files[got[0]]
        revisions.append(Revision(commit, date, author, policy, risks, base=base, date_note=note))
    wanted = {b for r in revisions for _, b in r.risks}
    wanted |= {r.policy for r in revisions if r.policy is not None}
    wanted |= {r.base for r in revisions if r.base is not None}
    found = start_reading_objects(root, sorted(wanted))()
    blobs = {oid: got[2] if got is not None else b"" for oid, got in found.items()}
    return revisions, blobs


PENDING = "(not committed)"
"""The commit and author of the working tree's state when it differs from HEAD."""


def _blob_id(raw: bytes) -> str:
    # git's own object id of a blob, so an unchanged file is the blob git already has
    return hashlib.sha1(b"blob %d\0" % len(raw) + raw, usedforsecurity=False).hexdigest()


def _author(root: Path) -> str:
    """Who would commit now (git's author identity), else :data:`PENDING`."""
    try:
        ident = git(root, "var", "GIT_AUTHOR_IDENT").decode("utf-8", "replace")
    except GitError:
        return PENDING
    name = ident.split("<", 1)[0].strip()
    return name or PENDING


def pending_revision(
    root: Path, last: Revision | None, now: dt.datetime
) -> tuple[Revision, dict[str, bytes], tuple[str, ...]] | None:
    """The working tree's register as the newest revision, dated ``now``, when it differs from
    HEAD's (``last``), with the files that differ; None when nothing differs.

    So a report regenerated before the commit that records the change is the report of that
    commit, made the same day. Reads no git: blob ids are computed as git computes them.
    """
    policy, risks = discover(root)
    base = policy.base if policy is not None else None
    sources = [*risks, *([policy] if policy else []), *([base] if base else [])]
    blobs = {_blob_id(s.raw): s.raw for s in sources}
    here = {s.name: _blob_id(s.raw) for s in risks}
    there = dict(last.risks) if last is not None else {}
    differ = {n for n in here.keys() | there.keys() if here.get(n) != there.get(n)}
    policy_id = _blob_id(policy.raw) if policy else None
    if policy_id != (last.policy if last is not None else None):
        differ.add(POLICY_PATH)
    base_id = _blob_id(base.raw) if base is not None and base.refused is None else None
    if base_id != (last.base if last is not None else None):
        differ.add(BASE_POLICY_PATH)
    if not differ:
        return None
    risks_here = tuple(sorted(here.items()))
    revision = Revision(PENDING, now, _author(root), policy_id, risks_here, base_id)
    return revision, blobs, tuple(sorted(differ))


def read_history(root: Path, now: dt.datetime | None = None) -> History:
    """The register's history (a :class:`History` that says why not, outside a repository),
    ending with the working tree's state as of ``now`` where it differs from HEAD.

    Raises :class:`ShallowClone` when the clone is shallow, and :class:`GitError` when git fails.
    """
    found = toplevel(root)
    if found is None:
        return no_history("not a git repository")
    top, shallow = found
    if top.resolve() != root.resolve():
        return no_history("the register is not at the top of a git repository")
    if shallow:
        raise ShallowClone(SHALLOW)
    now = now or clock.now()
    commits = log(root, now)
    # HEAD's register read in the same batch: what the working tree is compared with.
    revisions, blobs = read_revisions(root, [*commits, Logged("HEAD", now, "")])
    head = revisions.pop()
    pending = pending_revision(root, head if commits else None, now)
    if pending is None:
        return build_history(revisions, blobs)
    revisions.append(pending[0])
    blobs.update(pending[1])
    history = build_history(revisions, blobs)
    history.pending = pending[2]
    return history
