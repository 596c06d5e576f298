"""The one way riskbot writes files: every command that writes (init, import, new, review,
check --fix, report, retro, portfolio, policy pull) goes through :func:`write_files`.

Nothing is written through a symbolic link: not the file, nor a folder on its way below the
folder the command writes into, since a link (which a pull request can commit) could lead
outside the repository. Several files are written all or none: a failure takes back the files
the run created, and a refusal writes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.errors import RiskbotError
from bot.repo.files import linked_part


class OutputError(RiskbotError):
    """A file could not be written, or would not be: the message names it and says why."""


def _linked_folder(root: Path, folder: Path) -> Path | None:
    """The first folder from ``root`` down to ``folder`` that is a symbolic link (None: none,
    or ``folder`` is not below ``root``, where only the file itself is ours to judge)."""
    try:
        return linked_part(root, folder)
    except ValueError:
        return None


def _write(path: Path, data: bytes) -> None:
    # O_NOFOLLOW: a link put in place since it was checked is refused all the same.
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o666)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _blocked(path: Path, exc: OSError, shown: Callable[[Path], str]) -> str:
    """Why a file could not be written, in a sentence."""
    if isinstance(exc, FileExistsError | NotADirectoryError):
        # mkdir met a file where a folder should be (or writing met one on the way).
        blocker = next((p for p in path.parents if p.is_file()), None)
        return f"{exc.filename if blocker is None else shown(blocker)} is a file, not a folder"
    why = exc.strerror or type(exc).__name__
    other = exc.filename is not None and Path(str(exc.filename)) != path
    return why + (f" ({shown(Path(str(exc.filename)))})" if other else "")


def write_files(
    root: Path,
    files: Sequence[tuple[Path, str | bytes]],
    *,
    replace: bool = True,
    refused: type[RiskbotError] = OutputError,
    shown: Callable[[Path], str] = str,
) -> list[Path]:
    """Write each (path, text) as UTF-8 (bytes as they are), creating folders, or nothing at all.

    Refused (``refused``, nothing written): a file or a folder below ``root`` that is a symbolic
    link; without ``replace``, files that exist (every one named).
    """
    # One look at each file and one at each folder: an import writes thousands into one folder.
    there = {path for path, _ in files if os.path.lexists(path)}
    folders: dict[Path, Path | None] = {}
    links: list[Path] = []
    for path, _ in files:
        if path in there and path.is_symlink():
            links.append(path)
            continue
        if path.parent not in folders:
            folders[path.parent] = _linked_folder(root, path.parent)
        if (link := folders[path.parent]) is not None:
            links.append(link)
    if links:
        raise refused(
            f"will not write through the symbolic link {shown(links[0])}; nothing was written"
        )
    existing = [path for path, _ in files if path in there]
    if existing and not replace:
        names = ", ".join(shown(p) for p in existing)
        raise refused(
            f"would overwrite {len(existing)} existing files: {names}; "
            "use --force to replace them; nothing was written"
        )
    created: list[Path] = []
    made: set[Path] = set()
    for path, text in files:
        try:
            if path.parent not in made:
                path.parent.mkdir(parents=True, exist_ok=True)
                made.add(path.parent)
            _write(path, text if isinstance(text, bytes) else text.encode("utf-8"))
        except OSError as exc:
            for done in created:  # no half-written result: take back what this run created
                done.unlink(missing_ok=True)
            undone = "; nothing was written" if len(files) > 1 else ""
            why = _blocked(path, exc, shown)
            raise refused(f"cannot write {shown(path)}: {why}{undone}") from None
        if path not in there:
            created.append(path)
    return [path for path, _ in files]


def write_output(path: Path, text: str | bytes, root: Path) -> None:
    """Write one document a command produces (``report``, ``report --output``, ``retro
    --output``, ``export --output``): inside the repository at ``root``, no folder on its way
    from ``root`` may be a link (a pull request can commit one); a path elsewhere is the user's
    own choice."""
    # abspath, not resolve: resolving would follow the very links this looks for.
    where, top = Path(os.path.abspath(path)), Path(os.path.abspath(root))

    def shown(named: Path) -> str:  # as the user named the output: from here, if so given
        return str(named) if path.is_absolute() else os.path.relpath(named)

    inside = where.is_relative_to(top)
    write_files(top if inside else where.parent, [(where, text)], shown=shown)
