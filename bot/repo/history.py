"""The register's history read from git with few processes: one ``git log`` for the commits that
touched the register, and one ``git cat-file --batch`` for every tree and blob they need.

Only a register at the top of its repository has a history (its policy is ``.github/`` of that
repository); a shallow clone's history is incomplete, which :class:`ShallowClone` reports.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from bot.register.history import History, Revision, build_history, no_history
from bot.register.inherit import BASE_POLICY_PATH
from bot.register.load import POLICY_PATH, RISK_SUFFIXES, RISKS_DIR
from bot.repo.git import GitError, _git
from bot.repo.worktree import discover

POLICY_DIR, POLICY_NAME = POLICY_PATH.rsplit("/", 1)
BASE_NAME = BASE_POLICY_PATH.rsplit("/", 1)[1]
"""The vendored base policy, beside the policy in the same folder."""
LOG_FORMAT = "%H%x00%aI%x00%an"


class ShallowClone(GitError):
    """The clone is shallow: the register's history is cut off."""


def _toplevel(root: Path) -> tuple[Path, bool] | None:
    """The repository's top level and whether the clone is shallow; None outside git."""
    try:
        out = _git(root, "rev-parse", "--show-toplevel", "--is-shallow-repository")
    except GitError:
        return None
    lines = out.decode("utf-8", "surrogateescape").splitlines()
    if len(lines) < 2:
        return None
    return Path(lines[0]), lines[1].strip() == "true"


def log(root: Path) -> list[tuple[str, dt.datetime, str]]:
    """(commit, author date, author) of every commit that touched the register, oldest first."""
    try:
        out = _git(
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
    return [
        (fields[i].strip(), dt.datetime.fromisoformat(fields[i + 1]), fields[i + 2])
        for i in range(0, len(fields) - 2, 3)
    ]


class ObjectReader:
    """One ``git cat-file --batch`` process: objects by name (``rev:path`` or id), one at a time."""

    def __init__(self, root: Path) -> None:
        try:
            self.process = subprocess.Popen(
                ["git", "-C", str(root), "cat-file", "--batch"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError as exc:
            raise GitError(f"git cat-file failed: {exc}") from None
        self.requests = 0

    def __enter__(self) -> ObjectReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        stdin: IO[bytes] | None = self.process.stdin
        if stdin is not None and not stdin.closed:
            stdin.close()
        self.process.wait(timeout=60)
        if self.process.stdout is not None:
            self.process.stdout.close()

    def read(self, name: str) -> tuple[str, str, bytes] | None:
        """(object id, type, content), or None when there is no such object."""
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None
        assert stdout is not None
        self.requests += 1
        stdin.write(name.encode("utf-8", "surrogateescape") + b"\n")
        stdin.flush()
        header = stdout.readline()
        if not header:
            raise GitError("git cat-file stopped answering")
        parts = header.split()
        if len(parts) != 3:
            return None  # "<name> missing" (or ambiguous)
        oid, kind, size = parts[0].decode(), parts[1].decode(), int(parts[2])
        content = stdout.read(size)
        stdout.read(1)  # the newline after the content
        return oid, kind, content


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
    """Trees by id, flattened to (path, blob id) once each."""

    def __init__(self, reader: ObjectReader) -> None:
        self.reader = reader
        self.flat: dict[str, tuple[tuple[str, str], ...]] = {}

    def files(self, oid: str, content: bytes | None, prefix: str) -> tuple[tuple[str, str], ...]:
        key = f"{oid}:{prefix}"
        if key in self.flat:
            return self.flat[key]
        if content is None:
            got = self.reader.read(oid)
            content = got[2] if got else b""
        out: list[tuple[str, str]] = []
        for mode, name, child in tree_entries(content, len(oid) // 2):
            path = f"{prefix}/{name}"
            if mode == "40000":
                out += self.files(child, None, path)
            elif mode.startswith("100"):
                out.append((path, child))
        self.flat[key] = tuple(sorted(out))
        return self.flat[key]


def read_revisions(
    root: Path, commits: Iterable[tuple[str, dt.datetime, str]]
) -> tuple[list[Revision], dict[str, bytes], int]:
    """Each commit's policy and risk files as blob ids, every blob's bytes, and the number of
    objects read, all through one ``git cat-file --batch``."""
    revisions: list[Revision] = []
    blobs: dict[str, bytes] = {}
    with ObjectReader(root) as reader:
        trees = _Trees(reader)
        policy_dirs: dict[str, tuple[str | None, str | None]] = {}
        for commit, date, author in commits:
            risks: tuple[tuple[str, str], ...] = ()
            got = reader.read(f"{commit}:{RISKS_DIR}")
            if got is not None and got[1] == "tree":
                risks = tuple(
                    (p, b)
                    for p, b in trees.files(got[0], got[2], RISKS_DIR)
                    if p.endswith(RISK_SUFFIXES)
                )
            policy: str | None = None
            base: str | None = None
            got = reader.read(f"{commit}:{POLICY_DIR}")
            if got is not None and got[1] == "tree":
                if got[0] not in policy_dirs:
                    files = {
                        name: oid
                        for mode, name, oid in tree_entries(got[2], len(got[0]) // 2)
                        if mode.startswith("100")
                    }
                    policy_dirs[got[0]] = files.get(POLICY_NAME), files.get(BASE_NAME)
                policy, base = policy_dirs[got[0]]
            revisions.append(Revision(commit, date, author, policy, risks, base))
        wanted = {b for r in revisions for _, b in r.risks}
        wanted |= {r.policy for r in revisions if r.policy is not None}
        wanted |= {r.base for r in revisions if r.base is not None}
        for oid in sorted(wanted):
            got = reader.read(oid)
            blobs[oid] = got[2] if got is not None else b""
        requests = reader.requests
    return revisions, blobs, requests


PENDING = "(not committed)"
"""The commit and author of the working tree's state when it differs from HEAD."""


def _blob_id(raw: bytes) -> str:
    # git's own object id of a blob, so an unchanged file is the blob git already has
    return hashlib.sha1(b"blob %d\0" % len(raw) + raw, usedforsecurity=False).hexdigest()


def _author(root: Path) -> str:
    """Who would commit now (git's author identity), else :data:`PENDING`."""
    try:
        ident = _git(root, "var", "GIT_AUTHOR_IDENT").decode("utf-8", "replace")
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
    found = _toplevel(root)
    if found is None:
        return no_history("not a git repository")
    top, shallow = found
    if top.resolve() != root.resolve():
        return no_history("the register is not at the top of a git repository")
    if shallow:
        raise ShallowClone(
            "this clone is shallow, so the register's history is cut off; fetch all of it "
            "(`git fetch --unshallow`, or actions/checkout with `fetch-depth: 0`)"
        )
    commits = log(root)
    # HEAD's register read in the same batch: what the working tree is compared with.
    revisions, blobs, _ = read_revisions(root, [*commits, ("HEAD", _now(), "")])
    head = revisions.pop()
    pending = pending_revision(root, head if commits else None, now or _now())
    if pending is None:
        return build_history(revisions, blobs)
    revisions.append(pending[0])
    blobs.update(pending[1])
    history = build_history(revisions, blobs)
    history.pending = pending[2]
    return history


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
