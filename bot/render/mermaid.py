"""Charts GitHub draws by itself: Mermaid ``xychart-beta`` blocks in Markdown.

GitHub renders ```` ```mermaid ```` blocks in Markdown files, issues, pull requests and step
summaries with its bundled Mermaid (11.x; ``xychart-beta`` exists since Mermaid 10.5). Every
label that comes from data is reduced to a safe set of characters first, so it can neither close
the block (no backticks, no line breaks) nor start a directive or a comment (no ``%``), nor end a
quoted string (no ``"``); the tests parse every chart with Mermaid's own parser.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.render.markdown import Markdown

MAX_LABEL = 40
MAX_TITLE = 90
_SAFE_EXTRA = frozenset(" ._+-/():,%")
_SPACES = re.compile(r"\s+")
# `%%` starts a comment or a directive (`%%{init: …}%%`) anywhere in the text: one `%` cannot.
_PERCENTS = re.compile(r"%[\s%]*%")


def label(text: str, limit: int = MAX_LABEL) -> str:
    """``text`` reduced to letters, digits, spaces and ``._+-/():,%`` (never two ``%`` in a
    row); at most ``limit`` characters."""
    kept = "".join(c if c.isalnum() or c in _SAFE_EXTRA else " " for c in text)
    flat = _SPACES.sub(" ", _PERCENTS.sub("%", _SPACES.sub(" ", kept))).strip()
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return flat


def _quoted(text: str, limit: int = MAX_LABEL) -> str:
    return f'"{label(text, limit)}"'


def number(value: float) -> str:
    """A plot value: at most two decimals, no exponent."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


@dataclass(frozen=True)
class Series:
    """One plot of a chart: ``line`` or ``bar``, one value per category."""

    kind: str
    values: tuple[float, ...]


def xychart(
    title: str,
    x_title: str,
    categories: Sequence[str],
    y_title: str,
    y_range: tuple[float, float],
    series: Sequence[Series],
    colours: Sequence[str],
) -> Markdown:
    """A fenced ``xychart-beta`` block; ``colours`` (``#rrggbb``) colour the series in order.

    Every chart names its colours: Mermaid's default palette draws a first series in
    ``#ECECFF``, barely visible on GitHub's white page.
    """
    if not colours:
        raise ValueError("a chart needs its colours: Mermaid's default is near-white")
    for s in series:
        if s.kind not in ("line", "bar") or len(s.values) != len(categories):
            raise ValueError(
                f"a {s.kind} of {len(s.values)} values on {len(categories)} categories"
            )
    for colour in colours:
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
            raise ValueError(f"not a colour: {colour!r}")
    lines = [
        "```mermaid",
        "---",
        "config:",
        "  themeVariables:",
        "    xyChart:",
        f'      plotColorPalette: "{", ".join(colours)}"',
        "---",
    ]
    low, high = y_range
    lines += [
        "xychart-beta",
        f"  title {_quoted(title, MAX_TITLE)}",
        f"  x-axis {_quoted(x_title)} [{', '.join(_quoted(c) for c in categories)}]",
        f"  y-axis {_quoted(y_title)} {number(low)} --> {number(high)}",
    ]
    lines += [f"  {s.kind} [{', '.join(number(v) for v in s.values)}]" for s in series]
    lines.append("```")
    return Markdown("\n".join(lines))
