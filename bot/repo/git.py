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
from typing import Any

from bot.errors import UsageError
from bot.register.defaults import BASE_POLICY_PATH
from bot.register.load import (
    POLICY_PATH,
    RISK_SUFFIXES,
    RISKS_DIR,
    SourceFile,
    deep_folder,
    too_deep,
)

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
    """git could not answer (not a repository, unknown revision), or could not be run."""


class ShallowClone(GitError):
    """The clone is shallow: the register's history is cut off."""


GIT_TIMEOUT = 120
"""Seconds any one git process may take."""


def _failed(args: tuple[str, ...], stderr: bytes) -> GitError:
    message = stderr.decode("utf-8", "replace").strip().splitlines()
    return GitError(f"git {' '.join(args[:2])}: {message[-1] if message else 'failed'}")


def start_git(
    root: Path, *args: str, stdin: bytes = b"", spool: bool = False
) -> Callable[[], bytes]:
    """Start ``git -C root ARGS`` in the background; the function returned waits for it and
    gives its output, or raises :class:`GitError` with git's last word. Every git process
    riskbot runs starts here.

    With ``spool`` its input and output are files, not pipes: git never waits for this process
    to read, so it writes a large answer while this process does other work.
    """
    files = ExitStack()  # closed by the function returned, once git is done
    if spool:
        import tempfile  # only pr and history spool: check does not pay for its import

        given, answer, errors = (
            files.enter_context(tempfile.TemporaryFile())  # noqa: SIM115 - see above
            for _ in range(3)
        )
        given.write(stdin)
        given.seek(0)
        streams: dict[str, Any] = {"stdin": given, "stdout": answer, "stderr": errors}
    else:
        pipe = subprocess.PIPE
        streams = {"stdin": pipe if stdin else subprocess.DEVNULL, "stdout": pipe, "stderr": pipe}
    try:
        proc = subprocess.Popen(["git", "-C", str(root), *args], **streams)
    except OSError as exc:
        files.close()
        raise GitError(f"git {args[0]} failed: {exc}") from None

    def output() -> bytes:
        try:
            if spool:
                code = proc.wait(timeout=GIT_TIMEOUT)
                answer.seek(0)
                errors.seek(0)
                out, said = answer.read(), errors.read()
            else:
                out, said = proc.communicate(stdin or None, timeout=GIT_TIMEOUT)
                code = proc.returncode
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise GitError(f"git {args[0]} failed: timed out") from None
        finally:
            files.close()
        if code != 0:
            raise _failed(args, said)
        return out

    return output


def git(root: Path, *args: str, stdin: bytes = b"") -> bytes:
    """Run ``git -C root ARGS`` and give its output; :class:`GitError` when it fails."""
    return start_git(root, *args, stdin=stdin)()


def resolve(root: Path, rev: str) -> str:
    """The full commit id of a revision."""
    if rev.startswith("-"):
        raise GitError(f"not a revision: {rev!r}")
    return git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").decode().strip()


UNSHALLOW = "`git fetch --unshallow`, or actions/checkout with `fetch-depth: 0`"
"""How to fetch a shallow clone's whole history: every message about one says it so."""
SHALLOW = (
    f"this clone is shallow, so the register's history is cut off; fetch all of it ({UNSHALLOW})"
)
"""What riskbot says of a shallow clone wherever it needs the history."""


def toplevel(root: Path) -> tuple[Path, bool] | None:
    """The repository's top level and whether the clone is shallow (its history cut off);
    None outside git."""
    try:
        out = git(root, "rev-parse", "--show-toplevel", "--is-shallow-repository")
    except GitError:
        return None
    lines = out.decode("utf-8", "surrogateescape").splitlines()
    if len(lines) < 2:
        return None
    return Path(lines[0]), lines[1].strip() == "true"


WORKFLOWS_DIR = ".github/workflows"
GATE_PATHS = (WORKFLOWS_DIR, POLICY_PATH)
"""What decides how a pull request is checked: the workflows (a pull request runs its own
version of them) and the policy."""


def changed_gate_files(root: Path, base: str, head: str | None) -> tuple[str, ...]:
    """The workflow files and the policy that differ between two revisions (``head`` None: the
    working tree), sorted."""
    out = git(
        root,
        "diff",
        "--name-only",
        "--no-renames",
        "-z",
        base,
        *([head] if head else []),
        "--",
        *GATE_PATHS,
    )
    return tuple(sorted(n for n in out.decode("utf-8", "surrogateescape").split("\0") if n))


Tree = dict[str, str | SourceFile]
"""The register's files at a commit: path → blob id, or the refused file (a symbolic link, a
folder too deep) that stands in its place."""


def register_tree(root: Path, commit: str) -> Tree:
    """The register's files at a commit (one ``git ls-tree``), read by the rules of a working
    tree: links refused, and a folder past the depth riskbot reads refused, whatever it holds."""
    listing = git(
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
        if name.startswith(f"{RISKS_DIR}/") and (folder := too_deep(name)) is not None:
            files[folder] = deep_folder(folder)
            continue
        # A link's blob is the path it points to: refused as in a working tree, never read.
        link = meta.startswith(SYMLINK_MODE)
        if name in POLICY_FILES or _is_risk_file(name) or (name == RISKS_DIR and link):
            files[name] = linked(name) if link else oid.decode("ascii")
    return files


def blob_ids(tree: Tree) -> set[str]:
    """The blobs a tree's files need read (refused files are not read)."""
    return {oid for oid in tree.values() if isinstance(oid, str)}


def _is_risk_file(name: str) -> bool:
    return name.startswith(f"{RISKS_DIR}/") and name.endswith(RISK_SUFFIXES)


def _header(line: bytes) -> tuple[str, str, int] | None:
    """``<oid> <type> <size>`` of ``cat-file --batch``; None for ``<name> missing``."""
    parts = line.split()
    if len(parts) != 3 or not parts[2].isdigit():
        return None
    return parts[0].decode("ascii"), parts[1].decode("ascii"), int(parts[2])


def start_reading_objects(
    root: Path, names: Iterable[str]
) -> Callable[[], dict[str, tuple[str, str, bytes] | None]]:
    """Start one ``git cat-file --batch`` for many objects (ids, or ``rev:path``) in the
    background; the function it returns waits for them: by name, (id, type, content), or None
    for one git does not have."""
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return dict
    request = "".join(f"{n}\n" for n in wanted).encode("utf-8", "surrogateescape")
    answer = start_git(root, "cat-file", "--batch", stdin=request, spool=True)

    def objects() -> dict[str, tuple[str, str, bytes] | None]:
        out = answer()
        found: dict[str, tuple[str, str, bytes] | None] = {}
        at = 0
        for name in wanted:  # answers come in the order asked: header, bytes, newline
            end = out.find(b"\n", at)
            if end < 0:
                raise GitError(f"git cat-file: no answer for {name}")
            header = _header(out[at:end])
            if header is None:
                found[name], at = None, end + 1
                continue
            oid, kind, size = header
            found[name] = (oid, kind, out[end + 1 : end + 1 + size])
            at = end + 1 + size + 1
        return found

    return objects


def start_reading_blobs(root: Path, oids: Iterable[str]) -> Callable[[], dict[str, bytes]]:
    """Start reading many blobs by id (one ``git cat-file --batch``, in the background); the
    function it returns waits for them, by id."""
    read = start_reading_objects(root, sorted(set(oids)))

    def blobs() -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for oid, found in read().items():
            if found is None:
                raise GitError(f"git cat-file: no blob {oid}")
            out[oid] = found[2]
        return out

    return blobs


def _source(name: str, oid: str | SourceFile, blobs: dict[str, bytes]) -> SourceFile:
    return oid if isinstance(oid, SourceFile) else SourceFile(name, blobs[oid])


def sources_of(tree: Tree, blobs: dict[str, bytes]) -> tuple[SourceFile | None, list[SourceFile]]:
    """A revision's policy (with its vendored base) and risk files, from its tree and the blobs
    read for it."""
    policy = _source(POLICY_PATH, tree[POLICY_PATH], blobs) if POLICY_PATH in tree else None
    if policy is not None and policy.refused is None and BASE_POLICY_PATH in tree:
        policy = policy._replace(base=_source(BASE_POLICY_PATH, tree[BASE_POLICY_PATH], blobs))
    risks = [_source(n, oid, blobs) for n, oid in sorted(tree.items()) if n not in POLICY_FILES]
    return policy, risks


@cache
def last_commit(root: Path, path: str) -> str | None:
    """The last commit that changed a file (None outside git or in a shallow clone's gaps)."""
    try:
        out = git(root, "log", "-1", "--format=%H", "--", path).decode().strip()
    except GitError:
        return None
    return out or None
