"""The one walk of ``risks/`` and the one reader of a register file in a working tree.

Nothing is read through a symbolic link, nothing waits on a pipe, and no folder is walked deeper
than :data:`~bot.register.load.MAX_FOLDER_DEPTH`: each of those is a refused
:class:`~bot.register.load.SourceFile`, an error on its own path. ``check`` and every command that
looks for a risk file (``new``, ``review``, ``import``, ``init``) find them here, the same way.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from bot.register.load import (
    MAX_FOLDER_DEPTH,
    RISK_SUFFIXES,
    RISKS_DIR,
    SourceFile,
    deep_folder,
    not_a_file,
)
from bot.repo.git import linked


def linked_part(root: Path, path: Path) -> Path | None:
    """The first part of ``path`` below ``root`` that is a symbolic link, or None."""
    current = root
    for part in path.relative_to(root).parts:
        current = current / part
        if current.is_symlink():
            return current
    return None


def read_regular(path: str | os.PathLike[str]) -> bytes | None:
    """A regular file's bytes; None for anything else (a pipe, a socket, a device, a folder).

    Opened without following a link and without waiting: opening a pipe for reading would block
    until something writes to it.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb") as fh:
            fd = -1
            return fh.read()
    finally:
        if fd >= 0:
            os.close(fd)


def walk_risks(root: Path) -> Iterator[tuple[str, os.DirEntry[str] | SourceFile]]:
    """Every entry below ``risks/`` that is not a folder walked into: a refused
    :class:`SourceFile` for a link to a risk file or a folder and for a folder past
    :data:`MAX_FOLDER_DEPTH`, else the directory entry (which knows whether it is a link, a
    folder or a file without asking the file system again). Any depth costs no stack."""
    folders = [(RISKS_DIR, 0)]
    while folders:
        relative, depth = folders.pop()
        with os.scandir(os.path.join(root, relative)) as listing:
            entries = list(listing)
        for entry in entries:
            name = f"{relative}/{entry.name}"
            if entry.is_symlink():
                if entry.name.endswith(RISK_SUFFIXES) or entry.is_dir():
                    yield name, linked(name)
                else:
                    yield name, entry
            elif entry.is_dir():
                if depth >= MAX_FOLDER_DEPTH:
                    yield name, deep_folder(name)
                else:
                    folders.append((name, depth + 1))
            else:
                yield name, entry


def read_risk(name: str, entry: os.DirEntry[str]) -> SourceFile:
    """A risk file found by the walk, read (or refused: no regular file, not readable)."""
    try:
        raw = read_regular(entry.path)
    except OSError as exc:
        return SourceFile(
            name, b"", refused=f"cannot be read ({exc.strerror})", refused_code="not-a-file"
        )
    return SourceFile(name, raw) if raw is not None else not_a_file(name)


def _risks_below(root: Path) -> bool:
    """Whether ``root`` has a ``risks/`` folder to walk (not a link: that is refused)."""
    return (root / RISKS_DIR).is_dir() and linked_part(root, root / RISKS_DIR) is None


def risk_file_names(root: Path) -> list[str]:
    """The names (``risks/…``) of every risk file the walk finds, links and pipes included,
    sorted: what ``new``, ``review``, ``import`` and ``init`` look for, found as ``check`` finds
    it."""
    if not _risks_below(root):
        return []
    return sorted(
        name
        for name, entry in walk_risks(root)
        if name.endswith(RISK_SUFFIXES) and not _is_folder(entry)
    )


def _is_folder(entry: os.DirEntry[str] | SourceFile) -> bool:
    return isinstance(entry, SourceFile) and entry.refused_code == "too-deep"
