"""Writing the files a command produces (`report --output`, `retro --output`, `policy pull`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot.errors import RiskbotError
from bot.repo.worktree import linked_part


class OutputError(RiskbotError):
    """The output file could not be written; the message names it and says why."""


def write_output(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` as UTF-8, creating its parent folders."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    except (FileExistsError, NotADirectoryError) as exc:
        # mkdir met a file where a folder should be (or writing met one on the way).
        blocker = next((p for p in path.parents if p.is_file()), exc.filename)
        raise OutputError(f"cannot write {path}: {blocker} is a file, not a folder") from None
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        other = exc.filename is not None and Path(str(exc.filename)) != path
        raise OutputError(
            f"cannot write {path}: {why}" + (f" ({exc.filename})" if other else "")
        ) from None


def write_files(root: Path, files: Sequence[tuple[Path, str]]) -> list[Path]:
    """Write each (path, text) under ``root`` as UTF-8, creating folders; nothing at all when a
    file, or a folder below ``root`` on the way to one, is a symbolic link (it could lead
    anywhere)."""
    links = [link for path, _ in files if (link := linked_part(root, path)) is not None]
    if links:
        raise OutputError(
            f"will not write through the symbolic link {links[0]}; nothing was written"
        )
    for path, text in files:
        write_output(path, text)
    return [path for path, _ in files]
