"""Plain-text tables for terminals and logs: columns padded to their widest cell."""

from __future__ import annotations

from collections.abc import Sequence

from bot.render.actions import shown


def text_table(rows: Sequence[Sequence[str]], *, gap: int = 2) -> list[str]:
    """Rows as lines, each column left-aligned to its widest cell, trailing spaces removed."""
    if not rows:
        return []
    columns = max(len(r) for r in rows)
    # A cell is data (a title, an owner): its line breaks and escapes are shown, not acted on.
    padded = [[*map(shown, r), *([""] * (columns - len(r)))] for r in rows]
    widths = [max(len(r[i]) for r in padded) for i in range(columns)]
    spacer = " " * gap
    return [
        spacer.join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in padded
    ]
