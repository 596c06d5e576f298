"""Reading the register straight from git: files at a revision, and a file's last commit.

A revision costs two git processes whatever the size of the register: ``ls-tree`` for its
files and their blob ids, then ``cat-file --batch`` for the contents of all of them.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from functools import cache
from pathlib import Path

from bot.errors import UsageError
from bot.register.inherit import BASE_POLICY_PATH
from bot.register.load import POLICY_PATH, RISK_SUFFIXES, RISKS_DIR, SourceFile

SYMLINK_MODE = b"120000 "
POLICY_FILES = (POLICY_PATH, BASE_POLICY_PATH)
"""The policy and the base it may extend, vendored beside it."""
LINK_REFUSED = (
    "is a symbolic link; riskbot reads no links (a link could lead outside the repository): "
    "commit the file itself"
)


def linked(name: str) -> SourceFile:
    """A register file that is a symbolic link: refused, never read."""
    return SourceFile(name, b"", refused=LINK_REFUSED)


class GitError(UsageError):
    """git could not answer (not a repository, unknown revision)."""


def _git(root: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            check=False,
            timeout=120,
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


Tree = dict[str, str | None]
"""The register's files at a commit: path → blob id, or None for a symbolic link (refused)."""


def register_tree(root: Path, commit: str) -> Tree:
    """The register's files at a commit (one ``git ls-tree``)."""
    listing = _git(
        root, "ls-tree", "-r", "-z", commit, "--", POLICY_PATH, BASE_POLICY_PATH, RISKS_DIR
    )
    files: Tree = {}
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, raw_name = entry.partition(b"\t")
        _mode, kind, oid = meta.split(b" ")
        name = raw_name.decode("utf-8", "surrogateescape")
        if kind != b"blob":
            continue
        # A link's blob is the path it points to: refused as in a working tree, never read.
        link = meta.startswith(SYMLINK_MODE)
        if name in POLICY_FILES or _is_risk_file(name) or (name == RISKS_DIR and link):
            files[name] = None if link else oid.decode("ascii")
    return files


def blob_ids(tree: Tree) -> set[str]:
    """The blobs a tree's files need read (links are not read)."""
    return {oid for oid in tree.values() if oid is not None}


def _is_risk_file(name: str) -> bool:
    return name.startswith(f"{RISKS_DIR}/") and name.endswith(RISK_SUFFIXES)


def start_reading_blobs(root: Path, oids: Iterable[str]) -> Callable[[], dict[str, bytes]]:
    """Start one ``git cat-file --batch`` for many blobs, in the background; the function it
    returns waits for them, by id. git reads while this process does other work."""
    wanted = sorted(set(oids))
    if not wanted:
        return dict
    import tempfile  # only pr and history read blobs: check does not pay for its import

    files = ExitStack()  # closed by the function returned, once git is done
    given, answer, errors = (
        files.enter_context(tempfile.TemporaryFile())  # noqa: SIM115 - see above
        for _ in range(3)
    )
    given.write("".join(f"{o}\n" for o in wanted).encode())
    given.seek(0)
    try:
        # Files, not pipes: git never waits for this process to read, nor it for git.
        proc = subprocess.Popen(
            ["git", "-C", str(root), "cat-file", "--batch"],
            stdin=given,
            stdout=answer,
            stderr=errors,
        )
    except OSError as exc:
        files.close()
        raise GitError(f"git cat-file failed: {exc}") from None

    def blobs() -> dict[str, bytes]:
        try:
            code = proc.wait(timeout=120)
            answer.seek(0)
            out = answer.read()
            errors.seek(0)
            message = errors.read().decode("utf-8", "replace").strip().splitlines()
        except subprocess.TimeoutExpired:
            proc.kill()
            raise GitError("git cat-file failed: timed out") from None
        finally:
            files.close()
        if code != 0:
            raise GitError(f"git cat-file: {message[-1] if message else 'failed'}")
        return _parse_batch(out, wanted)

    return blobs


def _parse_batch(out: bytes, wanted: list[str]) -> dict[str, bytes]:
    blobs: dict[str, bytes] = {}
    at = 0
    for oid in wanted:  # answers come in the order asked: "<oid> <type> <size>\n<bytes>\n"
        end = out.find(b"\n", at)
        header = out[at:end].split(b" ") if end >= 0 else []
        if len(header) != 3 or header[0].decode("ascii") != oid:
            raise GitError(f"git cat-file: no blob {oid}")
        size = int(header[2])
        blobs[oid] = out[end + 1 : end + 1 + size]
        at = end + 1 + size + 1
    return blobs


def read_blobs(root: Path, oids: Iterable[str]) -> dict[str, bytes]:
    """The contents of many blobs, by id, from one ``git cat-file --batch``."""
    return start_reading_blobs(root, oids)()


def _source(name: str, oid: str | None, blobs: dict[str, bytes]) -> SourceFile:
    if oid is None:
        return linked(name)
    return SourceFile(name, blobs[oid])


def sources_of(tree: Tree, blobs: dict[str, bytes]) -> tuple[SourceFile | None, list[SourceFile]]:
    """A revision's policy (with its vendored base) and risk files, from its tree and the blobs
    read for it."""
    policy = _source(POLICY_PATH, tree[POLICY_PATH], blobs) if POLICY_PATH in tree else None
    if policy is not None and policy.refused is None and BASE_POLICY_PATH in tree:
        policy = policy._replace(base=_source(BASE_POLICY_PATH, tree[BASE_POLICY_PATH], blobs))
    risks = [_source(n, oid, blobs) for n, oid in sorted(tree.items()) if n not in POLICY_FILES]
    return policy, risks


def register_at(root: Path, rev: str) -> tuple[SourceFile | None, list[SourceFile]]:
    """The policy and risk files of a revision, without checking it out (two git processes)."""
    tree = register_tree(root, resolve(root, rev))
    return sources_of(tree, read_blobs(root, blob_ids(tree)))


@cache
def last_commit(root: Path, path: str) -> str | None:
    """The last commit that changed a file (None outside git or in a shallow clone's gaps)."""
    try:
        out = _git(root, "log", "-1", "--format=%H", "--", path).decode().strip()
    except GitError:
        return None
    return out or None
